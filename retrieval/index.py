"""The index on disk: registry (truth) + Chroma vectors + lexical BM25, checked and repaired on open.

Readers work on an immutable ``Snapshot``; a committed change (here or in another process)
moves the registry's generation and the next reader picks up a fresh snapshot.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import lexical
from .crosslingual import EnglishShadow
from .documents import SCHEMA_VERSION, Chunk, DocumentMeta, DocumentRecord, IndexMismatch
from .embedders import Embedder
from .registry import Registry
from .store import StoreBroken, VectorStore

log = logging.getLogger(__name__)

WRITE_LOCK = "write.lock"


@contextmanager
def write_lock(data_dir: Path, *, wait: bool = True) -> Iterator[bool]:
    """The one-writer-at-a-time lock of a data directory, across processes; yields whether it is
    held (``wait=False`` gives up at once when another process is writing)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / WRITE_LOCK, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


PASSAGE_FORMAT = "chunk-text-v2"  # what passage_text produces; part of the index parameters


def _load_lexical(cache: Path) -> tuple[lexical.LexicalIndex, lexical.LexicalIndex] | None:
    try:
        return lexical.LexicalIndex.load(cache / "zh"), lexical.LexicalIndex.load(cache / "en")
    except (OSError, ValueError, KeyError) as exc:
        log.warning("lexical index cache %s unreadable (%s); rebuilding it", cache, exc)
        return None


def _save_lexical(cache: Path, indexes: tuple[lexical.LexicalIndex, lexical.LexicalIndex]) -> None:
    """Save the BM25 indexes of a generation (atomically) and drop older generations' caches."""
    import os
    import shutil

    tmp = cache.with_name(f"{cache.name}.tmp{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        indexes[0].save(tmp / "zh")
        indexes[1].save(tmp / "en")
        (tmp / "done").write_text("ok", encoding="utf-8")
        os.rename(tmp, cache)
    except OSError as exc:  # another process saved it first, or the disk is full: search still works
        log.debug("lexical cache not saved: %s", exc)
        shutil.rmtree(tmp, ignore_errors=True)
        return
    prefix = cache.name.rsplit("-g", 1)[0]
    for old in cache.parent.glob("lexical-*"):
        if old != cache and old.name.startswith(prefix) and ".tmp" not in old.name:
            shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class IndexParams:
    """What built the index; stored beside it and compared on every open."""

    chunker: dict
    embedder: str
    dim: int
    schema_version: int = SCHEMA_VERSION
    passage: str = PASSAGE_FORMAT

    def to_json(self) -> str:
        return json.dumps(
            {"schema_version": self.schema_version, "chunker": self.chunker,
             "embedder": self.embedder, "dim": self.dim, "passage": self.passage},
            sort_keys=True,
            ensure_ascii=False,
        )


def passage_text(chunk: Chunk, meta: DocumentMeta) -> str:
    """What the dense model reads for a chunk: its text alone.

    Titles and heading paths already weigh in through BM25 and the reranker; adding them to the
    embedded text cost 30 % more embedding time (the bulk of ingest) for no measurable gain on
    the evaluation questions (see README).
    """
    return chunk.text


def embed_key(model_id: str, text: str) -> str:
    return hashlib.sha1(f"{model_id}\x00{text}".encode()).hexdigest()


def lexical_tokens(chunk: Chunk, meta: DocumentMeta) -> list[str]:
    """BM25 tokens of a chunk: its text plus its heading path and the document title."""
    toks = lexical.tokenize(chunk.text)
    toks += lexical.tokenize(" ".join(chunk.section))
    toks += lexical.tokenize(meta.title)
    return toks


@dataclass
class Snapshot:
    """Everything a reader needs, frozen at one registry generation."""

    generation: int
    docs: dict[str, DocumentRecord]
    chunks: list[Chunk]
    position: dict[str, int]
    doc_index: np.ndarray  # chunk position → index into doc_ids
    doc_ids: list[str]
    lexical: lexical.LexicalIndex
    english: lexical.LexicalIndex  # BM25 over the English shadow words
    heading_tokens: list[frozenset[str]] = field(repr=False)
    title_tokens: dict[str, frozenset[str]] = field(repr=False)
    # chunk position → its unit-length dense vector (rows in chunk order); None when unknown
    vectors: np.ndarray | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.chunks)

    def doc_mask(self, doc_ids: Sequence[str] | None) -> np.ndarray | None:
        if doc_ids is None:
            return None
        wanted = {i for i, d in enumerate(self.doc_ids) if d in set(doc_ids)}
        return np.isin(self.doc_index, list(wanted)) if wanted else np.zeros(self.size, dtype=bool)

    def neighbours(self, chunk: Chunk) -> tuple[Chunk | None, Chunk | None]:
        pos = self.position.get(chunk.id)
        if pos is None:
            return None, None
        prev = self.chunks[pos - 1] if pos > 0 and self.chunks[pos - 1].doc_id == chunk.doc_id else None
        nxt = (
            self.chunks[pos + 1]
            if pos + 1 < self.size and self.chunks[pos + 1].doc_id == chunk.doc_id
            else None
        )
        return prev, nxt


