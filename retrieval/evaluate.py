"""Retrieval evaluation: Recall@k and MRR@10 with the hit rule of ../shared/eval/README.md.

A retrieved chunk hits when, after NFKC and removal of all whitespace on both sides, its text
contains any gold phrase.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .documents import CorpusError, normalize

KS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]
    lang: str = ""


@dataclass(frozen=True)
class Outcome:
    question: Question
    rank: int | None  # 1-based rank of the first hit within the top 10, None if none
    texts: tuple[str, ...]  # retrieved chunk texts, best first


def jsonl_objects(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL file; errors name file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read questions file {path}: {exc.strerror}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise CorpusError(f"{path}:{n}: not a JSON object ({exc})") from exc
        if not isinstance(obj, dict):
            raise CorpusError(f"{path}:{n}: each line must be a JSON object")
        yield n, obj


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL file of {id, question, gold, lang?}; errors name the file and line."""
    out = []
    for n, obj in jsonl_objects(path):
        try:
            q = Question(
                id=str(obj["id"]),
                question=str(obj["question"]),
                gold=tuple(obj.get("gold") or ()),
                lang=str(obj.get("lang") or ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(
                f"{path}:{n}: each line must be a JSON object with 'id' and 'question' ({exc})"
            ) from exc
        out.append(q)
    return out


def is_hit(text: str, gold: Sequence[str]) -> bool:
    t = normalize(text)
    return any(normalize(g) and normalize(g) in t for g in gold)


def first_hit_rank(texts: Sequence[str], gold: Sequence[str], limit: int = 10) -> int | None:
    for i, t in enumerate(texts[:limit], 1):
        if is_hit(t, gold):
            return i
    return None


def metrics(outcomes: Sequence[Outcome]) -> dict[str, float]:
    n = len(outcomes)
    if n == 0:
        return {**{f"recall@{k}": 0.0 for k in KS}, "mrr@10": 0.0, "n": 0}
    out: dict[str, float] = {
        f"recall@{k}": sum(1 for o in outcomes if o.rank is not None and o.rank <= k) / n for k in KS
    }
    out["mrr@10"] = sum(1.0 / o.rank for o in outcomes if o.rank is not None) / n
    out["n"] = n
    return out


def evaluate(
    questions: Sequence[Question],
    retrieve: Callable[[str], Sequence[str]],
    lang_of: Callable[[str], str] | None = None,
) -> dict:
    """Run ``retrieve`` (question → chunk texts, best first) on every question; score overall and per language."""
    outcomes = []
    for q in questions:
        texts = tuple(retrieve(q.question))
        lang = q.lang or (lang_of(q.question) if lang_of else "")
        q = Question(q.id, q.question, q.gold, lang)
        outcomes.append(Outcome(q, first_hit_rank(texts, q.gold) if q.gold else None, texts))
    langs = sorted({o.question.lang for o in outcomes if o.question.lang})
    return {
        "overall": metrics(outcomes),
        "by_lang": {lang: metrics([o for o in outcomes if o.question.lang == lang]) for lang in langs},
        "questions": [
            {"id": o.question.id, "lang": o.question.lang, "rank": o.rank} for o in outcomes
        ],
    }
