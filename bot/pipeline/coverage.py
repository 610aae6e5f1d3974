"""Coverage: is the question's main object one the corpus (or the catalog) regulates?

Retrieval support alone answers "do the question's words occur?"; a question about a
neighbouring policy ("增值税出口退税", "STAR Market listing", "trademark fees") shares most of its
words with the corpus and still gets clauses about something else. This stage weighs each of the
question's content words by how specific it is, asks whether the corpus (or the incentive catalog)
holds the specific ones *together* in one clause, and combines that with the clause support and the
dense similarity into one score, whose weights and threshold were fitted on questions of our own
(``python -m bench.answerability``).

    model = CoverageModel.from_app(app)          # rebuilt when the index generation changes
    cov = model.judge(text, lang, hits, support, topics, plan=plan)
    cov.answerable, cov.main_object, cov.nearest, cov.admin_hint
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.names import english_name
from retrieval import lexical
from retrieval.crosslingual import EN_STOPWORDS
from retrieval.documents import Hit, normalize
from retrieval.metadata import doc_number_matches, find_doc_numbers
from retrieval.search import QUESTION_WORDS, QueryPlan

from .question import ASKS_ADDRESS, ASKS_SUM

if TYPE_CHECKING:
    from bot.incentives import Catalog
    from retrieval.index import Index, Snapshot

log = logging.getLogger(__name__)

# Fitted by ``python -m bench.answerability --fit`` on bench/questions/answerability_train.jsonl
# (logistic regression per language on ``Coverage.signals``; each language's bias is then moved so
# that its best threshold on train, most near-misses refused with >= 95 % of answerable questions
# answered, sits at 0.5). The threshold is ``[answer] coverage_threshold`` in config.toml.
# Known limit: English questions reach the corpus only through dictionary renderings, so the
# English weights separate far less well (held-out figures in the commit message and the bench).
WEIGHTS: dict[str, dict[str, float]] = {
    "zh": {"bias": -2.29, "support": 1.454, "held": 1.825, "salient": 1.057, "dense": 1.8, "missing": -0.634},
    "en": {"bias": -1.05, "support": 1.944, "held": 1.188, "salient": 0.373, "dense": 0.626, "missing": -0.52},
}
# Mean top dense similarity of answerable questions per language (the e5 model scores Chinese
# question/Chinese clause pairs much higher than English/Chinese ones); dense is used centred.
DENSE_CENTRE = {"zh": 0.92, "en": 0.79}
DEFAULT_THRESHOLD = 0.5
# weight (of the rarest word's) of an everyday English word the corpus has no counterpart for
# ("sold", "responsible": many dictionary glosses use it), as for a common Chinese noun
EVERYDAY_WEIGHT = 0.35
# share of the question's specificity one clause must hold to be answerable whatever the score
HELD_WHOLE = 0.95

# jieba part-of-speech flags of words that can name an object (tax, programme, institution, act)
_NOMINAL = ("n", "vn", "j", "nz", "nt", "ns", "nr", "eng", "l", "an")
# English phrases that ask rather than name
_EN_ASKING = frozenset("how much many long often soon what which when where who why whether".split())
_CJK = re.compile(r"[\u4e00-\u9fff]")
# jieba flags of words that only phrase the question: pronouns (这个, 别人, 哪天), prepositions (跟, 从),
# adverbs (分别, 最多), conjunctions, particles, interjections
_PHRASING_FLAGS = ("r", "p", "d", "c", "u", "y", "e", "o")
# morphemes that ask (哪几种, 多少, 啥) and the A-not-A question form (算不算, 能不能)
_ASKING = re.compile(r"[哪啥谁怎吗呢嘛么几]|多少|多久|多长")
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])不\1")
# what a law, regulation or measure is called ends in one of these (科技进步法, 专利法实施细则)
_LAW_NAME = re.compile(r"(?:法|条例|细则|办法|规定|意见)$")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'\-]*|\d+(?:\.\d+)?%?")


@dataclass(frozen=True)
class Coverage:
    """The answerability decision for one question."""

    answerable: bool
    score: float  # 0–1; answerable when >= the threshold (or a catalog topic is named)
    main_object: str  # what the question is about, in its own words
    nearest: tuple[str, ...]  # covered subjects nearest to it (document titles, incentive names)
    admin_hint: str  # for an admin: which kind of document would answer it
    reason: str = ""  # "catalog" | "document" | "clause" | "held" | "not held"
    signals: Mapping[str, float] = field(default_factory=dict)
    documents: tuple[str, ...] = ()  # doc ids of held documents the question names


@dataclass(frozen=True)
class Subject:
    """A subject the corpus covers: one document or one catalog incentive."""

    key: str  # doc id or "incentive:<id>"
    label_zh: str
    label_en: str
    tokens: frozenset[str]  # normalised lexical tokens of its title / name and summary

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Unit:
    """One content word (or English phrase) of the question, with how specific it is."""

    label: str  # as in the question
    variants: tuple[str, ...]  # normalised Chinese forms to look for in a clause
    weight: float  # idf in the corpus, or the weight of a word the corpus never uses
    present: bool  # the corpus or the catalog uses it
    salient: bool = False  # some title, heading or clause opening is about it


@dataclass
class _State:
    generation: int
    size: int
    max_idf: float
    subjects: tuple[Subject, ...]
    catalog_texts: tuple[tuple[str, str], ...]  # (subject key, normalised zh+en text)
    catalog_vocab: frozenset[str]
    salient: frozenset[str]  # words some title, heading or clause opening is about
    doc_numbers: tuple[tuple[str, str], ...] = ()  # (文号, doc id) of the held documents
    doc_names: tuple[tuple[str, str], ...] = ()  # (name a question may use, doc id): 专利法, 高新技术企业认定管理办法


class CoverageModel:
    """What the corpus and the catalog cover, and the answerability decision built on it."""

    def __init__(
        self,
        index: Index,
        catalog: Catalog | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        planner: Callable[[str], QueryPlan] | None = None,
        weights: Mapping[str, Mapping[str, float]] | None = None,
    ):
        self.index = index
        self.catalog = catalog
        self.threshold = threshold
        self.planner = planner
        self.weights = weights or WEIGHTS
        self._state: _State | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_app(cls, app, *, threshold: float | None = None) -> CoverageModel:
        """The model over an App's index and catalog (a broken catalog only loses its subjects)."""
        try:
            catalog = app.catalog
        except Exception as exc:  # noqa: BLE001 - the corpus still answers without the catalog
            log.warning("coverage model built without the incentive catalog: %s", exc)
            catalog = None
        if threshold is None:
            threshold = getattr(app.settings.answer, "coverage_threshold", DEFAULT_THRESHOLD)
        return cls(app.index, catalog, threshold=threshold, planner=app.searcher.plan)

    # ------------------------------------------------------------ the model

    def state(self) -> _State:
        """The covered subjects at the index's current generation (rebuilt after a change)."""
        snap = self.index.snapshot()
        st = self._state
        if st is not None and st.generation == snap.generation:
            return st
        with self._lock:
            if self._state is None or self._state.generation != snap.generation:
                self._state = self._build(snap)
            return self._state

    @property
    def subjects(self) -> tuple[Subject, ...]:
        return self.state().subjects

    def _build(self, snap: Snapshot) -> _State:
        subjects: list[Subject] = []
        for doc_id, rec in snap.docs.items():
            title = rec.meta.title or doc_id
            english = english_name(rec.meta.title, rec.meta.doc_number) if rec.meta.title else doc_id
            subjects.append(Subject(doc_id, title, english, _tokens(title + " " + (rec.meta.doc_number or ""))))
        texts: list[tuple[str, str]] = []
        vocab: set[str] = set()
        for inc in self.catalog or ():
            # the name and summary say what an incentive is about; its provisions mention much else
            zh = f"{inc.name.zh} {inc.summary.zh}"
            en = f"{inc.name.en} {inc.summary.en}"
            key = f"incentive:{inc.id}"
            toks = _tokens(zh)
            vocab |= toks
            subjects.append(Subject(key, inc.name.zh, inc.name.en, _tokens(inc.name.zh + inc.summary.zh)))
            texts.append((key, normalize(zh) + " " + en.lower()))
        # words a document is about: its title, its headings, and the opening clause of each chunk
        # ("17. 科技支撑冰雪旅游产业发展", "第六十条 …固定资产计算折旧的最低年限如下"), not words a clause
        # mentions in passing ("…除企业所得税和允许抵扣的增值税以外的各项税金")
        salient: set[str] = set(vocab)
        for toks in snap.title_tokens.values():
            salient |= toks
        for rec in snap.docs.values():
            salient.update(lexical.tokenize(" ".join([rec.meta.doc_number or "", *rec.meta.issuers])))
        for toks in set(snap.heading_tokens):
            salient |= toks
        for c in snap.chunks:
            salient.update(lexical.tokenize(_opening(c.text)))
        numbers: list[tuple[str, str]] = []
        names: list[tuple[str, str]] = []
        for doc_id, rec in snap.docs.items():
            numbers += [(num, doc_id) for num in find_doc_numbers(rec.meta.doc_number or "")]
            names += [(name, doc_id) for name in document_names(rec.meta.title or "")]
        n = max(snap.size, 1)
        log.debug("coverage model at generation %d: %d subjects", snap.generation, len(subjects))
        return _State(
            generation=snap.generation,
            size=snap.size,
            max_idf=math.log(1 + (n + 0.5) / 0.5),
            subjects=tuple(subjects),
            catalog_texts=tuple(texts),
            catalog_vocab=frozenset(vocab),
            salient=frozenset(normalize(t) for t in salient),
            doc_numbers=tuple(numbers),
            doc_names=tuple(names),
        )

    # ------------------------------------------------------------ the decision

    def units(self, plan: QueryPlan, hits: Sequence[Hit] = ()) -> list[Unit]:
        """The question's content words, each weighted by how specific it is.

        A word the corpus uses weighs its idf. A word neither the corpus nor the catalog uses is
        evidence of another subject: it weighs like the corpus's rarest word when it is a noun
        (a tax, a programme, an institution) or a name, less when it is a verb or a common word.
        Words that only phrase the question (哪几种, 这个, 算不算) are no unit at all, and a word
        the lexical index missed but a retrieved clause contains verbatim (中德 in "中德(沈阳)…产业园")
        is used by the corpus.
        """
        st = self.state()
        snap = self.index.snapshot()
        n = max(st.size, 1)

        def idf(df: int) -> float:
            return math.log(1 + (n - df + 0.5) / (df + 0.5))

        out: list[Unit] = []
        if plan.lang == "en" and (plan.sources or plan.untranslated):
            for span, zhs in plan.sources:
                words = [w for w in re.findall(r"[a-z0-9&'\-]+", span.lower()) if w not in EN_STOPWORDS]
                if not words or all(w in _EN_ASKING or w in lexical.STOPWORDS for w in words):
                    continue
                found = [(normalize(z), d) for z in zhs if (d := snap.lexical.doc_freq(z)) > 0
                         or normalize(z) in st.catalog_vocab]
                if found:
                    variants = tuple(z for z, _ in found)
                    out.append(Unit(span, variants, max(idf(d) for _, d in found), True,
                                    any(v in st.salient for v in variants)))
                else:
                    # like a common Chinese word, an everyday English one ("sold", "responsible")
                    # that found no counterpart names no subject the corpus lacks
                    name = any(w in plan.names for w in words)
                    everyday = all(w in plan.everyday for w in words)
                    scale = 1.5 if name else EVERYDAY_WEIGHT if everyday else 1.0
                    out.append(Unit(span, (), st.max_idf * scale, False))
            return out
        words = _pos_words(plan.text)
        asked = [m.group(0) for m in _A_NOT_A.finditer(normalize(plan.text))] + _answer_kinds(words)
        clauses = [normalize(h.chunk.text) for h in hits[:8]]
        aliased: set[str] = set()
        # the corpus terms searched for the question's everyday words are not words it asks about
        question = normalize(plan.text)
        alias_terms = {t for _, terms in plan.aliases for t in terms}
        for tok, pw in plan.terms:
            key = normalize(tok)
            if not key or key in QUESTION_WORDS or key in lexical.STOPWORDS or not _CJK.search(key):
                continue
            if key not in question and any(key in t for t in alias_terms):
                continue
            flag = _flag_of(key, words)
            if _phrasing(key, flag, asked):
                continue
            df = snap.lexical.doc_freq(tok)
            if df > 0 or key in st.catalog_vocab:
                out.append(Unit(tok, (key, *_digit_forms(key)), idf(max(df, 1)) * pw, True, key in st.salient))
                continue
            forms = _in_clauses(key, clauses)
            if forms:
                out.append(Unit(tok, (key, *forms), idf(1) * pw, True, key in st.salient))
                continue
            # an everyday word for a corpus term (电脑 for 电子设备), or a piece of one: held through
            # the term, once per word
            alias = next(((w, t) for w, t in plan.aliases if key in w or w in key), None)
            if alias is not None:
                if alias[0] not in aliased:
                    aliased.add(alias[0])
                    dfs = [d for t in alias[1] if (d := snap.lexical.doc_freq(t)) > 0] or [1]
                    out.append(Unit(tok, alias[1], idf(max(dfs)) * pw, True, any(t in st.salient for t in alias[1])))
                continue
            nominal = flag.startswith(_NOMINAL)
            common = _general_freq(key) > 2000
            w = st.max_idf * pw * (1.0 if nominal and not common else 0.35 if nominal else 0.15)
            if key in plan.names and not common:  # 东西, 名字: everyday words name nothing
                w *= 1.5
            out.append(Unit(tok, (), w, False))
        # jieba's search mode also emits the pieces of a word ("集成电路" → "成电", "电路"): an unknown
        # piece of a longer word counts once, with the word
        keys = [normalize(u.label) for u in out]
        return [u for u, k in zip(out, keys, strict=True) if u.present or not any(k != o and k in o for o in keys)]

    def judge(
        self,
        question_text: str,
        lang: str,
        hits: Sequence[Hit],
        support: float,
        topics: Iterable[str] = (),
        *,
        plan: QueryPlan | None = None,
    ) -> Coverage:
        """Whether the corpus or the catalog regulates what the question is about."""
        st = self.state()
        if plan is None:
            if self.planner is None:
                raise ValueError("CoverageModel.judge needs the question's plan (or a planner)")
            plan = self.planner(question_text)
        units = self.units(plan, hits)
        held, best_key = _held(units, hits, st.catalog_texts)
        total = sum(u.weight for u in units) or 1.0
        missing = sum(u.weight for u in units if not u.present) / total
        squares = sum(u.weight ** 2 for u in units) or 1.0
        salient = sum(u.weight ** 2 for u in units if u.salient) / squares
        dense = max((h.signals.get("dense", 0.0) for h in hits[:5]), default=0.0)
        key = "en" if plan.lang == "en" else "zh"  # the language the question is written (searched) in
        signals = {
            "support": float(support),
            "held": held,
            "salient": salient,
            # in tenths of cosine similarity around the language's usual level
            "dense": 10.0 * (dense - DENSE_CENTRE[key]) if dense > 0 else -1.0,
            "missing": missing,
        }
        score = _logistic(self.weights[key], signals)
        topics = tuple(topics)
        named = self.named_documents(question_text)
        if topics or best_key.startswith("incentive:") and held >= 0.8:
            answerable, reason = True, "catalog"
        elif named:
            answerable, reason = True, "document"
        elif held >= HELD_WHOLE and missing <= 1 - HELD_WHOLE:
            # one retrieved clause holds all the question's words and none is foreign to the corpus:
            # the dense similarity or a heading cannot make that clause be about something else
            answerable, reason = True, "clause"
        else:
            answerable = score >= self.threshold
            reason = "held" if answerable else "not held"
        obj = main_object(question_text, plan, units)
        return Coverage(
            answerable=answerable,
            score=round(score, 4),
            main_object=obj,
            nearest=self.nearest(plan, units, hits, lang, topics),
            admin_hint="" if answerable else admin_hint(obj, lang),
            reason=reason,
            signals={k: round(v, 4) for k, v in signals.items()},
            documents=named,
        )

    def named_documents(self, text: str) -> tuple[str, ...]:
        """The held documents a question names: by 文号 (财税〔2018〕99号), by title or 《name》, or
        by a law's usual short name (科技进步法 for 中华人民共和国科学技术进步法)."""
        st = self.state()
        found: dict[str, None] = {}
        for num in find_doc_numbers(text):
            found.update((d, None) for held, d in st.doc_numbers if doc_number_matches(num, held))
        key = normalize(text)
        mentions = _law_mentions(text)
        for name, d in st.doc_names:
            if name in key or any(_abbreviates(m, name) for m in mentions):
                found[d] = None
        return tuple(found)

    def nearest(self, plan: QueryPlan, units: Sequence[Unit], hits: Sequence[Hit], lang: str,
                topics: Sequence[str] = (), k: int = 3) -> tuple[str, ...]:
        """The covered subjects nearest the question: named topics, the documents of the best
        clauses, and subjects sharing its most specific words."""
        st = self.state()
        score: dict[str, float] = {}
        for t in topics:
            score[f"incentive:{t}"] = 10.0
        for rank, h in enumerate(hits[:8]):
            score[h.chunk.doc_id] = score.get(h.chunk.doc_id, 0.0) + 1.0 / (1 + rank)
        for s in st.subjects:
            overlap = sum(u.weight for u in units if u.present and any(v in s.tokens for v in u.variants))
            if overlap:
                score[s.key] = score.get(s.key, 0.0) + 0.1 * overlap
        by_key = {s.key: s for s in st.subjects}
        ranked = sorted((k for k in score if k in by_key), key=lambda k: -score[k])
        return tuple(dict.fromkeys(by_key[k].label(lang) for k in ranked))[:k]


