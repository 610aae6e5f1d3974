"""Answerability on the mini corpus: neighbouring policies refused, covered subjects and catalog
topics answered, and the model following the corpus as documents come and go."""

from __future__ import annotations

import pytest

from bot import extractive
from bot.pipeline.coverage import Coverage, CoverageModel
from retrieval.glossary import detect_language
from tests.conftest import MINI_CORPUS


def judge(app, model: CoverageModel, text: str, topics: tuple[str, ...] = ()) -> Coverage:
    snap = app.index.snapshot()
    plan = app.searcher.plan(text)
    hits = app.searcher.search(text, k=8, plan=plan)
    weights, missing = extractive.term_weights(snap, plan)
    support = extractive.support_score(hits, weights, missing, plan, snap)
    return model.judge(text, detect_language(text), hits, support, topics, plan=plan)


def test_neighbouring_policy_is_refused_with_help(app):
    model = CoverageModel.from_app(app)
    cov = judge(app, model, "出口货物的增值税退税率是多少？")
    assert not cov.answerable, cov
    assert cov.reason == "not held"
    assert "增值税" in cov.main_object or "退税" in cov.main_object
    assert cov.nearest and all(isinstance(s, str) and s for s in cov.nearest)
    assert "增值税" in cov.admin_hint or "退税" in cov.admin_hint
    assert 0.0 <= cov.score < model.threshold


def test_covered_question_is_answerable(app):
    model = CoverageModel.from_app(app)
    cov = judge(app, model, "研发费用加计扣除现在的比例是多少？")
    assert cov.answerable, cov
    assert cov.score >= model.threshold and cov.admin_hint == ""
    assert any("研发费用" in s for s in cov.nearest)


def test_catalog_topic_is_answerable_without_its_document(app):
    # no document of the mini corpus is about angel investors; the catalog answers it
    titles = " ".join(r.meta.title for r in app.index.snapshot().docs.values())
    assert "天使投资" not in titles
    model = CoverageModel.from_app(app)
    question = "天使投资个人投资初创科技型企业，能按投资额的多少抵扣？"
    angel = app.catalog.get("angel-investor").name.zh
    # named as a topic by the understanding stage …
    cov = judge(app, model, question, topics=("angel-investor",))
    assert cov.answerable and cov.reason == "catalog", cov
    assert cov.nearest[0] == angel
    # … or found by the model itself in the catalog's names and summaries
    cov = judge(app, model, question)
    assert cov.answerable and cov.reason == "catalog", cov
    assert angel in cov.nearest


def test_model_follows_documents_removed_and_added(app):
    model = CoverageModel.from_app(app)
    question = "东北方案对冰雪旅游产业有哪些科技支持？"
    before = model.state()
    assert judge(app, model, question).answerable
    plan_doc = next(d for d, r in app.index.snapshot().docs.items() if "东北" in r.meta.title)

    app.corpus.remove(plan_doc)
    after = model.state()
    assert after.generation != before.generation
    assert plan_doc not in {s.key for s in after.subjects}
    assert not judge(app, model, question).answerable

    app.corpus.ingest_paths([MINI_CORPUS / "northeast_plan.txt"])
    assert any("东北" in s.label_zh for s in model.subjects)
    assert judge(app, model, question).answerable


# ---------------------------------------------------------------- wrong refusals (issue 12)


def units_of(app, model: CoverageModel, text: str) -> set[str]:
    plan = app.searcher.plan(text)
    return {u.label for u in model.units(plan, app.searcher.search(text, k=8, plan=plan))}


def test_question_phrasing_is_no_unit(app):
    # asking words (哪几种), pronouns (这个), the A-not-A form (算不算 → 不算) and the noun naming the
    # kind of answer (哪个城市) are no evidence of another subject
    model = CoverageModel.from_app(app)
    assert not {"哪几种", "哪几", "几种"} & units_of(app, model, "科技成果转化有哪几种方式")
    assert not {"不算", "算不算", "这个"} & units_of(app, model, "这个奖励算不算科技成果转化收入？")
    assert "城市" not in units_of(app, model, "国家技术转移东北中心设在哪个城市？")
    assert "科技成果转化" in units_of(app, model, "科技成果转化有哪几种方式")


def test_word_the_clauses_hold_is_not_missing():
    from bot.pipeline.coverage import _digit_forms, _in_clauses

    clause = ["支持辽宁省依托中德(沈阳)高端装备制造产业园", "支持哈尔滨工业大学建设高新技术产业开发区"]
    assert _in_clauses("中德", clause) == ("中德",)  # verbatim, though the tokenizer splits it
    assert _in_clauses("哈工大", clause) == ("哈尔滨工业大",)  # an abbreviation, characters in order
    assert _in_clauses("高新区", clause) == ("高新技术产业开发区",)
    assert _in_clauses("科创板", clause) == ()
    assert _digit_forms("一年") == ("1年",) and _digit_forms("十二个月") == ("12个月",)