def _stack(vectors: list[np.ndarray], dim: int) -> np.ndarray | None:
    """The chunk vectors as one matrix, or None when any is missing or of another size."""
    if not vectors or any(v.shape != (dim,) for v in vectors):
        return None
    return np.vstack(vectors).astype(np.float32, copy=False)


class Index:
    """Opens (and creates) the index in a data directory; hands out snapshots."""

    def __init__(
        self,
        registry: Registry,
        store: VectorStore,
        embedder: Embedder,
        params: IndexParams,
        *,
        user_words: Sequence[str] = (),
        check_params: bool = True,
        shadow: EnglishShadow | None = None,
    ):
        self.registry = registry
        self.store = store
        self.embedder = embedder
        self.params = params
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.shadow = shadow
        self.tokenizer = lexical.configure(user_words) + (f"+{shadow.fingerprint}" if shadow else "")
        if check_params:
            self._check_params()
        self._check_tokenizer()

    # ------------------------------------------------------------ params

    def _check_params(self) -> None:
        stored = self.registry.get_meta("params")
        wanted = self.params.to_json()
        if stored is None or not self.registry.documents():
            self.registry.set_meta("params", wanted)
            return
        if stored == wanted:
            return
        old = json.loads(stored)
        new = json.loads(wanted)
        diffs = [k for k in new if old.get(k) != new.get(k)]
        raise IndexMismatch(
            f"the index in {self.registry.path.parent} was built with other settings "
            f"({', '.join(diffs)} differ: stored {', '.join(str(old.get(k)) for k in diffs)}). "
            "Run `policybot reindex` to rebuild it from the stored files with the current settings, "
            "or point --data-dir at another directory."
        )

    def chunk_tokens(self, chunk: Chunk, meta: DocumentMeta) -> tuple[list[str], list[str]]:
        """Chinese BM25 tokens and English shadow words of a chunk (with its headings and title)."""
        en = self.shadow.tokens(f"{meta.title}\n{' '.join(chunk.section)}\n{chunk.text}") if self.shadow else []
        return lexical_tokens(chunk, meta), en

    def _check_tokenizer(self) -> None:
        """Re-tokenise every chunk when the tokenisers changed (new glossary, dictionary, version)."""
        if self.registry.get_meta("tokenizer") == self.tokenizer:
            return
        with write_lock(self.registry.path.parent, wait=False) as mine:
            if not mine:
                log.info("another process is writing; the lexical index is re-tokenised later")
                return
            docs = {d.doc_id: d for d in self.registry.documents()}
            if not docs:
                self.registry.set_meta("tokenizer", self.tokenizer)
                return
            log.info("re-tokenising %d documents for the lexical indexes", len(docs))
            rows = []
            for s in self.registry.iter_chunks(with_embeddings=False):
                if s.chunk.doc_id in docs:
                    zh, en = self.chunk_tokens(s.chunk, docs[s.chunk.doc_id].meta)
                    rows.append((s.chunk.id, " ".join(zh), " ".join(en)))
            with self.registry.transaction() as conn:
                self.registry.set_tokens(conn, rows)
                self.registry.set_meta("tokenizer", self.tokenizer, conn)
                self.registry.bump_generation(conn)

    def reset_params(self) -> None:
        """Adopt the current parameters (after `reindex` emptied the index)."""
        self.registry.set_meta("params", self.params.to_json())

    # ------------------------------------------------------------ snapshots

    def snapshot(self) -> Snapshot:
        gen = self.registry.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == gen:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != gen:
                self._snapshot = self._build_snapshot(gen)
            return self._snapshot

    def invalidate(self) -> None:
        self._snapshot = None

    def _build_snapshot(self, gen: int) -> Snapshot:
        cache_root = self.registry.path.parent / "cache"
        instance = self.registry.instance()
        # one read transaction: a change committed between these reads would mix two versions
        with self.registry.read():
            gen = self.registry.generation()
            cache = cache_root / f"lexical-{instance}-g{gen}"
            cached = (cache / "done").exists()
            docs = {d.doc_id: d for d in self.registry.documents()}
            # tokens go straight into the builders, chunk by chunk (never all held as strings)
            zh, en = lexical.LexicalBuilder(), lexical.LexicalBuilder()
            chunks = []
            vectors = []
            for s in self.registry.iter_chunks(with_embeddings=True, with_tokens=not cached):
                if s.chunk.doc_id in docs:
                    chunks.append(s.chunk)
                    vectors.append(s.embedding)
                    if not cached:
                        zh.add(s.tokens)
                        en.add(s.en_tokens)
        indexes = _load_lexical(cache) if cached else None
        if cached and (indexes is None or indexes[0].size != len(chunks)):
            import shutil

            shutil.rmtree(cache, ignore_errors=True)  # damaged: build it again from the tokens
            return self._build_snapshot(gen)
        if indexes is None:
            indexes = (zh.build(), en.build())
            _save_lexical(cache, indexes)
        doc_ids = list(docs)
        doc_pos = {d: i for i, d in enumerate(doc_ids)}
        heading_cache: dict[tuple[str, ...], frozenset[str]] = {}
        headings = []
        for c in chunks:
            if c.section not in heading_cache:
                heading_cache[c.section] = frozenset(lexical.tokenize(" ".join(c.section)))
            headings.append(heading_cache[c.section])
        snap = Snapshot(
            generation=gen,
            docs=docs,
            chunks=chunks,
            position={c.id: i for i, c in enumerate(chunks)},
            doc_index=np.array([doc_pos[c.doc_id] for c in chunks], dtype=np.int32),
            doc_ids=doc_ids,
            lexical=indexes[0],
            english=indexes[1],
            heading_tokens=headings,
            title_tokens={d: frozenset(lexical.tokenize(r.meta.title)) for d, r in docs.items()},
            vectors=_stack(vectors, self.embedder.dim),
        )
        log.debug("snapshot %d: %d documents, %d chunks", gen, len(docs), len(chunks))
        return snap

    # ------------------------------------------------------------ consistency

    def repair(self, files_dir: Path | None = None) -> dict[str, int]:
        """Make Chroma (and the stored originals in ``files_dir``) match the registry after a crash;
        returns what was fixed. Call it only while holding the write lock."""
        pending = self.registry.journal_pending()
        fixed = {"removed": 0, "restored": 0, "journal": len(pending), "files": 0}
        reg_ids = self.registry.chunk_ids()
        try:
            if not pending and self.store.count() == len(reg_ids):
                return fixed
            store_ids = self.store.ids()
        except StoreBroken as exc:
            # kill -9 can leave Chroma's own files torn; the registry holds every vector
            log.error("%s; rebuilding the vector store from the registry", exc)
            self.store.reset()
            store_ids = set()
        extra = store_ids - reg_ids
        pending_docs = {doc_id for _, _, doc_id in pending}
        missing = reg_ids - store_ids
        if extra:
            self.store.delete(sorted(extra))
            fixed["removed"] = len(extra)
        restore = [
            s
            for s in self.registry.iter_chunks()
            if s.chunk.id in missing or s.chunk.doc_id in pending_docs
        ]
        if restore:
            self.store.upsert(
                [s.chunk.id for s in restore],
                np.vstack([s.embedding for s in restore]),
                [{"doc_id": s.chunk.doc_id} for s in restore],
            )
            fixed["restored"] = len([s for s in restore if s.chunk.id in missing])
        if pending and files_dir is not None:
            fixed["files"] = self._remove_unlisted_files(files_dir)
        for entry_id, _, _ in pending:
            self.registry.journal_end(entry_id)
        if extra or missing or pending:
            log.warning("index repaired: %s", fixed)
        return fixed

    def _remove_unlisted_files(self, files_dir: Path) -> int:
        """Delete stored originals the registry does not name (written by an interrupted change)."""
        if not files_dir.is_dir():
            return 0
        keep: dict[str, str | None] = {}
        for rec in self.registry.documents():
            stored = self.registry.stored_path(rec.doc_id)
            keep[rec.doc_id] = Path(stored).name if stored else None
        removed = 0
        for folder in files_dir.iterdir():
            if not folder.is_dir() or (folder.name in keep and keep[folder.name] is None):
                continue  # not ours, or a record without a stored file name: leave it
            for f in folder.iterdir():
                if f.is_file() and f.name != keep.get(folder.name):
                    f.unlink(missing_ok=True)
                    removed += 1
            if folder.name not in keep and not any(folder.iterdir()):
                folder.rmdir()
        return removed

    def dense(self, query_vec: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
              ) -> list[tuple[str, float]]:
        return self.store.query(query_vec, n, doc_ids)


def open_index(
    data_dir: Path,
    embedder: Embedder,
    store: VectorStore,
    chunker_fingerprint: dict,
    *,
    user_words: Sequence[str] = (),
    repair: bool = True,
    check_params: bool = True,
    shadow: EnglishShadow | None = None,
) -> Index:
    """Open the index; ``check_params=False`` only for `reindex`, which adopts the current ones."""
    registry = Registry(data_dir / "registry.sqlite3")
    params = IndexParams(chunker=chunker_fingerprint, embedder=embedder.model_id, dim=embedder.dim)
    index = Index(registry, store, embedder, params, user_words=user_words,
                  check_params=check_params, shadow=shadow)
    if repair:
        with write_lock(data_dir, wait=False) as mine:
            if mine:
                index.repair(files_dir=data_dir / "files")
            else:  # what looks like leftovers may be another process's change in progress
                log.info("another process is changing the index; not repairing it now")
    return index
