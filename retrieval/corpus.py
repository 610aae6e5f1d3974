"""Changing the corpus: prepare, ingest, replace, remove, sync — each atomic per document.

Order of a change (crash-safe at every step):
  1. read, chunk and embed the file (nothing written yet);
  2. journal the operation; store the original file under a new name; add the new vectors to Chroma;
  3. one SQLite transaction switches the registry to the new chunks  ← the commit point;
  4. delete the old vectors and file; close the journal entry.
A crash before 3 leaves orphan vectors (and a stored file) that readers ignore (they only see
registry ids) and ``Index.repair`` deletes on the next open, or before this process's next write;
a crash after 3 leaves stale vectors and the old file, deleted the same way.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import loaders
from .audit import AuditLog
from .chunker import ChunkerParams, chunk_document
from .documents import (
    Chunk,
    CorpusError,
    DocumentNotFound,
    DocumentRecord,
    LoadedDocument,
    doc_id_for,
)
from .index import Index, embed_key, passage_text, write_lock
from .metadata import doc_number_key
from .registry import StoredChunk, utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoaderOptions:
    max_bytes: int = 50 * 2**20
    max_pdf_pages: int = 2000
    ocr: bool = False


@dataclass(frozen=True)
class Prepared:
    """A document read and chunked, not yet in the index (what an upload preview shows)."""

    doc_id: str
    loaded: LoadedDocument
    chunks: tuple[Chunk, ...]
    data: bytes = field(repr=False)

    @property
    def headings(self) -> list[str]:
        seen: list[str] = []
        for c in self.chunks:
            for h in c.section:
                if h not in seen:
                    seen.append(h)
        return seen


@dataclass(frozen=True)
class Change:
    action: str  # "added" | "replaced" | "unchanged" | "removed"
    doc_id: str
    source_name: str
    n_chunks: int = 0
    title: str = ""


@dataclass
class Report:
    changes: list[Change] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, message)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def ok(self) -> bool:
        return not self.failures


_SAFE = re.compile(r"[^\w.\-()（）〔〕\[\]【】《》]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    """A bare, harmless file name: no directories, no control characters, bounded length."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    name = _SAFE.sub("_", name).strip("._ ") or "document"
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 8:
        return f"{stem[:120]}.{ext}"
    return name[:128]


