"""Neighbouring policies: subjects next to ours that the corpus does not regulate (other taxes,
social insurance, stock listing, other kinds of IP, data export …), kept as data in
``corpus/neighbours.tsv`` beside the glossary.

A question whose subject is one of them, and which names none of the catalog's incentives (naming
another tax takes the incentive away, ``question.OTHER_TAXES``), is refused unless a retrieved
document's title or heading is about it (``Answerer.judge``): it shares words with the
corpus ("insurance", 税, 退), but no clause regulates what it asks. An admin who adds a document
about the subject makes such questions answerable again without touching the list.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from retrieval.documents import normalize
from retrieval.tsv import data_rows, variants

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Neighbour:
    zh: tuple[str, ...]  # Chinese names, the first one shown
    en: tuple[str, ...]  # English names (whole words, any case, a plural "s" allowed)

    @property
    def name(self) -> str:
        return self.zh[0]

    def held_by(self, headings: Iterable[str]) -> bool:
        """Whether a title or heading is about this subject (names it)."""
        keys = [normalize(z) for z in self.zh]
        return any(k in normalize(h) for h in headings for k in keys)


class NeighbourError(ValueError):
    """The neighbours file is malformed (the message names file and line)."""


class Neighbours:
    def __init__(self, entries: Iterable[Neighbour] = ()):
        self.entries = tuple(entries)

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def load(cls, path: Path) -> Neighbours:
        """Read the TSV (zh | variants, en | variants, note); a missing file means no neighbours."""
        if not path.exists():
            log.warning("neighbours file %s not found: questions about neighbouring policies are "
                        "judged by the coverage model alone", path)
            return cls()
        entries = []
        for n, cols in data_rows(path, "zh"):
            zh, en = variants(cols, 0), variants(cols, 1)
            if not zh:
                raise NeighbourError(f"{path}:{n}: a neighbour needs a Chinese name in the first column")
            entries.append(Neighbour(zh, en))
        return cls(entries)

    @cached_property
    def _names(self) -> tuple[dict[str, Neighbour], re.Pattern[str] | None, dict[str, Neighbour]]:
        """(Chinese name → subject, longest first; a pattern of the English names; English name →
        subject)."""
        zh: dict[str, Neighbour] = {}
        en: dict[str, Neighbour] = {}
        for e in self.entries:
            for z in e.zh:
                zh.setdefault(normalize(z), e)
            for w in e.en:
                en.setdefault(_english(w), e)
        keys = sorted(en, key=len, reverse=True)  # the longest name wins
        pattern = re.compile("|".join(rf"(?<![\w-]){re.escape(k)}s?(?![\w-])" for k in keys)) if keys else None
        return dict(sorted(zh.items(), key=lambda kv: -len(kv[0]))), pattern, en

    def named_in(self, text: str) -> Neighbour | None:
        """The neighbouring subject a question names, if any: a Chinese name that begins a word
        (the longest first), else an English one."""
        zh, pattern, en = self._names
        if zh:
            norm = normalize(text)
            starts = _word_starts(norm)
            for name in zh:
                i = norm.find(name)
                while i >= 0:
                    if i in starts:
                        return zh[name]
                    i = norm.find(name, i + 1)
        if pattern is not None and (m := pattern.search(_english(text))):
            found_en = m.group(0)
            return en.get(found_en) or en.get(found_en[:-1])
        return None


def _word_starts(text: str) -> set[int]:
    """Where the words of a Chinese text start, as the lexical index cuts them: a name must begin
    a word (关税 is not in 相关税费, while 出口退税 is in 出口退税率)."""
    import jieba

    from retrieval import lexical

    lexical.configure()
    starts, pos = set(), 0
    for w in jieba.lcut(text):
        starts.add(pos)
        pos += len(w)
    return starts


def _english(text: str) -> str:
    """English as names are matched: NFKC, lower case, one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())
