"""Lexical retrieval: jieba tokens, BM25 (bm25s) with per-term weights."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TOKENIZER_VERSION = 2

# Function words that carry no meaning for retrieval (Chinese and English).
STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "或", "等", "在", "是", "对", "为", "以", "于", "将", "并", "把", "被", "从", "由", "其", "之", "而", "也", "就", "都", "要", "会", "可", "能", "这", "那", "有", "个", "中", "上", "下", "不", "无", "吗", "呢", "吧", "啊", "么", "什么", "怎么", "如何", "哪些", "哪个", "多少", "几", "是否", "还是", "没有", "我", "我们", "你", "你们", "他", "她", "它", "他们", "请问", "一下", "里", "时", "年", "月", "日", "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "were", "be", "been", "by", "with", "as", "at", "from", "that", "this", "these", "those", "it", "its", "what", "which", "who", "whom", "how", "does", "do", "did", "can", "could", "should", "would", "may", "might", "will", "shall", "any", "some", "about", "under", "than", "then", "there", "their", "our", "we", "you", "your", "i", "me", "my", "us"]
)

_TOKEN_OK = re.compile(r"[\w%‰]", re.UNICODE)
_lock = threading.Lock()
_ready = False
_user_words: tuple[str, ...] = ()


def _jieba():
    import jieba

    return jieba


def configure(user_words: Iterable[str] = ()) -> str:
    """Load jieba once (quietly) and teach it domain terms; returns the tokenizer fingerprint."""
    global _ready, _user_words
    words = tuple(sorted({w for w in user_words if 2 <= len(w) <= 16}))
    with _lock:
        jieba = _jieba()
        if not _ready:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _ready = True
        if words != _user_words:
            for w in words:
                jieba.add_word(w, freq=20000)
            _user_words = words
    digest = hashlib.sha1("\n".join(words).encode("utf-8")).hexdigest()[:12]
    return f"jieba-search-v{TOKENIZER_VERSION}-{digest}"


def tokenize(text: str) -> list[str]:
    """Search tokens of a text: NFKC, lower-case, jieba's search mode, no punctuation or stopwords."""
    if not _ready:
        configure()
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for tok in _jieba().lcut_for_search(text):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or not _TOKEN_OK.search(tok):
            continue
        out.append(tok)
    return out


class LexicalBuilder:
    """Collects chunks' tokens one chunk at a time for a LexicalIndex.

    Each distinct token is kept once, as a vocabulary key, and a chunk as a list of the shared
    id objects: building over 100k chunks (10 million tokens) then needs a few hundred MB, not
    the gigabytes that lists of token strings and bm25s's own vocabulary pass take.
    """

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.ids: list[list[int]] = []

    def add(self, tokens: Sequence[str]) -> None:
        vocab = self.vocab
        # an empty chunk gets the empty token, as bm25s does, so every chunk has a length
        self.ids.append([vocab.setdefault(t, len(vocab)) for t in (tokens or ("",))])

    def fit(self) -> tuple[object, int]:
        """The bm25s index of what was added, and the number of chunks (the builder empties)."""
        import bm25s

        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        size = len(self.ids)
        if size:
            bm25.index((self.ids, self.vocab), show_progress=False)
        self.ids, self.vocab = [], {}
        return bm25, size

    def build(self) -> LexicalIndex:
        bm25, size = self.fit()
        return LexicalIndex(_bm25=bm25, _size=size)


class LexicalIndex:
    """BM25 over pre-tokenised chunks; queries are (token, weight) pairs.

    Built once per index generation and saved beside the index; later opens memory-map it, so
    a large corpus neither re-tokenises nor holds its token strings in memory.
    """

    def __init__(self, token_lists: Iterable[Sequence[str]] | None = None, *, _bm25=None, _size=0):
        if _bm25 is None:
            builder = LexicalBuilder()
            for tokens in token_lists or ():
                builder.add(tokens)
            _bm25, _size = builder.fit()
        self._bm25, self.size = _bm25, _size
        self._vocab = self._bm25.vocab_dict if self.size else {}
        # document frequency of each token = stored entries in its column of the score matrix
        self._df = np.diff(np.asarray(self._bm25.scores["indptr"])) if self.size else np.zeros(0)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._bm25.save(str(directory))
        (directory / "size").write_text(str(self.size), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        size = int((directory / "size").read_text(encoding="utf-8"))
        if not size:
            return cls([])
        return cls(_bm25=bm25s.BM25.load(str(directory), mmap=True), _size=size)

    def doc_freq(self, token: str) -> int:
        i = self._vocab.get(token)
        return int(self._df[i]) if i is not None and i < len(self._df) else 0

    def scores(self, query: Sequence[tuple[str, float]]) -> np.ndarray:
        """BM25 score of every chunk for a weighted query (repeated tokens count once, max weight)."""
        total = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return total
        weights: dict[str, float] = {}
        for tok, w in query:
            if tok in self._vocab:
                weights[tok] = max(weights.get(tok, 0.0), w)
        for tok, w in weights.items():
            total += w * self._bm25.get_scores_from_ids([self._vocab[tok]])
        return total

    def top(self, query: Sequence[tuple[str, float]], k: int, mask: np.ndarray | None = None
            ) -> list[tuple[int, float]]:
        s = self.scores(query)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        if not self.size:
            return []
        k = min(k, self.size)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        return [(int(i), float(s[i])) for i in idx if s[i] > 0]
