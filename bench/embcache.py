"""An on-disk cache of passage embeddings, keyed by a hash of the model id and the text.

Embedding 100k chunks with the bundled model takes hours on two cores, so the scale benchmark
(and the baselines) embed each text once and read it back on later runs. Vectors of the same
model for the same text are identical, so a cached vector is exactly what the model would give.
Queries are never cached: their embedding is part of the search latency being measured.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.embedders import Embedder
from retrieval.index import embed_key

log = logging.getLogger(__name__)


class EmbeddingCache:
    """SQLite table ``key → float32 vector``; safe to share between processes (WAL)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)"
        )

    def get_many(self, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                part = list(keys[i : i + 500])
                marks = ",".join("?" * len(part))
                for key, blob in self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({marks})", part
                ):
                    vec = np.frombuffer(blob, dtype=np.float32)
                    if vec.size == dim:
                        out[key] = vec
        return out

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items]
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)", rows)
            self._db.execute("COMMIT")

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CachingEmbedder:
    """An ``Embedder`` that reads passage vectors from the cache and embeds (and stores) the rest."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache):
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0
        self.embed_seconds = 0.0  # time spent in the real model

    def keys(self, texts: Sequence[str]) -> list[str]:
        return [embed_key(self.model_id, t) for t in texts]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = self.keys(texts)
        known = self.cache.get_many(keys, self.dim)
        todo = [i for i, k in enumerate(keys) if k not in known]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            t0 = time.perf_counter()
            fresh = self.inner.embed_passages([texts[i] for i in todo])
            self.embed_seconds += time.perf_counter() - t0
            self.cache.put_many([(keys[i], fresh[j]) for j, i in enumerate(todo)])
            for j, i in enumerate(todo):
                known[keys[i]] = fresh[j]
        return np.vstack([known[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


class TimingEmbedder:
    """Passes through to the real embedder and adds up the time spent in it (for profiles)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.passage_seconds = 0.0
        self.passage_chars = 0
        self.passages = 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.embed_passages(texts)
        self.passage_seconds += time.perf_counter() - t0
        self.passage_chars += sum(len(t) for t in texts)
        self.passages += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


_PIECE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]?")  # ASCII too: loaders apply NFKC
# Per-document and per-article ordinals: stripped so pieces repeat across synthetic documents.
_ORDINALS = re.compile(r"（合成样本第\d+号）|第[一二三四五六七八九十百零]+[条章节][ \t\u3000]*")


class ComposedEmbedder:
    """Passage vectors composed from real model vectors of their sentences (normalised mean);
    passages already in the cache (the real corpus) keep their real vector.

    For the largest synthetic corpora only, where embedding every chunk would take hours: the
    chunks there are recombined real sentences, so their sentence vectors (few thousand, each
    embedded once by the model and cached) give vectors of the same space and distribution.
    Good enough for latency and memory, which do not depend on the exact values; never used
    for quality figures.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache):
        self._pieces = CachingEmbedder(inner, cache)
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.inner = inner

    @staticmethod
    def pieces(text: str) -> list[str]:
        """Each sentence and heading line, without ordinals: the units that repeat."""
        text = _ORDINALS.sub("", text)
        out = [p.strip() for p in _PIECE.findall(text)]
        return [p for p in out if len(p) >= 2] or [text[:200]]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # a passage the model has embedded before (the real corpus) keeps its real vector
        known = self._pieces.cache.get_many(self._pieces.keys(texts), self.dim)
        keys = self._pieces.keys(texts)
        split = [self.pieces(t) for t, k in zip(texts, keys, strict=True) if k not in known]
        unique = list(dict.fromkeys(p for ps in split for p in ps))
        vectors = (
            dict(zip(unique, self._pieces.embed_passages(unique), strict=True)) if unique else {}
        )
        composed = iter([np.mean([vectors[p] for p in ps], axis=0) for ps in split])
        out = np.vstack([known[k] if k in known else next(composed) for k in keys])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (out / norms).astype(np.float32)

    @property
    def embed_seconds(self) -> float:
        """Time spent in the real model (sentences not cached yet)."""
        return self._pieces.embed_seconds

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)
