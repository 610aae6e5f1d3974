"""HTML rendering, splitting below Telegram's limit, keyboards and the texts table."""

from __future__ import annotations

import re
import string

import pytest

from bot.answer import groups_from_citations
from bot.answer_types import Answer, Citation
from bot.telegram import formatting as fmt
from bot.telegram.texts import TEXTS, Html, t
from retrieval.documents import Chunk, DocumentMeta, DocumentRecord
from retrieval.validity import Validity
from tests.bot.telegram.htmlcheck import html_problems

TAG = re.compile(r"<[^>]+>")


def visible(html: str) -> str:
    return TAG.sub("", html)


def cite(
    n: int, quote: str, *, doc: str = "d000000001", chunk: str | None = None, **kw
) -> Citation:
    fields = {
        "doc_id": doc,
        "title": "关于<测试>的通知",
        "doc_number": "财税〔2018〕99号",
        "date": "2018-09-20",
        "section": "一",
        "page": None,
        "quote": quote,
        "chunk_id": chunk if chunk is not None else f"{doc}-{n:04d}-abcdef12",
    }
    fields.update(kw)
    return Citation(**fields)


def answer(citations: list[Citation], **kw) -> Answer:
    fields = {
        "text": "",
        "lang": "zh",
        "abstained": False,
        "mode": "extractive",
        "citations": tuple(citations),
        "lead": "要点：“再按照实际发生额的75%在税前加计扣除”——财税〔2018〕99号 一",
        "groups": groups_from_citations(citations),
    }
    fields.update(kw)
    return Answer(**fields)


# ---------------------------------------------------------------- splitting


def test_short_html_is_one_message_and_blank_is_none() -> None:
    assert fmt.split_html("<b>x</b> y") == ["<b>x</b> y"]
    assert fmt.split_html("  \n ") == []
    assert fmt.split_html("<b></b>") == []


def test_long_text_is_cut_at_sentence_ends_below_the_limit() -> None:
    sentences = [f"第{i}句话讲的是研发费用加计扣除政策的第{i}项内容。" for i in range(400)]
    html = "".join(sentences)
    parts = fmt.split_html(html, 1000)
    assert len(parts) > 5
    assert all(fmt.utf16_len(p) <= 1000 for p in parts)
    assert all(p.endswith("。") for p in parts)  # never in the middle of a sentence
    assert "".join(parts) == html


def test_blocks_stay_whole_when_they_fit_and_tags_are_reopened_when_not() -> None:
    quote = "<blockquote>" + "条款内容，" * 50 + "结束。" * 300 + "</blockquote>"
    html = "<b>标题</b>\n" + quote + "\n<i>说明</i>"
    parts = fmt.split_html(html, 800)
    assert parts[0].startswith("<b>标题</b>\n<blockquote>")
    for p in parts:
        assert html_problems(p) == [], p
        assert fmt.utf16_len(p) <= 800
    middle = [p for p in parts if "<blockquote>" in p]
    assert all(p.count("<blockquote>") == p.count("</blockquote>") == 1 for p in middle)
    assert parts[-1].endswith("<i>说明</i>")
    assert visible("".join(parts)).replace("\n", "") == visible(html).replace("\n", "")


def test_cuts_never_fall_inside_an_entity() -> None:
    html = "a &amp; b &lt;c&gt; " * 500
    for limit in (97, 101, 250):
        parts = fmt.split_html(html, limit)
        assert all(html_problems(p) == [] for p in parts)
        assert "".join(parts).replace(" ", "") == html.replace(" ", "")


def test_characters_outside_the_bmp_count_twice() -> None:
    parts = fmt.split_html("😀" * 5000, 4000)
    assert [fmt.utf16_len(p) for p in parts] == [4000, 4000, 2000]
    assert fmt.utf16_len("a😀") == 3


def test_a_word_longer_than_a_message_is_cut_hard() -> None:
    parts = fmt.split_html("x" * 9000)
    assert [len(p) for p in parts] == [4000, 4000, 1000]


def test_truncated_draft_is_escaped_and_fits() -> None:
    assert fmt.truncate_html_text("<b>&") == "&lt;b&gt;&amp;"
    long = fmt.truncate_html_text("&" * 5000, 100)
    assert long.endswith("…") and fmt.utf16_len(long) <= 100
    assert html_problems(long) == []


