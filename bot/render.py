"""Plain-text rendering of answers in the asker's language (the Telegram face adds HTML itself)."""

from __future__ import annotations

import re
from dataclasses import replace

from retrieval.glossary import Glossary, normalize_en

from . import names
from .answer_types import Answer, Citation, QuoteGroup
from .gist import gist
from .gist import points as gist_points
from .names import display_number, short_title

STATUS_TEXT = {
    "zh": {"repealed": "已废止", "expired": "已失效", "not_yet": "尚未施行"},
    "en": {"repealed": "repealed", "expired": "expired", "not_yet": "not yet in force"},
}


def doc_label(title: str, doc_number: str | None, lang: str) -> str:
    """《title》（文号） for Chinese readers; for English ones the document's English name with the
    文号 in brackets (a law without one gets its Chinese title there, to find it by)."""
    if lang != "zh":
        label = names.english_name(title or None, doc_number)
        if title and not display_number(doc_number) and not any("\u4e00" <= ch <= "\u9fff" for ch in label):
            label += f" ({short_title(title)})"
        return label
    doc_number = display_number(doc_number)
    if not title and doc_number:
        return doc_number  # a rule cited from the catalog by its 文号 alone
    title = title or "（无标题）"
    t = title if title.startswith("《") else f"《{title}》"
    return f"{t}（{doc_number}）" if doc_number else t


def status_note(status: str, replaced_by: str | None, lang: str) -> str:
    if status == "in_force":
        return ""
    word = STATUS_TEXT[lang].get(status, status)
    if replaced_by:
        return f"{word}，已由 {replaced_by} 取代" if lang == "zh" else f"{word}; replaced by {replaced_by}"
    return word


def citation_ref(c: Citation, lang: str) -> str:
    """"财税〔2018〕99号 一" style reference with page and date; in English
    "Notice Caishui [2018] No. 99 (财税〔2018〕99号), item 1"."""
    if lang != "zh":
        ref = names.english_name(c.title or None, c.doc_number, c.section)
        if c.page:
            ref += f", p. {c.page}"
        return ref + (f" ({c.date})" if c.date else "")
    number = display_number(c.doc_number)
    parts = [number or f"《{short_title(c.title)}》"]
    if c.section:
        parts.append(c.section)
    if c.page:
        parts.append(f"第{c.page}页")
    ref = " ".join(parts)
    return ref + (f"（{c.date}）" if c.date else "")


def lead_line(c: Citation, lang: str, glossary: Glossary, *, yes_no: bool = False, question: str = "") -> str:
    """The extractive answer's lead: the best clause. In English a first paragraph that names
    the clause and gives its figures and terms in English — those the question asks about first —
    and the verbatim Chinese after it."""
    ref = citation_ref(c, lang)
    note = status_note(c.status, c.replaced_by, lang)
    if lang == "zh":
        head = "要点"  # a quoted clause, not a decided conclusion: "结论" is kept for decided answers
        line = f"{head}：“{c.quote}”——{ref}"
        return line + (f"【注意：该文件{note}】" if note else "")
    said = focused(gist_points(c.quote, glossary), question)
    head = "What the text says" if yes_no else "In short"
    line = f"{head}: {ref}"
    line += f" — key points, {'what you asked about first' if question else 'in the clause' + chr(39) + 's order'}: " \
        f"{' · '.join(said)}." if said else " (quoted below)."
    if note:
        line += f" Note: this document is {note}."
    return f"{line}\n\n“{c.quote}”"


def focused(points: list[str], question: str) -> list[str]:
    """The gist's points with those the question asks about first: a figure of the kind it asks
    for ("how many" → a count, "how long" → a period), then the terms it names; otherwise the
    clause's order."""
    if not question:
        return points
    asked = set(normalize_en(question))
    wants = {k for k, rx in _WANTS.items() if rx.search(question)}

    def score(p: str) -> int:
        words = set(normalize_en(p))
        figure = any(rx.search(p) for k, rx in _FIGURE_KINDS.items() if k in wants)
        return 3 * figure + len(words & asked)

    return sorted(points, key=lambda p: -score(p))


