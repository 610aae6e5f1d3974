"""Plain-text views of a report and of the catalog (no markup: the Telegram side formats)."""

from __future__ import annotations

from .catalog import GENERAL_TRACK, Basis, Catalog, Incentive
from .engine import ConditionResult, Outcome, Report, Status, Verdict
from .registry import FACTS, Text

_ICON = {Outcome.APPLIES: "✅", Outcome.DOES_NOT_APPLY: "❌", Outcome.UNKNOWN: "❔"}
_MARK = {Status.MET: "✔", Status.FAILED: "✘", Status.UNKNOWN: "?"}
_VERDICT = {
    Outcome.APPLIES: Text("适用", "applies"),
    Outcome.DOES_NOT_APPLY: Text("不适用", "does not apply"),
    Outcome.UNKNOWN: Text("尚不能判断", "cannot tell yet"),
}
_AUDIENCE = {
    "enterprise": Text("企业", "enterprises"),
    "institution": Text("高校和科研院所", "universities and institutes"),
    "researcher": Text("科研人员", "researchers"),
    "investor": Text("投资人和创投机构", "investors and VC funds"),
}
UNCONFIRMED = Text("未经核实", "unconfirmed")


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def cite(basis: tuple[Basis, ...], lang: str) -> str:
    """Citations joined, each marked when its number, article or date is not verified."""
    mark = "，出处未经核实" if lang == "zh" else ", citation unconfirmed"
    parts = [b.citation + (mark if b.unconfirmed else "") for b in basis]
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _flag(unconfirmed: bool, lang: str) -> str:
    return f"[{UNCONFIRMED.get(lang)}] " if unconfirmed else ""


def _paren(text: str, lang: str) -> str:
    if not text:
        return ""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def render_report(
    report: Report,
    lang: str = "zh",
    *,
    only_relevant: bool = True,
    provisions: bool = False,
    next_question: bool = True,
) -> str:
    """Verdicts first, each with its benefit for the year, reasons and citations."""
    lines = [_header(report, lang)]
    shown = [v for v in report.verdicts if v.relevant or not only_relevant]
    if not shown:
        lines.append(
            _t(
                lang,
                "没有与您的情况相关的政策。",
                "No incentive in the catalog concerns your case.",
            )
        )
    for v in shown:
        lines.append("")
        lines.extend(_verdict_lines(v, lang, provisions))
    q = report.next_question() if next_question else None
    if q is not None:
        lines.append("")
        lines.append(_t(lang, "下一个问题：", "Next question: ") + q.question.get(lang))
        if q.buttons(lang) and len(q.buttons(lang)) <= 8:
            sep = "、" if lang == "zh" else ", "
            lines.append(
                _t(lang, "可选：", "Options: ") + sep.join(label for _, label in q.buttons(lang))
            )
    return "\n".join(lines)


def _header(report: Report, lang: str) -> str:
    year = _t(lang, f"{report.year}年度", f"Tax year {report.year}")
    if report.year_source == "today":
        year += _t(lang, "（未指定年度，按今年计）", " (no year given: this year)")
    known = [
        f"{FACTS[name].label.get(lang)}{_t(lang, '：', ': ')}{FACTS[name].format(value, lang)}"
        for name, value in report.facts.items()
        if name in FACTS and name != "tax_year"
    ]
    if known:
        sep = "；" if lang == "zh" else "; "
        return year + _t(lang, "。已知：", ". Known: ") + sep.join(known)
    return year + _t(lang, "。还没有关于您的信息。", ". Nothing is known about you yet.")


