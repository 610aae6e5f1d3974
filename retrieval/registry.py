"""The registry: one SQLite file that says which documents and chunks are in the index.

It is the source of truth. A document's chunks are switched in or out in a single SQLite
transaction; Chroma and the lexical index are brought in line with it (and repaired from it
after a crash), so readers never see half a document.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .documents import Chunk, DocumentMeta, DocumentRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    meta_json TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    stored_path TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    section_json TEXT NOT NULL,
    page INTEGER,
    n_tokens INTEGER NOT NULL,
    tokens TEXT NOT NULL,
    en_tokens TEXT NOT NULL DEFAULT '',
    embed_key TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks (doc_id, ordinal);
CREATE INDEX IF NOT EXISTS chunks_embed_key ON chunks (embed_key);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    started_at TEXT NOT NULL
);
"""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class StoredChunk:
    """A chunk row with what the indexes need: lexical tokens and the embedding."""

    chunk: Chunk
    tokens: tuple[str, ...]
    embed_key: str
    embedding: np.ndarray
    en_tokens: tuple[str, ...] = ()  # English "shadow" words (see crosslingual.EnglishShadow)


class Registry:
    """Thread-safe access to the registry database (one connection, serialised)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        cols = {r[1] for r in self._db.execute("PRAGMA table_info(chunks)")}
        if "en_tokens" not in cols:  # registries written before the English index existed
            self._db.execute("ALTER TABLE chunks ADD COLUMN en_tokens TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: all or nothing, even across kill -9."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see one committed state (no change of any process in between)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    # ------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        db = conn or self._db
        with self._lock:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def instance(self) -> str:
        """A random id of this registry, so caches of a deleted and recreated one never match."""
        value = self.get_meta("instance")
        if value is None:
            import uuid

            value = uuid.uuid4().hex[:12]
            with self._lock:
                self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', ?)", (value,))
            value = self.get_meta("instance") or value
        return value

    def generation(self) -> int:
        """Bumped by every committed change; readers reload when it moves."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self, conn: sqlite3.Connection) -> int:
        gen = int((conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone() or [0])[0]) + 1
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(gen),))
        return gen

    # ------------------------------------------------------------ documents

    @staticmethod
    def _record(row: tuple) -> DocumentRecord:
        doc_id, source_name, sha, meta_json, n_chunks, added_at = row[:6]
        return DocumentRecord(
            doc_id=doc_id,
            source_name=source_name,
            sha256=sha,
            meta=DocumentMeta.from_dict(json.loads(meta_json)),
            n_chunks=n_chunks,
            added_at=added_at,
        )

    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, source_name, sha256, meta_json, n_chunks, added_at FROM documents "
                "ORDER BY source_name"
            ).fetchall()
        return [self._record(r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc_id, source_name, sha256, meta_json, n_chunks, added_at FROM documents "
                "WHERE doc_id = ?",
                (doc_id,),
            ).fetchone()
        return self._record(row) if row else None

    def stored_path(self, doc_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT stored_path FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
        return row[0] if row else None

    def put_document(
        self,
        conn: sqlite3.Connection,
        record: DocumentRecord,
        chunks: Iterable[StoredChunk],
        stored_path: str | None,
    ) -> None:
        """Replace a document and all its chunks (inside the caller's transaction)."""
        conn.execute("DELETE FROM chunks WHERE doc_id = ?", (record.doc_id,))
        conn.execute(
            "INSERT OR REPLACE INTO documents "
            "(doc_id, source_name, sha256, meta_json, n_chunks, added_at, stored_path) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record.doc_id,
                record.source_name,
                record.sha256,
                json.dumps(record.meta.to_dict(), ensure_ascii=False),
                record.n_chunks,
                record.added_at,
                stored_path,
            ),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO chunks "
            "(id, doc_id, ordinal, text, section_json, page, n_tokens, tokens, embed_key, embedding, "
            "en_tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    s.chunk.id,
                    s.chunk.doc_id,
                    s.chunk.ordinal,
                    s.chunk.text,
                    json.dumps(list(s.chunk.section), ensure_ascii=False),
                    s.chunk.page,
                    s.chunk.n_tokens,
                    " ".join(s.tokens),
                    s.embed_key,
                    np.asarray(s.embedding, dtype=np.float32).tobytes(),
                    " ".join(s.en_tokens),
                )
                for s in chunks
            ],
        )

    def delete_document(self, conn: sqlite3.Connection, doc_id: str) -> None:
        conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    # ------------------------------------------------------------ chunks

    def iter_chunks(
        self, doc_id: str | None = None, *, with_embeddings: bool = True, with_tokens: bool = True
    ) -> Iterator[StoredChunk]:
        """Chunks in document order; what is left out (vectors, tokens) comes back empty."""
        emb = "embedding" if with_embeddings else "x''"
        toks = "tokens" if with_tokens else "''"
        en = "en_tokens" if with_tokens else "''"
        sql = (
            f"SELECT id, doc_id, ordinal, text, section_json, page, n_tokens, {toks}, embed_key, "
            f"{emb}, {en} FROM chunks"
        )
        args: tuple = ()
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            args = (doc_id,)
        sql += " ORDER BY doc_id, ordinal"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        for cid, did, ordinal, text, section_json, page, n_tokens, tokens, key, blob, en in rows:
            yield StoredChunk(
                chunk=Chunk(
                    id=cid,
                    doc_id=did,
                    ordinal=ordinal,
                    text=text,
                    section=tuple(json.loads(section_json)),
                    page=page,
                    n_tokens=n_tokens,
                ),
                tokens=tuple(tokens.split(" ")) if tokens else (),
                embed_key=key,
                embedding=np.frombuffer(blob, dtype=np.float32),
                en_tokens=tuple(en.split(" ")) if en else (),
            )

    def set_tokens(self, conn: sqlite3.Connection, tokens: Iterable[tuple[str, str, str]]) -> None:
        """Rewrite the lexical tokens of chunks: (chunk id, Chinese tokens, English tokens)."""
        conn.executemany(
            "UPDATE chunks SET tokens = ?, en_tokens = ? WHERE id = ?",
            [(t, en, i) for i, t, en in tokens],
        )

    def chunk_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM chunks")}

    def embeddings_by_key(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Embeddings already computed for these texts (reused when a document changes a little)."""
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(
                    f"SELECT embed_key, embedding FROM chunks WHERE embed_key IN ({marks})", part
                ):
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    # ------------------------------------------------------------ journal

    def journal_begin(self, op: str, doc_id: str) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO journal (op, doc_id, started_at) VALUES (?, ?, ?)", (op, doc_id, utc_now())
            )
            return int(cur.lastrowid)

    def journal_end(self, entry_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM journal WHERE id = ?", (entry_id,))

    def journal_pending(self) -> list[tuple[int, str, str]]:
        with self._lock:
            return self._db.execute("SELECT id, op, doc_id FROM journal ORDER BY id").fetchall()
