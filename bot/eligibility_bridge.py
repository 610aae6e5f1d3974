"""Eligibility questions in the answer flow: verdict first, then the clauses the verdict rests on.

"我们是批发公司，能享受研发费用加计扣除吗？" is answered by the incentive engine (with the facts the
conversation has gathered), and each rule it cites is looked up in the indexed corpus: when the
document is there the clause is quoted; when it is not, the 文号 and article from the catalog are
shown, marked as not in the corpus.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import TYPE_CHECKING

from retrieval import lexical
from retrieval.documents import Chunk, normalize
from retrieval.glossary import Glossary, detect_language
from retrieval.index import Index, Snapshot
from retrieval.metadata import doc_number_matches

from .answer_types import Citation
from .conversation import Conversation
from .extractive import short_section, split_sentences
from .incentives import (
    Basis,
    Catalog,
    CatalogError,
    Report,
    evaluate,
    extract_facts,
    looks_like_eligibility_question,
    render_report,
)

if TYPE_CHECKING:
    from .app import App

log = logging.getLogger(__name__)

MAX_CITATIONS = 4
# "which incentives can we get?" asks about the whole catalog
_ASKS_WHICH = re.compile(
    r"哪些(?:优惠|政策|激励|扶持|补贴)|什么(?:优惠|政策|激励)|有没有.{0,6}(?:优惠|政策)|"
    r"\b(?:which|what)\s+(?:incentives|benefits|tax breaks|reliefs|policies)\b|"
    r"\bwhat (?:can|could) (?:we|i) (?:claim|get)\b",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    ["企业", "个人", "所得", "所得税", "企业所得税", "个人所得税", "税收", "优惠", "政策", "科技", "技术", "公司", "人员", "标准", "使用", "所有", "enterprise", "tax", "income", "company", "companies"]
)


def _norm_label(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s、.．:：]", "", s)


class EligibilityBridge:
    def __init__(self, catalog: Catalog, index: Index, glossary: Glossary):
        self.catalog = catalog
        self.index = index
        self.glossary = glossary
        # words that name each incentive, to tell which ones a question is about; words shared
        # by several names (企业, 所得税, 科技) say nothing about which
        names: dict[str, set[str]] = {}
        for inc in catalog:
            words = set(lexical.tokenize(inc.name.get("zh") + " " + inc.name.get("en")))
            names[inc.id] = {w for w in words if len(w) >= 2 and w not in _GENERIC}
        seen: dict[str, int] = {}
        for words in names.values():
            for w in words:
                seen[w] = seen.get(w, 0) + 1
        self._names = {i: {w for w in ws if seen[w] <= 2} for i, ws in names.items()}

    @classmethod
    def from_app(cls, app: App) -> EligibilityBridge | None:
        try:
            catalog = app.catalog
        except CatalogError as exc:
            log.error("incentive catalog not loaded, eligibility answers are off: %s", exc)
            return None
        return cls(catalog, app.index, app.glossary)

    # ------------------------------------------------------------ which incentives

    def incentives_in(self, question: str) -> tuple[str, ...] | None:
        """Incentive ids the question names (None: it names none, so all that concern the asker)."""
        words = set(lexical.tokenize(question))
        if detect_language(question) == "en":
            for zh, _ in self.glossary.expand(question):
                words |= set(lexical.tokenize(zh))
        scored = []
        for inc_id, names in self._names.items():
            common = words & names
            # two naming words, or one long one (加计扣除 is specific, 公司 is not)
            if len(common) >= 2 or any(len(w) >= 3 and not w.isascii() for w in common):
                scored.append((len(common) / max(len(names), 1), inc_id))
        if not scored:
            return None
        best = max(s for s, _ in scored)
        return tuple(i for s, i in scored if s >= 0.6 * best)

    # ------------------------------------------------------------ answering

    def answer(self, question: str, conversation: Conversation, lang: str
               ) -> tuple[str, list[Citation]] | None:
        """Verdict text and citations for an eligibility question; None for other questions."""
        facts = extract_facts(question)
        conversation.facts.update(facts)
        if not looks_like_eligibility_question(question):
            return None
        asks_which = bool(_ASKS_WHICH.search(question))
        ids = None if asks_which else self.incentives_in(question)
        if ids is None and not asks_which:
            return None  # names no incentive we know: an ordinary question (or out of scope)
        year = conversation.facts.get("tax_year")
        report = evaluate(self.catalog, dict(conversation.facts),
                          year=int(year) if isinstance(year, int | float) else None, ids=ids)
        text = render_report(report, lang)
        return text, self.citations(report)

    def citations(self, report: Report) -> list[Citation]:
        """The legal basis of the verdicts, quoted from the corpus where the document is indexed."""
        snap = self.index.snapshot()
        bases: list[tuple[Basis, str]] = []  # (basis, the words it is cited for)
        for v in report.verdicts:
            if not v.relevant:
                continue
            # a failed condition decides the verdict: its rule comes first
            for c in sorted(v.conditions, key=lambda c: c.status.value != "failed"):
                if c.status.value in ("failed", "met") and not c.skipped:
                    bases.extend((b, c.reason.get("zh")) for b in c.basis)
            if v.benefit is not None:
                bases.extend((b, v.benefit.summary.get("zh")) for b in v.benefit.basis)
        out: list[Citation] = []
        seen: set[str] = set()
        for b, about in bases:
            if b.citation in seen:
                continue
            seen.add(b.citation)
            out.append(self.resolve(snap, b, about))
            if len(out) >= MAX_CITATIONS:
                break
        return out

    def resolve(self, snap: Snapshot, basis: Basis, about: str = "") -> Citation:
        doc = self._find_doc(snap, basis)
        if doc is not None:
            chunk = self._find_clause(snap, doc, basis.article)
            if chunk is not None:
                rec = snap.docs[doc]
                return Citation(
                    doc_id=doc,
                    title=rec.meta.title,
                    doc_number=rec.meta.doc_number,
                    date=rec.meta.date,
                    section=short_section(chunk.section) or (basis.article or ""),
                    page=chunk.page,
                    quote=_best_sentence(chunk, about),
                    chunk_id=chunk.id,
                )
        return Citation(
            doc_id="",
            title=basis.title or "",
            doc_number=basis.doc_number,
            date=None,
            section=basis.article or "",
            page=None,
            quote="",
            in_corpus=False,
        )

    @staticmethod
    def _find_doc(snap: Snapshot, basis: Basis) -> str | None:
        for doc_id, rec in snap.docs.items():
            if basis.doc_number and rec.meta.doc_number and doc_number_matches(
                basis.doc_number, rec.meta.doc_number
            ):
                return doc_id
        if basis.title:
            want = normalize(basis.title)
            for doc_id, rec in snap.docs.items():
                if want and normalize(rec.meta.title).startswith(want):
                    return doc_id
        return None

    @staticmethod
    def _find_clause(snap: Snapshot, doc_id: str, article: str | None) -> Chunk | None:
        chunks = [c for c in snap.chunks if c.doc_id == doc_id]
        if not chunks:
            return None
        if not article:
            return chunks[0]
        want = _norm_label(article)
        best, best_len = None, 0
        for c in chunks:
            have = _norm_label(short_section(c.section))
            if not have:
                continue
            if want.startswith(have) or have.startswith(want):
                n = min(len(have), len(want))
                if n > best_len:
                    best, best_len = c, n
        if best is None:  # e.g. an article cited inside a chunk whose path is shorter
            for c in chunks:
                if normalize(c.text).startswith(want):
                    return c
        return best

    # ------------------------------------------------------------ suggestions

    def topics(self, lang: str) -> list[str]:
        """What the bot covers, for refusals: the incentives, then a few indexed documents."""
        names = [inc.name.get(lang) for inc in self.catalog][:6]
        docs = sorted(self.index.snapshot().docs.values(), key=lambda d: d.meta.date or "", reverse=True)
        titles = [d.meta.title for d in docs[:3]]
        return names + titles


def _best_sentence(chunk: Chunk, about: str) -> str:
    """The sentence of a clause that says most of what it is cited for (headings skipped)."""
    text = chunk.text
    if len(normalize(text)) <= 160:  # a short clause (often a list) is best quoted whole
        return " ".join(line.strip() for line in text.splitlines() if line.strip())
    words = set(lexical.tokenize(about)) if about else set()
    best, best_score = "", -1.0
    for a, b in split_sentences(text):
        s = text[a:b].strip()
        norm = normalize(s)
        if len(norm) < 12 or not re.search(r"[。；;，,：:]", s):
            continue  # a heading line, not a rule
        score = len(words & set(lexical.tokenize(s))) if words else 0
        if score > best_score:
            best, best_score = s, score
    return best or text.strip()[:200]