class Corpus:
    """All writes to the index go through here (one writer at a time, across processes)."""

    def __init__(
        self,
        index: Index,
        data_dir: Path,
        chunker: ChunkerParams,
        loader_options: LoaderOptions = LoaderOptions(),
        audit: AuditLog | None = None,
    ):
        self.index = index
        self.files_dir = data_dir / "files"
        self.chunker = chunker
        self.loader_options = loader_options
        self.audit = audit or AuditLog(data_dir / "audit.log")
        self._data_dir = data_dir

    # ------------------------------------------------------------ reading

    def prepare(self, path: Path, source_name: str | None = None) -> Prepared:
        """Read and chunk a file; raises CorpusError naming the file when it cannot be used."""
        name = safe_file_name(source_name or path.name)
        o = self.loader_options
        loaded = loaders.load_file(
            path, source_name=name, max_bytes=o.max_bytes, max_pdf_pages=o.max_pdf_pages, ocr=o.ocr
        )
        doc_id = doc_id_for(loaded.source_name)
        chunks = chunk_document(loaded, doc_id, self.chunker)
        if not chunks:
            raise CorpusError(f"{loaded.source_name}: no policy text found in the file")
        return Prepared(doc_id=doc_id, loaded=loaded, chunks=tuple(chunks), data=path.read_bytes())

    def find_previous_version(self, prepared: Prepared) -> DocumentRecord | None:
        """An indexed document this one looks like a new version of (same 文号, else same title)."""
        meta = prepared.loaded.meta
        for rec in self.index.registry.documents():
            if rec.doc_id == prepared.doc_id:
                return rec
        key = doc_number_key(meta.doc_number) if meta.doc_number else None
        for rec in self.index.registry.documents():
            if key and rec.meta.doc_number and doc_number_key(rec.meta.doc_number) == key:
                return rec
        for rec in self.index.registry.documents():
            if meta.title and rec.meta.title == meta.title:
                return rec
        return None

    # ------------------------------------------------------------ writing

    @contextmanager
    def _writer(self) -> Iterator[None]:
        with write_lock(self._data_dir):
            if self.index.registry.journal_pending():
                # a writer died mid-change after this process opened the index: finish it first
                self.index.repair(files_dir=self.files_dir)
            yield

    def _embed(self, prepared: Prepared) -> tuple[list[str], list[str], np.ndarray]:
        emb = self.index.embedder
        texts = [passage_text(c, prepared.loaded.meta) for c in prepared.chunks]
        keys = [embed_key(emb.model_id, t) for t in texts]
        known = self.index.registry.embeddings_by_key(keys)
        todo = [i for i, k in enumerate(keys) if k not in known]
        fresh = emb.embed_passages([texts[i] for i in todo]) if todo else np.zeros((0, emb.dim))
        vectors = np.zeros((len(texts), emb.dim), dtype=np.float32)
        for j, i in enumerate(todo):
            vectors[i] = fresh[j]
        for i, k in enumerate(keys):
            if k in known:
                vectors[i] = known[k]
        return texts, keys, vectors

    def _store_file(self, prepared: Prepared) -> Path:
        target_dir = self.files_dir / prepared.doc_id
        target_dir.mkdir(parents=True, exist_ok=True)
        name = f"{prepared.loaded.sha256[:12]}-{safe_file_name(prepared.loaded.source_name)}"
        target = target_dir / name
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(prepared.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def ingest(self, prepared: Prepared, *, actor: str = "cli", replaces: str | None = None) -> Change:
        """Put a prepared document in the index (replacing its older version); atomic."""
        with self._writer():
            return self._ingest(prepared, actor=actor, replaces=replaces)

    def _ingest(
        self, prepared: Prepared, *, actor: str, replaces: str | None, force: bool = False
    ) -> Change:
        reg = self.index.registry
        old = reg.document(prepared.doc_id)
        loaded = prepared.loaded
        unchanged = old is not None and old.sha256 == loaded.sha256
        if unchanged and not force and replaces in (None, prepared.doc_id):
            return Change("unchanged", old.doc_id, old.source_name, old.n_chunks, old.meta.title)
        _texts, keys, vectors = self._embed(prepared)
        stored = []
        for c, k, v in zip(prepared.chunks, keys, vectors, strict=True):
            zh, en = self.index.chunk_tokens(c, loaded.meta)
            stored.append(StoredChunk(chunk=c, tokens=tuple(zh), embed_key=k, embedding=v,
                                      en_tokens=tuple(en)))
        old_ids = {s.chunk.id for s in reg.iter_chunks(prepared.doc_id, with_embeddings=False)}
        replaced_old_ids: set[str] = set()
        if replaces and replaces != prepared.doc_id:
            if reg.document(replaces) is None:
                raise DocumentNotFound(f"no document with id {replaces!r} to replace")
            replaced_old_ids = {
                s.chunk.id for s in reg.iter_chunks(replaces, with_embeddings=False)
            }
        old_files = self._files_of(prepared.doc_id) + (self._files_of(replaces) if replaces else [])

        entry = reg.journal_begin("ingest", prepared.doc_id)
        stored_path = self._store_file(prepared)
        self.index.store.upsert(
            [s.chunk.id for s in stored],
            vectors,
            [{"doc_id": prepared.doc_id} for _ in stored],
        )
        record = DocumentRecord(
            doc_id=prepared.doc_id,
            source_name=loaded.source_name,
            sha256=loaded.sha256,
            meta=loaded.meta,
            n_chunks=len(stored),
            added_at=utc_now(),
        )
        with reg.transaction() as conn:
            if replaces and replaces != prepared.doc_id:
                reg.delete_document(conn, replaces)
            reg.put_document(conn, record, stored, str(stored_path))
            reg.bump_generation(conn)
        # commit point passed: clean up what the new version no longer uses
        new_ids = {s.chunk.id for s in stored}
        stale = (old_ids | replaced_old_ids) - new_ids
        if stale:
            self.index.store.delete(sorted(stale))
        for f in old_files:
            if f != stored_path:
                f.unlink(missing_ok=True)
        reg.journal_end(entry)
        action = "replaced" if (old is not None or replaces) else "added"
        self.audit.write(
            actor=actor,
            action=action,
            doc_id=prepared.doc_id,
            source_name=loaded.source_name,
            sha256=loaded.sha256,
            doc_number=loaded.meta.doc_number,
            n_chunks=len(stored),
            replaces=replaces if replaces and replaces != prepared.doc_id else None,
        )
        log.info("%s %s (%s, %d chunks)", action, loaded.source_name, prepared.doc_id, len(stored))
        return Change(action, prepared.doc_id, loaded.source_name, len(stored), loaded.meta.title)

    def _files_of(self, doc_id: str | None) -> list[Path]:
        if not doc_id:
            return []
        d = self.files_dir / doc_id
        return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []

    def remove(self, doc_id: str, *, actor: str = "cli") -> Change:
        with self._writer():
            reg = self.index.registry
            rec = reg.document(doc_id)
            if rec is None:
                raise DocumentNotFound(
                    f"no document with id {doc_id!r}; `policybot docs` lists the ids"
                )
            ids = sorted(s.chunk.id for s in reg.iter_chunks(doc_id, with_embeddings=False))
            entry = reg.journal_begin("remove", doc_id)
            with reg.transaction() as conn:
                reg.delete_document(conn, doc_id)
                reg.bump_generation(conn)
            self.index.store.delete(ids)
            for f in self._files_of(doc_id):
                f.unlink(missing_ok=True)
            reg.journal_end(entry)
            self.audit.write(
                actor=actor, action="removed", doc_id=doc_id, source_name=rec.source_name,
                sha256=rec.sha256, doc_number=rec.meta.doc_number, n_chunks=rec.n_chunks,
            )
            log.info("removed %s (%s)", rec.source_name, doc_id)
            return Change("removed", doc_id, rec.source_name, rec.n_chunks, rec.meta.title)

    # ------------------------------------------------------------ batches

    def ingest_paths(
        self,
        paths: Sequence[Path],
        *,
        actor: str = "cli",
        progress: Callable[[Path], None] | None = None,
    ) -> Report:
        """Ingest files and folders; a bad file is reported and skipped, the rest go in."""
        report = Report()
        for path in expand_paths(paths, report):
            if progress:
                progress(path)
            try:
                report.changes.append(self.ingest(self.prepare(path), actor=actor))
            except CorpusError as exc:
                report.failures.append((path.name, str(exc)))
        return report

    def sync(self, directory: Path, *, actor: str = "cli",
             progress: Callable[[Path], None] | None = None) -> Report:
        """Make the index hold exactly the readable files of ``directory``."""
        if not directory.is_dir():
            raise CorpusError(f"{directory} is not a folder")
        report = self.ingest_paths([directory], actor=actor, progress=progress)
        keep = {c.doc_id for c in report.changes}
        # A file that exists but failed to read keeps its previous version in the index.
        keep |= {doc_id_for(safe_file_name(name)) for name, _ in report.failures}
        for rec in self.index.registry.documents():
            if rec.doc_id not in keep:
                report.changes.append(self.remove(rec.doc_id, actor=actor))
        return report

    def reindex(self, *, actor: str = "cli") -> Report:
        """Re-read every stored original with the current settings (after a settings change).

        Each document is replaced atomically; an interrupted reindex is finished by running it again.
        """
        reg = self.index.registry
        report = Report()
        with self._writer():
            self.index.reset_params()
            for rec in reg.documents():
                stored = reg.stored_path(rec.doc_id)
                # by name under files/: the data directory may have been moved since
                path = self.files_dir / rec.doc_id / Path(stored).name if stored else None
                if not path or not path.exists():
                    report.failures.append(
                        (rec.source_name, f"{rec.source_name}: the stored original is missing; "
                         "ingest the file again")
                    )
                    continue
                try:
                    prepared = self.prepare(path, rec.source_name)
                    report.changes.append(self._ingest(prepared, actor=actor, replaces=None, force=True))
                except CorpusError as exc:
                    report.failures.append((rec.source_name, str(exc)))
        return report


def expand_paths(paths: Iterable[Path], report: Report) -> list[Path]:
    """Files given directly, plus readable-looking files inside folders (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in loaders.SUPPORTED_SUFFIXES and not f.name.startswith("."):
                    if f.name.lower() == "readme.md":
                        continue  # folder notes, not policy
                    out.append(f)
        elif p.is_file():
            out.append(p)
        else:
            report.failures.append((str(p), f"{p}: no such file or folder"))
    return out
