"""Verdicts: does each incentive apply to an asker, for which year, at what rate, and why.

Three-valued throughout: a rule is met, failed, or unknown while a fact it needs is missing. A rule
with ``when`` guards holds when a guard is false (it does not concern this asker) or its test holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from .catalog import (
    GENERAL_TRACK,
    Basis,
    Benefit,
    Catalog,
    Condition,
    Incentive,
    Period,
    Provision,
    Test,
    citation_of,
)
from .registry import (
    AUDIENCE_OF_ENTITY,
    AUDIENCES,
    FACTS,
    FactError,
    FactSpec,
    FactType,
    FactValue,
    Text,
    derive_facts,
    normalize_facts,
)


class Status(StrEnum):
    MET = "met"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    APPLIES = "applies"
    DOES_NOT_APPLY = "does_not_apply"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ConditionResult:
    fact: str
    status: Status
    reason: Text
    basis: tuple[Basis, ...]
    value: FactValue | None = None
    presumed: bool = False  # unknown, but the usual case is assumed (and said)
    skipped: bool = False  # a `when` guard is false: the rule does not concern this asker
    spared: bool = False  # skipped, and the test itself would have failed (worth telling)
    scope: bool = False  # failing it means the incentive is not for this asker at all
    unconfirmed: bool = False
    missing: tuple[str, ...] = ()  # facts that would settle it
    assumed: tuple[str, ...] = ()  # unknown facts assumed (a guard with assume = true)
    settleable: bool = True  # False when no answer can settle it (rules not modelled for the year)

    @property
    def citation(self) -> str:
        return citation_of(self.basis)

    @property
    def citation_unconfirmed(self) -> bool:
        return any(b.unconfirmed for b in self.basis)

    def to_json(self, lang: str) -> dict:
        return {
            "fact": self.fact,
            "status": self.status.value,
            "reason": self.reason.get(lang),
            "citation": self.citation,
            "value": self.value,
            "presumed": self.presumed,
            "skipped": self.skipped,
            "assumed": list(self.assumed),
            "unconfirmed": self.unconfirmed or self.citation_unconfirmed,
        }


@dataclass(frozen=True)
class BenefitResult:
    summary: Text
    rate_percent: float | None  # for the year and the asker's track; None when it does not apply
    rate_if_eligible: float | None
    rate_kind: str = "other"
    track: str | None = None
    track_name: Text | None = None
    period: Period | None = None
    basis: tuple[Basis, ...] = ()
    unconfirmed: bool = False  # the rule or its citation is not verified
    rule_unconfirmed: bool = False  # the rule itself (not only its citation) is not verified
    notes: tuple[Text, ...] = ()  # other rates this year: part of the year, or pending a fact
    pending: tuple[str, ...] = ()  # facts that could raise the rate

    @property
    def citation(self) -> str:
        return citation_of(self.basis)

    def to_json(self, lang: str) -> dict:
        return {
            "summary": self.summary.get(lang),
            "rate_percent": self.rate_percent,
            "rate_if_eligible": self.rate_if_eligible,
            "rate_kind": self.rate_kind,
            "track": self.track,
            "period": self.period.to_dict() if self.period else None,
            "citation": self.citation,
            "unconfirmed": self.unconfirmed,
            "notes": [n.get(lang) for n in self.notes],
        }


@dataclass(frozen=True)
class ProvisionResult:
    provision: Provision
    applies: bool | None = True  # regional rules: False outside the region, None if region unknown

    def to_json(self, lang: str) -> dict:
        p = self.provision
        return {
            "id": p.id,
            "title": p.title.get(lang),
            "text": p.text.get(lang),
            "citation": citation_of(p.basis),
            "region": p.region,
            "applies": self.applies,
            "unconfirmed": p.unconfirmed or any(b.unconfirmed for b in p.basis),
        }


@dataclass(frozen=True)
class Verdict:
    incentive: Incentive
    verdict: Outcome
    conditions: tuple[ConditionResult, ...]
    benefit: BenefitResult
    provisions: tuple[ProvisionResult, ...] = ()
    relevant: bool = True  # False when the asker is not whom the incentive is for
    missing: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.incentive.id

    @property
    def names(self) -> Text:
        return self.incentive.name

    def condition(self, fact: str) -> ConditionResult:
        """The first result on a fact, preferring rules that concern the asker."""
        found = [c for c in self.conditions if c.fact == fact]
        if not found:
            raise KeyError(f"{self.id}: no condition on fact '{fact}'")
        return next((c for c in found if not c.skipped), found[0])

    def to_json(self, lang: str = "en") -> dict:
        return {
            "id": self.id,
            "name": self.names.get(lang),
            "names": self.names.to_dict(),
            "verdict": self.verdict.value,
            "relevant": self.relevant,
            "audience": list(self.incentive.audience),
            "benefit": self.benefit.to_json(lang),
            "conditions": [c.to_json(lang) for c in self.conditions],
            "provisions": [p.to_json(lang) for p in self.provisions],
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class Report:
    facts: dict[str, FactValue]
    year: int
    year_source: str  # "asked", "facts" (tax_year) or "today"
    verdicts: tuple[Verdict, ...]
    missing: tuple[str, ...]  # every fact still worth asking, most decisive first
    decisive: tuple[str, ...] = ()  # the subset that can settle an "unknown" verdict
    audience: str | None = None

    def verdict(self, incentive_id: str) -> Verdict:
        for v in self.verdicts:
            if v.id == incentive_id:
                return v
        raise KeyError(f"no verdict for '{incentive_id}'")

    @property
    def relevant(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.relevant)

    def next_question(self) -> FactSpec | None:
        """The single question that would settle the most verdicts (None when nothing is left)."""
        for name in self.decisive or self.missing:
            return FACTS[name]
        return None

    def to_json(self, lang: str = "en") -> dict:
        q = self.next_question()
        return {
            "facts": dict(self.facts),
            "year": self.year,
            "year_source": self.year_source,
            "missing": list(self.missing),
            "next_question": None
            if q is None
            else {
                "fact": q.name,
                "question": q.question.get(lang),
                "type": q.type.value,
                "choices": [{"value": v, "label": label} for v, label in q.buttons(lang)]
                if q.type in (FactType.ENUM, FactType.BOOL)
                else [],
            },
            "incentives": [v.to_json(lang) for v in self.verdicts],
        }


# ---------------------------------------------------------------- evaluation


def evaluate(
    catalog: Catalog,
    facts: dict[str, object],
    year: int | None = None,
    *,
    ids: Iterable[str] | None = None,
    audience: str | None = None,
    today: date | None = None,
) -> Report:
    """Verdicts for every incentive (or ``ids``, or those for ``audience``) given what is known.

    The year is ``year``, else the ``tax_year`` fact, else this year. Fact values may be strings
    (parsed as typed answers); unknown fact names raise FactError.
    """
    known = derive_facts(normalize_facts(facts))
    if year is not None:
        year_source = "asked"
    elif "tax_year" in known:
        year, year_source = int(known["tax_year"]), "facts"  # type: ignore[arg-type]
    else:
        year, year_source = (today or date.today()).year, "today"
    if audience is not None and audience not in AUDIENCES:
        raise FactError(f"unknown audience {audience!r}; use one of {', '.join(AUDIENCES)}")
    entries = list(catalog) if ids is None else [catalog.get(i) for i in ids]
    if audience is not None:
        entries = [e for e in entries if audience in e.audience]
    verdicts = [assess(e, known, year) for e in entries]
    missing, decisive = _rank_missing(entries, verdicts, known, year)
    with_missing = tuple(_with_missing(v, missing) for v in verdicts)
    return Report(known, year, year_source, with_missing, missing, decisive, audience)


def assess(entry: Incentive, facts: dict[str, FactValue], year: int) -> Verdict:
    """The verdict for one incentive (facts already normalized)."""
    results, outcome, benefit = _decide(entry, facts, year)
    entity = facts.get("entity_type")
    relevant = not any(c.scope and c.status is Status.FAILED for c in results) and (
        entity is None or entity == "other" or AUDIENCE_OF_ENTITY.get(str(entity)) in entry.audience
    )
    provisions = tuple(
        ProvisionResult(
            p,
            None if p.region is None or "province" not in facts else facts["province"] == p.region,
        )
        if p.region
        else ProvisionResult(p)
        for p in entry.provisions
        if p.period.overlaps(year)
    )
    return Verdict(entry, outcome, results, benefit, provisions, relevant)


def _final_no(v: Verdict) -> bool:
    """"Does not apply" on a failed rule that rests on no assumption: no answer can change it."""
    return v.verdict is Outcome.DOES_NOT_APPLY and any(
        c.status is Status.FAILED and not c.skipped and not c.assumed for c in v.conditions
    )


def _with_missing(v: Verdict, order: tuple[str, ...]) -> Verdict:
    if _final_no(v):
        return replace(v, missing=())
    wanted = {f for c in v.conditions if c.status is Status.UNKNOWN for f in c.missing}
    wanted |= {f for c in v.conditions for f in c.assumed} | set(v.benefit.pending)
    if any(p.applies is None for p in v.provisions):
        wanted.add("province")
    return replace(v, missing=tuple(f for f in order if f in wanted))


def _conditions(
    entry: Incentive, facts: dict[str, FactValue], year: int
) -> tuple[ConditionResult, ...]:
    out: list[ConditionResult] = []
    validity = entry.validity
    if not validity.period.overlaps(year):
        out.append(
            ConditionResult(
                "tax_year",
                Status.FAILED,
                Text(
                    f"{year}年不在该政策的有效期内（{validity.period.describe('zh')}）。",
                    f"Not in force in {year} (valid {validity.period.describe('en')}).",
                ),
                validity.basis,
                year,
                unconfirmed=validity.unconfirmed,
            )
        )
    elif validity.modelled_from is not None and year < validity.modelled_from.year:
        extra = validity.note
        out.append(
            ConditionResult(
                "tax_year",
                Status.UNKNOWN,
                Text(
                    f"{year}年适用的是{validity.modelled_from.isoformat()}之前的规定，本目录未收录其条件，请查阅当时的文件。"
                    + (extra.zh if extra else ""),
                    f"{year} falls under the rules before {validity.modelled_from.isoformat()}, which this "
                    f"catalog does not model; check the documents in force then. "
                    + (extra.en if extra else ""),
                ),
                validity.basis,
                year,
                settleable=False,
            )
        )
    for c in entry.conditions:
        r = _check(c, facts, year)
        if r is not None:
            out.append(r)
    return tuple(out)


def _check(c: Condition, facts: dict[str, FactValue], year: int) -> ConditionResult | None:
    if not c.period.overlaps(year):
        return None  # not in force in the asked year
    guards: list[bool | None] = []
    assumed: list[Test] = []
    for t in c.when:
        g = t.check(facts)
        if g is None and t.assume:
            g = True  # e.g. a declared industry is taken to be the main business
            assumed.append(t)
        guards.append(g)
    result = c.test.check(facts)
    value = facts.get(c.test.fact)
    common = {"basis": c.basis, "value": value, "unconfirmed": c.unconfirmed, "scope": c.scope}
    if any(g is False for g in guards):
        reason = c.reason_skipped or Text(
            "不适用此项："
            + "；".join(
                t.describe("zh") for t, g in zip(c.when, guards, strict=True) if g is False
            ),
            "Does not concern you: not "
            + "; ".join(
                t.describe("en") for t, g in zip(c.when, guards, strict=True) if g is False
            ),
        )
        return ConditionResult(
            c.test.fact, Status.MET, reason, skipped=True, spared=result is False, **common
        )
    if result is True:
        return ConditionResult(c.test.fact, Status.MET, c.reason_met, **common)
    if result is False and all(g is True for g in guards):
        reason = c.reason_failed
        if assumed:
            reason = _with_assumptions(reason, assumed)
        return ConditionResult(
            c.test.fact,
            Status.FAILED,
            reason,
            presumed=bool(assumed),
            assumed=tuple(t.fact for t in assumed),
            **common,
        )
    missing = tuple(
        dict.fromkeys(
            [c.test.fact] * (result is None)
            + [t.fact for t, g in zip(c.when, guards, strict=True) if g is None]
        )
    )
    return ConditionResult(
        c.test.fact,
        Status.UNKNOWN,
        _unknown_reason(c, missing),
        presumed=c.presume,
        missing=missing,
        assumed=tuple(t.fact for t in assumed),
        **common,
    )


def _with_assumptions(reason: Text, assumed: list[Test]) -> Text:
    zh = "；".join(t.describe("zh") for t in assumed)
    en = "; ".join(t.describe("en") for t in assumed)
    return Text(
        f"{reason.zh}（此判断假定{zh}；如不是，请告诉我实际数字。）",
        f"{reason.en} (This assumes {en}; if not, tell me the actual figure.)",
    )


def _unknown_reason(c: Condition, missing: tuple[str, ...]) -> Text:
    base = c.reason_unknown or Text(
        f"待确认：{_rule(c, 'zh')}。", f"To be confirmed: {_rule(c, 'en')}."
    )
    if c.presume:
        return Text(
            f"暂按通常情况视为满足，请核实：{c.reason_met.zh}",
            f"Assumed met (please check): {c.reason_met.en}",
        )
    return base


def _rule(c: Condition, lang: str) -> str:
    text = c.test.describe(lang)
    if c.when:
        cond = ("；" if lang == "zh" else "; ").join(t.describe(lang) for t in c.when)
        text += f"（当{cond}时）" if lang == "zh" else f" (when {cond})"
    return text


def _decide(
    entry: Incentive, facts: dict[str, FactValue], year: int
) -> tuple[tuple[ConditionResult, ...], Outcome, BenefitResult]:
    """Conditions, outcome and benefit; no benefit in force for the asker's track decides too."""
    results = _conditions(entry, facts, year)
    outcome = _outcome(results)
    selected = _select_benefit(entry, facts, year)
    modelled = entry.validity.modelled_from is None or year >= entry.validity.modelled_from.year
    if outcome is not Outcome.DOES_NOT_APPLY and selected[0] is None and modelled:
        main, _, pending = selected
        if pending:
            extra = ConditionResult(
                pending[0],
                Status.UNKNOWN,
                Text(
                    f"{year}年度的优惠只给特定对象，还需要知道："
                    + "、".join(FACTS[f].label.zh for f in pending)
                    + "。",
                    f"In {year} the benefit is only for some askers; still needed: "
                    + ", ".join(FACTS[f].label.en for f in pending)
                    + ".",
                ),
                (),
                missing=pending,
            )
        else:
            extra = ConditionResult(
                "tax_year",
                Status.FAILED,
                Text(
                    f"{year}年度没有适用于您这类情形的优惠。",
                    f"No benefit for your case is in force in {year}.",
                ),
                entry.validity.basis,
                year,
            )
        results = (*results, extra)
        outcome = _outcome(results)
    return results, outcome, _benefit(entry, year, outcome, selected)


