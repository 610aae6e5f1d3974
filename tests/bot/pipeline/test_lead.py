"""The sentence an extractive answer leads with: the one holding what was asked."""

from __future__ import annotations

from types import SimpleNamespace

from bot.extractive import Sentence
from bot.pipeline.cite import lead_sentence
from retrieval.search import QueryPlan

SCORE_100 = "第七条 科技型中小企业评价指标具体包括科技人员、研发投入、科技成果三类,满分100分。"
FLOOR_60 = "(五)企业根据科技型中小企业评价指标进行综合评价所得分值不低于60分,且科技人员指标得分不得为0分。"
GOAL = "支持科技型中小企业加快创新发展，培育壮大新动能。"


def sentences(*texts: str) -> list[Sentence]:
    # the retrieval order: the first scores highest
    return [Sentence(hit_rank=i, hit=SimpleNamespace(chunk=SimpleNamespace(text=t)),  # type: ignore[arg-type]
                     start=0, end=len(t), text=t, score=1.0 - 0.05 * i)
            for i, t in enumerate(texts)]


def plan(question: str, kinds: tuple[str, ...]) -> QueryPlan:
    return QueryPlan(text=question, lang="zh", terms=(), wants_number=bool(kinds), number_kinds=kinds)


def test_a_how_much_question_leads_with_a_sentence_holding_that_figure():
    got = lead_sentence(sentences(GOAL, SCORE_100), plan("科技型中小企业评价多少分？", ("score",)), "科技型中小企业评价多少分？")
    assert got.text == SCORE_100


def test_at_least_leads_with_the_floor_not_another_figure_of_its_kind():
    q = "科技型中小企业评价至少得多少分？"
    got = lead_sentence(sentences(GOAL, SCORE_100, FLOOR_60), plan(q, ("score",)), q)
    assert got.text == FLOOR_60


def test_without_a_number_asked_the_best_sentence_leads():
    q = "科技型中小企业有什么支持？"
    assert lead_sentence(sentences(GOAL, SCORE_100), plan(q, ()), q).text == GOAL
