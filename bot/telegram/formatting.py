"""HTML for Telegram: answers, clauses and reports, split below the message limit; keyboards.

Everything that comes from a document or a user is escaped here; the only tags produced are
ones Telegram supports (b, i, code, pre, a, blockquote). :func:`split_html` cuts long texts
at block or sentence boundaries and never inside a tag or an entity: a tag open at a cut is
closed at the end of one message and opened again at the start of the next.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.answer_types import Answer, Citation
from bot.names import english_article
from bot.render import doc_label, quote_gist, status_note
from retrieval.documents import Chunk, DocumentRecord
from retrieval.validity import Validity

from .texts import EXAMPLES, Html, esc, norm_lang, t

# Telegram refuses messages above 4096 characters (UTF-16 code units, after entity parsing);
# we measure the raw HTML, which is never shorter, and keep a margin.
MESSAGE_LIMIT = 4096
SAFE_LIMIT = 4000
CALLBACK_LIMIT = 64  # bytes of callback_data Telegram accepts
BUTTON_WIDTH = 36  # characters of a button label before it is shortened

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_SENTENCE_END = re.compile(r"[。！？；!?;…]+[”’\")）]*|\n|\.(?=\s)")
_SOFT_BREAK = re.compile(r"[\s，、,：:]")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (characters outside the BMP count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis (plain text, not HTML)."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def fits_callback(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_LIMIT


# ---------------------------------------------------------------- splitting


def split_html(html: str, limit: int = SAFE_LIMIT) -> list[str]:
    """Messages of at most ``limit`` UTF-16 units, cut between lines, else between sentences."""
    if utf16_len(html) <= limit:
        return [html] if _visible(html) else []
    parts: list[str] = []
    current = ""
    for line in _top_level_lines(html):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if utf16_len(line) <= limit:  # it fits a message of its own: cut between lines
            parts.append(current)
            current = line
            continue
        room = limit - utf16_len(current) - 1 if current else limit
        if current and room < limit // 4:
            parts.append(current)
            current, room = "", limit
        pieces = _split_line(line, limit, first_room=room)
        if current and pieces:
            pieces[0] = f"{current}\n{pieces[0]}"
        parts.extend(pieces[:-1])
        current = pieces[-1] if pieces else current
    if current:
        parts.append(current)
    return [p.strip("\n") for p in parts if _visible(p)]


def _visible(html: str) -> bool:
    return bool(_TAG.sub("", html).strip())


def _top_level_lines(html: str) -> list[str]:
    """Split at newlines that are outside every tag (a quote's own lines stay together)."""
    lines: list[str] = []
    depth = start = pos = 0
    for m in _TAG.finditer(html):
        if depth == 0:
            start = _split_newlines(html, pos, m.start(), start, lines)
        depth = max(depth + (-1 if m.group(1) else 1), 0)
        pos = m.end()
    if depth == 0:
        start = _split_newlines(html, pos, len(html), start, lines)
    lines.append(html[start:])
    return lines


def _split_newlines(html: str, a: int, b: int, start: int, lines: list[str]) -> int:
    """Append the lines ending at newlines in ``html[a:b]``; return where the next one starts."""
    i = html.find("\n", a, b)
    while i != -1:
        lines.append(html[start:i])
        start = i + 1
        i = html.find("\n", start, b)
    return start


def _split_line(line: str, limit: int, *, first_room: int | None = None) -> list[str]:
    """Cut one over-long line at sentence boundaries, closing and reopening open tags.

    The first piece gets ``first_room`` units (it joins the end of a message), the others
    ``limit``.
    """
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, opening tag as written)
    current = ""

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(stack))

    def budget() -> int:
        return limit if parts or first_room is None else first_room

    def flush() -> None:
        nonlocal current
        parts.append(current + closing())
        current = "".join(opening for _, opening in stack)

    pos = 0
    tokens: list[tuple[bool, str, re.Match[str] | None]] = []
    for m in _TAG.finditer(line):
        if m.start() > pos:
            tokens.append((False, line[pos : m.start()], None))
        tokens.append((True, m.group(0), m))
        pos = m.end()
    if pos < len(line):
        tokens.append((False, line[pos:], None))

    for is_tag, text, m in tokens:
        if is_tag:
            assert m is not None
            if utf16_len(current + text + closing()) + len(m.group(2)) + 3 > budget() and (
                _visible(current)
            ):
                flush()
            if m.group(1):
                if stack and stack[-1][0] == m.group(2):
                    stack.pop()
            else:
                stack.append((m.group(2), text))
            current += text
            continue
        while text:
            room = budget() - utf16_len(current) - utf16_len(closing())
            if utf16_len(text) <= room:
                current += text
                break
            cut = _cut_position(text, room)
            if cut <= 0:
                if _visible(current):
                    flush()
                    continue
                cut = max(_hard_cut(text, max(room, 1)), 1)
            current += text[:cut]
            text = text[cut:].lstrip("\n")
            flush()
    if _visible(current):
        parts.append(current + closing())
    return parts