def _outcome(results: Iterable[ConditionResult]) -> Outcome:
    results = list(results)
    if any(r.status is Status.FAILED for r in results):
        return Outcome.DOES_NOT_APPLY
    if any(r.status is Status.UNKNOWN and not r.presumed for r in results):
        return Outcome.UNKNOWN
    return Outcome.APPLIES


# ---------------------------------------------------------------- benefits


def _all(tests: Iterable[Test], facts: dict[str, FactValue]) -> tuple[bool | None, list[Test]]:
    """All tests hold (Kleene AND), counting unknown ``assume`` tests as holding; and those tests."""
    values, assumed = [], []
    for t in tests:
        v = t.check(facts)
        if v is None and t.assume:
            v = True
            assumed.append(t)
        values.append(v)
    if any(v is False for v in values):
        return False, []
    return (None if any(v is None for v in values) else True), assumed


def _select_benefit(
    entry: Incentive, facts: dict[str, FactValue], year: int
) -> tuple[Benefit | None, list[Text], tuple[str, ...]]:
    """The best benefit the asker surely gets this year, notes on better ones, facts pending."""

    assumptions: dict[int, list[Test]] = {}

    def state(b: Benefit) -> bool | None:
        if b.track == GENERAL_TRACK:
            return True
        track = entry.track(b.track)
        if track is None:
            return False
        result, assumed = _all(track.tests, facts)
        assumptions[id(b)] = assumed
        return result

    def key(b: Benefit) -> tuple[float, date, bool]:
        rate = -1.0 if b.rate_percent is None else b.rate_percent
        return (rate, b.period.start or date.min, b.track != GENERAL_TRACK)

    candidates = [b for b in entry.benefits if b.period.overlaps(year)]
    states = {id(b): state(b) for b in candidates}
    full = [b for b in candidates if b.period.covers(year)]
    partial = [b for b in candidates if not b.period.covers(year)]
    eligible_full = [b for b in full if states[id(b)] is True]
    eligible_part = [b for b in partial if states[id(b)] is True]
    main = (
        max(eligible_full, key=key)
        if eligible_full
        else (max(eligible_part, key=key) if eligible_part else None)
    )
    main_rate = -1.0 if main is None or main.rate_percent is None else main.rate_percent

    notes: list[Text] = []
    pending: list[str] = []
    if main is not None and assumptions.get(id(main)):
        assumed = assumptions[id(main)]
        notes.append(
            Text(
                "此比例假定" + "；".join(t.describe("zh") for t in assumed) + "。",
                "This rate assumes " + "; ".join(t.describe("en") for t in assumed) + ".",
            )
        )
        pending += [t.fact for t in assumed]
    for b in sorted(full + partial, key=key, reverse=True):
        if b is main or states[id(b)] is False:
            continue
        track = entry.track(b.track)
        undecided = states[id(b)] is None and track is not None
        if key(b)[0] <= main_rate and not (undecided and main is None):
            continue
        rate = _rate_text(b)
        cite = citation_of(b.basis)
        if undecided:
            note = Text(
                f"若属于{track.name.zh}：{rate}（{cite}）", f"If {track.name.en}: {rate} ({cite})"
            )
            pending += [t.fact for t in track.tests if t.check(facts) is None and not t.assume]
        elif not b.period.covers(year):
            who = "" if track is None else track.name.zh
            who_en = "" if track is None else f" for {track.name.en}"
            note = Text(
                f"{b.period.describe('zh')}期间{who}：{rate}（{cite}）",
                f"{b.period.describe('en')}{who_en}: {rate} ({cite})",
            )
        else:
            continue
        if note not in notes:
            notes.append(note)
    return main, notes, tuple(dict.fromkeys(pending))


