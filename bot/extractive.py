"""Answers built from the text itself: the sentences that answer, grouped by document, cited.

No model is involved: sentences of the retrieved clauses are scored against the question's
weighted terms, the best ones are quoted verbatim, and a one-line lead states the answer where
a sentence states it plainly (a rate, an amount, a date, a yes or no).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from retrieval.documents import Hit, normalize
from retrieval.index import Snapshot
from retrieval.search import QUESTION_WORDS, QueryPlan, number_match
from retrieval.validity import Validity

from .answer_types import Citation, QuoteGroup

_SENT_END = re.compile(r"(?<=[。！？；!?;])|\n")
_CLAUSE_SPLIT = re.compile(r"(?<=[，,；;：:])")

# Who is asking → words that mark the parts of a policy written for them.
PROFILE_WORDS = {
    "researcher": ("科研人员", "科技人员", "研究开发机构", "高等院校", "高校", "事业单位", "奖励", "报酬"),
    "university": ("高等院校", "高校", "研究开发机构", "科研院所", "事业单位"),
    "enterprise": ("企业", "公司", "纳税", "所得税"),
    "investor": ("投资", "创业投资", "天使投资"),
}


@dataclass(frozen=True)
class Sentence:
    hit_rank: int
    hit: Hit
    start: int
    end: int
    text: str
    score: float


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (original characters), split after 。！？； and at line ends."""
    spans = []
    pos = 0
    for m in _SENT_END.finditer(text):
        end = m.start() if text[m.start():m.start() + 1] == "\n" else m.end()
        if end > pos:
            spans.append((pos, end))
        pos = m.end() if text[m.start():m.start() + 1] == "\n" else end
    if pos < len(text):
        spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def term_weights(snap: Snapshot, plan: QueryPlan) -> tuple[dict[str, float], float]:
    """Normalised query terms with idf weights, and the weight of what the corpus cannot match.

    A Chinese question word the corpus never uses, or an English content word with no Chinese
    counterpart in the corpus ("hukou", "weather"), is evidence the corpus does not cover the
    question; it weighs like the rarest word of the corpus.
    """
    n = max(snap.size, 1)
    max_idf = math.log(1 + (n + 0.5) / 0.5)
    weights: dict[str, float] = {}
    missing = 0.0
    for tok, w in plan.terms:
        key = normalize(tok)
        if not key:
            continue
        df = snap.lexical.doc_freq(tok)
        if df == 0 and key in QUESTION_WORDS:
            continue  # how the question is asked, not what it is about
        if df == 0:
            # Latin words are rarely in the Chinese text (for English questions their
            # translation is what counts); a name the corpus never uses (美国, 德国) rules out
            # more than any other word
            if not key.isdigit() and not key.isascii():
                missing += w * max_idf * (2.0 if key in plan.names else 1.0)
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        weights[key] = max(weights.get(key, 0.0), w * idf)
    missing += 0.6 * max_idf * len(plan.untranslated)
    return weights, missing


def coverage(text_norm: str, weights: Mapping[str, float], missing: float = 0.0) -> float:
    total = sum(weights.values()) + missing
    if total <= 0:
        return 0.0
    return sum(w for t, w in weights.items() if t in text_norm) / total


def support_score(hits: Sequence[Hit], weights: Mapping[str, float], missing: float,
                  plan: QueryPlan | None = None, snap: Snapshot | None = None) -> float:
    """How well the best retrieved clauses cover the question (0–1): the refusal signal.

    Chinese questions: the idf weight of the question's words found in a clause. English
    questions: the same per English word or phrase, found when any of its Chinese renderings is
    in the clause; a word with no rendering in the corpus counts as not found.
    """
    weigh = _source_weights(plan, snap) if plan is not None and snap is not None and plan.sources else None
    best = 0.0
    for h in hits[:5]:
        text = normalize(h.chunk.text + " ".join(h.chunk.section) + h.doc.meta.title)
        if weigh is not None:
            total = sum(w for _, w in weigh) or 1.0
            got = sum(w for variants, w in weigh if any(v in text for v in variants))
            best = max(best, got / total)
        else:
            best = max(best, coverage(text, weights, missing))
    return best


def _source_weights(plan: QueryPlan, snap: Snapshot) -> list[tuple[tuple[str, ...], float]]:
    """(normalised Chinese renderings, idf weight) per English source word or phrase."""
    n = max(snap.size, 1)
    max_idf = math.log(1 + (n + 0.5) / 0.5)
    out = []
    for english, zhs in plan.sources:
        idfs = [
            math.log(1 + (n - df + 0.5) / (df + 0.5))
            for z in zhs
            if (df := snap.lexical.doc_freq(z)) > 0
        ]
        variants = tuple(normalize(z) for z in zhs)
        name = any(w.lower() in plan.names for w in english.split()) or (
            len(zhs) == 1 and normalize(zhs[0]) in plan.names
        )
        out.append((variants, max(idfs) if idfs else max_idf * (2.0 if name else 1.0)))
    return out


