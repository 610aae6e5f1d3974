"""Typed values that flow through retrieval: files → documents → chunks → hits.

Nothing here imports anything else of ours; every other module builds on it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

SCHEMA_VERSION = 1


# ---------------------------------------------------------------- errors


class CorpusError(Exception):
    """Base class for problems with corpus files or the index; the message is for the user."""


class UnsupportedFile(CorpusError):
    """The file type is not one we read (the message names the file and the accepted types)."""


class UnreadableFile(CorpusError):
    """The file has a supported type but cannot be read (corrupt, encrypted, empty, binary...)."""


class IndexMismatch(CorpusError):
    """The index on disk was built with other parameters than the ones configured now."""


class DocumentNotFound(CorpusError):
    """No document with that id is in the index."""


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class DocumentMeta:
    """What we know about a policy document, from front matter or from its text.

    Dates are ISO ``YYYY-MM-DD`` strings; ``None`` when unknown.
    """

    title: str
    doc_number: str | None = None  # 文号, e.g. 国科发创〔2018〕17号
    issuers: tuple[str, ...] = ()
    date: str | None = None  # issue date
    effective: str | None = None  # 自…起执行 / 施行
    expires: str | None = None  # 执行至… / 有效期至…
    repeals: tuple[str, ...] = ()  # document numbers this one repeals or replaces
    source: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issuers": list(self.issuers),
            "date": self.date,
            "effective": self.effective,
            "expires": self.expires,
            "repeals": list(self.repeals),
            "source": self.source,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict) -> DocumentMeta:
        return cls(
            title=d.get("title") or "",
            doc_number=d.get("doc_number"),
            issuers=tuple(d.get("issuers") or ()),
            date=d.get("date"),
            effective=d.get("effective"),
            expires=d.get("expires"),
            repeals=tuple(d.get("repeals") or ()),
            source=d.get("source"),
            note=d.get("note"),
        )


@dataclass(frozen=True)
class Block:
    """A paragraph (or heading line) of a document as read from the file, with its page."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class LoadedDocument:
    """A file read into clean paragraphs plus metadata; page furniture already removed."""

    source_name: str  # file name as given (no directories)
    sha256: str  # of the file's bytes
    meta: DocumentMeta
    blocks: tuple[Block, ...]
    kind: str  # "txt" | "md" | "html" | "pdf" | "docx"

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document, small enough to embed, never cutting a sentence.

    ``text`` keeps the original characters; ``section`` is the heading path from the
    document root to the clause, e.g. ("二、重点任务", "（一）…", "2. 强化政策衔接配套").
    """

    id: str
    doc_id: str
    ordinal: int
    text: str
    section: tuple[str, ...] = ()
    page: int | None = None
    n_tokens: int = 0

    @property
    def section_label(self) -> str:
        return " › ".join(self.section)


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the index knows it."""

    doc_id: str
    source_name: str
    sha256: str
    meta: DocumentMeta
    n_chunks: int
    added_at: str  # ISO timestamp (UTC)

    def is_in_force(self, on: str) -> bool:
        """True if the document was issued/effective by ``on`` (ISO date) and had not expired."""
        start = self.meta.effective or self.meta.date
        if start and start[:10] > on:
            return False
        return not (self.meta.expires and self.meta.expires[:10] < on)


@dataclass(frozen=True)
class Hit:
    """A chunk found for a query, with the document it belongs to."""

    chunk: Chunk
    doc: DocumentRecord
    score: float
    signals: dict[str, float] = field(default_factory=dict, compare=False)


# ---------------------------------------------------------------- helpers


def normalize(text: str) -> str:
    """NFKC + no whitespace: how text is compared (never how it is shown)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(source_name: str) -> str:
    """Stable short id of a document, derived from its file name."""
    stem = unicodedata.normalize("NFKC", source_name).strip()
    return "d" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:9]


def chunk_id_for(doc_id: str, ordinal: int, text: str) -> str:
    """Stable chunk id: same document, same place, same text → same id."""
    h = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return f"{doc_id}-{ordinal:04d}-{h}"