def _verdict_lines(v: Verdict, lang: str, provisions: bool) -> list[str]:
    out = [
        f"{_ICON[v.verdict]} {v.names.get(lang)}{_t(lang, '：', ': ')}{_VERDICT[v.verdict].get(lang)}"
    ]
    b = v.benefit
    if v.verdict is not Outcome.DOES_NOT_APPLY and b.period is not None:
        out.append(
            f"  {_t(lang, '优惠', 'Benefit')}{_t(lang, '：', ': ')}{_flag(b.rule_unconfirmed, lang)}"
            f"{b.summary.get(lang)}{_paren(cite(b.basis, lang), lang)}"
        )
        for note in b.notes:
            out.append(f"  · {note.get(lang)}")
    elif v.verdict is not Outcome.DOES_NOT_APPLY:
        out.append(f"  {b.summary.get(lang)}")
    for c in _conditions_to_show(v):
        out.append("  " + _condition_line(c, lang))
    if v.verdict is Outcome.UNKNOWN and v.missing:
        sep = "、" if lang == "zh" else ", "
        out.append(
            "  "
            + _t(lang, "还需要：", "Still needed: ")
            + sep.join(FACTS[f].label.get(lang) for f in v.missing)
        )
    for p in v.provisions:
        region = p.provision.region
        if region is None and not provisions:
            continue
        if v.verdict is Outcome.DOES_NOT_APPLY and region is None:
            continue
        text = f"{_flag(p.provision.unconfirmed, lang)}{p.provision.title.get(lang)}{_t(lang, '：', ': ')}{p.provision.text.get(lang)}"
        if region is not None and p.applies is False:
            place = FACTS["province"].format(region, lang)
            text = _t(
                lang,
                f"{p.provision.title.zh}只适用于{place}，不适用于您所在的省份。",
                f"{p.provision.title.en} applies only in {place}, not in your province.",
            )
        out.append(f"  · {text}{_paren(cite(p.provision.basis, lang), lang)}")
    return out


def _conditions_to_show(v: Verdict) -> list[ConditionResult]:
    visible = [c for c in v.conditions if not c.skipped or c.spared]
    if v.verdict is Outcome.DOES_NOT_APPLY:
        return [c for c in visible if c.status is Status.FAILED]
    return visible


def _condition_line(c: ConditionResult, lang: str) -> str:
    citation = _paren(cite(c.basis, lang), lang)
    return f"{_MARK[c.status]} {_flag(c.unconfirmed, lang)}{c.reason.get(lang)}{citation}"


def render_catalog(catalog: Catalog, lang: str = "zh") -> str:
    """Every incentive: name, whom it is for, validity and its rates by period."""
    blocks = [_incentive_block(i, lang) for i in catalog]
    return "\n\n".join(blocks) if blocks else _t(lang, "目录为空。", "The catalog is empty.")


def _incentive_block(i: Incentive, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    who = sep.join(_AUDIENCE[a].get(lang) for a in i.audience)
    v = i.validity
    validity = v.period.describe(lang)
    if v.modelled_from:
        validity += _t(
            lang,
            f"（本目录收录{v.modelled_from.isoformat()}起的条件）",
            f" (conditions modelled from {v.modelled_from.isoformat()})",
        )
    if v.unconfirmed:
        validity = f"[{UNCONFIRMED.get(lang)}] {validity}"
    lines = [
        f"{i.name.get(lang)} [{i.id}]",
        f"  {_t(lang, '适用对象', 'For')}{_t(lang, '：', ': ')}{who}",
        f"  {_t(lang, '有效期', 'Valid')}{_t(lang, '：', ': ')}{validity}{_paren(cite(v.basis, lang), lang)}",
        f"  {i.summary.get(lang)}",
    ]
    for b in i.benefits:
        if b.rate_percent is None:
            continue
        track = i.track(b.track)
        who_track = (
            ""
            if b.track == GENERAL_TRACK or track is None
            else f"{track.name.get(lang)}{_t(lang, '：', ': ')}"
        )
        comma = "，" if lang == "zh" else ", "
        lines.append(
            f"  · {_flag(b.unconfirmed, lang)}{who_track}{b.rate_percent:g}%{comma}"
            f"{b.period.describe(lang)}{_paren(cite(b.basis, lang), lang)}"
        )
    return "\n".join(lines)


def catalog_to_json(catalog: Catalog, lang: str = "en") -> dict:
    """The catalog for ``policybot incentives --json`` (names, audience, validity, rates by period)."""
    return catalog.to_json(lang)
