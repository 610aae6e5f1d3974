"""Bilingual policy glossary: English questions → Chinese search terms, Chinese terms → English.

The corpus is Chinese and most users ask in English. BM25 over jieba tokens cannot match an
English word to a Chinese clause, so English questions are expanded with the Chinese terms the
glossary maps them to (``expand``); answers name Chinese terms in English (``english_for``,
``annotate_zh``); and every Chinese variant joins jieba's user dictionary (``chinese_terms``).

File format (``corpus/glossary.tsv``, UTF-8): a header ``zh<TAB>en<TAB>kind<TAB>note``, then one
term a line; ``zh`` and ``en`` hold ``|``-separated variants, canonical first; ``note`` is
optional; lines starting with ``#`` and blank lines are ignored.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .documents import CorpusError

log = logging.getLogger(__name__)

KINDS = frozenset(
    {
        "concept",  # policy or accounting concept (研发活动, 无形资产)
        "tax",  # tax term (应纳税所得额, 预缴)
        "legal",  # legal term (职务发明创造, 许可, 专利权)
        "body",  # ministry, agency, institution, university
        "place",  # province, city, district, region, country
        "program",  # named programme, project, fund, pilot, campaign, event
        "platform",  # named platform, centre, park, zone, laboratory, facility
        "industry",  # industry or sector
        "technology",  # technology or research field
        "document",  # document type or named document
        "general",  # common question wording with a policy meaning; need not occur in the corpus
    }
)

HEADER = ("zh", "en", "kind", "note")


class GlossaryError(CorpusError, ValueError):
    """The glossary file is missing or malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Term:
    zh: tuple[str, ...]  # Chinese variants, canonical first
    en: tuple[str, ...]  # English variants, canonical first
    kind: str
    note: str = ""


# ---------------------------------------------------------------- English normalisation

_APOSTROPHE_S = re.compile(r"(?<=[A-Za-z])['’][sS]\b")
_TRAILING_APOSTROPHE = re.compile(r"(?<=[sS])['’](?=\s|$|[^\w])")
_EN_TOKEN = re.compile(r"[A-Za-z0-9]+|&")

# Token sequences that mean the same thing; applied (longest first) to queries and variants alike.
_REWRITES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("r", "&", "d"): ("r&d",),
    ("r", "and", "d"): ("r&d",),
    ("research", "and", "development"): ("r&d",),
    ("research", "&", "development"): ("r&d",),
    ("rnd",): ("r&d",),
    ("s", "&", "t"): ("s&t",),
    ("science", "and", "technology"): ("s&t",),
    ("science", "&", "technology"): ("s&t",),
    ("per", "cent"): ("percent",),
    ("&",): ("and",),
}
_REWRITE_MAX = max(len(k) for k in _REWRITES)
_REWRITE_FIRST = frozenset(k[0] for k in _REWRITES)
_DROP = frozenset({"the", "a", "an"})  # articles never change which term is meant
# Acronyms that are also English words ("IT" vs "it", "MOST" vs "most") match only in capitals.
_CASED = frozenset({"it", "most", "cast", "sat", "hit", "pi", "pit", "fie", "cup"})

# Head nouns people use interchangeably inside a multi-word term ("small low-profit companies" for
# "small low-profit enterprise", "entertainment spending" for "entertainment expenses"). Tried only
# where the exact word does not continue a glossary term, so exact matches keep their meaning.
# fmt: off
_EQUIVALENT_GROUPS = (
    ("enterprise", "company", "firm", "business", "corporation"),
    ("expense", "cost", "spending", "expenditure", "outlay"),
    ("employee", "staff", "worker", "personnel"),
    ("income", "revenue"),
    ("rule", "regulation", "provision"),
    ("annual", "yearly"),
    ("result", "achievement"),
)
# fmt: on

# British → American spellings, so one glossary variant serves both.
_SPELLING = {
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "programme": "program",
    "programmes": "programs",
    "centre": "center",
    "centres": "centers",
    "defence": "defense",
    "labour": "labor",
    "catalogue": "catalog",
    "catalogues": "catalogs",
}
# Words whose final "s" is not a plural ending.
# fmt: off
_NOT_PLURAL = frozenset({
    "news", "always", "perhaps", "whereas", "across", "thus", "plus", "unless", "does", "this",
    "canvas", "atlas", "chaos", "lens", "gas", "bias", "alias", "series", "species", "ethics",
    "economics", "statistics", "logistics", "physics", "politics", "mathematics",
    "electronics", "yes", "us", "its",
})
# fmt: on


