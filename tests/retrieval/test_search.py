"""Hybrid search on the mini corpus: known clauses first, in both languages; filters; eval arithmetic."""

from __future__ import annotations

import pytest

from retrieval.documents import doc_id_for
from retrieval.evaluate import Outcome, Question, evaluate, first_hit_rank, is_hit, metrics
from retrieval.search import Filters, hits_to_json, period_ended


@pytest.mark.parametrize(
    "question, expected",
    [
        ("研发费用加计扣除现在的比例是多少？", "100%在税前加计扣除"),
        ("2018年到2020年研发费用加计扣除比例", "75%在税前加计扣除"),
        ("成果转化奖励受绩效工资限制吗？", "不纳入绩效工资"),
        ("要建几家国家技术转移人才培养基地？", "3家国家技术转移人才培养基地"),
        ("作价投资的奖励比例是多少", "形成的股份或者出资比例中提取不低于百分之五十"),
        ("What is the current R&D super deduction rate?", "100%在税前加计扣除"),
        ("Are technology transfer rewards excluded from performance pay?", "不纳入绩效工资"),
        ("What does the plan say about ice and snow tourism?", "冰雪旅游"),
        ("Can a university keep the income from transferring research results?", "收入全部留归本单位"),
    ],
)
def test_known_clause_ranks_first(app, question, expected):
    hits = app.searcher.search(question, k=5)
    assert hits, question
    assert is_hit(hits[0].chunk.text, [expected]), [h.chunk.text[:40] for h in hits]


def test_hit_carries_section_page_and_document(app):
    hit = app.searcher.search("作价投资的奖励比例是多少", k=1)[0]
    assert hit.doc.meta.title.startswith("中华人民共和国促进科技成果转化法")
    assert hit.chunk.section[-1] == "第四十五条"
    assert hit.chunk.section[0].startswith("第四章")
    row = hits_to_json([hit])[0]
    assert set(row) >= {"doc_id", "title", "doc_number", "section", "page", "text", "score"}
    assert row["text"] == hit.chunk.text  # exactly as stored
    assert row["section"] == "第四章 技术权益 › 第四十五条"


def test_filter_by_document(app):
    only = doc_id_for("rd_2018.md")
    hits = app.searcher.search("研发费用加计扣除比例", k=10, filters=Filters(doc_ids=(only,)))
    assert hits and {h.chunk.doc_id for h in hits} == {only}


def test_filter_by_issuer(app):
    hits = app.searcher.search("研发费用加计扣除", k=10, filters=Filters(issuer="科技部"))
    assert hits
    assert all("科技部" in " ".join(h.doc.meta.issuers) + h.doc.meta.title for h in hits)
    assert not app.searcher.search("研发费用", filters=Filters(issuer="不存在的机关"))


def test_filter_documents_in_force_on_a_date(app):
    hits = app.searcher.search("研发费用加计扣除比例", k=20, filters=Filters(in_force_on="2019-06-01"))
    numbers = {h.doc.meta.doc_number for h in hits}
    assert "财税〔2018〕99号" in numbers
    assert "财政部 税务总局公告2023年第7号" not in numbers  # not issued yet in 2019


def test_empty_query_and_empty_index(app):
    assert app.searcher.search("   ") == []


def test_period_ended():
    assert period_ended("在2018年1月1日至2020年12月31日期间", "2024-01-01")
    assert not period_ended("在2023年1月1日至2027年12月31日期间", "2024-01-01")
    assert not period_ended("自2023年1月1日起执行", "2024-01-01")


# ---------------------------------------------------------------- evaluation arithmetic


def test_hit_rule_normalises_width_and_whitespace():
    assert is_hit("按照实际发生额的 100％ 在税前加计扣除", ["100%在税前加计扣除"])
    assert not is_hit("按照实际发生额的75%", ["100%"])
    assert first_hit_rank(["a", "b 目标", "目标"], ["目标"]) == 2
    assert first_hit_rank(["a"] * 12 + ["目标"], ["目标"]) is None


def test_metrics_on_a_tiny_fixture():
    q = [Question(str(i), "q", ("g",), "zh") for i in range(4)]
    outcomes = [Outcome(q[0], 1, ()), Outcome(q[1], 2, ()), Outcome(q[2], 6, ()), Outcome(q[3], None, ())]
    m = metrics(outcomes)
    assert m["recall@1"] == 0.25
    assert m["recall@3"] == 0.5
    assert m["recall@5"] == 0.5
    assert m["recall@10"] == 0.75
    assert m["mrr@10"] == pytest.approx((1 + 0.5 + 1 / 6) / 4)


def test_evaluate_splits_by_language():
    questions = [Question("a", "甲", ("甲",), "zh"), Question("b", "B", ("乙",), "en")]
    docs = {"甲": ["无关", "甲在此"], "B": ["乙在此"]}
    result = evaluate(questions, lambda text: docs[text])
    assert result["by_lang"]["zh"]["recall@1"] == 0.0
    assert result["by_lang"]["zh"]["mrr@10"] == 0.5
    assert result["by_lang"]["en"]["recall@1"] == 1.0
    assert result["overall"]["n"] == 2
    assert [q["rank"] for q in result["questions"]] == [2, 1]
