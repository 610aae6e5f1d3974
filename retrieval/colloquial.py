"""Everyday Chinese for the corpus's terms: 高企 for 高新技术企业, 国知局 for 国务院专利行政部门,
电脑 for 电子设备 … kept as data in ``corpus/colloquial.tsv`` beside the glossary.

People ask in their own words; the laws use theirs. A Chinese question using an everyday word also
searches the corpus's term (``Searcher.plan``), and the coverage model counts the word as one the
corpus holds, through its term, rather than as the name of a subject the corpus lacks.

    colloquial = Colloquial.load(Path("corpus/colloquial.tsv"))
    colloquial.found_in("高企资格有效期几年")   # [("高企", ("高新技术企业",))]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .documents import normalize
from .tsv import data_rows, variants

log = logging.getLogger(__name__)


class ColloquialError(ValueError):
    """The file is malformed (the message names file and line)."""


@dataclass(frozen=True)
class Alias:
    words: tuple[str, ...]  # everyday forms, normalised
    terms: tuple[str, ...]  # the corpus's terms for them, normalised, the main one first


class Colloquial:
    def __init__(self, aliases: Iterable[Alias] = ()):
        self.aliases = tuple(aliases)
        by_word: dict[str, tuple[str, ...]] = {}
        for a in self.aliases:
            for w in a.words:
                by_word.setdefault(w, a.terms)
        self._by_word = dict(sorted(by_word.items(), key=lambda kv: -len(kv[0])))  # longest first

    def __len__(self) -> int:
        return len(self.aliases)

    @classmethod
    def empty(cls) -> Colloquial:
        return cls()

    @classmethod
    def load(cls, path: Path) -> Colloquial:
        """Read the TSV (everyday word | variants, corpus term | variants, note); a missing file
        means none."""
        if not path.exists():
            log.warning("colloquial words file %s not found: Chinese questions are searched as written", path)
            return cls()
        aliases = []
        for n, cols in data_rows(path, "everyday"):
            words = tuple(normalize(w) for w in variants(cols, 0))
            terms = tuple(normalize(t) for t in variants(cols, 1))
            if not words or not terms:
                raise ColloquialError(f"{path}:{n}: a line needs an everyday word and the corpus's term")
            if any(len(w) < 2 for w in words):
                raise ColloquialError(f"{path}:{n}: an everyday word needs at least two characters")
            aliases.append(Alias(words, terms))
        return cls(aliases)

    def found_in(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """The everyday words a text uses, each with the corpus's terms, longest first; a word
        inside a longer one found (税务局 in 地方税务局) counts once."""
        norm = normalize(text)
        taken: list[tuple[int, int]] = []
        out = []
        for word, terms in self._by_word.items():
            start = norm.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    out.append((word, terms))
                    break
                start = norm.find(word, start + 1)
        return out