# Plurals the suffix rules get wrong.
_IRREGULAR = {
    "bonuses": "bonus",
    "campuses": "campus",
    "statuses": "status",
    "viruses": "virus",
    "analyses": "analysis",
    "criteria": "criterion",
    "indices": "index",
    "people": "person",
    "staff": "staff",
}


@lru_cache(maxsize=16384)
def _stem(tok: str) -> str:
    """Light, symmetric stemming: plurals and British -ise spellings only."""
    tok = _IRREGULAR.get(tok) or _SPELLING.get(tok, tok)
    if len(tok) <= 3 or not tok.isalpha() or tok in _NOT_PLURAL:
        return tok
    if tok.endswith("ies") and len(tok) > 4:
        tok = tok[:-3] + "y"
    elif tok.endswith(("sses", "xes", "ches", "shes")):
        tok = tok[:-2]
    elif tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
        tok = tok[:-1]
    tok = _SPELLING.get(tok, tok)
    # -isation/-ised/-ise → -ization/-ized/-ize (symmetric, so "enterprize" is harmless).
    if tok.endswith("isation"):
        tok = tok[:-7] + "ization"
    elif tok.endswith(("ised", "ising", "ise")) and len(tok) > 5:
        tok = re.sub(r"is(ed|ing|e)$", r"iz\1", tok)
    return tok


# by normalised form ("enterprise" is stemmed to "enterprize")
_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    _stem(w): tuple(_stem(o) for o in group if o != w) for group in _EQUIVALENT_GROUPS for w in group
}


def _prepare(text: str) -> str:
    """NFKC without possessives; same length as ``text`` whenever NFKC keeps the length."""
    out = text if text.isascii() else unicodedata.normalize("NFKC", text)
    if "'" in out or "’" in out:
        out = _APOSTROPHE_S.sub("  ", out)  # same length keeps spans aligned
        out = _TRAILING_APOSTROPHE.sub(" ", out)
    return out


def _normalize(raw: list[str]) -> list[tuple[str, int, int]]:
    """Normalised tokens, each with the indices of the first and last raw token it came from.

    Queries and glossary variants both go through here, so both sides always agree.
    """
    out: list[tuple[str, int, int]] = []
    i, n_raw = 0, len(raw)
    while i < n_raw:
        word = raw[i]
        tok = word.lower()
        if tok in _REWRITE_FIRST:
            for n in range(min(_REWRITE_MAX, n_raw - i), 0, -1):
                rep = _REWRITES.get(tuple(w.lower() for w in raw[i : i + n]))
                if rep is not None:
                    out.extend((r, i, i + n - 1) for r in rep)
                    i += n
                    break
            else:
                out.append((_stem(tok), i, i))
                i += 1
            continue
        # "No. 7", "no 99": the word "no" before a number carries nothing.
        number_sign = tok in ("no", "nr") and i + 1 < n_raw and raw[i + 1].isdigit()
        if tok in _CASED and word.isupper():
            out.append(("^" + tok, i, i))
        elif not (tok in _DROP or number_sign):
            out.append((_stem(tok), i, i))
        i += 1
    return out


def _en_tokens(text: str) -> tuple[list[tuple[str, int, int]], str]:
    """Normalised English tokens of a text with their character spans, and the spanned text.

    The spanned text is ``text`` itself unless NFKC changed its length (ligatures); then spans
    index the NFKC form instead.
    """
    prepared = _prepare(text)
    base = text if len(prepared) == len(text) else prepared
    found = list(_EN_TOKEN.finditer(prepared))
    return [
        (tok, found[a].start(), found[b].end())
        for tok, a, b in _normalize([m.group() for m in found])
    ], base


@lru_cache(maxsize=8192)
def normalize_en(text: str) -> tuple[str, ...]:
    """The token sequence English matching works on (lower case, no plurals, R&D unified)."""
    return tuple(t for t, _, _ in _normalize(_EN_TOKEN.findall(_prepare(text))))