def test_question_naming_a_held_document_is_answerable(app):
    from bot.pipeline.coverage import _abbreviates

    model = CoverageModel.from_app(app)
    rd_2018 = next(d for d, r in app.index.snapshot().docs.items() if r.meta.doc_number == "财税〔2018〕99号")
    law = next(d for d, r in app.index.snapshot().docs.items() if "成果转化法" in r.meta.title)
    cov = judge(app, model, "财税〔2018〕99号这个文件叫什么名字？")
    assert cov.answerable and cov.reason == "document" and cov.documents == (rd_2018,), cov
    assert model.named_documents("新修订的促进科技成果转化法从哪天开始施行？") == (law,)  # title "…（节选）"
    assert model.named_documents("财税〔2019〕13号怎么规定？") == ()
    assert model.named_documents("个人所得税法规定的税率是多少？") == ()
    assert _abbreviates("科技进步法", "科学技术进步法")
    assert not _abbreviates("个人所得税法", "企业所得税法") and not _abbreviates("所得税法", "企业所得税法实施条例")


def test_clause_holding_every_word_is_not_overruled(app):
    # a model that scores everything 0 still answers a question one clause holds whole
    zero = {"zh": {"bias": -30.0}, "en": {"bias": -30.0}}
    model = CoverageModel(app.index, app.catalog, planner=app.searcher.plan, weights=zero)
    cov = judge(app, model, "研发费用加计扣除比例是多少？")
    assert cov.answerable and cov.reason == "clause" and cov.signals["held"] >= 0.95, cov
    assert not judge(app, model, "出口货物的增值税退税率是多少？").answerable


def test_support_floor_defers_to_held_coverage(app):
    from dataclasses import replace

    answerer = app.answerer
    answerer.settings = replace(answerer.settings, min_support=0.99)  # every question under the floor
    assert not answerer.answer("财税〔2018〕99号这个文件叫什么名字？").abstained  # a named document
    assert not answerer.answer("研发费用加计扣除比例是多少？").abstained  # held, in Chinese
    assert answerer.answer("出口货物的增值税退税率是多少？").abstained
    assert answerer.answer("What is the VAT export refund rate for consumer electronics?").abstained


def test_everyday_english_word_without_counterpart_weighs_less(app):
    # "responsible" finds no Chinese word the corpus uses, but it is everyday English (many
    # dictionary glosses use it): it is no evidence of another subject, while "tendering" is
    from bot.pipeline.coverage import EVERYDAY_WEIGHT

    model = CoverageModel.from_app(app)
    text = "Who is responsible for public tendering of research results?"
    plan = app.searcher.plan(text)
    assert "responsible" in plan.everyday and "tendering" not in plan.everyday
    units = {u.label: u for u in model.units(plan, app.searcher.search(text, k=8, plan=plan))}
    rare, everyday = units["tendering"], units["responsible"]
    assert not rare.present and not everyday.present
    assert everyday.weight == pytest.approx(rare.weight * EVERYDAY_WEIGHT)


def _clauses(*texts: str):
    from types import SimpleNamespace

    return [SimpleNamespace(chunk=SimpleNamespace(text=t)) for t in texts]


def test_a_sum_no_clause_states_is_an_unstated_detail():
    from bot.pipeline.coverage import asks_unstated_sum

    rate = _clauses("国家需要重点扶持的高新技术企业，减按15%的税率征收企业所得税。")
    sums = _clauses("一项发明专利的奖金最低不少于4000元；", "力争基金总规模100亿元以上")
    for q in ("深圳对新认定的高新技术企业奖励多少钱？", "发明专利的申请费和实质审查费各多少钱？",
              "How much cash does Shenzhen give a newly certified high-tech enterprise?",
              "How much is the official filing fee for an invention patent?",
              "What is the NSFC grant amount in RMB?"):
        assert asks_unstated_sum(q, rate), q
        assert not asks_unstated_sum(q, sums), q  # a clause states a sum: the question is answered
    # rates and shares are not sums
    for q in ("广告费和业务宣传费能扣多少", "How much can we deduct for R&D?",
              "How much of the reward is tax free?", "高新技术企业的税率是多少？"):
        assert not asks_unstated_sum(q, rate), q


def test_a_web_address_no_clause_gives_is_an_unstated_detail():
    from bot.pipeline.coverage import asks_unstated_address

    platform = _clauses("企业根据科技型中小企业评价指标进行自主评价,并按照自愿原则到服务平台填报企业信息")
    linked = _clauses("服务平台网址：http://www.innofund.gov.cn")
    for q in ("高新技术企业认定的申报网址是什么？", "What's the website for submitting our HNTE application?",
              "科技型中小企业在哪个网站填报？"):
        assert asks_unstated_address(q, platform), q
        assert not asks_unstated_address(q, linked), q
    assert not asks_unstated_address("科技型中小企业在哪里填报信息？", platform)  # asks where, not the address


def test_a_question_for_a_web_address_is_answered_with_the_caution(app):
    plain = app.answerer.answer("国家设立的高等院校转化科技成果的收入归谁？")
    assert not plain.abstained and not plain.cautious, plain.text
    answer = app.answerer.answer("国家设立的高等院校转化科技成果的收入归谁？在哪个网站公示？")
    assert not answer.abstained and answer.cautious, answer.text


def test_a_question_about_a_sum_the_corpus_never_states_is_refused(app):
    answer = app.answerer.answer("How much cash does Shenzhen give a company newly recognised as a high-tech enterprise?")
    assert answer.abstained, answer.text
