"""Refusals end to end (issue 12): the real answerer on near-miss questions it must refuse and on
questions it must answer, per language, and how the coverage model's threshold moves both.

Every question is answered by ``app.answerer.answer(q)`` (no conversation) on the evaluation
index, once at the configured ``[answer] coverage_threshold`` and once more at each threshold of
the curve (``answerer.coverage.threshold`` changed in place); ``abstained`` is a refusal and
``cautious`` an answer with the caution line. Question sets (``bench.answerability.load_items``):
the held-out half of our own answerability set (answerable and near-miss), validation.jsonl
(answerable), out_of_scope.jsonl (O001–O040 off-topic, O041–O080 near-miss, written by someone
else) and the dev answer check file's ``abstain`` flags.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .answerability import TARGET_ANSWERED, TARGET_REFUSED, Item, load_items
from .common import Context, Section, Target, eval_index, fmt, md_table, open_app

log = logging.getLogger(__name__)

LANGS = ("zh", "en", "mixed")
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
QUICK_THRESHOLDS = (0.3, 0.8)
QUICK_PER_GROUP = 2  # quick mode: the first questions of each group and language
# Near-miss questions of out_of_scope.jsonl about a subject the catalog has since taken in
# (researcher-reward-income-tax: the cash reward for a transfer taxed on half): answering them is
# right now; they are shown apart and left out of the near-miss rate
NOW_COVERED = {"O050": "researcher-reward-income-tax", "O071": "researcher-reward-income-tax",
               "F055": "researcher-reward-income-tax", "F099": "equity-incentive-deferral",
               "G066": "researcher-reward-income-tax"}


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    expect_refused: bool
    target: float | None  # the bar on the share handled as expected
    select: Callable[[Item], bool]


GROUPS = (
    Group("test_near", "near-miss, held out (answerability_test)", True, TARGET_REFUSED,
          lambda it: it.set == "test" and not it.answerable),
    Group("test_answerable", "answerable, held out (answerability_test)", False, None,
          lambda it: it.set == "test" and it.answerable),
    Group("blind_near", "near-miss, blind batches F and G (answerability_blind)", True, None,
          lambda it: it.set == "blind" and not it.answerable and it.id not in NOW_COVERED),
    Group("blind_answerable", "answerable, blind batches F and G", False, None,
          lambda it: it.set == "blind" and it.answerable),
    Group("blind_h_near", "near-miss, blind batch H (answerability_blind H001–H120)", True, None,
          lambda it: it.set == "blind_h" and not it.answerable),
    Group("blind_h_answerable", "answerable, blind batch H", False, None,
          lambda it: it.set == "blind_h" and it.answerable),
    Group("blind_i_near", "near-miss, blind batch I (I001–I120, measured once before this report)", True, None,
          lambda it: it.set == "blind_i" and not it.answerable),
    Group("blind_i_answerable", "answerable, blind batch I", False, None,
          lambda it: it.set == "blind_i" and it.answerable),
    Group("blind_j_near", "near-miss, blind batch J (J001–J060, measured once before this report)", True, None,
          lambda it: it.set == "blind_j" and not it.answerable),
    Group("blind_j_answerable", "answerable, blind batch J (7 written as near-misses the catalog answers)",
          False, None, lambda it: it.set == "blind_j" and it.answerable),
    Group("validation", "validation.jsonl (answerable)", False, TARGET_ANSWERED,
          lambda it: it.set == "validation"),
    Group("oos_near", "out_of_scope O041–O080 near-miss (O050/O071 apart)", True, None,
          lambda it: it.set == "oos_near" and it.id not in NOW_COVERED),
    Group("oos_covered", "near-miss questions the catalog covers (O050/O071/F055/F099/G066)", False, None,
          lambda it: it.id in NOW_COVERED),
    Group("oos_far", "out_of_scope O001–O040 off-topic", True, None, lambda it: it.set == "oos_far"),
    Group("dev_abstain", "dev_answers abstain: true", True, 1.0, lambda it: it.set == "dev" and not it.answerable),
    Group("dev_answer", "dev_answers abstain: false", False, 1.0, lambda it: it.set == "dev" and it.answerable),
)


@dataclass(frozen=True)
class Outcome:
    abstained: bool
    cautious: bool


def run(ctx: Context) -> Section:
    section = Section("refusals", "Refusals: near-miss questions refused, answerable ones answered")
    items = sample(load_items(ctx.answer_file), QUICK_PER_GROUP) if ctx.quick else load_items(ctx.answer_file)
    t0 = time.perf_counter()
    app = open_app(eval_index(ctx))
    try:
        answerer = app.answerer
        model = answerer.coverage
        configured = model.threshold if model is not None else None
        outcomes = answer_all(answerer, items)
        curve: dict[float, dict[str, Outcome]] = {}
        if model is not None:
            try:
                grid = QUICK_THRESHOLDS if ctx.quick else THRESHOLDS
                for t in sorted({*grid, configured}):
                    model.threshold = t
                    curve[t] = outcomes if t == configured else answer_all(answerer, items)
            finally:
                model.threshold = configured
    finally:
        app.close()
    seconds = time.perf_counter() - t0
    rows = rates(items, outcomes)
    curve_rows = {t: rates(items, o) for t, o in curve.items()}
    section.data = {
        "threshold": configured,
        "sampled": ctx.quick,
        "seconds": round(seconds, 1),
        "rates": rows,
        "curve": [{"threshold": t, "rates": r} for t, r in curve_rows.items()],
        "questions": [
            {"id": it.id, "set": it.set, "lang": it.lang, "answerable": it.answerable,
             "abstained": outcomes[it.id].abstained, "cautious": outcomes[it.id].cautious}
            for it in items
        ],
    }
    section.targets = targets(rows, ctx.quick)
    section.body = body(items, rows, curve_rows, configured, ctx.quick, seconds)
    from .report import refusal_chart

    chart = refusal_chart(section.data["curve"], configured, ctx.out / "refusals.png")
    if chart:
        section.figures.append(chart)
    section.seconds = seconds
    return section


def sample(items: Sequence[Item], n: int) -> list[Item]:
    """The first ``n`` questions of each group and language."""
    taken: Counter[tuple[str, str]] = Counter()
    out = []
    for it in items:
        group = next((g.key for g in GROUPS if g.select(it)), "")
        if group and taken[group, it.lang] < n:
            taken[group, it.lang] += 1
            out.append(it)
    return out


def answer_all(answerer, items: Sequence[Item]) -> dict[str, Outcome]:
    out = {}
    for it in items:
        a = answerer.answer(it.question)
        out[it.id] = Outcome(a.abstained, a.cautious)
    return out


def rates(items: Sequence[Item], outcomes: dict[str, Outcome]) -> dict[str, dict[str, dict]]:
    """Per group and language: how many, the share handled as expected, the cautious answers and
    the ids handled wrongly."""
    out: dict[str, dict[str, dict]] = {}
    for g in GROUPS:
        for lang in LANGS:
            mine = [it for it in items if g.select(it) and it.lang == lang]
            if not mine:
                continue
            wrong = [it.id for it in mine if outcomes[it.id].abstained != g.expect_refused]
            out.setdefault(g.key, {})[lang] = {
                "n": len(mine),
                "rate": round(1 - len(wrong) / len(mine), 3),
                "cautious": sum(1 for it in mine if outcomes[it.id].cautious),
                "wrong": wrong,
            }
    return out


def targets(rows: dict, quick: bool) -> list[Target]:
    note = "quick mode: a sample" if quick else ""
    out = []
    for g in GROUPS:
        if g.target is None or g.key not in rows:
            continue
        verb = "refused" if g.expect_refused else "answered"
        for lang, r in rows[g.key].items():
            if g.key.startswith("dev"):
                continue
            out.append(Target(f"{g.label} {verb} [{lang}]", round(100 * g.target), "%",
                              round(100 * r["rate"], 1), higher_is_better=True, note=note))
    for g in GROUPS:
        if g.key.startswith("dev") and g.key in rows:
            n = sum(r["n"] for r in rows[g.key].values())
            ok = sum(round(r["rate"] * r["n"]) for r in rows[g.key].values())
            verb = "refused" if g.expect_refused else "answered"
            out.append(Target(f"{g.label} {verb}", 100, "%", round(100 * ok / n, 1),
                              higher_is_better=True, note=f"{ok} of {n}" + (f"; {note}" if note else "")))
    return out


def body(items, rows, curve_rows, configured, quick: bool, seconds: float) -> str:
    sample_note = (f" — quick mode: the first {QUICK_PER_GROUP} questions of each group and language"
                   if quick else "")
    parts = [
        f"{len(items)} questions{sample_note}, each answered by `app.answerer.answer(q)` (extractive, "
        f"no conversation) on the evaluation index at the configured coverage threshold "
        f"{fmt(configured, 2)}, then again at each threshold of the curve; {seconds:.0f} s in all. "
        "*Rate* is the share handled as expected (refused for near-miss and off-topic sets, answered "
        "for the others); *cautious* counts answers given with the caution line."
    ]
    table = []
    for g in GROUPS:
        for lang, r in rows.get(g.key, {}).items():
            verb = "refused" if g.expect_refused else "answered"
            bar = "" if g.target is None else (" ✓" if r["rate"] >= g.target else f" ✗ (≥ {g.target:.2f})")
            wrong = ", ".join(r["wrong"][:10]) + (" …" if len(r["wrong"]) > 10 else "")
            table.append([g.label, lang, r["n"], f"{verb} {r['rate']:.2f}{bar}", r["cautious"], wrong or "–"])
    parts.append(md_table(["set", "lang", "n", "rate", "cautious", "handled wrongly"], table))
    covered = rows.get("oos_covered")
    if covered:
        parts.append(
            "O050, O071 (out_of_scope) and F055, F099, G066 (blind set) were written as near-miss questions; "
            "they ask about the tax on a researcher's cash reward for a transfer or the deferral for "
            "equity incentives, which the catalog covers (`researcher-reward-income-tax`, "
            "`equity-incentive-deferral`), so they are expected to be answered: "
            + "; ".join(f"{lang} {'answered' if not r['wrong'] else 'refused'}" for lang, r in covered.items())
            + "."
        )
    if curve_rows:
        cols = [("test_near", "zh"), ("test_near", "en"), ("validation", "zh"), ("validation", "en"),
                ("test_answerable", "zh"), ("test_answerable", "en"), ("oos_near", "zh"), ("oos_near", "en")]
        header = ["threshold", "near-miss refused zh", "en", "validation answered zh", "en",
                  "held-out answerable answered zh", "en", "O041–O080 refused zh", "en"]
        table = []
        for t, r in curve_rows.items():
            cells = [f"**{t:.2f}**" if t == configured else f"{t:.2f}"]
            cells += [fmt(r.get(g, {}).get(lang, {}).get("rate"), 2) for g, lang in cols]
            table.append(cells)
        parts.append(
            "### Threshold curve\n\nThe same questions re-answered with `answerer.coverage.threshold` "
            "set to each value (bold: configured). The threshold moves only the coverage model's "
            "verdict; the support floor, the other-regime check and catalog decisions stay. For "
            "questions searched in English the model's verdict only adds the caution "
            "(`Answerer.judge`), so their rows do not move.\n\n"
            + md_table(header, table)
        )
    return "\n\n".join(parts)
