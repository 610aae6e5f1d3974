"""What every rule shares: the ``Conclusion`` it returns and the engine calls it makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.incentives import FACTS, Basis, Catalog, Outcome, Status, Text, Verdict, evaluate
from bot.incentives.catalog import Incentive
from bot.names import english_name

from ..figures import money
from ..question import Kind, Question

LAW_45 = Basis(title="中华人民共和国促进科技成果转化法", article="第四十五条")
IMPL_90 = Basis(title="中华人民共和国企业所得税法实施条例", article="第九十条")
STANDARD_CIT = 25.0  # 企业所得税法 第四条
CIT_LAW_4 = Basis(title="中华人民共和国企业所得税法", article="第四条")


@dataclass(frozen=True)
class Conclusion:
    """What the answer must say first, with the clauses that prove it (decisive first)."""

    topic: str
    text: Text
    verdict: str | None = None  # "yes" | "no" | "unknown" | None (a figure)
    figures: tuple[float, ...] = ()  # rates and amounts decided here (LLM output is checked on them)
    basis: tuple[Basis, ...] = ()
    about: str = ""  # words that pick the decisive sentence out of a cited clause
    notes: tuple[Text, ...] = ()  # other periods, superseded rules, what is unconfirmed
    unconfirmed: bool = False
    facts_used: dict[str, object] = field(default_factory=dict)


Rule = Callable[[Question, Catalog], "Conclusion | None"]


def text(zh: str, en: str) -> Text:
    return Text(zh, en)


def verdict_for(cat: Catalog, inc_id: str, facts: dict, year: int) -> Verdict:
    clean = {k: v for k, v in facts.items() if k in FACTS}
    return evaluate(cat, clean, year, ids=[inc_id]).verdict(inc_id)


def failed_conditions(v: Verdict) -> list:
    return [c for c in v.conditions if c.status is Status.FAILED and not c.skipped]


def fact_label(name: str, value: object, lang: str) -> str:
    spec = FACTS.get(name)
    if spec is None:
        return str(value)
    for choice in getattr(spec, "choices", ()) or ():
        if getattr(choice, "value", None) == value:
            return choice.label.get(lang)
    return str(value)


def no_because(v: Verdict, extra: Text | None = None) -> Text:
    c = failed_conditions(v)[0]
    zh, en = c.reason.zh, c.reason.en
    if extra:
        zh, en = f"{extra.zh}，{zh}", f"{extra.en}; {en[:1].lower() + en[1:]}"
    return text(f"不能：{zh}", f"No: {en[:1].upper() + en[1:]}")


def threshold(entry: Incentive, fact: str, facts: dict) -> float | None:
    """The value a condition on ``fact`` requires of this asker (its ``when`` guards decide which)."""
    known = {k: v for k, v in facts.items() if k in FACTS}
    for c in entry.conditions:
        if c.test.fact != fact:
            continue
        checks = [t.check(known) for t in c.when if t.fact != "is_high_tech"]
        if all(x is not False for x in checks) and all(x is True for x in checks):
            return float(c.test.value)  # type: ignore[arg-type]
    return None



def basis_ref(basis: tuple[Basis, ...], lang: str) -> str:
    """"财税〔2018〕99号 一" in Chinese; "Notice Caishui [2018] No. 99 (财税〔2018〕99号), item 1" in English."""
    parts = []
    for b in basis[:2]:
        if lang == "zh":
            name = b.doc_number or f"《{(b.title or '').removeprefix('中华人民共和国')}》"
            parts.append(f"{name} {b.article or ''}".strip() + ("（未经核实）" if b.unconfirmed else ""))
        else:
            parts.append(english_name(b.title, b.doc_number, b.article) + (" (unconfirmed)" if b.unconfirmed else ""))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def eligibility_only(q: Question, cat: Catalog, inc_id: str, facts: dict) -> Conclusion | None:
    """A yes/no verdict from the engine for an eligibility question, with the deciding reason."""
    if q.kind is not Kind.ELIGIBILITY and not q.yes_no:
        return None
    v = verdict_for(cat, inc_id, facts, q.year_or_now)
    if v.verdict is Outcome.DOES_NOT_APPLY and failed_conditions(v):
        c = failed_conditions(v)[0]
        val = facts.get(c.fact)
        extra = None
        if val is not None and not isinstance(val, bool) and isinstance(val, int | float):
            spec = FACTS.get(c.fact)
            label = spec.label if spec else None
            if label is not None:
                unit = "%" if spec.type.value == "percent" else ("万元" if spec.type.value == "number" and "万" in (spec.unit.zh if spec.unit else "") else "")
                shown_zh = money(float(val), "zh") if unit == "万元" else f"{val:g}{unit}"
                shown_en = money(float(val), "en") if unit == "万元" else f"{val:g}{unit}"
                extra = text(f"{label.zh}为{shown_zh}", f"your {label.en}: {shown_en}")
        return Conclusion(inc_id, no_because(v, extra), "no", basis=c.basis, about=c.reason.zh)
    if v.verdict is Outcome.APPLIES:
        b = v.benefit
        return Conclusion(inc_id, text(f"能：按已知情况满足{v.names.zh}的条件。{b.summary.zh}",
                                     f"Yes: on what you said, the conditions of the {v.names.en} are met. {b.summary.en}"),
                          "yes", basis=b.basis, about=b.summary.zh)
    return None