# ---------------------------------------------------------------- Chinese normalisation

_BRACKETS = str.maketrans({"［": "〔", "[": "〔", "【": "〔", "］": "〕", "]": "〕", "】": "〕"})
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〔〕\[\]［］【】0-9%％]+")
_LATIN = re.compile(r"[A-Za-z]")


def _zh_key(text: str) -> str:
    """How Chinese terms are compared: NFKC, no whitespace, one kind of square bracket."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_BRACKETS)


# ---------------------------------------------------------------- language detection

# fmt: off
_EN_FRAME = frozenset({
    "what", "how", "which", "who", "whom", "whose", "when", "where", "why", "is", "are", "was",
    "were", "do", "does", "did", "can", "could", "should", "would", "will", "may", "might",
    "must", "the", "of", "for", "to", "in", "on", "my", "our", "i", "we", "you", "if", "and",
    "or", "with", "under", "please", "explain", "tell", "there", "it",
})
# fmt: on
_ZH_FRAME = re.compile(r"什么|怎么|怎样|如何|是否|哪些|哪个|多少|请问|能否|可以|有没有|吗|呢|吧")


def detect_language(text: str) -> str:
    """``"zh"`` if the text has a meaningful share of CJK characters among its letters, else ``"en"``.

    A clear majority decides alone; in between (an English question quoting a Chinese term, or a
    Chinese question quoting an English one) the question's frame words decide.
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0:
        return "en"
    if latin == 0:
        return "zh"
    share = cjk / (cjk + latin)
    if share >= 0.6:
        return "zh"
    if share < 0.15:
        return "en"
    en_frame = any(w in _EN_FRAME for w in re.findall(r"[a-z]+", text.lower()))
    zh_frame = bool(_ZH_FRAME.search(text))
    if en_frame != zh_frame:
        return "en" if en_frame else "zh"
    return "zh" if share >= 0.4 else "en"


# ---------------------------------------------------------------- the glossary


@dataclass(frozen=True)
class _Match:
    start: int  # token index
    end: int
    term: int  # index into Glossary.terms
    span: str  # the matched text as the user wrote it
    weight: float


class _Node:
    __slots__ = ("children", "terms")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.terms: list[int] = []


