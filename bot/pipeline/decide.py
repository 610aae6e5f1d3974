"""Decide: the conclusions the catalog's rules give for a question, first the most specific."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.incentives import Catalog

from .question import Question
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
    notes = tuple(implausible_facts(question))
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
    # a verdict on the incentive the question is mainly about comes first
    order = {t: i for i, t in enumerate(question.topics)}
    found.sort(key=lambda c: (c.verdict is None and question.yes_no, order.get(c.topic, 99)))
    return Decision(tuple(found[:2]), notes)


def implausible_facts(q: Question) -> list[str]:
    """Facts that cannot be right (a tax year 2090, a share of 150 %, a negative amount), named."""
    out = []
    zh = q.lang == "zh"
    year = q.facts.get("tax_year")
    if isinstance(year, int) and not 1990 <= year <= q.today.year + 1:
        out.append(f"纳税年度{year}年不合理，请核对年份。" if zh else f"Tax year {year} cannot be right; please check it.")
    for name, value in q.facts.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            if name.endswith("_share") and not 0 <= value <= 100:
                out.append(f"比例{value:g}%不可能（应在0–100%之间），未采用。" if zh else
                           f"A share of {value:g}% is impossible (0–100%); it was not used.")
            elif value < 0:
                out.append(f"数值{value:g}为负数，未采用。" if zh else f"The negative figure {value:g} was not used.")
    return out