# ---------------------------------------------------------------- answers


def test_answer_is_escaped_grouped_and_numbered() -> None:
    c1 = cite(1, "企业<script>alert(1)</script> & 费用。")
    c2 = cite(2, "第二条。", doc="d000000002", doc_number=None, title="法律 & 规定", page=3)
    rendered = fmt.render_answer(answer([c1, c2]))
    html = rendered.html
    assert html_problems(html) == []
    assert html.startswith("<b>要点</b>：“再按照实际发生额的75%")
    assert "<blockquote>企业&lt;script&gt;alert(1)&lt;/script&gt; &amp; 费用。</blockquote>" in html
    assert "<b>《关于&lt;测试&gt;的通知》（财税〔2018〕99号），2018-09-20</b>" in html
    assert "<b>[1]</b> 一\n" in html and "<b>[2]</b> 一，第3页\n" in html
    assert [(s.number, s.label) for s in rendered.sources] == [
        (1, "[1] 财税〔2018〕99号 一"),
        (2, "[2] 法律 & 规定 一"),
    ]


def test_english_answer_names_documents_in_english_with_a_gist_under_each_quote() -> None:
    c1 = cite(1, "在2018年1月1日至2020年12月31日期间，再按照实际发生额的75%在税前加计扣除。", section="一(二)")
    lead = "In short: Notice Caishui [2018] No. 99 (财税〔2018〕99号), item 1 — key points: 75%.\n\n“再按照…”"
    html = fmt.render_answer(answer([c1], lang="en", lead=lead)).html
    assert html_problems(html) == []
    assert html.startswith(
        "<b>In short</b>: Notice Caishui [2018] No. 99 (财税〔2018〕99号), item 1 — key points: 75%.\n"
        "<blockquote>再按照…</blockquote>"
    )
    assert "<b>Notice Caishui [2018] No. 99 (财税〔2018〕99号), 2018-09-20</b>" in html
    assert "<b>[1]</b> item 1(2)\n<blockquote>在2018年1月1日" in html
    assert "</blockquote>\n<i>↳ gist: 1 January 2018 – 31 December 2020 · " in html and "· 75%" in html
    # Chinese answers carry no gist
    assert "gist" not in fmt.render_answer(answer([c1])).html


def test_llm_answer_keeps_the_models_citation_numbers() -> None:
    a = cite(1, "A。")
    b = cite(2, "B。", doc="d000000002")
    c = cite(3, "C。")  # same document as the first: grouped with it, still number 3
    llm = answer([a, b, c], mode="llm", extra={"llm_text": "先看[1]，再看[3]和[2]。<x>"})
    html = fmt.render_answer(llm).html
    assert "先看[1]，再看[3]和[2]。&lt;x&gt;" in html
    first_group = html.split("<b>《")[1]
    assert "<b>[1]</b>" in first_group and "<b>[3]</b>" in first_group
    assert "<b>[2]</b>" not in first_group


def test_sources_skip_catalog_citations_and_duplicates() -> None:
    same_chunk = cite(1, "另一句。", chunk="d000000001-0001-abcdef12")
    catalog = cite(9, "目录。", doc="d000000009", chunk="", in_corpus=False)
    rendered = fmt.render_answer(answer([cite(1, "一句。"), same_chunk, catalog]))
    assert [s.chunk_id for s in rendered.sources] == ["d000000001-0001-abcdef12"]
    assert "<i>(本库未收录该文件；引自政策目录的摘要)</i>" in rendered.html


def test_refusal_offers_topics_or_help() -> None:
    refusal = answer([], abstained=True, lead="", lang="en", suggestions=("R&D <rates>",))
    html = fmt.render_answer(refusal).html
    assert html.startswith("Sorry, none of the policy documents I hold answers this question")
    assert "• R&amp;D &lt;rates&gt;" in html
    assert fmt.render_answer(refusal).sources == ()
    bare = fmt.render_answer(answer([], abstained=True, lead="", lang="zh")).html
    assert bare.endswith("/help 介绍我能回答什么。")


