"""Compose: the conclusion first in the asker's language, then the clauses that prove it, quoted
whole, then other retrieved sentences only where they support the same conclusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.answer_types import Answer, Citation, QuoteGroup
from bot.extractive import Sentence, make_citation
from bot.incentives import Basis, Catalog
from retrieval.documents import normalize
from retrieval.index import Snapshot
from retrieval.validity import Validity

from .cite import best_sentences, resolve, whole_sentence
from .decide import Decision
from .figures import pct
from .question import Question
from .rules import Conclusion

MAX_BASIS = 3
MAX_SUPPORT = 2
HEAD = {"zh": "结论", "en": "Answer"}
UNCONFIRMED = {"zh": "（部分依据未经核实，请以原文为准）", "en": " (part of the basis is unconfirmed: check the source)"}
CHECK_HINT = {"zh": "想逐项核对是否适用于你：发送 /check", "en": "To check step by step whether it applies to you: send /check"}


def catalog_text(catalog: Catalog | None, basis: Basis) -> str:
    """The catalog's own words for a rule cited on ``basis`` (summary, condition or provision)."""
    if catalog is None:
        return ""
    for inc in catalog:
        for b in inc.benefits:
            if basis in b.basis:
                return b.summary.zh
        for p in inc.provisions:
            if basis in p.basis:
                return p.text.zh
        for c in inc.conditions:
            if basis in c.basis:
                return c.reason_met.zh
        if basis in inc.validity.basis:
            return inc.summary.zh
    return ""


def supports(sentence: str, conclusion: Conclusion) -> bool:
    """A retrieved sentence backs a conclusion when it repeats much of the decisive wording (and
    its figure: a clause giving another period's 75 % does not back a 120 % conclusion)."""
    about = normalize(conclusion.about)
    if not about:
        return False
    if conclusion.figures and pct(conclusion.figures[0]) not in normalize(sentence):
        return False
    grams = {about[i:i + 2] for i in range(len(about) - 1)}
    n = normalize(sentence)
    have = {n[i:i + 2] for i in range(len(n) - 1)}
    return len(grams & have) >= 0.45 * len(grams)


def citations_for(decision: Decision, snap: Snapshot, validity: Mapping[str, Validity],
                  catalog: Catalog | None, sentences: Sequence[Sentence]) -> list[Citation]:
    out: list[Citation] = []
    seen: set[str] = set()
    for c in decision.conclusions:
        for b in c.basis[:MAX_BASIS]:
            fallback = catalog_text(catalog, b) or c.text.zh.split("\n")[0]
            cite = resolve(snap, b, c.about, fallback)
            if not cite.quote.strip():
                continue
            key = normalize(cite.quote)
            if key in seen:
                continue
            seen.add(key)
            v = validity.get(cite.doc_id) if cite.in_corpus else None
            if v is not None:
                cite = replace(cite, status=v.status, replaced_by=v.replaced_by)
            out.append(cite)
    added = 0
    # quote what supports the conclusion and nothing else: when its own basis is in the corpus,
    # other retrieved sentences (other periods, other categories) are left out
    if any(c.in_corpus for c in out):
        return out
    for s in sentences:
        if added >= MAX_SUPPORT:
            break
        text = whole_sentence(s.hit.chunk.text, s.start, s.end)
        key = normalize(text)
        if key in seen or any(key in k or k in key for k in seen):
            continue
        if any(supports(text, c) for c in decision.conclusions):
            seen.add(key)
            out.append(make_citation(s.hit, best_sentences(text, decision.conclusions[0].about, whole_under=400),
                                     validity.get(s.hit.chunk.doc_id)))
            added += 1
    return out


def lead_text(q: Question, decision: Decision) -> str:
    lang = q.lang
    parts = []
    for i, c in enumerate(decision.conclusions):
        text = c.text.get(lang).strip()
        if c.unconfirmed:
            text += UNCONFIRMED[lang]
        parts.append(f"{HEAD[lang]}{'：' if lang == 'zh' else ': '}{text}" if i == 0 else text)
    if not any(c.verdict for c in decision.conclusions) and q.topics:
        parts.append(CHECK_HINT[lang])
    return "\n".join(parts)


def group(citations: Sequence[Citation]) -> tuple[QuoteGroup, ...]:
    """Citations grouped by document (catalog-only ones by their 文号), first-seen order."""
    order: list[str] = []
    by: dict[str, list[Citation]] = {}
    for c in citations:
        key = c.doc_id or f"catalog:{c.doc_number or c.title}"
        if key not in by:
            order.append(key)
            by[key] = []
        by[key].append(c)
    return tuple(
        QuoteGroup(doc_id=by[k][0].doc_id, title=by[k][0].title, doc_number=by[k][0].doc_number,
                   date=by[k][0].date, status=by[k][0].status, replaced_by=by[k][0].replaced_by,
                   citations=tuple(by[k]))
        for k in order
    )


def compose_decided(q: Question, decision: Decision, citations: Sequence[Citation], *,
                    support: float, query: str) -> Answer:
    return Answer(
        text="",
        lang=q.lang,
        abstained=False,
        mode="extractive",
        citations=tuple(citations),
        lead=lead_text(q, decision),
        groups=group(citations),
        notice=" ".join(decision.notes),
        query=query,
        support=support,
        extra={"decision": [c.topic for c in decision.conclusions],
               "figures": [f for c in decision.conclusions for f in c.figures]},
    )
