"""Extractive answers on the mini corpus: the right sentence, the right citation, refusals, follow-ups."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from bot.conversation import Conversation, Turn, is_follow_up
from bot.extractive import short_section, split_sentences


def test_chinese_rate_question_quotes_the_current_rule(app):
    answer = app.answerer.answer("研发费用加计扣除现在的比例是多少？")
    assert not answer.abstained
    assert answer.lang == "zh" and answer.mode == "extractive"
    assert "100%" in answer.lead
    first = answer.citations[0]
    assert first.doc_number == "财政部 税务总局公告2023年第7号"
    assert first.title == "财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告"
    assert first.date == "2023-03-26"
    assert first.section == "一"
    assert "100%在税前加计扣除" in first.quote
    # quotes are verbatim sentences of the stored clause, not whole chunks
    stored = {c.id: c.text for c in app.index.snapshot().chunks}
    for c in answer.citations:
        assert c.quote in stored[c.chunk_id]
        assert len(c.quote) < len(stored[c.chunk_id]) or c.quote == stored[c.chunk_id].strip()


def test_english_question_gets_english_framing_around_chinese_quotes(app):
    answer = app.answerer.answer("Are technology transfer rewards excluded from performance pay?")
    assert not answer.abstained
    assert answer.lang == "en"
    assert any("不纳入绩效工资" in c.quote for c in answer.citations)
    # the conclusion comes first, in English; the quotes stay verbatim Chinese
    assert answer.text.startswith("Answer: Yes, they are excluded")  # the question asks "excluded?"
    capped = app.answerer.answer("Do technology transfer rewards count against the performance pay cap?")
    assert capped.text.startswith("Answer: No, they are not capped")
    assert "Sources (quoted verbatim, in Chinese)" in answer.text


def test_chinese_pay_cap_question_quotes_the_seed_sentence(app):
    answer = app.answerer.answer("高校科研人员的成果转化奖励要计入绩效工资总量吗？")
    assert answer.lead.startswith("结论：不受限制")
    first = answer.citations[0]
    assert first.doc_number == "国科发创〔2018〕17号" and first.in_corpus
    assert "不纳入绩效工资" in first.quote  # the mini corpus words the seed's sentence so
    assert not answer.eligibility  # a factual question gets no "cannot tell yet" block


def test_repealed_document_is_marked_with_its_replacement(app):
    answer = app.answerer.answer("制造业企业研发费用加计扣除从哪年开始提高到100%？")
    cites = [c for c in answer.citations if c.doc_number == "财政部 税务总局公告2021年第13号"]
    assert cites, answer.text
    assert cites[0].status == "repealed"
    assert cites[0].replaced_by == "财政部 税务总局公告2023年第7号"
    assert "已废止" in answer.text


@pytest.mark.parametrize(
    "question",
    ["北京明天天气怎么样？", "美国签证怎么办理？", "What's the weather in Paris tomorrow?",
     "How do I apply for a US tourist visa?", "上海的房价是多少？"],
)
def test_out_of_scope_questions_are_refused(app, question):
    answer = app.answerer.answer(question)
    assert answer.abstained, (question, answer.support, answer.text)
    assert answer.citations == ()
    assert ("没有找到" in answer.text) or ("none of the policy documents" in answer.text)


def test_follow_up_uses_the_previous_question(app):
    conv = Conversation()
    first = app.answerer.answer("国家设立的高等院校转化科技成果的收入归谁？", conv)
    assert not first.abstained
    follow = app.answerer.answer("那奖励比例呢？", conv)
    assert not follow.abstained
    assert "转化科技成果" in follow.query  # searched with the previous question's context
    assert any("百分之五十" in c.quote for c in follow.citations)
    assert [t.question for t in conv.turns] == ["国家设立的高等院校转化科技成果的收入归谁？", "那奖励比例呢？"]


def test_follow_up_detection():
    prev = Turn(question="研发费用加计扣除比例是多少？", query="研发费用加计扣除比例是多少？", lang="zh")
    assert is_follow_up("那制造业企业呢？", prev)
    assert is_follow_up("and for state-owned enterprises?", prev)
    assert not is_follow_up("高新技术企业认定需要满足哪些条件？", prev)
    assert not is_follow_up("那制造业企业呢？", None)


def test_conversation_round_trips_through_a_dict():
    conv = Conversation(lang="en", facts={"industry": "wholesale_retail"})
    conv.add(Turn(question="q", query="q", lang="en"))
    again = Conversation.from_dict(json.loads(json.dumps(conv.to_dict())))
    assert again.lang == "en" and again.facts == {"industry": "wholesale_retail"}
    assert again.turns[0].question == "q"


def test_eligibility_question_gets_the_verdict_first(app):
    answer = app.answerer.answer("我们是一家批发公司，批发收入占八成，能享受研发费用加计扣除吗？")
    assert not answer.abstained
    assert answer.lead.startswith("结论：不能")
    assert "批发和零售业" in answer.lead.splitlines()[0]
    # the rule the verdict rests on is cited; a document not in the mini corpus is quoted from
    # the catalog's own words and marked so — never an empty quote
    numbers = [c.doc_number for c in answer.citations]
    assert "财税〔2015〕119号" in numbers
    missing = [c for c in answer.citations if c.doc_number == "财税〔2015〕119号"][0]
    assert missing.in_corpus is False and "负面清单" in missing.quote
    assert all(c.quote.strip() and (c.title or c.doc_number) for c in answer.citations)
    assert "本库未收录该文件" in answer.text


def test_profile_brings_the_researchers_part_first(app):
    q = "科技成果转化奖励有什么规定？"
    researcher = app.answerer.answer(q, profile="researcher")
    assert not researcher.abstained
    assert any(w in researcher.citations[0].quote for w in ("科研人员", "科技人员", "奖励"))


def test_split_sentences_keeps_original_characters():
    text = "一、第一句，有逗号。第二句；\n第三行没有句号"
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["一、第一句，有逗号。", "第二句；", "第三行没有句号"]


@pytest.mark.parametrize(
    "section, expected",
    [
        (("二、重点任务", "(一)加快改革…", "2. 强化政策衔接配套"), "二、(一)2"),
        (("第四章 技术权益", "第四十五条"), "第四十五条"),
        (("四、不适用加计扣除政策行业的判定",), "四"),
        ((), ""),
    ],
)
def test_short_section(section, expected):
    assert short_section(section) == expected


def test_how_questions_are_not_eligibility_questions():
    from bot.incentives.extraction import looks_like_eligibility_question as eligible

    assert not eligible("研发费用加计扣除政策在东北要怎么落实？")
    assert not eligible("这个政策怎么申请？")
    assert eligible("批发企业可以加计扣除么")
    assert eligible("我们公司能不能享受研发费用加计扣除？")


def test_sino_names_are_normalised():
    from retrieval.search import _sino

    assert _sino("Which German-Chinese park?") == "Which Sino-German park?"
    assert _sino("the China-Russian border") == "the Sino-Russian border"


def test_well_supported_answers_carry_no_caution(app):
    answer = app.answerer.answer("研发费用加计扣除现在的比例是多少？")
    assert answer.support >= app.answerer.settings.confident_support
    assert not answer.cautious and answer.notice == ""
    assert answer.to_json()["cautious"] is False


def test_weakly_supported_answers_say_the_corpus_may_not_answer_directly(app, monkeypatch):
    settings = app.answerer.settings
    monkeypatch.setattr(app.answerer, "settings", replace(settings, confident_support=0.999))

    zh = app.answerer.answer("振兴东北专项行动要建设多少个创新创业载体？")
    en = app.answerer.answer("What does the Northeast action plan say about technology markets?")

    assert not zh.abstained and zh.cautious and zh.citations  # still answered, with its quotes
    assert zh.text.startswith("资料库中可能没有直接回答这个问题的条款")
    assert en.cautious and en.text.startswith("The corpus may not answer this directly")
    assert en.to_json()["cautious"] is True and en.to_json()["notice"] == en.notice
    # a rate the catalog decides is not cautioned, whatever the retrieval support
    decided = app.answerer.answer("研发费用加计扣除现在的比例是多少？")
    assert not decided.cautious and "100%" in decided.lead.splitlines()[0]


def test_eligibility_verdicts_are_not_cautioned(app, monkeypatch):
    settings = app.answerer.settings
    monkeypatch.setattr(app.answerer, "settings", replace(settings, confident_support=0.999))

    answer = app.answerer.answer("我们是一家批发企业，能享受研发费用加计扣除吗？")

    assert answer.lead.startswith("结论：不能") and not answer.cautious


@pytest.mark.parametrize(
    "question",
    ["技术转让合同的收入能免征增值税吗？", "Is our technology-transfer income exempt from VAT?"],
)
def test_questions_about_a_neighbouring_tax_are_refused_with_the_nearest_subjects(app, question):
    answer = app.answerer.answer(question)
    assert answer.abstained, answer.text
    assert answer.suggestions  # what the corpus does cover, nearest first


def test_a_follow_up_keeps_the_figures_of_the_question_before(app):
    conv = Conversation()
    app.answerer.answer("一家制造业企业（制造业收入占比90%）2021年费用化研发支出500万元，可以加计扣除多少？", conv)
    again = app.answerer.answer("那2019年呢？", conv)
    first = again.lead.splitlines()[0]
    assert "375万元" in first and "75%" in first
    assert "2021年1月1日起才执行" in again.lead  # the manufacturing 100 % came later


def test_an_english_refusal_suggests_documents_by_their_english_names(app):
    answer = app.answerer.answer("How long is a registered trademark valid and how do I renew it?")
    assert answer.abstained, answer.text
    docs = [s for s in answer.suggestions if s not in {i.name.en for i in app.answerer.catalog}]
    assert docs, answer.suggestions
    # a user reading English is offered names they can read (the number stays as written)
    assert all(re.match(r"[A-Z]", s) for s in docs), docs


@pytest.mark.parametrize("question", ["我们是科技型中小企业，想去科创板上市，营收和研发投入要达到什么指标？",
                                      "We are a high-tech enterprise. What are the STAR Market listing requirements?"])
def test_a_neighbouring_policy_is_refused_even_when_the_asker_states_a_status(app, question):
    # the status is the asker's fact; the question is about the listing rules, which no document holds
    answer = app.answerer.answer(question)
    assert answer.abstained, answer.text
