"""Citations for a decision's legal basis: the clause quoted from the indexed corpus, whole
sentences (a sentence runs on after 「；」), or the catalog's own words when the document is not
indexed — never an empty quote; and the sentence an extractive answer leads with.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from bot.answer_types import Citation
from bot.extractive import Sentence, quote_text, short_section, whole_sentence
from bot.incentives import Basis
from retrieval import lexical
from retrieval.documents import Chunk, normalize
from retrieval.index import Snapshot
from retrieval.metadata import doc_number_matches
from retrieval.search import QueryPlan, number_match

from .question import ASKS_MEANING

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def _norm_label(s: str) -> str:
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s、.．:：]", "", s)


def find_doc(snap: Snapshot, basis: Basis) -> str | None:
    for doc_id, rec in snap.docs.items():
        if basis.doc_number and rec.meta.doc_number and doc_number_matches(basis.doc_number, rec.meta.doc_number):
            return doc_id
    if basis.title:
        want = normalize(basis.title)
        for doc_id, rec in snap.docs.items():
            if want and normalize(rec.meta.title).startswith(want):
                return doc_id
    return None


def find_clause(snap: Snapshot, doc_id: str, article: str | None, about: str = "") -> Chunk | None:
    """The chunk of a document that holds ``article`` ("第九十条", "一(二)"); among several (or
    when no heading matches the article exactly), the one that says most of ``about``."""
    chunks = [c for c in snap.chunks if c.doc_id == doc_id]
    if not chunks:
        return None
    if article:
        want = _norm_label(re.sub(r"第[一二三四五六七八九十]+款.*$", "", article))
        exact = [c for c in chunks if _norm_label(short_section(c.section)) == want]
        if not exact:
            exact = [c for c in chunks if normalize(c.text).startswith(want)]
        if not exact and not about:
            exact = [c for c in chunks if want.startswith(_norm_label(short_section(c.section)) or "\0")]
        if exact:
            chunks_all, chunks = chunks, exact
            if about:  # an article number that does not hold the words cited for it is wrong
                grams = _bigrams(normalize(about))
                here = max(len(grams & _bigrams(normalize(c.text))) for c in exact)
                elsewhere = max(len(grams & _bigrams(normalize(c.text))) for c in chunks_all)
                if here < 0.3 * len(grams) and elsewhere >= max(2 * here, 0.35 * len(grams)):
                    chunks = chunks_all
    if len(chunks) == 1 or not about:
        return chunks[0]
    grams = _bigrams(normalize(about))
    return max(chunks, key=lambda c: len(grams & _bigrams(normalize(c.text))))


def best_sentences(text: str, about: str, *, whole_under: int = 220) -> str:
    """The sentence (to its full stop, across 「；」) that says most of ``about``; a short clause whole."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = " ".join(lines)
    if len(normalize(body)) <= whole_under:
        return body
    words = set(lexical.tokenize(about)) if about else set()
    grams = _bigrams(normalize(about))
    best, best_score = "", -1.0
    for m in _SENTENCE.finditer(body):
        s = m.group(0).strip()
        n = normalize(s)
        if len(n) < 8:
            continue
        score = len(words & set(lexical.tokenize(s))) + 2 * len(grams & _bigrams(n)) / max(len(grams), 1)
        if score > best_score:
            best, best_score = s, score
    return best or body[:300]


def _bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def resolve(snap: Snapshot, basis: Basis, about: str, fallback: str) -> Citation:
    """A citation of ``basis``: quoted from the corpus, or from the catalog (``fallback``) marked
    as not in the indexed corpus."""
    doc = find_doc(snap, basis)
    if doc is not None:
        chunk = find_clause(snap, doc, basis.article, about)
        if chunk is not None:
            rec = snap.docs[doc]
            return Citation(
                doc_id=doc,
                title=rec.meta.title,
                doc_number=rec.meta.doc_number,
                date=rec.meta.date,
                section=short_section(chunk.section) or (basis.article or ""),
                page=chunk.page,
                quote=best_sentences(chunk.text, about),
                chunk_id=chunk.id,
            )
    return Citation(
        doc_id="",
        title=basis.title or "",
        doc_number=basis.doc_number,
        date=None,
        section=basis.article or "",
        page=None,
        quote=fallback,
        in_corpus=False,
    )


def whole_sentence_of(s: Sentence) -> str:
    return whole_sentence(s.hit.chunk.text, s.start, s.end)


def lead_text_of(s: Sentence) -> str:
    """The whole sentence an answer leads with; one introducing a list ("…符合下列条件的企业：")
    with its items (``extractive.quote_text``)."""
    return quote_text(s.hit.chunk.text, s.start, s.end)


# "at least / 最少" is answered by a floor (不低于60分), "at most / 上限" by a cap (不超过500人)
_BOUNDS = (
    (re.compile(r"至少|最少|最低|起码|不低于|\b(?:at least|minimum|lowest|no less than)\b", re.I),
     re.compile(r"不低于|不少于|以上|最低|至少")),
    (re.compile(r"最多|最高|上限|不超过|\b(?:at most|maximum|max|highest|cap|limit|no more than)\b", re.I),
     re.compile(r"不超过|不得超过|以下|最高|最多|上限")),
)


_REFERRAL = re.compile(r"(?:按照|依照|参照)《[^》]+》.{0,200}(?:规定)?执行。?$")


# a clause defining a word ("本条所称制造业企业,是指…"), which answers a question about what it means
_DEFINITION = re.compile(r"所称([^，,。；;“”]{2,40}?)[，,]?是指")


def _defines(sentence: str, question: str, words: Sequence[str]) -> bool:
    """Whether a sentence defines a word of the question: the defined term is in the question, or
    ends with one of its words or (for English) renderings ("符合条件的小型微利企业" ← 小型微利企业)."""
    m = _DEFINITION.search(normalize(sentence))
    if not m:
        return False
    term = re.sub(r"^(?:本条|本公告|本通知|本办法|本法|本条例)", "", m.group(1))
    return len(term) >= 2 and (term in question or any(
        len(w) >= 3 and term.endswith(w) for w in map(normalize, words)))


def lead_sentence(sentences: Sequence[Sentence], plan: QueryPlan, question: str) -> Sentence:
    """The sentence an extractive answer leads with, among the best few: not a preamble-length one
    that names everything; for a "how much / how many / how long" question one holding that kind
    of figure, and for "at least / at most" one stating that bound."""
    pool = [x for x in sentences[:6] if len(normalize(whole_sentence_of(x))) <= 300
            and x.score >= 0.6 * sentences[0].score]
    # a sentence that only sends the reader to other documents ("…按照《…》等文件相关规定执行") does
    # not lead when another one says something
    pool = [x for x in pool if not _REFERRAL.search(normalize(whole_sentence_of(x)))] or pool
    if ASKS_MEANING.search(question):
        # "啥样的企业才算制造业企业": the sentence saying what the asked word means, if one is found
        words = [*plan.expansions, *(t for t, _ in plan.terms)]
        defining = [x for x in sentences[:6] if _defines(whole_sentence_of(x), normalize(question), words)]
        if defining:
            return defining[0]
    figured = [x for x in pool if number_match(plan, whole_sentence_of(x))] if plan.wants_number else []
    bound = next((rx for asked, rx in _BOUNDS if asked.search(question)), None)
    bounded = [x for x in figured if bound.search(whole_sentence_of(x))] if bound else []
    return (bounded or figured or pool or list(sentences))[0]
