"""Typed answers: what the answering layer hands to the faces (CLI, terminal chat, Telegram)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Citation:
    """One quoted clause: where it is, what it says verbatim, and whether it still applies."""

    doc_id: str
    title: str
    doc_number: str | None
    date: str | None
    section: str  # heading path, e.g. "二、重点任务 › (三)… › 8. …"
    page: int | None
    quote: str  # verbatim words from the chunk (original characters)
    chunk_id: str = ""
    status: str = "in_force"  # "in_force" | "expired" | "repealed"
    replaced_by: str | None = None  # 文号 of the document that replaced it, when known
    in_corpus: bool = True  # False: cited from the incentive catalog, document not indexed

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "doc_number": self.doc_number,
            "date": self.date,
            "section": self.section,
            "page": self.page,
            "quote": self.quote,
            "chunk_id": self.chunk_id,
            "status": self.status,
            "replaced_by": self.replaced_by,
            "in_corpus": self.in_corpus,
        }


@dataclass(frozen=True)
class QuoteGroup:
    """Quotes from one document, in document order."""

    doc_id: str
    title: str
    doc_number: str | None
    date: str | None
    status: str
    replaced_by: str | None
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Answer:
    """A grounded answer, or a refusal (``abstained``) with suggestions."""

    text: str  # plain-text rendering (CLI); faces may render the structure themselves
    lang: str  # "zh" | "en"
    abstained: bool
    mode: str  # "extractive" | "llm"
    citations: tuple[Citation, ...] = ()
    lead: str = ""  # one-line statement of the answer, where the corpus states it plainly
    groups: tuple[QuoteGroup, ...] = ()
    notice: str = ""  # e.g. "the language model was unavailable; answered from the text"
    suggestions: tuple[str, ...] = ()  # for refusals: how to rephrase / what is covered
    eligibility: str = ""  # rendered verdicts, when the question was an eligibility question
    query: str = ""  # the question as searched (after follow-up rewriting)
    support: float = 0.0
    cautious: bool = False  # answered, but the corpus may not answer the question directly
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {
            "answer": self.text,
            "lang": self.lang,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "lead": self.lead,
            "notice": self.notice,
            "query": self.query,
            "support": round(self.support, 4),
            "cautious": self.cautious,
        }
