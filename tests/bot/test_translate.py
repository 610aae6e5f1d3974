"""LLM mode reads English questions in Chinese: the translator against a fake OpenAI-compatible
server on 127.0.0.1, and the answerer searching the question and its translation together."""

from __future__ import annotations

from bot.config import load_settings
from bot.translate import LLMTranslator, chinese_enough, make_translator, needs_translation
from tests.conftest import write_config

# says nothing the glossary or dictionary can map to the clause: found only through its translation
VAGUE = "Tell me about that thing from the finance people in spring, the one with the bigger share?"
TRANSLATION = "研发费用加计扣除现在的比例是多少？"


def test_which_questions_are_translated():
    assert needs_translation("What is the R&D super deduction rate?")
    assert needs_translation("我们是 SaaS startup，2024年 R&D expenses 300万，能加计扣除吗？")
    assert not needs_translation("研发费用加计扣除比例是多少？")
    assert not needs_translation("R&D费用能加计扣除吗？")  # one English word: the glossary reads it
    assert chinese_enough("研发费用加计扣除比例是多少？")
    assert not chinese_enough("Sorry, I can only answer in English.")
    assert not chinese_enough("")


def test_translation_is_asked_once_with_the_prompt_and_remembered(llm_app, fake):
    translator = make_translator(llm_app.settings)
    assert isinstance(translator, LLMTranslator)
    fake.reply(f"“{TRANSLATION}”")
    assert translator.translate("What is the R&D super deduction rate now?") == TRANSLATION
    assert translator.translate("What is the R&D super deduction rate now?") == TRANSLATION
    assert len(fake.chat_requests) == 1
    sent = fake.chat_requests[0].messages
    assert sent[0]["role"] == "system" and "Chinese" in sent[0]["content"]
    assert sent[-1]["content"] == "What is the R&D super deduction rate now?"


def test_a_failed_or_unusable_translation_is_none_and_not_remembered(llm_app, fake):
    translator = make_translator(llm_app.settings)
    fake.fail(500)
    assert translator.translate("What is the rate?") is None
    fake.reply("I am sorry, I cannot help with that.")
    assert translator.translate("What is the rate?") is None
    fake.reply(TRANSLATION)
    assert translator.translate("What is the rate?") == TRANSLATION
    assert len(fake.chat_requests) == 3


def test_no_translator_without_an_llm_or_when_turned_off(tmp_path, fake):
    off = load_settings(write_config(tmp_path / "a.toml"), env={})
    assert make_translator(off) is None
    turned_off = load_settings(write_config(
        tmp_path / "b.toml",
        f'[llm]\nbase_url = "{fake.url}"\nmodel = "fake-chat"\ntranslate_questions = false\n'), env={})
    assert make_translator(turned_off) is None


def test_the_translation_finds_what_the_english_words_miss(llm_app, fake):
    answerer = llm_app.answerer
    offline = answerer.translator
    answerer.translator = None
    try:
        as_asked = answerer.gather(VAGUE)
    finally:
        answerer.translator = offline
    assert not any("100%在税前" in h.chunk.text for h in as_asked.hits[:1])
    fake.reply(TRANSLATION)
    ev = answerer.gather(VAGUE)
    assert ev.translated and ev.searched == TRANSLATION and ev.query == VAGUE
    assert ev.plan.lang == "zh"
    assert "100%在税前" in ev.hits[0].chunk.text
    assert "bilingual" in ev.hits[0].signals


def test_english_answer_stays_english_and_a_failed_translation_costs_nothing(llm_app, fake):
    question = "What is the R&D super deduction rate for 2024?"
    fake.fail(503)  # the translation fails: the question is searched as asked
    answer = llm_app.answerer.answer(question)
    assert answer.lang == "en" and not answer.abstained
    assert any("100%" in c.quote for c in answer.citations)
    fake.reply(TRANSLATION)  # asked again: now translated
    again = llm_app.answerer.answer(question)
    assert again.lang == "en" and not again.abstained
    assert any("100%" in c.quote for c in again.citations)
    translations = [r for r in fake.chat_requests if r.messages[-1]["content"] == question]
    assert len(translations) == 2