class Glossary:
    """Terms loaded from a TSV file, with a token trie for English and a key table for Chinese."""

    def __init__(self, terms: Iterable[Term] = (), source: str = "<memory>"):
        self.terms: tuple[Term, ...] = tuple(terms)
        self.source = source
        self._root = _Node()
        self._by_zh: dict[str, int] = {}
        self._zh_first: dict[str, list[tuple[str, str, int]]] = {}  # first char → (key, zh, term)
        for idx, term in enumerate(self.terms):
            for en in term.en:
                toks = normalize_en(en)
                if not toks:
                    continue
                self._add_en(toks, idx)
                if "-" in en:  # "super-deduction" is also written "superdeduction"
                    joined = normalize_en(re.sub(r"(?<=\w)-(?=\w)", "", en))
                    if joined != toks:
                        self._add_en(joined, idx)
            for zh in term.zh:
                key = _zh_key(zh)
                self._by_zh.setdefault(key, idx)
                self._zh_first.setdefault(key[0], []).append((key, zh, idx))

    def _add_en(self, toks: tuple[str, ...], idx: int) -> None:
        node = self._root
        for t in toks:
            node = node.children.setdefault(t, _Node())
        if idx not in node.terms:
            node.terms.append(idx)

    # ------------------------------------------------------------ construction

    @classmethod
    def empty(cls) -> Glossary:
        return cls((), "<empty>")

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """Read and validate a glossary TSV; raises GlossaryError naming the file and line."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise GlossaryError(
                f"{path}: glossary file not found; create it or fix paths.glossary in config.toml"
            ) from None
        except OSError as exc:
            raise GlossaryError(f"{path}: cannot read the glossary ({exc.strerror})") from exc
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise GlossaryError(
                f"{path}, line {line}: not valid UTF-8; save the file as UTF-8"
            ) from None
        terms = list(_parse(text, str(path)))
        log.debug("glossary %s: %d terms", path, len(terms))
        return cls(terms, str(path))

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"Glossary({self.source!r}, {len(self.terms)} terms)"

    # ------------------------------------------------------------ English → Chinese

    def _en_matches(self, text: str) -> list[_Match]:
        toks, base = _en_tokens(text)
        found: list[_Match] = []
        exact_spans: set[tuple[int, int]] = set()
        for i in range(len(toks)):
            # paths through the trie: (node, next token, whether a word was swapped); the exact
            # word and its interchangeable ones are both followed ("yearly patent fee" finds
            # "annual patent fee" although "yearly" also starts "yearly salary")
            paths = [(self._root, i, False)]
            while paths:
                node, j, swapped = paths.pop()
                if j >= len(toks):
                    continue
                word = toks[j][0]
                nexts = []
                if word in node.children:
                    nexts.append((node.children[word], swapped))
                alt = next((w for w in _EQUIVALENTS.get(word, ()) if w in node.children), None)
                if alt is not None:
                    nexts.append((node.children[alt], True))
                for child, sw in nexts:
                    paths.append((child, j + 1, sw))
                    # a lone word is never swapped: "business" alone need not mean 企业
                    if not child.terms or (sw and j + 1 - i == 1):
                        continue
                    span = base[toks[i][1] : toks[j][2]]
                    share = len(child.terms)  # terms that share exactly these English words
                    if not sw:
                        exact_spans.add((i, j + 1))
                    for idx in child.terms:
                        m = _Match(i, j + 1, idx, span, self._weight(idx, j + 1 - i, share))
                        found.append((m, sw))
        # an exact match keeps its meaning over a swapped reading of the same words
        found = list(dict.fromkeys(
            m for m, sw in found if not (sw and (m.start, m.end) in exact_spans)
        ))
        # Drop matches nested inside a strictly longer one ("tax" inside "income tax").
        kept = [
            m
            for m in found
            if not any(
                o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
                for o in found
            )
        ]
        kept.extend(self._zh_in_text(text, len(toks)))
        kept.sort(key=lambda m: (m.start, -(m.end - m.start), m.term))
        return kept

    def _weight(self, idx: int, ntok: int, share: int) -> float:
        w = min(1.5, 0.55 + 0.25 * ntok)  # 1 word 0.8, 2 words 1.05, 3 words 1.3, 4+ 1.5
        if self.terms[idx].kind == "general":
            w *= 0.6  # question wording ("eligible", "at least") is weak evidence
        if share > 1:
            w /= share**0.5  # an English word that maps to several terms says less about each
        return round(max(0.05, w), 3)

    def _zh_in_text(self, text: str, offset: int) -> list[_Match]:
        """Chinese glossary terms quoted verbatim in an English question."""
        out = []
        runs = [run for run in _CJK_RUN.findall(text) if _CJK.search(run)]
        for k, run in enumerate(runs):
            for zh, idx in self._scan_zh(run):
                n = len(_zh_key(zh))
                w = round(min(1.5, 0.8 + 0.1 * n), 3)
                out.append(_Match(offset + k, offset + k + 1, idx, zh, w))
        return out

    def matches(self, text_en: str) -> list[tuple[Term, str]]:
        """Which terms an English text mentions, with the words that matched, in text order."""
        return [(self.terms[m.term], m.span) for m in self._en_matches(text_en)]

    def expand(self, text_en: str) -> list[tuple[str, float]]:
        """Chinese variants of the terms an English question mentions, weighted in (0, 1.5].

        Longer English matches weigh more; the canonical Chinese variant weighs most. Order: by
        position of the match in the question, then variant order; each Chinese string once.
        """
        weights: dict[str, float] = {}
        for m in self._en_matches(text_en):
            for v, zh in enumerate(self.terms[m.term].zh):
                w = round(m.weight * (1.0 if v == 0 else 0.85), 3)
                if w > weights.get(zh, 0.0):
                    weights[zh] = w
        return list(weights.items())

    # ------------------------------------------------------------ Chinese → English

    def english_for(self, zh: str) -> str | None:
        """The canonical English for a Chinese term (any of its variants), or None."""
        idx = self._by_zh.get(_zh_key(zh))
        return None if idx is None else self.terms[idx].en[0]

    def term_for(self, zh: str) -> Term | None:
        idx = self._by_zh.get(_zh_key(zh))
        return None if idx is None else self.terms[idx]

    def _scan_zh(self, text: str) -> list[tuple[str, int]]:
        """Glossary terms in a Chinese text: longest first, no overlaps, each term once."""
        key = _zh_key(text)
        hits: list[tuple[int, int, str, int]] = []  # (length, start, zh, term)
        for i, ch in enumerate(key):
            for k, zh, idx in self._zh_first.get(ch, ()):
                if key.startswith(k, i):
                    hits.append((len(k), i, zh, idx))
        hits.sort(key=lambda h: (-h[0], h[1], h[3]))
        taken = bytearray(len(key))
        seen: set[int] = set()
        out: list[tuple[str, int]] = []
        for n, i, zh, idx in hits:
            if any(taken[i : i + n]):
                continue
            taken[i : i + n] = b"\x01" * n
            if idx not in seen:
                seen.add(idx)
                out.append((zh, idx))
        return out

    def annotate_zh(self, text_zh: str, limit: int = 5) -> list[tuple[str, str]]:
        """(Chinese term as written, canonical English) for terms in a Chinese text.

        Longest terms first, no two overlapping, each term once; ``general`` wording (企业, 条件)
        is left out because naming it in English helps nobody.
        """
        if limit <= 0:
            return []
        found = [
            (zh, idx) for zh, idx in self._scan_zh(text_zh) if self.terms[idx].kind != "general"
        ]
        return [(zh, self.terms[idx].en[0]) for zh, idx in found[:limit]]

    def english_words(self) -> set[str]:
        """Every normalised English word of every variant (for spelling correction)."""
        return {w for t in self.terms for en in t.en for w in normalize_en(en)}

    def chinese_terms(self) -> list[str]:
        """Every Chinese variant, in file order (for jieba's user dictionary)."""
        return list(dict.fromkeys(zh for t in self.terms for zh in t.zh))


# ---------------------------------------------------------------- parsing


def _split_variants(cell: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in cell.split("|"))


def _parse(text: str, source: str) -> Iterable[Term]:
    header_seen = False
    zh_line: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue

        def fail(msg: str, lineno: int = lineno) -> GlossaryError:
            return GlossaryError(f"{source}, line {lineno}: {msg}")

        cells = line.split("\t")
        if not header_seen:
            if tuple(c.strip().lower() for c in cells) not in (HEADER, HEADER[:3]):
                raise fail("expected the header 'zh<TAB>en<TAB>kind<TAB>note'")
            header_seen = True
            continue
        if len(cells) not in (3, 4):
            raise fail(
                f"expected 3 or 4 tab-separated columns (zh, en, kind, note), found {len(cells)}"
            )
        zh, en = _split_variants(cells[0]), _split_variants(cells[1])
        kind = cells[2].strip()
        note = cells[3].strip() if len(cells) == 4 else ""
        if any(not v for v in zh):
            raise fail("empty Chinese variant in column zh (check for '||' or a stray '|')")
        if any(not v for v in en):
            raise fail("empty English variant in column en (check for '||' or a stray '|')")
        for v in zh:
            if not _CJK.search(v):
                raise fail(f"Chinese variant {v!r} contains no Chinese character")
        for v in en:
            toks = normalize_en(v)
            if not toks:
                raise fail(f"English variant {v!r} has no words to match")
            if len(toks) == 1 and toks[0] in _CASED:
                raise fail(
                    f"English variant {v!r} would match the everyday word {toks[0]!r}; "
                    "write the acronym in capitals"
                )
        if kind not in KINDS:
            raise fail(f"unknown kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
        for v in zh:
            key = _zh_key(v)
            if key in zh_line:
                raise fail(f"Chinese variant {v!r} is already defined on line {zh_line[key]}")
            zh_line[key] = lineno
        yield Term(tuple(dict.fromkeys(zh)), tuple(dict.fromkeys(en)), kind, note)
    if not header_seen:
        raise GlossaryError(
            f"{source}: empty glossary; the first line must be the header "
            "'zh<TAB>en<TAB>kind<TAB>note'"
        )