def score_sentences(
    hits: Sequence[Hit],
    plan: QueryPlan,
    weights: Mapping[str, float],
    profile_words: Sequence[str] = (),
) -> list[Sentence]:
    """Sentences of the retrieved clauses, best answer first.

    A sentence scores by the question weight it covers and the question's phrases it repeats,
    plus the kind of figure a "how much" question wants; the clause's search rank is a prior.
    """
    top_score = hits[0].score if hits else 1.0
    out = []
    for rank, h in enumerate(hits):
        text = h.chunk.text
        meta = h.doc.meta
        skip = {normalize(x) for x in (meta.title, meta.doc_number or "") if x}
        skip |= {normalize(x) for x in h.chunk.section}
        # where the sentence stands (document title, headings) is part of what it says
        context = coverage(normalize(meta.title + "".join(h.chunk.section)), weights)
        # words of the document's own name say which document more than which of its sentences
        title_norm = normalize(meta.title)
        own = weights if plan.lang == "en" else {
            t: (0.5 * w if t in title_norm else w) for t, w in weights.items()
        }
        prior = 0.6 + 0.4 * (h.score / top_score if top_score else 0.0)
        prior *= 1.0 / (1.0 + 0.05 * rank)
        for a, b in split_sentences(text):
            s = text[a:b]
            norm = normalize(s)
            if len(norm) < 4:
                continue
            cov = coverage(norm, own)
            if cov == 0:
                continue
            stem = list_stem(text, s.strip())[0]
            if stem:  # a list item says what its list's introducing sentence says it is for
                cov = coverage(normalize(stem) + norm, own)
            bare = re.sub(r"^附件\d*[:：]?", "", norm)
            if norm in skip or bare in skip or (len(bare) >= 8 and any(bare in k for k in skip)):
                continue  # a title, heading or document number repeated in the text is no answer
            phrase = plan.phrase_score(norm)
            score = cov + 0.3 * context + 0.4 * phrase + 0.8 * number_match(plan, s)
            if h.signals.get("stale"):
                score -= 0.3
            score += 0.3 * h.signals.get("recency", 0.0)
            if profile_words and any(w in s for w in profile_words):
                score += 0.1
            if len(norm) > 220:  # a wall of text is a poor quote (a preamble names everything)
                score -= 0.1 + 0.1 * min(len(norm) / 220 - 1, 2)
            if norm.endswith((":", "：")):  # "…是指：" only introduces the answer
                score -= 0.25
            if len(norm) < 40 and not re.search(r"[，,。；;：:、]", s.strip().rstrip("。")) \
                    and not (s.strip().endswith("。") and re.search(r"\d", norm)):
                # a heading or a title line ("附件:…实施方案") states nothing; a short sentence
                # stating a figure does ("第四条 企业所得税的税率为25％。")
                score *= 0.5
            out.append(Sentence(rank, h, a, b, s.strip(), score * prior))
    out.sort(key=lambda s: (-s.score, s.hit_rank, s.start))
    return out


def whole_sentence(text: str, start: int, end: int) -> str:
    """Widen a span to its whole sentence: back to the previous full stop, on past 「；」 to the
    next, so a quote never stops at 「；」 or 「，」 with its rule half said."""
    stops = "。！？!?\n"
    a = start
    while a > 0 and text[a - 1] not in stops:
        a -= 1
    b = max(end, a + 1)
    while b < len(text) and text[b - 1] not in stops:
        b += 1
    return text[a:b].strip()


# a list item's opening: (一) （二） 一、 1. ①
_ITEM = re.compile(r"(?:[（(][一二三四五六七八九十0-9]+[)）]|[一二三四五六七八九十]+、|\d+[.、．]|[①-⑳])")


def quote_text(text: str, start: int, end: int, limit: int = 400) -> str:
    """The whole sentence of a span; one that introduces a list ("…并符合下列条件的企业：") with the
    items that follow it, whole, as many as fit in ``limit`` characters (at least one), so a quote
    never stops at the colon."""
    sentence = whole_sentence(text, start, end)
    if not sentence.endswith(("：", ":")):
        return _with_stem(text, sentence)
    at = text.find(sentence)
    if at < 0:
        return sentence
    out = sentence
    for line in text[at + len(sentence):].split("\n"):
        line = line.strip()
        if not line:
            continue
        if not _ITEM.match(line) or (out != sentence and len(out) + len(line) > limit):
            break
        out += "\n" + line
    return out


_STEM_LIMIT = 200