def test_notices_come_first() -> None:
    a = answer([cite(1, "一句。")], notice="（语言模型暂时不可用）")
    html = fmt.render_answer(a, follow_up="研发费用<加计>扣除？", shortened=2000).html
    lines = html.split("\n\n")
    assert lines[0] == "<i>（问题过长，只按前 2000 个字回答。）</i>"
    assert lines[1] == "<i>（结合上一问：研发费用&lt;加计&gt;扣除？）</i>"
    assert lines[2] == "<i>（语言模型暂时不可用）</i>"


def test_keyboard_callback_data_fits_and_feedback_can_be_removed() -> None:
    rendered = fmt.render_answer(answer([cite(i, f"第{i}句。") for i in range(1, 6)]))
    markup = fmt.answer_keyboard(rendered.sources, 123456789)
    assert markup is not None
    data = [b.callback_data for row in markup.inline_keyboard for b in row]
    assert all(len(str(d).encode()) <= 64 for d in data)
    assert data[-2:] == ["fb:123456789:up", "fb:123456789:down"]
    assert [len(row) for row in markup.inline_keyboard] == [2, 2, 1, 2]
    trimmed = fmt.without_feedback(markup)
    assert trimmed is not None and len(trimmed.inline_keyboard) == 3
    assert fmt.answer_keyboard((), None) is None
    assert fmt.without_feedback(fmt.answer_keyboard((), 5)) is None


def test_clause_view_has_citation_status_and_escaped_link() -> None:
    meta = DocumentMeta(
        title="通知<1>",
        doc_number="国科发〔2018〕17号",
        date="2018-01-09",
        source='https://example.gov.cn/a?b=1&c="x"',
    )
    doc = DocumentRecord("d1", "a.txt", "0" * 64, meta, 1, "2024-01-01T00:00:00Z")
    chunk = Chunk("d1-0001-x", "d1", 1, "第一条 内容 & <细则>。", ("第一章", "第一条"), page=2)
    html = fmt.render_clause(chunk, doc, Validity("repealed", "国科发〔2020〕1号"), "en")
    assert html_problems(html) == []
    assert html.splitlines()[:3] == [
        "<b>Guokefa [2018] No. 17 (国科发〔2018〕17号)</b>",
        "2018-01-09 · Status: repealed; replaced by 国科发〔2020〕1号",
        "<i>第一章 › 第一条</i> · p. 2",
    ]
    assert "<blockquote>第一条 内容 &amp; &lt;细则&gt;。</blockquote>" in html
    assert 'href="https://example.gov.cn/a?b=1&amp;c=&quot;x&quot;"' in html
    plain = fmt.render_clause(chunk, doc, None, "zh")
    assert "效力：现行有效" in plain


def test_report_html_bolds_verdicts() -> None:
    html = fmt.report_html("Known: R&D\n\n✅ A: applies\n  ✔ reason <x>\n❌ B: does not apply")
    assert html.splitlines() == [
        "Known: R&amp;D",
        "",
        "<b>✅ A: applies</b>",
        "  ✔ reason &lt;x&gt;",
        "<b>❌ B: does not apply</b>",
    ]


def test_shorten_and_callback_size() -> None:
    assert fmt.shorten("a  b\nc", 10) == "a b c"
    assert fmt.shorten("x" * 50, 10) == "x" * 9 + "…"
    assert fmt.fits_callback("src:" + "d" * 60) is True
    assert fmt.fits_callback("src:" + "研" * 21) is False


# ---------------------------------------------------------------- texts


def test_every_text_has_both_languages_and_is_valid_html_when_filled() -> None:
    for key, variants in TEXTS.items():
        assert set(variants) == {"zh", "en"}, key
        for lang, template in variants.items():
            names = {f[1] for f in string.Formatter().parse(template) if f[1]}
            filled = t(key, lang, **dict.fromkeys(names, "<&x>"))
            assert html_problems(filled) == [], (key, lang, filled)


def test_values_are_escaped_unless_marked_html() -> None:
    assert t("covers_more", "en", n="<b>") == "… and &lt;b&gt; more"
    assert t("covers_more", "zh-hans", n=Html("<b>3</b>")) == "……另有 <b>3</b> 份"
    with pytest.raises(KeyError):
        t("no-such-text", "en")