def _hard_cut(text: str, room: int) -> int:
    """The longest prefix within ``room`` UTF-16 units that does not end inside an entity."""
    used = 0
    cut = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            break
        cut = i + 1
    for m in _ENTITY.finditer(text, 0, cut + 10):
        if m.start() < cut < m.end():
            return m.start()
    return cut


def _cut_position(text: str, room: int) -> int:
    """Where to cut ``text`` so the first part fits ``room``: a sentence end if there is one."""
    hard = _hard_cut(text, room)
    if hard <= 0:
        return 0
    entity_ends = {m.end() for m in _ENTITY.finditer(text, 0, hard + 10)}
    head = text[:hard]
    for pattern in (_SENTENCE_END, _SOFT_BREAK):
        ends = [m.end() for m in pattern.finditer(head) if m.end() not in entity_ends]
        good = [e for e in ends if e >= hard * 0.3]
        if good:
            return good[-1]
    ends = [m.end() for m in _SENTENCE_END.finditer(head) if m.end() not in entity_ends]
    return ends[-1] if ends else hard


def truncate_html_text(text: str, limit: int = SAFE_LIMIT) -> str:
    """Escaped plain text cut to ``limit`` (for a streamed draft that is still growing)."""
    html = esc(text)
    if utf16_len(html) <= limit:
        return html
    return html[: _hard_cut(html, limit - 1)] + "…"


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class SourceButton:
    number: int
    chunk_id: str
    label: str


@dataclass(frozen=True)
class RenderedAnswer:
    html: str
    sources: tuple[SourceButton, ...]


def _lead_html(lead: str) -> str:
    """The lead line with its short heading ("要点", "In short") in bold; a paragraph after it
    that is a whole verbatim quote (the English lead's Chinese clause) as a blockquote."""
    first, _, after = lead.partition("\n\n")
    if after.startswith("“") and after.endswith("”") and "\n\n" not in after:
        return f"{_lead_html(first)}\n<blockquote>{esc(after[1:-1])}</blockquote>"
    for sep in ("：", ": "):
        head, found, rest = lead.partition(sep)
        if found and 0 < len(head) <= 24 and "\n" not in head:
            return f"<b>{esc(head)}</b>{esc(sep)}{esc(rest)}"
    return esc(lead)


def _numbering(answer: Answer) -> dict[Citation, int]:
    """Citation → its number: the order of ``answer.citations`` (an LLM answer's [n] marks)."""
    numbers: dict[Citation, int] = {}
    for c in answer.citations:
        numbers.setdefault(c, len(numbers) + 1)
    for g in answer.groups:
        for c in g.citations:
            numbers.setdefault(c, len(numbers) + 1)
    return numbers


def _source_label(number: int, c: Citation) -> str:
    name = c.doc_number or c.title
    where = f" {c.section}" if c.section else ""
    return shorten(f"[{number}] {name}{where}", BUTTON_WIDTH)


def render_answer(answer: Answer, *, follow_up: str = "", shortened: int = 0, admin: bool = False) -> RenderedAnswer:
    """The answer as HTML: notices, the statement, then the quotes grouped by document.

    A refusal lists what the corpus covers nearest (the faces add them as buttons); an admin also
    reads which kind of document would answer the question."""
    lang = norm_lang(answer.lang)
    blocks: list[str] = []
    if shortened:
        blocks.append(f"<i>{t('shortened', lang, n=shortened)}</i>")
    if follow_up and not answer.abstained:
        blocks.append(f"<i>{t('follow_up', lang, previous=shorten(follow_up, 80))}</i>")
    if answer.notice:
        blocks.append(f"<i>{esc(answer.notice)}</i>")
    if answer.abstained:
        blocks.append(t("refusal", lang))
        if answer.suggestions:
            topics = "\n".join(f"• {esc(s)}" for s in answer.suggestions)
            blocks.append(f"{t('refusal_topics', lang)}\n{topics}")
        else:
            blocks.append(t("refusal_help", lang))
        hint = answer.extra.get("admin_hint")
        if admin and hint:
            blocks.append(f"<i>{t('admin_hint', lang)}{esc(hint)}</i>")
        return RenderedAnswer("\n\n".join(blocks), ())
    if answer.eligibility:
        blocks.append(report_html(answer.eligibility))
    llm_text = answer.extra.get("llm_text") if answer.mode == "llm" else None
    if llm_text:
        blocks.append(esc(llm_text))
    elif answer.lead:
        blocks.append(_lead_html(answer.lead))

    numbers = _numbering(answer)
    if answer.groups:
        blocks.append(f"<b>{t('sources', lang)}</b>")
    for g in answer.groups:
        head = doc_label(g.title, g.doc_number, lang)
        if g.date:
            head += f"，{g.date}" if lang == "zh" else f", {g.date}"
        note = status_note(g.status, g.replaced_by, lang)
        lines = [f"<b>{esc(head)}</b>" + (f" ⚠️ <i>{esc(note)}</i>" if note else "")]
        for c in g.citations:
            section = c.section if lang == "zh" else english_article(c.section)
            where = esc(section or ("正文" if lang == "zh" else "text"))
            if c.page:
                where += ("，" if lang == "zh" else ", ") + t("clause_page", lang, page=c.page)
            missing = "" if c.in_corpus else f" <i>({t('not_in_corpus', lang)})</i>"
            lines.append(f"<b>[{numbers[c]}]</b> {where}{missing}")
            lines.append(f"<blockquote>{esc(c.quote)}</blockquote>")
            summary = quote_gist(c) if lang == "en" else ""
            if summary:  # the quote stays verbatim Chinese; its figures and terms in English
                lines.append(f"<i>↳ gist: {esc(summary)}</i>")
        blocks.append("\n".join(lines))

    sources: list[SourceButton] = []
    seen: set[str] = set()
    for c, n in sorted(numbers.items(), key=lambda item: item[1]):
        if not c.chunk_id or not c.in_corpus or c.chunk_id in seen:
            continue
        if not fits_callback(source_data(c.chunk_id)):
            continue
        seen.add(c.chunk_id)
        sources.append(SourceButton(n, c.chunk_id, _source_label(n, c)))
    return RenderedAnswer("\n\n".join(blocks), tuple(sources))