def list_stem(text: str, sentence: str) -> tuple[str, bool]:
    """For a list item of ``text`` ("(三)累计两年未填报年度发展情况报表的。"), the sentence
    introducing its list ("…有下列行为之一的，由认定机构取消其高新技术企业资格："), which says what
    the item is for, and whether other items stand between them; ("", False) for anything else."""
    if not _ITEM.match(sentence):
        return "", False
    at = text.find(sentence)
    if at <= 0:
        return "", False
    skipped = False
    for line in reversed(text[:at].split("\n")):
        line = line.strip()
        if not line:
            continue
        if line.endswith(("：", ":")):
            stem = whole_sentence(line, len(line) - 1, len(line))
            return (stem, skipped) if len(stem) <= _STEM_LIMIT else ("", False)
        if not _ITEM.match(line):
            return "", False
        skipped = True
    return "", False


def _with_stem(text: str, sentence: str) -> str:
    """A list item quoted with the sentence introducing its list; "……" marks the items left
    out between them. Anything else is returned as it is."""
    stem, skipped = list_stem(text, sentence)
    if not stem:
        return sentence
    return f"{stem}\n{'……' + chr(10) if skipped else ''}{sentence}"


def short_section(section: Sequence[str]) -> str:
    """Compact clause path for citations: "二、(一)2." or "第四章 第四十五条"."""
    parts = []
    for el in section:
        m = re.match(
            r"\s*(第[一二三四五六七八九十百千零〇两0-9]+[编章节条](?:之[一二三四五六七八九十]+)?|"
            r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十0-9]+[)）]|[0-9]+[.、．]|【[^】]{1,20}】|[①-⑳])",
            el,
        )
        parts.append(m.group(1) if m else el[:12])
    # a law's chapter adds little once the article is known
    if any(p.endswith("条") for p in parts):
        parts = [p for p in parts if not re.match(r"第.+[编章节]$", p)]
    out = "".join(p if not p.startswith("第") else p + " " for p in parts).strip()
    return out.rstrip("、.．")


def make_citation(hit: Hit, quote: str, validity: Validity | None) -> Citation:
    meta = hit.doc.meta
    v = validity or Validity("in_force")
    return Citation(
        doc_id=hit.chunk.doc_id,
        title=meta.title,
        doc_number=meta.doc_number,
        date=meta.date,
        section=short_section(hit.chunk.section),
        page=hit.chunk.page,
        quote=quote,
        chunk_id=hit.chunk.id,
        status=v.status,
        replaced_by=v.replaced_by,
    )


def _merge_items(quotes: list[tuple[Hit, str]]) -> list[tuple[Hit, str]]:
    """Quotes of one clause's list items that each carry the list's introducing sentence
    (``_with_stem``), or that follow a quote of that sentence with its items, become one quote:
    the sentence once, then the items in order ("……" where items are left out)."""
    out: list[tuple[Hit, str]] = []
    for hit, quote in quotes:
        if out and out[-1][0].chunk.id == hit.chunk.id:
            last = out[-1][1]
            stem = last.split("\n", 1)[0]
            if stem.endswith(("：", ":")) and quote.startswith(stem + "\n"):
                items = quote[len(stem) + 1:].removeprefix("……\n")
                if items not in last:
                    text = hit.chunk.text
                    tail = last.rsplit("\n", 1)[-1]
                    gap = text[text.find(tail) + len(tail):text.find(items)] if tail in text else "x"
                    joined = "\n" if gap.strip() == "" else "\n……\n"
                    out[-1] = (out[-1][0], last + joined + items)
                continue
        out.append((hit, quote))
    return out


def select_quotes(
    sentences: Sequence[Sentence],
    validity: Mapping[str, Validity],
    *,
    max_quotes: int,
    max_documents: int,
) -> list[QuoteGroup]:
    """The best sentences (near the top score), at most ``max_documents`` documents, grouped."""
    if not sentences:
        return []
    top = sentences[0].score
    chosen: list[Sentence] = []
    docs: list[str] = []
    seen_text: set[str] = set()
    for s in sentences:
        if len(chosen) >= max_quotes or s.score < 0.7 * top:
            break
        key = normalize(quote_text(s.hit.chunk.text, s.start, s.end))
        if key in seen_text:
            continue
        doc = s.hit.chunk.doc_id
        if doc not in docs:
            if len(docs) >= max_documents:
                continue
            docs.append(doc)
        seen_text.add(key)
        chosen.append(s)
    groups = []
    for doc in docs:
        mine = sorted(
            (s for s in chosen if s.hit.chunk.doc_id == doc),
            key=lambda s: (s.hit.chunk.ordinal, s.start),
        )
        quotes = _merge_items([(s.hit, quote_text(s.hit.chunk.text, s.start, s.end)) for s in mine])
        cites = tuple(make_citation(hit, quote, validity.get(doc)) for hit, quote in quotes)
        first = mine[0].hit.doc
        v = validity.get(doc) or Validity("in_force")
        groups.append(
            QuoteGroup(
                doc_id=doc,
                title=first.meta.title,
                doc_number=first.meta.doc_number,
                date=first.meta.date,
                status=v.status,
                replaced_by=v.replaced_by,
                citations=cites,
            )
        )
    return groups