def _benefit(
    entry: Incentive,
    year: int,
    outcome: Outcome,
    selected: tuple[Benefit | None, list[Text], tuple[str, ...]],
) -> BenefitResult:
    main, notes, pending = selected
    if main is None:
        summary = Text(f"{year}年度没有可确定的优惠。", f"No benefit can be determined for {year}.")
        return BenefitResult(summary, None, None, notes=tuple(notes), pending=pending)
    track = entry.track(main.track)
    unconfirmed = main.unconfirmed or any(b.unconfirmed for b in main.basis)
    if outcome is Outcome.DOES_NOT_APPLY:
        summary = Text(
            "不适用：有条件不满足（见下）。", "Not available: a condition is not met (see below)."
        )
        notes, pending = [], ()
    else:
        summary = Text(f"{year}年度：{main.summary.zh}", f"{year}: {main.summary.en}")
    return BenefitResult(
        summary=summary,
        rate_percent=None if outcome is Outcome.DOES_NOT_APPLY else main.rate_percent,
        rate_if_eligible=main.rate_percent,
        rate_kind=main.rate_kind,
        track=main.track,
        track_name=track.name if track else None,
        period=main.period,
        basis=main.basis,
        unconfirmed=unconfirmed,
        rule_unconfirmed=main.unconfirmed,
        notes=tuple(notes),
        pending=pending,
    )


