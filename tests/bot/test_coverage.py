"""Answerability on the mini corpus: neighbouring policies refused, covered subjects and catalog
topics answered, and the model following the corpus as documents come and go."""

from __future__ import annotations

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
