"""Neighbouring policies: subjects next to ours that the corpus does not regulate (other taxes,
social insurance, stock listing, other kinds of IP, data export …), kept as data in
``corpus/neighbours.tsv`` beside the glossary.

A question whose subject is one of them, and which the catalog does not decide, is refused unless a retrieved document's title or heading is about it (``Answerer.judge``): it shares
words with the corpus ("insurance", 税, 退), but no clause regulates what it asks. An admin who adds
a document about the subject makes such questions answerable again without touching the list.
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
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#") or line.startswith("zh\t"):
                continue
            cols = line.split("\t")
            zh = tuple(z.strip() for z in cols[0].split("|") if z.strip())
            en = tuple(e.strip() for e in cols[1].split("|") if e.strip()) if len(cols) > 1 else ()
            if not zh:
                raise NeighbourError(f"{path}:{n}: a neighbour needs a Chinese name in the first column")
            entries.append(Neighbour(zh, en))
        return cls(entries)

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, Neighbour]]:
        """(Chinese names, English names, name → subject); the longest name wins."""
        names: dict[str, Neighbour] = {}
        for e in self.entries:
            for z in e.zh:
                names.setdefault(normalize(z), e)
            for w in e.en:
                names.setdefault(_english(w), e)
        zh = sorted((k for k in names if not _LATIN.search(k)), key=len, reverse=True)
        en = sorted((k for k in names if _LATIN.search(k)), key=len, reverse=True)
        zh_re = re.compile("|".join(map(re.escape, zh))) if zh else None
        en_re = re.compile("|".join(rf"(?<![\w-]){re.escape(k)}s?(?![\w-])" for k in en)) if en else None
        return zh_re, en_re, names

    def named_in(self, text: str) -> Neighbour | None:
        """The neighbouring subject a question names, if any (the first, longest name)."""
        zh_re, en_re, names = self._patterns
        if zh_re is not None and (m := zh_re.search(normalize(text))):
            return names[m.group(0)]
        if en_re is not None and (m := en_re.search(_english(text))):
            found = m.group(0)
            return names.get(found) or names.get(found[:-1])
        return None


_LATIN = re.compile(r"[A-Za-z]")


def _english(text: str) -> str:
    """English as names are matched: NFKC, lower case, one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())
