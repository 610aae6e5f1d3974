"""Plain-text rendering of answers in the asker's language (the Telegram face adds HTML itself)."""

from __future__ import annotations

from dataclasses import replace

from retrieval.glossary import Glossary
from retrieval.metadata import find_doc_numbers

from .answer_types import Answer, Citation, QuoteGroup

STATUS_TEXT = {
    "zh": {"repealed": "已废止", "expired": "已失效", "not_yet": "尚未施行"},
    "en": {"repealed": "repealed", "expired": "expired", "not_yet": "not yet in force"},
}


def display_number(doc_number: str | None) -> str | None:
    """The 文号 to show: None for descriptions such as "法律（2015-08-29 …修正）" that laws carry."""
    if not doc_number:
        return None
    return doc_number if find_doc_numbers(doc_number) else None


def short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国") if title.startswith("中华人民共和国") else title


def doc_label(title: str, doc_number: str | None, lang: str) -> str:
    doc_number = display_number(doc_number)
    if not title and doc_number:
        return doc_number  # a rule cited from the catalog by its 文号 alone
    title = title or ("（无标题）" if lang == "zh" else "(untitled)")
    t = f"《{title}》" if lang == "zh" and not title.startswith("《") else title
    return f"{t}（{doc_number}）" if doc_number and lang == "zh" else (
        f"{t} ({doc_number})" if doc_number else t
    )


def status_note(status: str, replaced_by: str | None, lang: str) -> str:
    if status == "in_force":
        return ""
    word = STATUS_TEXT[lang].get(status, status)
    if replaced_by:
        return f"{word}，已由 {replaced_by} 取代" if lang == "zh" else f"{word}; replaced by {replaced_by}"
    return word


def citation_ref(c: Citation, lang: str) -> str:
    """"财税〔2018〕99号 一" style reference with page and date."""
    number = display_number(c.doc_number)
    parts = [number or f"《{short_title(c.title)}》"]
    if c.section:
        parts.append(c.section)
    if c.page:
        parts.append(f"第{c.page}页" if lang == "zh" else f"p. {c.page}")
    ref = " ".join(parts)
    if c.date:
        ref += f"（{c.date}）" if lang == "zh" else f" ({c.date})"
    return ref


def lead_line(c: Citation, lang: str, glossary: Glossary, *, yes_no: bool = False) -> str:
    ref = citation_ref(c, lang)
    note = status_note(c.status, c.replaced_by, lang)
    if lang == "zh":
        head = "结论（依原文）" if yes_no else "要点"
        line = f"{head}：“{c.quote}”——{ref}"
        return line + (f"【注意：该文件{note}】" if note else "")
    terms = [(zh, en) for zh, en in glossary.annotate_zh(c.quote, limit=6) if len(zh) <= 10][:3]
    gloss = "; ".join(f"{zh} = {en}" for zh, en in terms)
    line = f"{'What the text says' if yes_no else 'In short'}: “{c.quote}” — {ref}"
    if gloss:
        line += f"\n  (key terms: {gloss})"
    if note:
        line += f"\n  Note: this document is {note}."
    return line


def group_text(g: QuoteGroup, lang: str) -> str:
    head = doc_label(g.title, g.doc_number, lang)
    if g.date:
        head += f"，{g.date}" if lang == "zh" else f", {g.date}"
    note = status_note(g.status, g.replaced_by, lang)
    if note:
        head += f"【{note}】" if lang == "zh" else f" [{note}]"
    lines = [head]
    for c in g.citations:
        where = c.section or ("正文" if lang == "zh" else "text")
        if c.page:
            where += f"，第{c.page}页" if lang == "zh" else f", p. {c.page}"
        tag = "" if c.in_corpus else ("（本库未收录该文件）" if lang == "zh" else " (document not in the corpus)")
        lines.append(f"  · {where}：“{c.quote}”{tag}" if lang == "zh" else f"  · {where}: “{c.quote}”{tag}")
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
