"""Decide: the conclusions the catalog's rules give for a question, first the most specific."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.incentives import Catalog

from .question import TOPIC_RES, Question
from .rules import RULES, Conclusion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What the answer must state first; empty when no structured rule decides the question."""

    conclusions: tuple[Conclusion, ...] = ()
    notes: tuple[str, ...] = ()  # facts that cannot be right, named (in the asker's language)

    @property
    def decided(self) -> bool:
        return bool(self.conclusions)


def decide(question: Question, catalog: Catalog | None) -> Decision:
    """Apply every rule whose topic the question names; keep the ones that conclude something."""
    notes = question.notes
    if catalog is None:
        return Decision((), notes)
    found: list[Conclusion] = []
    for rule in RULES:
        try:
            c = rule(question, catalog)
        except (KeyError, ValueError, ZeroDivisionError, TypeError) as exc:
            log.warning("rule %s failed on %r: %s", rule.__name__, question.text[:80], exc)
            continue
        if c is not None:
            found.append(c)
    # the parts of a two-part question are answered in the order they were asked
    found.sort(key=lambda c: topic_position(question, c.topic))
    return Decision(tuple(found[:2]), notes)


def topic_position(q: Question, topic: str) -> int:
    rx = TOPIC_RES.get(topic)
    m = rx.search(q.norm) if rx else None
    return m.start() if m else len(q.norm)