# ---------------------------------------------------------------- helpers


def _held(units: Sequence[Unit], hits: Sequence[Hit], catalog_texts: Sequence[tuple[str, str]]
          ) -> tuple[float, str]:
    """Share of the question's specificity (idf squared: rare words dominate) that one clause or
    one catalog incentive holds together, and which one holds most."""
    total = sum(u.weight ** 2 for u in units)
    if total <= 0:
        return 0.0, ""
    best, best_key = 0.0, ""
    texts = [(h.chunk.doc_id, normalize(h.chunk.text + "".join(h.chunk.section) + h.doc.meta.title))
             for h in hits[:8]]
    for key, text in [*texts, *catalog_texts]:
        got = sum(u.weight ** 2 for u in units if any(v in text for v in u.variants))
        if got / total > best:
            best, best_key = got / total, key
    return best, best_key


def _opening(text: str) -> str:
    """The first clause of a chunk (up to the first comma or full stop, at most 40 characters)."""
    head = re.split(r"[，,。；;：:\n]", text.strip(), maxsplit=1)[0]
    return head[:40]


def _logistic(weights: Mapping[str, float], signals: Mapping[str, float]) -> float:
    z = weights.get("bias", 0.0) + sum(weights.get(k, 0.0) * v for k, v in signals.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _tokens(text: str) -> frozenset[str]:
    return frozenset(normalize(t) for t in lexical.tokenize(text))


def _flag_of(key: str, words: Sequence[tuple[str, str]]) -> str:
    """The part of speech of a question word, or of the word it is a piece of ("不算" of "算不算");
    for a piece across two words ("法从" of "科技进步法|从", "各交" of "各|交") that of the word its
    last character belongs to, Chinese words being headed at the end; "" when it is not in the text."""
    for w, f in words:
        if key == w:
            return f
    for w, f in words:
        if key in w:
            return f
    text = "".join(w for w, _ in words)
    at = text.find(key)
    if at < 0:
        return ""
    end = at + len(key) - 1
    pos = 0
    for w, f in words:
        pos += len(w)
        if pos > end:
            return f
    return ""


def _in_clauses(key: str, clauses: Sequence[str]) -> tuple[str, ...]:
    """How the retrieved clauses write a word the lexical index does not know: verbatim (中德 in
    "中德(沈阳)高端装备制造产业园", split otherwise by the tokenizer) or as the full name it
    abbreviates, its characters in order within a short span (哈工大 ← 哈尔滨工业大学, 高新区 ←
    高新技术产业开发区)."""
    if len(key) < 2:
        return ()
    if any(key in c for c in clauses):
        return (key,)
    if len(key) < 3:
        return ()
    gap = r"[\u4e00-\u9fff]{0,6}?"
    rx = re.compile(re.escape(key[0]) + "".join(gap + re.escape(ch) for ch in key[1:]))
    forms = {m.group(0) for c in clauses for m in rx.finditer(c) if len(m.group(0)) <= 3 * len(key)}
    return tuple(sorted(forms))


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _digit_forms(key: str) -> tuple[str, ...]:
    """The word with its Chinese numeral in Arabic digits, as clauses write it (一年 → 1年)."""
    def value(m: re.Match) -> str:
        s = m.group(0)
        if s == "十":
            return "10"
        if "十" in s:
            tens, _, ones = s.partition("十")
            return str(10 * (_CN_DIGITS.get(tens, 1)) + _CN_DIGITS.get(ones, 0))
        return str(_CN_DIGITS[s]) if len(s) == 1 else s
    out = re.sub(r"[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九]", value, key)
    return (out,) if out != key and re.search(r"\d", out) else ()


def _answer_kinds(words: Sequence[tuple[str, str]]) -> list[str]:
    """Nouns that only name the kind of answer asked for: one word right after an asking word and
    before no other noun (哪个城市, 哪些东西, 什么名字); the answering clause names an instance."""
    out = []
    for (w0, _), (w1, f1), (_, f2) in zip(words, words[1:], [*words[2:], ("", "x")], strict=False):
        if _ASKING.search(w0) and f1.startswith(_NOMINAL) and not f2.startswith(_NOMINAL):
            out.append(w1)
    return out


def _phrasing(key: str, flag: str, asked: Sequence[str]) -> bool:
    """Whether a question word only phrases the question (asks, points, links, names the kind of
    answer) rather than names what it is about."""
    return (flag.startswith(_PHRASING_FLAGS) or bool(_ASKING.search(key))
            or any(key in a for a in asked))


def document_names(title: str) -> list[str]:
    """Names a question may call a document by: its title without "中华人民共和国", and the
    《name》 it announces (…印发《高新技术企业认定管理办法》的通知)."""
    title = normalize(title)
    short = title.removeprefix(normalize("中华人民共和国"))
    names = [short, re.sub(r"[（(][^）)]*[）)]$", "", short)]  # without a note: "（节选）", "（制造业100%）"
    names += re.findall(r"《([^》]{4,})》", title)
    return [n for n in dict.fromkeys(names) if len(n) >= 3]


def _law_mentions(text: str) -> list[str]:
    """The law-like names in a question: runs of nominal words ending in 法/条例/细则/办法 …"""
    import jieba.posseg

    lexical.configure()
    out: list[str] = []
    run = ""
    for w in jieba.posseg.cut(normalize(text)):
        if w.flag.startswith(_NOMINAL) and _CJK.search(w.word):
            run += w.word
            if _LAW_NAME.search(run) and len(run) >= 3:
                out.append(run)
        else:
            run = ""
    return out


def _abbreviates(mention: str, name: str) -> bool:
    """Whether ``mention`` is the usual short form of a law's name: the name with characters left
    out (科技进步法 ← 科学技术进步法), the same ending, most of its length."""
    if len(mention) < 3 or mention[-2:] != name[-2:] or len(mention) < 0.6 * len(name):
        return False
    it = iter(name)
    return all(ch in it for ch in mention)


def _pos_words(text: str) -> list[tuple[str, str]]:
    """The question's words in order, each with its jieba part-of-speech flag."""
    import jieba.posseg

    lexical.configure()
    return [(normalize(w.word), w.flag) for w in jieba.posseg.cut(text)]


def _general_freq(word: str) -> int:
    """How often jieba's dictionary (general Chinese) uses a word: common words name no subject."""
    import jieba

    lexical.configure()
    return jieba.dt.FREQ.get(word, 0) or 0


def main_object(text: str, plan: QueryPlan, units: Sequence[Unit]) -> str:
    """The phrase of the question that names what it is about: the run of content words with the
    most specificity (a noun phrase in Chinese, a stretch of content words in English)."""
    runs: list[tuple[float, str]] = []
    if plan.lang == "en":
        words = _WORD.findall(text)
        run: list[str] = []
        for w in [*words, ""]:
            low = w.lower()
            if w and low not in EN_STOPWORDS and low not in lexical.STOPWORDS and low not in _EN_ASKING:
                run.append(w)
                continue
            if run:
                phrase = " ".join(run)
                wt = sum(u.weight for u in units if u.label.lower() in phrase.lower())
                runs.append((wt, phrase))
            run = []
    else:
        import jieba.posseg

        lexical.configure()
        run_words: list[str] = []
        for w in [*jieba.posseg.cut(text), None]:
            word = w.word if w is not None else ""
            if w is not None and w.flag.startswith(_NOMINAL) and normalize(word) not in QUESTION_WORDS \
                    and _CJK.search(word):
                run_words.append(word)
                continue
            if run_words:
                phrase = "".join(run_words)
                key = normalize(phrase)
                wt = sum(u.weight for u in units if normalize(u.label) in key)
                runs.append((wt, phrase))
            run_words = []
    if not runs:
        return max(units, key=lambda u: u.weight).label if units else text.strip()[:40]
    return max(runs, key=lambda r: r[0])[1]


# A question asking for a sum of money (question.ASKS_SUM) that no retrieved clause states any sum
# for asks a detail the corpus does not give, even when it names a subject the corpus holds
# (深圳的高企奖励, the patent filing fee).
_SUM = re.compile(r"\d[\d,.]*\s*(?:万|亿)?元|[一二三四五六七八九十百千万亿两]+元")


_ADDRESS = re.compile(r"https?://|www\.|\.gov\.cn|网址[:：]", re.IGNORECASE)


def _unstated(asks: re.Pattern[str], states: re.Pattern[str], question: str, texts: Iterable[str]) -> bool:
    """Whether the question asks for a kind of detail that none of the texts states."""
    return bool(asks.search(question)) and not any(states.search(t) for t in texts)


def asks_unstated_sum(question: str, hits: Sequence[Hit], k: int = 8) -> bool:
    """Whether a question asks for a sum of money and none of its ``k`` best clauses states one."""
    return _unstated(ASKS_SUM, _SUM, question, (normalize(h.chunk.text) for h in hits[:k]))


def asks_unstated_address(question: str, hits: Sequence[Hit], k: int = 8) -> bool:
    """Whether a question asks for a web address and none of its ``k`` best clauses gives one."""
    return _unstated(ASKS_ADDRESS, _ADDRESS, question, (h.chunk.text for h in hits[:k]))


# Which kind of document regulates an object, by the words of its name.
_HINTS: tuple[tuple[str, str, str], ...] = (
    (r"增值税|印花税|契税|关税|房产税|土地使用税|消费税|个人所得税|个税|\bVAT\b|stamp duty|deed tax|customs|"
     r"land use tax|individual income tax|\bIIT\b",
     "规定该税种的法律法规或财政部、税务总局的政策公告",
     "the law or MOF/STA announcement that governs that tax"),
    (r"税|tax", "规定该项税收优惠的财政部、税务总局公告或通知",
     "the MOF/STA announcement or notice that grants that tax treatment"),
    (r"保险|公积金|社保|工资|劳动|试用期|年休假|竞业|insurance|provident|pension|labou?r|probation|"
     r"leave|non-compete|wage", "人力资源社会保障部门或地方政府的劳动、社会保险规定",
     "a labour or social-insurance regulation (MOHRSS or the local government)"),
    (r"上市|板|挂牌|股票|减持|证券|listing|stock exchange|STAR|ChiNext|NEEQ|shares",
     "证监会或证券交易所的发行上市规则", "the CSRC's or the stock exchange's listing rules"),
    (r"商标|著作权|版权|品种|布图|地理标志|trademark|copyright|plant variet|layout|geographical indication",
     "规定该项知识产权的法律、条例及其收费标准", "the law or regulation on that kind of IP, with its fee schedule"),
    (r"基金|项目|经费|资助|计划|grant|fund|programme|program",
     "该计划或基金的管理办法、申报指南", "the programme's management measures or call for applications"),
)


def admin_hint(obj: str, lang: str) -> str:
    """For an admin: which kind of document would let the bot answer a question about ``obj``."""
    kind = ("规定该事项的法律、法规或部门规章、政策文件", "the law, regulation or policy notice that governs it")
    for rx, zh, en in _HINTS:
        if re.search(rx, obj, re.IGNORECASE):
            kind = (zh, en)
            break
    if lang == "zh":
        return f"语料中没有规定“{obj}”的文件；要回答此类问题，可上传{kind[0]}。"
    return f"No document in the corpus regulates \u201c{obj}\u201d; to answer such questions, upload {kind[1]}."