def _rate_text(b: Benefit) -> str:
    if b.rate_percent is None:
        return b.summary.zh
    return f"{b.rate_percent:g}%"


# ---------------------------------------------------------------- which question next

_PRIMARY_BONUS = 0.25  # ask "what" (the industry) before "how much" (the share), all else equal
_BENEFIT_WEIGHT = 0.1
_PRESUMED_WEIGHT = 0.05
_ASSUMED_WEIGHT = 0.3  # an assumed guard can flip a decided verdict
_REGION_WEIGHT = 0.02


def _rank_missing(
    entries: list[Incentive], verdicts: list[Verdict], facts: dict[str, FactValue], year: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Missing facts, highest expected number of settled verdicts first; and the decisive subset."""
    scores: dict[str, float] = {}
    decisive: set[str] = set()
    for entry, v in zip(entries, verdicts, strict=True):
        if not v.relevant or _final_no(v):
            continue  # a final "does not apply" ends the questions for that incentive
        primary: set[str] = set()
        for c in v.conditions:
            if c.status is not Status.UNKNOWN or not c.settleable:
                continue
            for f in c.missing:
                if c.presumed:
                    scores[f] = scores.get(f, 0.0) + _PRESUMED_WEIGHT
                    continue
                decisive.add(f)
                scores.setdefault(f, 0.0)
                if f == c.fact:
                    primary.add(f)
        for f in primary:
            scores[f] += _PRIMARY_BONUS
        if v.verdict is Outcome.UNKNOWN:
            for f in {
                f
                for c in v.conditions
                if c.status is Status.UNKNOWN and not c.presumed
                for f in c.missing
            }:
                scores[f] = scores.get(f, 0.0) + _settle_fraction(entry, facts, year, f)
        for c in v.conditions:
            for f in c.assumed:
                scores[f] = scores.get(f, 0.0) + _ASSUMED_WEIGHT
        for f in v.benefit.pending:
            scores[f] = scores.get(f, 0.0) + _BENEFIT_WEIGHT
        if any(p.applies is None for p in v.provisions):
            scores["province"] = scores.get("province", 0.0) + _REGION_WEIGHT
    index = {name: i for i, name in enumerate(FACTS)}
    ordered = tuple(sorted(scores, key=lambda f: (-scores[f], index[f])))
    return ordered, tuple(f for f in ordered if f in decisive)


def _settle_fraction(entry: Incentive, facts: dict[str, FactValue], year: int, fact: str) -> float:
    """Share of plausible answers to ``fact`` that would turn this verdict from unknown to decided."""
    values = _candidate_values(entry, fact)
    if not values:
        return 0.0
    settled = 0
    for value in values:
        trial = dict(facts)
        trial[fact] = value
        if _decide(entry, derive_facts(trial), year)[1] is not Outcome.UNKNOWN:
            settled += 1
    return settled / len(values)


def _candidate_values(entry: Incentive, fact: str) -> list[FactValue]:
    spec = FACTS[fact]
    if spec.type is FactType.ENUM:
        return list(spec.values)
    if spec.type is FactType.BOOL:
        return [True, False]
    tests = [c.test for c in entry.conditions] + [t for c in entry.conditions for t in c.when]
    tests += [t for tr in entry.tracks for t in tr.tests]
    points: set[float] = set()
    for t in tests:
        if t.fact == fact and isinstance(t.value, int | float) and not isinstance(t.value, bool):
            points.update({t.value - 1, t.value + 1})  # one answer on each side of the line
    lo, hi = (0.0, 100.0) if spec.type is FactType.PERCENT else (0.0, float("inf"))
    return sorted(p for p in points if lo <= p <= hi)
