"""The `policybot` command's machine-readable contracts and its error messages."""

from __future__ import annotations

import json
import shutil

import pytest

from bot.cli import main
from tests.conftest import MINI_CORPUS, write_config


@pytest.fixture
def cli(tmp_path, _built_mini_index, capsys):
    shutil.copytree(_built_mini_index, tmp_path / "data")
    cfg = write_config(tmp_path / "config.toml")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--config", str(cfg), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_docs_json(cli):
    code, out, _ = cli("docs", "--json")
    assert code == 0
    docs = json.loads(out)
    assert len(docs) == 5
    row = next(d for d in docs if d["source_name"] == "rd_2018.md")
    assert row["doc_number"] == "财税〔2018〕99号"
    assert row["date"] == "2018-09-20"
    assert row["chunks"] >= 2
    assert set(row) >= {"doc_id", "title", "doc_number", "date", "chunks"}


def test_search_json_and_queries_file(cli, tmp_path):
    code, out, _ = cli("search", "研发费用加计扣除现在的比例是多少？", "-k", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert len(result["hits"]) == 3
    assert "100%在税前加计扣除" in result["hits"][0]["text"]
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "a", "question": "成果转化奖励受绩效工资限制吗？"}, ensure_ascii=False) + "\n"
        + json.dumps({"id": "b", "question": "What is the current R&D super deduction rate?"}) + "\n",
        encoding="utf-8",
    )
    code, out, _ = cli("search", "--queries", str(queries), "-k", "2", "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    for line in lines:
        assert len(line["hits"]) == 2
        assert isinstance(line["elapsed_ms"], float)
        assert set(line["hits"][0]) >= {"doc_id", "title", "doc_number", "section", "page", "text", "score"}
    assert "不纳入绩效工资" in lines[0]["hits"][0]["text"]


def test_eval_json(cli, tmp_path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        json.dumps({"id": "1", "lang": "zh", "question": "研发费用加计扣除现在的比例是多少？",
                    "gold": ["100%在税前加计扣除"]}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    code, out, _ = cli("eval", "--questions", str(qfile), "--json")
    result = json.loads(out)
    assert code == 0
    assert result["overall"]["recall@1"] == 1.0
    assert result["by_lang"]["zh"]["mrr@10"] == 1.0


def test_ask_json_contract(cli):
    code, out, _ = cli("ask", "研发费用加计扣除现在的比例是多少？", "--json")
    assert code == 0
    a = json.loads(out)
    assert a["lang"] == "zh" and a["abstained"] is False and a["mode"] == "extractive"
    assert isinstance(a["answer"], str) and "100%" in a["answer"]
    c = a["citations"][0]
    assert set(c) >= {"doc_id", "title", "doc_number", "date", "section", "page", "quote"}
    code, out, _ = cli("ask", "北京明天天气怎么样？", "--json")
    refused = json.loads(out)
    assert refused["abstained"] is True and refused["citations"] == []


def test_check_json_contract(cli):
    code, out, _ = cli("check", "--text", "我们是一家批发公司，批发收入占八成", "--year", "2024", "--json")
    assert code == 0
    r = json.loads(out)
    assert r["facts"]["industry"] == "wholesale_retail"
    rd = next(i for i in r["incentives"] if i["id"] == "rd-super-deduction")
    assert rd["verdict"] == "does_not_apply"
    assert set(rd) >= {"id", "name", "verdict", "benefit", "conditions"}
    assert set(rd["benefit"]) >= {"summary", "rate_percent"}
    assert any(c["status"] == "failed" and "119号" in c["citation"] for c in rd["conditions"])
    code, out, _ = cli("check", "--fact", "entity_type=enterprise", "--fact", "industry=software_it",
                       "--year", "2024", "--json")
    rd = next(i for i in json.loads(out)["incentives"] if i["id"] == "rd-super-deduction")
    assert rd["benefit"]["rate_percent"] == 100


def test_check_rejects_a_bad_fact(cli):
    code, _, err = cli("check", "--fact", "colour=blue")
    assert code == 2
    assert "colour" in err


def test_incentives_json(cli):
    code, out, _ = cli("incentives", "--json")
    data = json.loads(out)
    ids = {i["id"] for i in data["incentives"]}
    assert {"rd-super-deduction", "transfer-reward-pay-cap", "researcher-reward-income-tax",
            "service-invention-ownership", "high-tech-enterprise", "tech-sme", "tech-transfer-income",
            "angel-investor", "venture-capital", "equity-incentive-deferral"} <= ids


def test_ingest_reports_refused_files_and_exits_non_zero(cli, tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    good = MINI_CORPUS / "rd_2023.md"
    code, out, err = cli("ingest", str(bad), str(good))
    assert code == 1
    assert "empty.txt" in err
    assert "1 unchanged" in out


def test_bad_config_is_a_clear_message(tmp_path, capsys):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[search]\nk = 'ten'\n", encoding="utf-8")
    code = main(["--config", str(cfg), "docs"])
    assert code == 2
    assert "[search] k must be a whole number" in capsys.readouterr().err


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07", "🤔🤔🤔"])
def test_ask_refuses_empty_questions_clearly(cli, question):
    code, out, err = cli("ask", question)
    assert code == 2 and out == ""
    assert "the question is empty" in err


def test_ask_handles_hostile_questions(cli):
    long = "研发费用加计扣除的比例是多少？" * 800  # 12,000 characters
    code, out, err = cli("ask", long, "--json")
    assert code == 0 and "cut to its first 2000 characters" in err
    assert json.loads(out)["abstained"] is False
    code, out, _ = cli("ask", "<b>研发费用</b> & 加计扣除 *比例* `多少`？\x1b[31m", "--json")
    assert code == 0 and json.loads(out)["lang"] == "zh"


def test_eval_answers_scores_citations_and_refusals(cli, tmp_path):
    qfile = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "lang": "zh", "question": "研发费用加计扣除现在的比例是多少？", "gold": ["100%在税前加计扣除"]},
        {"id": "b", "lang": "zh", "question": "北京明天天气怎么样？", "gold": []},
    ]
    qfile.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    code, out, _ = cli("eval", "--questions", str(qfile), "--answers", "--json")
    result = json.loads(out)
    assert code == 0
    assert result["summary"]["zh"] == {"answerable": 1, "answered": 1.0, "cited_gold": 1.0,
                                       "cautioned": 0.0, "out_of_scope": 1, "refused": 1.0,
                                       "refused_or_cautioned": 1.0}
    assert [r["abstained"] for r in result["questions"]] == [False, True]


def test_library_debug_chatter_stays_out_of_the_terminal(cli, tmp_path):
    import logging
    import shutil as sh

    sh.rmtree(tmp_path / "data" / "cache", ignore_errors=True)  # the BM25 indexes get built now
    logging.getLogger("bm25s").setLevel(logging.DEBUG)  # as bm25s itself does when imported

    code, out, err = cli("ask", "研发费用加计扣除的比例是多少？")

    assert code == 0 and "加计扣除" in out
    assert "bm25s" not in err and "Building index" not in err
    assert logging.getLogger("bm25s").level == logging.WARNING
