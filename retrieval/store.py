"""The vector store: Chroma, embedded (persistent client) or a Chroma server, with our embeddings."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import numpy as np

from .documents import CorpusError

log = logging.getLogger(__name__)

_NAME_OK = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")


class StoreError(CorpusError):
    """The vector store is unreachable or refused an operation."""


class StoreBroken(StoreError):
    """The collection cannot be read (e.g. Chroma's files torn by kill -9); rebuild it with reset."""


class VectorStore(Protocol):
    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(
        self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]: ...

    def ids(self) -> set[str]: ...

    def count(self) -> int: ...

    def reset(self) -> None: ...


SEARCH_EF = 400  # HNSW search breadth ("ef_search"): candidates examined per query

# Embedded Chroma's files are single-process: two processes on one folder corrupt its index.
# Each process claims the folder with an exclusive lock it keeps until it exits.
_CLAIMED: dict[str, list[int]] = {}  # folder → [lock file descriptor, stores open on it]
_CLAIM_LOCK = threading.Lock()


def _claim_embedded(path: Path) -> str:
    key = str(path.resolve())
    with _CLAIM_LOCK:
        if key in _CLAIMED:
            _CLAIMED[key][1] += 1
            return key
        fd = os.open(path / "policybot.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StoreError(
                f"the embedded index at {path} is in use by another policybot process (pid "
                f"{holder}). Stop that process first, or run a Chroma server and set [store] url "
                "(POLICYBOT_STORE_URL) so several processes can share the index."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        _CLAIMED[key] = [fd, 1]
        return key


def _release_embedded(key: str) -> None:
    with _CLAIM_LOCK:
        entry = _CLAIMED.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _CLAIMED[key]
            os.close(entry[0])  # closing the descriptor releases the lock


def collection_name(prefix: str, model_id: str, dim: int) -> str:
    """A valid Chroma collection name per embedding model, so models never mix in one collection."""
    slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{prefix}-{model_id}-{dim}").strip("-._")
    slug = re.sub(r"-{2,}", "-", slug)[:500]
    if len(slug) < 3:
        slug = f"{slug}-idx"
    if not _NAME_OK.match(slug):  # pragma: no cover - guarded by the substitutions above
        raise StoreError(f"cannot derive a valid Chroma collection name from {prefix!r}")
    return slug


class ChromaStore:
    """Chroma collection holding chunk vectors; ids are chunk ids, metadata holds doc_id."""

    _BATCH = 2000

    def __init__(self, collection: str, *, path: Path | None = None, url: str | None = None):
        self._claim: str | None = None
        try:
            import chromadb
            from chromadb.config import Settings
        except ImportError as exc:  # pragma: no cover - core dependency
            raise StoreError("chromadb is not installed: pip install chromadb") from exc
        settings = Settings(anonymized_telemetry=False, allow_reset=False)
        try:
            if url:
                u = urlparse(url)
                if u.scheme not in ("http", "https") or not u.hostname:
                    raise StoreError(f"[store] url must look like http://127.0.0.1:8000, not {url!r}")
                self._client = chromadb.HttpClient(
                    host=u.hostname,
                    port=u.port or (443 if u.scheme == "https" else 80),
                    ssl=u.scheme == "https",
                    settings=settings,
                )
                self.location = url
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self._claim = _claim_embedded(path)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
                self.location = str(path)
            self._col = self._open(collection)
        except StoreError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            where = url or str(path)
            raise StoreError(
                f"cannot open the Chroma store at {where}: {exc}. "
                + ("Is `chroma run` listening there?" if url else "")
            ) from exc
        self.name = collection

    def close(self) -> None:
        """Let another process open this embedded index (this store must not be used after)."""
        if self._claim is not None:
            _release_embedded(self._claim)
            self._claim = None

    def _open(self, collection: str):
        # embedding_function=None: we always pass our own vectors (Chroma's default downloads a model).
        col = self._client.get_or_create_collection(
            collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        # Chroma's default search breadth (100) missed a neighbour ranked about 60th, and which one
        # it missed changed from process to process; searched wider, the candidates are the same
        # every time (the searcher fetches 80)
        hnsw = (getattr(col, "configuration", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search", SEARCH_EF) < SEARCH_EF:
            col.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
        return col

    def _read(self, what: str, fn, **kwargs):
        from chromadb.errors import InternalError

        try:
            return fn(**kwargs)
        except InternalError as exc:
            raise StoreBroken(f"the Chroma collection {self.name} at {self.location} "
                              f"cannot be read ({what}: {exc})") from exc

    def reset(self) -> None:
        """Drop the collection and start an empty one (the registry then refills it)."""
        from chromadb.errors import NotFoundError

        with contextlib.suppress(NotFoundError):
            self._client.delete_collection(self.name)
        self._col = self._open(self.name)

    def upsert(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict]) -> None:
        for i in range(0, len(ids), self._BATCH):
            self._col.upsert(
                ids=list(ids[i : i + self._BATCH]),
                embeddings=np.asarray(embeddings[i : i + self._BATCH], dtype=np.float32),
                metadatas=list(metadatas[i : i + self._BATCH]),
            )

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), self._BATCH):
            self._col.delete(ids=ids[i : i + self._BATCH])

    def query(
        self, embedding: np.ndarray, n: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        if n <= 0:
            return []
        where = None
        if doc_ids is not None:
            doc_ids = list(doc_ids)
            if not doc_ids:
                return []
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": doc_ids}}
        res = self._col.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["distances"],
        )
        ids = res["ids"][0] if res["ids"] else []
        dists = res["distances"][0] if res.get("distances") else [0.0] * len(ids)
        # cosine distance → similarity
        return [(i, 1.0 - float(d)) for i, d in zip(ids, dists, strict=False)]

    def ids(self) -> set[str]:
        out: set[str] = set()
        offset = 0
        while True:
            res = self._read("get", self._col.get, include=[], limit=10000, offset=offset)
            batch = res["ids"]
            out.update(batch)
            if len(batch) < 10000:
                return out
            offset += len(batch)

    def count(self) -> int:
        return int(self._read("count", self._col.count))
