"""The answer check of ../shared/eval/README.md: the normaliser, the rule, the file, the CLI."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from bot.answer_check import (
    AnswerCheck,
    Checked,
    check,
    is_answer_check_file,
    load_answer_checks,
    normalize_answer,
    summarize,
)
from bot.cli import main
from retrieval.documents import CorpusError
from tests.conftest import write_config

SHARED_EVAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval"
DEV_ANSWERS = SHARED_EVAL / "dev_answers.jsonl"


# ---------------------------------------------------------------- the normaliser


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("百分之一百七十五", "175%"),
        ("百分之零点五", "0.5%"),
        ("百分之百", "100%"),
        ("百分之五十", "50%"),
        ("百分之十五", "15%"),
        ("百分之一百零五", "105%"),
        ("百分之三点一四", "3.14%"),
        ("按实际发生额的百分之七十五加计扣除", "按实际发生额的75%加计扣除"),
        ("百分之50", "百分之50"),  # the rule converts Chinese numerals only
        ("７５％，（：", "75%,(:"),  # NFKC
        ("The Extra Rate is 100 %", "theextrarateis100%"),
        ("已知：收入5000万元\n结论：适用5%的标准", "结论:适用5%的标准"),
        ("You said — Known: revenue RMB 50m\nNo, it does not qualify.", "no,itdoesnotqualify."),
        ("第一行\n已知: 2020年\n第三行", "第一行第三行"),
        ("a b\tc\u3000d\r\ne", "abcde"),
    ],
)
def test_normalize_answer(text: str, normal: str) -> None:
    assert normalize_answer(text) == normal


def test_normalize_answer_keeps_the_first_700_characters_after_removing_whitespace() -> None:
    assert normalize_answer("ab " * 500) == "ab" * 350
    assert normalize_answer("x" * 699 + "\n\n已知：y\nZ tail") == "x" * 699 + "z"


# ---------------------------------------------------------------- the rule


def _record(**kw) -> AnswerCheck:
    base = {"id": "T1", "lang": "zh", "question": "q", "expected": ""}
    return AnswerCheck(**(base | kw))


def test_a_matching_answer_passes() -> None:
    rec = _record(must=("75%", "2021"), must_not=("不适用75%",), first_rate="75%")
    result = check(rec, "2020年度按百分之七十五加计扣除；100%自2021年起。", abstained=False)
    assert result.passed and result.failures == ()


def test_a_missing_must_fails_naming_the_regex() -> None:
    result = check(_record(must=("75%", "2021")), "按75%加计扣除。", abstained=False)
    assert not result.passed
    assert [(f.rule, f.detail) for f in result.failures] == [("must", "no match for /2021/")]


def test_a_must_not_match_fails_quoting_the_match() -> None:
    rec = _record(must=("100%",), must_not=("不属于制造业企业|不算制造业",))
    result = check(rec, "100%，但你们不算 制造业", abstained=False)
    assert [(f.rule, f.detail) for f in result.failures] == [
        ("must_not", "/不属于制造业企业|不算制造业/ matched '不算制造业'")
    ]


def test_first_rate_is_the_first_percentage_after_normalising() -> None:
    rec = _record(first_rate="100%")
    # the 已知 line is dropped, so its 50% does not count
    assert check(rec, "已知：制造业收入占50%\n可按百分之百加计扣除", abstained=False).passed
    wrong = check(rec, "制造业收入占50%，可按100%加计扣除", abstained=False)
    assert [(f.rule, f.detail) for f in wrong.failures] == [
        ("first_rate", "expected 100%, the first is 50%")
    ]
    none = check(rec, "可以加计扣除", abstained=False)
    assert [f.rule for f in none.failures] == ["first_rate"]
    assert "no percentage" in none.failures[0].detail


def test_an_abstain_question_passes_only_when_the_bot_refused() -> None:
    rec = _record(abstain=True)
    assert check(rec, "政策库中没有找到相关规定。", abstained=True).passed
    answered = check(rec, "科创板上市要求研发投入占比不低于5%。", abstained=False)
    assert [f.rule for f in answered.failures] == ["abstain"]


def test_every_failure_is_reported() -> None:
    rec = _record(must=("570万",), must_not=("760万",), first_rate="75%", abstain=True)
    result = check(rec, "基数760万元，按100%加计扣除", abstained=False)
    assert [f.rule for f in result.failures] == ["must", "must_not", "first_rate", "abstain"]
    assert str(result.failures[0]) == "must: no match for /570万/"


# ---------------------------------------------------------------- the file


@pytest.fixture(scope="module")
def dev_answers() -> list[AnswerCheck]:
    if not DEV_ANSWERS.is_file():
        pytest.skip(f"the shared answer check set is not here: {DEV_ANSWERS.resolve()} is absent")
    return load_answer_checks(DEV_ANSWERS)


def test_the_dev_file_loads_as_its_readme_describes(dev_answers: list[AnswerCheck]) -> None:
    assert len(dev_answers) == 36
    assert Counter(r.lang for r in dev_answers) == {"zh": 16, "en": 13, "mixed": 7}
    assert {r.id for r in dev_answers if r.abstain} == {"A15", "A16", "A29", "A36"}
    assert is_answer_check_file(DEV_ANSWERS)
    assert not is_answer_check_file(SHARED_EVAL / "dev_questions.jsonl")


def test_every_expected_answer_passes_its_own_check(dev_answers: list[AnswerCheck]) -> None:
    failures = {
        r.id: [str(f) for f in result.failures]
        for r in dev_answers
        if not (result := check(r, r.expected, abstained=r.abstain)).passed
    }
    assert failures == {}


def test_a_bad_regex_is_refused_naming_the_file_and_record(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    good = {"id": "x", "lang": "en", "question": "q", "must": ["ok"], "abstain": False}
    bad = {"id": "y", "lang": "en", "question": "q", "must": ["(unclosed"], "abstain": False}
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"a\.jsonl: record 2: bad regex '\(unclosed'"):
        load_answer_checks(path)


def test_summary_counts_per_language_and_lists_the_failing_ids() -> None:
    def done(id_: str, lang: str, passed: bool) -> Checked:
        rec = _record(id=id_, lang=lang, must=("ok",))
        text = "ok" if passed else "no"
        return Checked(rec, text, False, check(rec, text, False))

    summary = summarize(
        [done("1", "en", True), done("2", "mixed", False), done("3", "zh", True),
         done("4", "en", False)]
    )
    assert summary.to_json() == {
        "overall": {"n": 4, "passed": 2, "pass_rate": 0.5},
        "by_lang": {
            "zh": {"n": 1, "passed": 1, "pass_rate": 1.0},
            "en": {"n": 2, "passed": 1, "pass_rate": 0.5},
            "mixed": {"n": 1, "passed": 0, "pass_rate": 0.0},
        },
        "failing": ["2", "4"],
    }
    assert list(summary.to_json()["by_lang"]) == ["zh", "en", "mixed"]


# ---------------------------------------------------------------- the CLI

FIXTURE = [
    {"id": "a", "lang": "zh", "question": "研发费用加计扣除现在的比例是多少？",
     "expected": "100%", "must": ["100%"], "must_not": [], "first_rate": None, "abstain": False},
    {"id": "b", "lang": "en", "question": "北京明天天气怎么样？",
     "expected": "refused", "must": [], "must_not": [], "first_rate": None, "abstain": True},
    {"id": "c", "lang": "mixed", "question": "研发费用加计扣除现在的比例是多少？",
     "expected": "", "must": [], "must_not": ["100%"], "first_rate": None, "abstain": False},
]


@pytest.fixture
def cli(tmp_path: Path, _built_mini_index: Path, capsys: pytest.CaptureFixture[str]):
    shutil.copytree(_built_mini_index, tmp_path / "data")
    cfg = write_config(tmp_path / "config.toml")
    qfile = tmp_path / "answers.jsonl"
    qfile.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in FIXTURE) + "\n", encoding="utf-8"
    )

    def run(*args: str) -> tuple[int, str]:
        code = main(["--config", str(cfg), "eval", "--answers", "--questions", str(qfile), *args])
        return code, capsys.readouterr().out

    return run


def test_eval_answers_checks_each_answer(cli) -> None:
    code, out = cli("--json")
    assert code == 0
    result = json.loads(out)
    assert result["summary"] == {
        "overall": {"n": 3, "passed": 2, "pass_rate": 0.667},
        "by_lang": {
            "zh": {"n": 1, "passed": 1, "pass_rate": 1.0},
            "en": {"n": 1, "passed": 1, "pass_rate": 1.0},
            "mixed": {"n": 1, "passed": 0, "pass_rate": 0.0},
        },
        "failing": ["c"],
    }
    rows = result["questions"]
    assert [(r["id"], r["lang"], r["passed"], r["abstained"]) for r in rows] == [
        ("a", "zh", True, False),
        ("b", "en", True, True),
        ("c", "mixed", False, False),
    ]
    assert rows[2]["failures"] == ["must_not: /100%/ matched '100%'"]
    assert "100%" in rows[0]["answer"] and rows[0]["failures"] == []

    code, out = cli()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["n", "passed", "pass", "rate"]
    assert lines[1].split() == ["zh", "1", "1", "1.000"]
    assert lines[4].split() == ["overall", "3", "2", "0.667"]
    assert "failing (1):" in out
    assert "c  must_not: /100%/ matched '100%'" in out