_WANTS = {
    "count": re.compile(r"\bhow many\b|\bnumber of\b", re.I),
    "percent": re.compile(r"\b(?:rate|percent|percentage|share|ratio|proportion|how much)\b", re.I),
    "money": re.compile(r"\bhow much\b|\bamount\b|\b(?:yuan|rmb|money|fund|bonus|reward)\b", re.I),
    "duration": re.compile(r"\bhow long\b|\b(?:years?|months?|days?|period|term|deadline|within)\b", re.I),
    "date": re.compile(r"\bwhen\b|\bwhich year\b|\bdate\b|\bsince\b|\bby\b", re.I),
}
_FIGURE_KINDS = {
    "count": re.compile(r"\d+ ×|: (?:at (?:least|most) |over )?[\d,]+$"),
    "percent": re.compile(r"\d%"),
    "money": re.compile(r"RMB|yuan", re.I),
    "duration": re.compile(r"\b\d+ (?:years?|months?|days?|working days)\b"),
    "date": re.compile(r"\b(?:19|20)\d{2}\b"),
}


def quote_gist(c: Citation, glossary: Glossary | None = None) -> str:
    """The one-line English gist under a Chinese quote ("" when it names no figure or term)."""
    return gist(c.quote, glossary if glossary is not None else names.glossary())


def group_text(g: QuoteGroup, lang: str, glossary: Glossary | None = None) -> str:
    head = doc_label(g.title, g.doc_number, lang)
    if g.date:
        head += f"，{g.date}" if lang == "zh" else f", {g.date}"
    note = status_note(g.status, g.replaced_by, lang)
    if note:
        head += f"【{note}】" if lang == "zh" else f" [{note}]"
    lines = [head]
    for c in g.citations:
        if lang == "zh":
            where = c.section or "正文"
            if c.page:
                where += f"，第{c.page}页"
            tag = "" if c.in_corpus else "（本库未收录该文件；引自政策目录的摘要）"
            lines.append(f"  · {where}：“{c.quote}”{tag}")
            continue
        where = names.english_article(c.section) or "text"
        if c.page:
            where += f", p. {c.page}"
        tag = "" if c.in_corpus else " (document not in the corpus; summary from the incentive catalog)"
        lines.append(f"  · {where}: “{c.quote}”{tag}")
        summary = quote_gist(c, glossary)
        if summary:
            lines.append(f"    ↳ gist: {summary}")
    return "\n".join(lines)


def refusal_text(answer: Answer) -> str:
    if answer.lang == "zh":
        text = (
            "抱歉，现有政策文件中没有找到能回答这个问题的条款，我不做猜测。"
            "可以换个说法（例如写明政策名称、文号或对象），或问问这些主题："
        )
    else:
        text = (
            "Sorry — none of the policy documents I have covers this question, so I won't guess. "
            "Try rephrasing (name the policy, its document number or who it is for), or ask about:"
        )
    if answer.suggestions:
        text += "\n" + "\n".join(f"  · {s}" for s in answer.suggestions)
    return text


CAUTION = {
    "zh": "资料库中可能没有直接回答这个问题的条款；以下是最接近的原文，请核对是否适用。",
    "en": "The corpus may not answer this directly: these are the closest clauses it has. "
    "Check that they apply to your question.",
}


def with_notice(answer: Answer, notice: str, **changes: object) -> Answer:
    """The answer with ``notice`` before it (and any other field changes), text re-rendered."""
    changed = replace(answer, notice=notice, **changes)
    return replace(changed, text=answer_text(changed))


def with_caution(answer: Answer) -> Answer:
    """The answer marked as resting on weak evidence, with a caution before it."""
    if answer.cautious:
        return answer
    notice = " ".join(x for x in (answer.notice, CAUTION[answer.lang]) if x)
    return with_notice(answer, notice, cautious=True)


def answer_text(answer: Answer) -> str:
    """The whole answer as plain text: lead, eligibility, quotes by document, notice."""
    if answer.abstained:
        body = refusal_text(answer)
        return f"{answer.notice}\n\n{body}" if answer.notice else body
    parts = []
    if answer.notice:
        parts.append(answer.notice)
    if answer.eligibility:
        parts.append(answer.eligibility)
    if answer.mode == "llm" and answer.extra.get("llm_text"):
        if answer.extra.get("decided") and answer.lead:
            parts.append(answer.lead)  # the catalog's conclusion stays first, as decided
        parts.append(answer.extra["llm_text"])
    elif answer.lead:
        parts.append(answer.lead)
    if answer.groups:
        parts.append("依据：" if answer.lang == "zh" else "Sources (quoted verbatim, in Chinese):")
        parts.extend(group_text(g, answer.lang) for g in answer.groups)
    return "\n\n".join(parts)