def source_data(chunk_id: str) -> str:
    return f"src:{chunk_id}"


def feedback_data(question_id: int, value: str) -> str:
    return f"fb:{question_id}:{value}"


def answer_keyboard(
    sources: Sequence[SourceButton], question_id: int | None
) -> InlineKeyboardMarkup | None:
    """Source buttons (two a row), then 👍 / 👎 when the question was recorded."""
    rows: list[list[InlineKeyboardButton]] = []
    for i in range(0, len(sources), 2):
        rows.append(
            [
                InlineKeyboardButton(s.label, callback_data=source_data(s.chunk_id))
                for s in sources[i : i + 2]
            ]
        )
    if question_id is not None:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=feedback_data(question_id, "up")),
                InlineKeyboardButton("👎", callback_data=feedback_data(question_id, "down")),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard minus its 👍 / 👎 row (None: no buttons left, which removes them)."""
    rows = [
        list(row)
        for row in (markup.inline_keyboard if markup else ())
        if not any(str(b.callback_data or "").startswith("fb:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def topic_data(lang: str, index: int) -> str:
    return f"topic:{norm_lang(lang)}:{index}"


def topics_keyboard(topics: Sequence[str], lang: str, question_id: int | None) -> InlineKeyboardMarkup | None:
    """After a refusal: the nearest covered topics as buttons (one a row), then 👍 / 👎."""
    rows = [[InlineKeyboardButton(shorten(topic, 60), callback_data=topic_data(lang, i))]
            for i, topic in enumerate(topics[:4])]
    feedback = answer_keyboard((), question_id)
    rows.extend(list(r) for r in (feedback.inline_keyboard if feedback else ()))
    return InlineKeyboardMarkup(rows) if rows else None


def topic_question(topic: str, lang: str) -> str:
    """What tapping a topic asks."""
    return f"{topic}有哪些主要规定？" if norm_lang(lang) == "zh" else f"What are the main rules of {topic}?"


def examples_keyboard(lang: str) -> InlineKeyboardMarkup:
    lang = norm_lang(lang)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(shorten(q, 60), callback_data=f"ask:{lang}:{i}")]
            for i, q in enumerate(EXAMPLES[lang])
        ]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("中文", callback_data="lang:zh"),
                InlineKeyboardButton("English", callback_data="lang:en"),
                InlineKeyboardButton("Auto / 自动", callback_data="lang:auto"),
            ]
        ]
    )


# ---------------------------------------------------------------- clauses and reports


def render_clause(chunk: Chunk, doc: DocumentRecord, validity: Validity | None, lang: str) -> str:
    """The full clause of a source button: document, date, status, section, page, text."""
    lang = norm_lang(lang)
    meta = doc.meta
    lines = [f"<b>{esc(doc_label(meta.title, meta.doc_number, lang))}</b>"]
    facts = []
    if meta.date:
        facts.append(esc(meta.date))
    v = validity or Validity("in_force")
    status = status_note(v.status, v.replaced_by, lang) or t("in_force", lang)
    facts.append(t("clause_status", lang, status=status))
    lines.append(" · ".join(facts))
    where = []
    if chunk.section:
        where.append(f"<i>{esc(chunk.section_label)}</i>")
    if chunk.page:
        where.append(t("clause_page", lang, page=chunk.page))
    if where:
        lines.append(" · ".join(where))
    lines.append(f"<blockquote>{esc(chunk.text)}</blockquote>")
    if meta.source and meta.source.startswith(("http://", "https://")):
        href = escape(meta.source, quote=True)
        link = Html(f'<a href="{href}">{esc(meta.source)}</a>')
        lines.append(t("clause_source", lang, source=link))
    return "\n".join(lines)


_VERDICT_LINE = re.compile(r"^[✅❌❔]")


def report_html(text: str) -> str:
    """A plain-text eligibility report as HTML: verdict lines bold, the rest escaped."""
    out = []
    for line in text.splitlines():
        out.append(f"<b>{esc(line)}</b>" if _VERDICT_LINE.match(line) else esc(line))
    return "\n".join(out)
