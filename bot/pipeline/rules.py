"""Decide: the catalog's structured rules applied to one ``Question``.

Each rule reads the question's facts and figures, asks the eligibility engine for the verdict and
the rate that cover the asked year and taxpayer, computes what the figures allow, and returns a
``Conclusion``: the sentence a reader needs first, and the legal basis that proves it. A rule
returns None when the question gives it nothing to decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.incentives import FACTS, Basis, Catalog, Outcome, Status, Text, Verdict, evaluate
from bot.incentives.catalog import Incentive
from bot.names import english_name

from . import quantities as qty
from .figures import money, pct
from .question import Kind, Question

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


def _t(zh: str, en: str) -> Text:
    return Text(zh, en)


def _verdict(cat: Catalog, inc_id: str, facts: dict, year: int) -> Verdict:
    clean = {k: v for k, v in facts.items() if k in FACTS}
    return evaluate(cat, clean, year, ids=[inc_id]).verdict(inc_id)


def _failed(v: Verdict):
    return [c for c in v.conditions if c.status is Status.FAILED and not c.skipped]


def _fact_label(name: str, value: object, lang: str) -> str:
    spec = FACTS.get(name)
    if spec is None:
        return str(value)
    for choice in getattr(spec, "choices", ()) or ():
        if getattr(choice, "value", None) == value:
            return choice.label.get(lang)
    return str(value)


def _no_because(v: Verdict, extra: Text | None = None) -> Text:
    c = _failed(v)[0]
    zh, en = c.reason.zh, c.reason.en
    if extra:
        zh, en = f"{extra.zh}，{zh}", f"{extra.en}; {en[:1].lower() + en[1:]}"
    return _t(f"不能：{zh}", f"No: {en[:1].upper() + en[1:]}")


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


# ---------------------------------------------------------------- R&D super-deduction

_EXCLUDED = [
    ("direct_application", r"直接(?:搬|拿|用|采用|应用|使用|套用|照搬)|照搬|direct(?:ly)? (?:appl|adopt|us|cop)|"
     r"(?:published|existing|off-the-shelf).{0,40}(?:as is|directly)"),
    ("routine_upgrade", r"常规(?:性)?升级|routine (?:upgrade|update)"),
    ("market_research", r"市场调(?:查|研)|market research|efficiency (?:study|survey)|management research"),
    ("routine_qc", r"质量控制|质检|维修维护|routine (?:quality|testing|maintenance)"),
    ("customer_support", r"售后|after-?sales? (?:support|service)"),
    ("social_science", r"社会科学|人文|艺术研究|social science|humanities"),
]
_NEG_INDUSTRY_INCOME = (
    r"(批发|零售|批发零售|租赁|房地产|住宿|餐饮|烟草|娱乐|wholesale|retail|leasing|real estate)"
    r"(?:业务|业)?(?:收入|revenue|sales|income)"
)


def negative_list_share(q: Question) -> tuple[float, Text] | None:
    """The main business's share of revenue less non-taxable and investment income, when the
    question gives the amounts (国家税务总局公告2015年第97号 第四条)."""
    s = q.norm
    total = qty.money_after(s, r"收入总额|total (?:revenue|income)")
    part = qty.money_after(s, _NEG_INDUSTRY_INCOME, window=10)
    if total is None or part is None:
        return None
    invest = qty.money_after(s, r"投资收益|investment income") or 0.0
    nontax = qty.money_after(s, r"(?<!没有)(?<!无)不征税收入|non-?taxable income") or 0.0
    base = total - invest - nontax
    if base <= 0:
        return None
    share = part / base * 100
    zh = f"{money(part, 'zh')}÷（{money(total, 'zh')}−{money(invest + nontax, 'zh')}）={pct(share)}"
    en = f"{money(part, 'en')} ÷ ({money(total, 'en')} − {money(invest + nontax, 'en')}) = {pct(share)}"
    return share, _t(
        f"主营业务收入占收入总额减除不征税收入和投资收益后余额的比例为{zh}",
        f"the main business is {en} of revenue less non-taxable and investment income",
    )


def _rd_facts(q: Question) -> tuple[dict, list[Text]]:
    facts = dict(q.facts)
    said: list[Text] = []
    if "rd_activity" not in facts or facts.get("rd_activity") == "genuine_rd":
        for value, rx in _EXCLUDED:
            if re.search(rx, q.norm, re.IGNORECASE):
                facts["rd_activity"] = value
                break
    if re.search(r"(?:是|为|一家|作为|\ba |\ban |registered |certified )\s*(?:registered\s+)?(?:科技型中小企业|"
                 r"tech(?:nology)?[- ]based SMEs?|tech SMEs?)", q.norm, re.IGNORECASE) and "is_tech_sme" not in facts:
        facts["is_tech_sme"] = True
    if re.search(r"集成电路|工业母机|integrated[- ]circuit|\bIC (?:design|enterprise|compan|firm)|machine[- ]tool",
                 q.norm, re.IGNORECASE):
        facts.setdefault("is_ic_or_machine_tool", True)
    got = negative_list_share(q)
    if got:
        facts["main_business_share"] = round(got[0], 4)
        said.append(got[1])
    if re.search(r"普通|一般|ordinary|non-SME|other compan", q.norm, re.IGNORECASE) and not re.search(
        r"(?:是|we are|we were).{0,12}(?:科技型中小|SME)", q.norm, re.IGNORECASE
    ):
        facts.setdefault("is_tech_sme", False)
    return facts, said


def _rate_line(v: Verdict, year: int, lang: str, who: str = "") -> str:
    b = v.benefit
    rate = b.rate_percent if b.rate_percent is not None else b.rate_if_eligible
    if rate is None:
        return ""
    ref = _basis_ref(b.basis, lang)
    if lang == "zh":
        return (f"{year}年度研发费用加计扣除比例为{pct(rate)}" + (f"（{who}）" if who else "")
                + f"：在据实扣除的基础上，再按实际发生额的{pct(rate)}在税前加计扣除；形成无形资产的，按无形资产成本的"
                f"{pct(100 + rate)}在税前摊销——{ref}")
    return (f"{pct(rate)} for tax year {year}" + (f" ({who})" if who else "")
            + f": on top of the normal deduction, an extra {pct(rate)} of actual R&D costs is deducted; intangible "
            f"assets formed by R&D are amortised at {pct(100 + rate)} of cost — {ref}")


def _basis_ref(basis: tuple[Basis, ...], lang: str) -> str:
    """"财税〔2018〕99号 一" in Chinese; "Notice Caishui [2018] No. 99 (财税〔2018〕99号), item 1" in English."""
    parts = []
    for b in basis[:2]:
        if lang == "zh":
            name = b.doc_number or f"《{(b.title or '').removeprefix('中华人民共和国')}》"
            parts.append(f"{name} {b.article or ''}".strip() + ("（未经核实）" if b.unconfirmed else ""))
        else:
            parts.append(english_name(b.title, b.doc_number, b.article) + (" (unconfirmed)" if b.unconfirmed else ""))
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _track_notes(cat: Catalog, v: Verdict, facts: dict, year: int) -> list[Text]:
    """A special rate the asker's category had or will have in other years ("制造业100%自2021年起")."""
    entry = cat.get(v.id)
    out = []
    for track in entry.tracks:
        known = {k: x for k, x in facts.items() if k in FACTS}
        if not all(t.check(known) is True for t in track.tests):
            continue
        for b in entry.benefits:
            if b.track != track.id or b.period.overlaps(year) or b.rate_percent is None:
                continue
            start = b.period.start
            if start and start.year > year:
                out.append(_t(
                    f"{track.name.zh}按{pct(b.rate_percent)}加计扣除的政策自{start:%Y年%-m月%-d日}起才执行，"
                    f"{year}年度不适用（{_basis_ref(b.basis, 'zh')}）。",
                    f"The {pct(b.rate_percent)} rate for {track.name.en} applies only from {start:%-d %B %Y}, "
                    f"not to {year} ({_basis_ref(b.basis, 'en')}).",
                ))
                break
    return out


def rd_super_deduction(q: Question, cat: Catalog) -> Conclusion | None:
    if "rd-super-deduction" not in q.topics:
        return None
    facts, said = _rd_facts(q)
    if q.asks(r"哪一?年|何时|什么时候|从何时|起始|\bwhen\b|since when|which year|from what date"):
        return _rd_since(q, cat, facts)
    year = q.year_or_now
    v = _verdict(cat, "rd-super-deduction", facts, year)
    basis: list[Basis] = []
    if v.verdict is Outcome.DOES_NOT_APPLY and _failed(v):
        c = _failed(v)[0]
        extra = None
        if c.fact == "industry":
            ind = facts.get("industry")
            share = facts.get("main_business_share")
            if said:
                extra = said[0]
            elif ind:
                extra = _t(
                    f"主营业务为{_fact_label('industry', ind, 'zh')}"
                    + (f"（占{pct(float(share))}）" if share is not None else ""),
                    f"your main business is {_fact_label('industry', ind, 'en')}"
                    + (f" ({pct(float(share))} of revenue)" if share is not None else ""),
                )
        return Conclusion("rd-super-deduction", _no_because(v, extra), "no", basis=c.basis,
                          about=c.reason.zh, facts_used=facts)
    b = v.benefit
    rate = b.rate_percent if b.rate_percent is not None else b.rate_if_eligible
    if rate is None:
        return None
    basis.extend(b.basis)
    lines_zh, lines_en = [], []
    figures: list[float] = [rate]
    expense = qty.money_for(q.norm, r"研发费用|研究开发费用|研发支出|研发投入|(?:expensed )?R&D\s*(?:expenses?|costs?|"
                                    r"spend(?:ing)?)?\s*(?:of|:)?",
                            r"\s*(?:of|in|on) (?:in-house |internal |own )?(?:expensed )?(?:qualifying |eligible )?"
                            r"(?:R&D|research)")
    commissioned = None
    if re.search(r"委托|commission|outsourc|freelance|contractor|paid .{0,60}to (?:develop|carry out|conduct)|"
                 r"on (?:our|its) behalf", q.norm, re.IGNORECASE):
        commissioned = qty.money_for(q.norm, r"委托[^，。,]{0,20}?(?:支付|费用|花了|付了)?|paid [^,.]{0,40}?",
                                     r"\s*(?:\(|to develop|for (?:the )?(?:R&D|development))")
        if commissioned is not None and expense == commissioned:
            expense = None
    cost = qty.money_for(q.norm, r"成本|cost(?: of)?|capitali[sz]ed(?: at)?")
    amort_years = _amortisation_years(q.norm)
    asks_amort = re.search(r"摊销|amorti", q.norm, re.IGNORECASE) and cost is not None
    who = ""
    if b.track_name and b.track != "general":
        who = b.track_name.zh
    if asks_amort:
        n = amort_years or 10
        amount = cost * (100 + rate) / 100 / n
        figures += [100 + rate, amount]
        lines_zh.append(
            f"{year}年度可税前摊销{money(amount, 'zh')}：研发形成的无形资产按无形资产成本的{pct(100 + rate)}摊销"
            f"（{_basis_ref(b.basis, 'zh')}），即{money(cost, 'zh')}×{pct(100 + rate)}÷{n:g}年={money(amount, 'zh')}。")
        lines_en.append(
            f"{money(amount, 'en')} for {year}: an intangible asset formed by R&D is amortised for tax at "
            f"{pct(100 + rate)} of its cost ({_basis_ref(b.basis, 'en')}), so {money(cost, 'en')} × "
            f"{pct(100 + rate)} ÷ {n:g} years = {money(amount, 'en')}.")
    elif expense is not None or commissioned is not None:
        own = expense or 0.0
        counted = (commissioned or 0.0) * 0.8
        base = own + counted
        amount = base * rate / 100
        figures.append(amount)
        steps_zh, steps_en = [], []
        if commissioned:
            steps_zh.append(f"委托研发按实际发生额的80%计入（{money(commissioned, 'zh')}×80%={money(counted, 'zh')}）")
            steps_en.append(f"commissioned R&D counts at 80% of its cost ({money(commissioned, 'en')} × 80% = "
                            f"{money(counted, 'en')})")
            basis.append(Basis(doc_number="财税〔2015〕119号", article="二"))
        if own and commissioned:
            steps_zh.append(f"加计扣除基数{money(own, 'zh')}+{money(counted, 'zh')}={money(base, 'zh')}")
            steps_en.append(f"the base is {money(own, 'en')} + {money(counted, 'en')} = {money(base, 'en')}")
        lines_zh.append(
            f"可加计扣除{money(amount, 'zh')}（{year}年度{who}比例{pct(rate)}）："
            + "；".join(steps_zh + [f"{money(base, 'zh')}×{pct(rate)}={money(amount, 'zh')}"])
            + f"。——{_basis_ref(b.basis, 'zh')}")
        lines_en.append(
            f"An extra deduction of {money(amount, 'en')} at the {pct(rate)} rate for {year}"
            + (f" ({b.track_name.en})" if who and b.track_name else "") + ": "
            + "; ".join(steps_en + [f"{money(base, 'en')} × {pct(rate)} = {money(amount, 'en')}"])
            + f" — {_basis_ref(b.basis, 'en')}.")
        if commissioned and re.search(r"个人|individual|freelance", q.norm, re.IGNORECASE):
            lines_zh.append("委托个人研发的，凭个人出具的发票等合法有效凭证在税前加计扣除。")
            lines_en.append("R&D commissioned from an individual needs the individual's invoice or another valid voucher.")
    else:
        lines_zh.append(_rate_line(v, year, "zh", who) + "。")
        lines_en.append(_rate_line(v, year, "en", b.track_name.en if who and b.track_name else "") + ".")
    if v.verdict is Outcome.APPLIES or q.kind is Kind.ELIGIBILITY:
        skipped = [c for c in v.conditions if c.skipped and c.spared and c.fact == "industry"]
        if skipped:
            c = skipped[0]
            lines_zh.append((said[0].zh + "，" if said else "") + (c.reason.zh if c.reason else ""))
            lines_en.append((said[0].en + "; " if said else "") + (c.reason.en if c.reason else ""))
        if q.yes_no:
            lines_zh[0] = "能。" + lines_zh[0]
            lines_en[0] = "Yes. " + lines_en[0]
    # the same spend for an ordinary company, when the question compares
    if facts.get("is_tech_sme") and re.search(r"普通|一般企业|ordinary|non-SME|other compan", q.norm, re.IGNORECASE):
        alt = _verdict(cat, "rd-super-deduction", {**facts, "is_tech_sme": False}, year)
        arate = alt.benefit.rate_percent
        if arate is not None:
            tail_zh = tail_en = ""
            if expense:
                tail_zh = f"，即{money(expense * arate / 100, 'zh')}"
                tail_en = f", that is {money(expense * arate / 100, 'en')}"
                figures.append(expense * arate / 100)
            lines_zh.append(f"同样的支出，普通企业{year}年度只能按{pct(arate)}加计扣除{tail_zh}"
                            f"（{_basis_ref(alt.benefit.basis, 'zh')}）。")
            lines_en.append(f"An ordinary (non-SME) company got only the {pct(arate)} rate for {year}{tail_en} "
                            f"({_basis_ref(alt.benefit.basis, 'en')}).")
            basis.extend(alt.benefit.basis)
    b_end = b.period.end if b.period else None
    if q.asks(r"截止|到期|期限|有效期|expir|end date|until when|still (?:apply|valid)"):
        if b_end is None:
            lines_zh.append(f"现行规定（{_basis_ref(b.basis, 'zh')}）自{b.period.start:%Y年%-m月%-d日}起执行，未设截止日期。"
                            if b.period and b.period.start else "现行规定未设截止日期。")
            lines_en.append(f"The current rule ({_basis_ref(b.basis, 'en')}) applies from "
                            f"{b.period.start:%-d %B %Y} and sets no end date."
                            if b.period and b.period.start else "The current rule sets no end date.")
        else:
            lines_zh.append(f"该比例执行至{b_end:%Y年%-m月%-d日}。")
            lines_en.append(f"That rate runs until {b_end:%-d %B %Y}.")
    notes = _track_notes(cat, v, facts, year) + ([] if (expense or commissioned or asks_amort) else list(b.notes))
    for n in notes:
        lines_zh.append(n.zh)
        lines_en.append(n.en)
    return Conclusion(
        "rd-super-deduction",
        _t("\n".join(lines_zh), "\n".join(lines_en)),
        "yes" if q.yes_no else None,
        tuple(figures),
        tuple(dict.fromkeys(basis)),
        about=f"加计扣除 {pct(rate)} 摊销",
        unconfirmed=b.unconfirmed,
        facts_used=facts,
    )


def _rd_since(q: Question, cat: Catalog, facts: dict) -> Conclusion | None:
    """"Since when is it 100 %?": the periods of the asked rate, the asker's category first."""
    from bot.incentives import find_percents

    asked = [v for _, _, v in find_percents(q.norm)]
    entry = cat.get("rd-super-deduction")
    known = {k: x for k, x in facts.items() if k in FACTS}
    mine = {t.id for t in entry.tracks if any(t.check(known) is True for t in t.tests)}
    periods = [b for b in entry.benefits if b.rate_percent is not None and b.period.start
               and (not asked or b.rate_percent in asked)]
    if not periods:
        return None
    periods.sort(key=lambda b: (b.track not in mine, b.track != "general", b.period.start))
    lines_zh, lines_en, basis = [], [], []
    for b in periods[:3]:
        track = entry.track(b.track)
        who_zh = track.name.zh if track else "企业"
        who_en = track.name.en if track else "enterprises"
        end_zh = f"至{b.period.end:%Y年%-m月%-d日}" if b.period.end else "起（未设截止日期）"
        end_en = f" to {b.period.end:%-d %B %Y}" if b.period.end else " on (no end date)"
        lines_zh.append(f"{who_zh}：自{b.period.start:%Y年%-m月%-d日}{end_zh}按{pct(b.rate_percent)}加计扣除——{_basis_ref(b.basis, 'zh')}。")
        lines_en.append(f"{who_en}: {pct(b.rate_percent)} from {b.period.start:%-d %B %Y}{end_en} — {_basis_ref(b.basis, 'en')}.")
        basis.extend(b.basis)
    first = periods[0]
    return Conclusion("rd-super-deduction", _t("\n".join(lines_zh), "\n".join(lines_en)), None,
                      (first.rate_percent,), tuple(dict.fromkeys(basis)), about=f"自{first.period.start.year}年1月1日起 {pct(first.rate_percent)}")


def _amortisation_years(s: str) -> float | None:
    m = re.search(r"(?:按|分|over|across)\s*(\d+|[十两一二三四五六七八九]+)\s*(?:年|years?)", s, re.IGNORECASE)
    if not m:
        return None
    raw = m.group(1)
    return float(raw) if raw.isdigit() else qty._number(raw)


# ---------------------------------------------------------------- high-tech enterprise

def _staff_share(s: str, facts: dict) -> float | None:
    m = re.search(r"(\d+)\s*(?:of (?:whom|them)|名|人)?\s*(?:are|是)?\s*(?:S&T|science and technology|科技人员|tech(?:nical)? staff)",
                  s, re.IGNORECASE)
    total = facts.get("employees")
    if m and total:
        n = float(m.group(1))
        if 0 < n <= float(total):  # type: ignore[arg-type]
            return n / float(total) * 100  # type: ignore[arg-type]
    return None


def high_tech_enterprise(q: Question, cat: Catalog) -> Conclusion | None:
    if "high-tech-enterprise" not in q.topics:
        return None
    facts = dict(q.facts)
    s = q.norm
    year = q.year_or_now
    entry = cat.get("high-tech-enterprise")
    lines_zh: list[str] = []
    lines_en: list[str] = []
    figures: list[float] = []
    taxable = qty.money_for(s, r"应纳税所得额|taxable income(?: of)?")
    if taxable is not None and re.search(r"缴|交|pay|save|节省|少交|税", s, re.IGNORECASE):
        low = taxable * 0.15
        std = taxable * STANDARD_CIT / 100
        figures += [15, low, std, std - low]
        b = entry.benefits[0].basis
        return Conclusion(
            "high-tech-enterprise",
            _t(f"按15%的优惠税率缴纳企业所得税{money(low, 'zh')}（{money(taxable, 'zh')}×15%），一般企业按25%应缴"
               f"{money(std, 'zh')}，少缴{money(std - low, 'zh')}。——{_basis_ref(b, 'zh')}；《企业所得税法》第四条",
               f"It pays {money(low, 'en')} at the reduced 15% rate ({money(taxable, 'en')} × 15%), against "
               f"{money(std, 'en')} at the standard 25% rate: a saving of {money(std - low, 'en')} — "
               f"{_basis_ref(b, 'en')}; Enterprise Income Tax Law, Art. 4."),
            None, tuple(figures), tuple(b) + (CIT_LAW_4,), about="15%的税率",
        )
    share = _staff_share(s, facts)
    if share is not None:
        facts["tech_staff_share"] = round(share, 2)
    parts = _hnte_criteria(q, entry)
    if parts is not None:
        return parts
    rd3 = qty.money_after(s, r"(?:R&D|研发费用|研发)\s*(?:费用)?\s*(?:合计|加起来|共|总计|总额|total)", window=8)
    sales3 = qty.money_after(s, r"(?:近三年|三年|3 years|three years)[^，,。]{0,12}?(?:sales|销售收入|销售额)"
                                r"[^，,。\d]{0,8}?", window=10)
    if rd3 is not None and sales3:
        facts["rd_intensity"] = round(rd3 / sales3 * 100, 2)
    facts.setdefault("is_high_tech", False)
    if "annual_sales" not in facts:
        sales = qty.money_after(s, r"(?:最近一年|近一年|上一年|latest[- ]year|last year'?s?|most recent year'?s?)\s*(?:的)?\s*"
                                   r"(?:销售收入|销售额|sales|revenue)[^，,。\d]{0,8}?", window=10)
        if sales is not None:
            facts["annual_sales"] = sales
    need = threshold(entry, "rd_intensity", facts)
    v = _verdict(cat, "high-tech-enterprise", facts, year)
    failed = _failed(v)
    if "rd_intensity" in facts and need is not None:
        got = float(facts["rd_intensity"])  # type: ignore[arg-type]
        ok = got >= need
        calc_zh = f"{money(rd3, 'zh')}÷{money(sales3, 'zh')}≈{pct(got)}" if rd3 and sales3 else pct(got)
        calc_en = f"{money(rd3, 'en')} ÷ {money(sales3, 'en')} ≈ {pct(got)}" if rd3 and sales3 else pct(got)
        lines_zh.append(("够：" if ok else "不够：") + f"按最近一年销售收入，近三年研发费用占销售收入的比例须不低于{pct(need)}，"
                        f"你们为{calc_zh}" + ("，达到要求。" if ok else "，未达到。"))
        lines_en.append(("Yes: " if ok else "No: ") + f"for your latest-year sales the three-year R&D ratio must be at "
                        f"least {pct(need)}; yours is {calc_en}" + (", which meets it." if ok else ", which falls short."))
        c = next((c for c in v.conditions if c.fact == "rd_intensity" and not c.skipped), None)
        return Conclusion("high-tech-enterprise", _t("\n".join(lines_zh), "\n".join(lines_en)),
                          "yes" if ok else "no", (need, got), c.basis if c else (), about="研究开发费用总额占同期销售收入总额的比例")
    if q.kind is not Kind.ELIGIBILITY and need is not None and "annual_sales" in facts:
        c = next((c for c in v.conditions if c.fact == "rd_intensity" and not c.skipped), None)
        sales = float(facts["annual_sales"])  # type: ignore[arg-type]
        return Conclusion(
            "high-tech-enterprise",
            _t(f"不低于{pct(need)}：最近一年销售收入{money(sales, 'zh')}，适用近三年研发费用占同期销售收入比例不低于{pct(need)}的标准。"
               f"（{c.reason.zh if c else ''}）",
               f"At least {pct(need)}: with latest-year sales of {money(sales, 'en')}, the three-year R&D spend must be at "
               f"least {pct(need)} of sales. ({c.reason.en if c else ''})"),
            None, (need,), c.basis if c else (), about="研究开发费用总额占同期销售收入总额的比例")
    if failed:
        c = failed[0]
        val = facts.get(c.fact)
        extra = None
        if c.fact == "high_tech_income_share" and val is not None:
            extra = _t(f"高新技术产品（服务）收入占比{pct(float(val))}低于60%", f"high-tech product income is {pct(float(val))} of total income, below 60%")  # type: ignore[arg-type]
        zh, en = _no_because(v, extra).zh, _no_because(v, extra).en
        if share is not None and c.fact != "tech_staff_share":
            zh += f"（科技人员占比{pct(share)}，满足不低于10%的要求）"
            en += f" (Your S&T staff share of {pct(share)} does meet the 10% minimum.)"
        return Conclusion("high-tech-enterprise", _t(zh, en), "no", basis=c.basis, about=c.reason.zh)
    return _eligibility_only(q, cat, "high-tech-enterprise", facts)


def _hnte_criteria(q: Question, entry: Incentive) -> Conclusion | None:
    """"What is the HNTE tax rate / the minimum share of S&T staff …?" — the figures, in the order asked."""
    asks = [(m.start(), key) for key, rx in (
        ("rate", r"税率|tax rate|income[- ]tax rate|CIT rate"),
        ("tech_staff_share", r"科技人员.{0,10}(?:比例|占比|share)|(?:share|proportion|percentage) of (?:S&T|science|tech|科技人员)"),
        ("high_tech_income_share", r"高新技术产品.{0,12}(?:收入|比例)|high-tech (?:product|income).{0,20}(?:share|minimum)"),
        ("domestic_rd_share", r"境内.{0,6}研发|in China.{0,12}share"),
    ) for m in [re.search(rx, q.norm, re.IGNORECASE)] if m]
    if not asks or any(k in q.facts for k in ("tech_staff_share", "high_tech_income_share", "rd_intensity")):
        return None
    lines_zh, lines_en, basis, figures = [], [], [], []
    for _, key in sorted(asks):
        if key == "rate":
            b = entry.benefits[0]
            lines_zh.append(f"企业所得税税率为15%（一般企业25%）——{_basis_ref(b.basis, 'zh')}。")
            lines_en.append(f"Enterprise income tax at 15% (instead of the standard 25%) — {_basis_ref(b.basis, 'en')}.")
            basis.extend(b.basis)
            figures.append(15.0)
            continue
        c = next((c for c in entry.conditions if c.test.fact == key), None)
        if c is None:
            continue
        need = pct(float(c.test.value))  # type: ignore[arg-type]
        zh = c.reason_met.zh.rstrip("。") + ("" if need in c.reason_met.zh else f"（不低于{need}）")
        en = c.reason_met.en.rstrip(".") + ("" if need.rstrip("%") in c.reason_met.en else f" (at least {need})")
        lines_zh.append(f"{zh}——{_basis_ref(c.basis, 'zh')}。")
        lines_en.append(f"{en} — {_basis_ref(c.basis, 'en')}.")
        basis.extend(c.basis)
        figures.append(float(c.test.value))  # type: ignore[arg-type]
    if not lines_zh:
        return None
    return Conclusion("high-tech-enterprise", _t("\n".join(lines_zh), "\n".join(lines_en)), None, tuple(figures),
                      tuple(dict.fromkeys(basis)), about="减按15%的税率征收企业所得税 科技人员占企业当年职工总数的比例不低于10%")


def _eligibility_only(q: Question, cat: Catalog, inc_id: str, facts: dict) -> Conclusion | None:
    """A yes/no verdict from the engine for an eligibility question, with the deciding reason."""
    if q.kind is not Kind.ELIGIBILITY and not q.yes_no:
        return None
    v = _verdict(cat, inc_id, facts, q.year_or_now)
    if v.verdict is Outcome.DOES_NOT_APPLY and _failed(v):
        c = _failed(v)[0]
        val = facts.get(c.fact)
        extra = None
        if val is not None and not isinstance(val, bool) and isinstance(val, int | float):
            spec = FACTS.get(c.fact)
            label = spec.label if spec else None
            if label is not None:
                unit = "%" if spec.type.value == "percent" else ("万元" if spec.type.value == "number" and "万" in (spec.unit.zh if spec.unit else "") else "")
                shown_zh = money(float(val), "zh") if unit == "万元" else f"{val:g}{unit}"
                shown_en = money(float(val), "en") if unit == "万元" else f"{val:g}{unit}"
                extra = _t(f"{label.zh}为{shown_zh}", f"your {label.en}: {shown_en}")
        return Conclusion(inc_id, _no_because(v, extra), "no", basis=c.basis, about=c.reason.zh)
    if v.verdict is Outcome.APPLIES:
        b = v.benefit
        return Conclusion(inc_id, _t(f"能：按已知情况满足{v.names.zh}的条件。{b.summary.zh}",
                                     f"Yes: on what you said, the conditions of the {v.names.en} are met. {b.summary.en}"),
                          "yes", basis=b.basis, about=b.summary.zh)
    return None


def _size_facts(q: Question, facts: dict) -> dict:
    """Headcount, sales and assets the question states, where fact extraction missed them."""
    for fact, label in (("total_assets", r"资产总额|总资产|total assets(?: of)?"),
                        ("annual_sales", r"年销售收入|销售收入|销售额|annual (?:sales|revenue)(?: of)?|sales of")):
        if fact not in facts:
            v = qty.money_after(q.norm, label, window=12)
            if v is not None:
                facts[fact] = v
    return facts


def tech_sme(q: Question, cat: Catalog) -> Conclusion | None:
    if "tech-sme" not in q.topics or "rd-super-deduction" in q.topics and q.kind is not Kind.ELIGIBILITY:
        return None
    facts = _size_facts(q, dict(q.facts))
    m = re.search(r"(?:S&T|科技人员)[^.。;；]{0,40}?(\d+(?:\.\d+)?)\s*%|(\d+(?:\.\d+)?)\s*%\s*of (?:our|the) (?:workforce|staff|employees)",
                  q.norm, re.IGNORECASE)
    if m and "tech_staff_share" not in facts:
        facts["tech_staff_share"] = float(m.group(1) or m.group(2))
    facts.setdefault("is_tech_sme", False)
    return _eligibility_only(q, cat, "tech-sme", facts)


# ---------------------------------------------------------------- technology-transfer income

def tech_transfer_income(q: Question, cat: Catalog) -> Conclusion | None:
    if "tech-transfer-income" not in q.topics:
        return None
    s = q.norm
    income = qty.money_for(s, r"技术转让所得|transfer income(?: of)?|(?:technology[- ])?transfer gains?(?: of)?",
                           r"\s*(?:of|in) (?:qualifying )?(?:technology[- ])?transfer (?:income|gains?)")
    revenue = qty.money_after(s, r"技术转让\s*(?:收入|revenue)|transfer (?:revenue|proceeds)(?: of)?", window=10)
    cost = qty.money_after(s, r"(?:成本|cost)[^，,。；]{0,12}?(?:税费|taxes)?[^，,。；\d]{0,8}", window=10)
    if income is None and revenue is not None and cost is not None:
        income = revenue - cost
        how = _t(f"按技术转让所得算（收入减成本和相关税费），不是按收入：{money(revenue, 'zh')}−{money(cost, 'zh')}="
                 f"{money(income, 'zh')}", f"It is computed on transfer income (revenue less costs and related taxes), "
                 f"not revenue: {money(revenue, 'en')} − {money(cost, 'en')} = {money(income, 'en')}")
    elif income is not None:
        how = _t(f"技术转让所得{money(income, 'zh')}", f"Transfer income of {money(income, 'en')}")
    else:
        return None
    rate = qty.percent_before(s, r"(?:的)?(?:企业所得税)?税率|(?:CIT|income tax) rate", window=10) or \
        qty.percent_after(s, r"税率|tax rate|rate of", window=8)
    standard = rate is None
    rate = rate or STANDARD_CIT
    exempt = min(income, 500.0)
    over = max(income - 500.0, 0.0)
    tax = over * rate / 100 * 0.5
    if over <= 0:
        zh = f"不用缴企业所得税：{how.zh}，未超过500万元，全部免征企业所得税。"
        en = f"No income tax is due: {how.en}, which is within the RMB 5 million (500万元) exemption, so all of it is exempt."
    elif q.asks(r"免征多少|免税多少|exempt") and not q.asks(r"缴|交|pay|owe|due"):
        zh = (f"免征{money(exempt, 'zh')}：{how.zh}，其中不超过500万元的部分免征企业所得税，超过的{money(over, 'zh')}减半征收，"
              f"应缴{money(over, 'zh')}×{pct(rate)}×50%={money(tax, 'zh')}" + ("（按25%的法定税率计）。" if standard else "。"))
        en = (f"RMB 5 million is exempt: {how.en}; the first RMB 5 million is exempt from income tax and the remaining "
              f"{money(over, 'en')} is taxed at half, so the tax is {money(over, 'en')} × {pct(rate)} × 50% = "
              f"{money(tax, 'en')}" + (" (at the standard 25% rate)." if standard else "."))
    else:
        zh = (f"应缴企业所得税{money(tax, 'zh')}：{how.zh}，其中不超过500万元的部分免征，超过的{money(over, 'zh')}减半征收："
              f"{money(over, 'zh')}×{pct(rate)}×50%={money(tax, 'zh')}" + ("（按25%的法定税率计）。" if standard else "。"))
        en = (f"Income tax of {money(tax, 'en')}: {how.en}; the first RMB 5 million is exempt and the remaining "
              f"{money(over, 'en')} is taxed at half: {money(over, 'en')} × {pct(rate)} × 50% = {money(tax, 'en')}"
              + (" (at the standard 25% rate)." if standard else "."))
    return Conclusion("tech-transfer-income", _t(zh, en), None, (income, exempt, over, tax), (IMPL_90,),
                      about="不超过500万元的部分，免征企业所得税；超过500万元的部分，减半征收")


# ---------------------------------------------------------------- investors

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                         "september", "october", "november", "december"), 1)}


def _dates(s: str) -> list[tuple[int, int, int]]:
    """(position, year, month) of "2022年3月" / "March 2022" / "January 2021" in a text."""
    out = [(m.start(), int(m.group(1)), int(m.group(2))) for m in re.finditer(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月", s)]
    out += [(m.start(), int(m.group(2)), _MONTHS[m.group(1).lower()])
            for m in re.finditer(r"\b(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d{2})\b", s, re.IGNORECASE)]
    return sorted(out)


def _investment_offset(q: Question, cat: Catalog, inc_id: str) -> Conclusion | None:
    s = q.norm
    facts = dict(q.facts)
    facts["entity_type"] = "investor"
    if inc_id == "angel-investor":
        facts["investor_type"] = "angel_individual"
    elif "investor_type" not in facts or facts.get("investor_type") == "angel_individual":
        facts["investor_type"] = "vc_partnership" if re.search(r"合伙|partnership", s, re.IGNORECASE) else "vc_company"
    m = re.search(r"(?:设立|成立|established|founded|set up|registered|incorporated)\s*(?:了|已|已经|for|had been)?\s*"
                  r"(\d+(?:\.\d+)?|[一二三四五六七八九十]+)\s*(?:多)?\s*(?:年|years?)", s, re.IGNORECASE)
    if m and (age := qty._number(m.group(1))) is not None:
        facts["investee_age_years"] = age
    dates = _dates(s)
    invested_on = None
    if dates:
        invested_on = dates[0]
        if len(dates) >= 2:
            (_, y1, m1), (_, y2, m2) = dates[0], dates[1]
            facts.setdefault("years_held", round(((y2 - y1) * 12 + (m2 - m1)) / 12, 3))
    held = qty.duration_years(s, r"持股|持有|held|holding|满")
    if held is not None:
        facts["years_held"] = round(held, 3)
    elif m := re.search(r"(\d+(?:\.\d+)?)\s*(months?|years?)\s+ago", s, re.IGNORECASE):
        n = float(m.group(1))
        facts["years_held"] = n / 12 if m.group(2).lower().startswith("month") else n
    year = q.year_or_now
    v = _verdict(cat, inc_id, facts, year)
    invest = qty.money_for(s, r"投资了?[^，。,]{0,24}?|invest(?:ed|ment of)?|put", r"\s*(?:into|in) ")
    if v.verdict is not Outcome.DOES_NOT_APPLY and "years_held" not in facts and not q.yes_no and invest is None:
        pass
    entry = cat.get(inc_id)
    benefit = entry.benefits[0] if entry.benefits else None
    rate = benefit.rate_percent if benefit and benefit.rate_percent else 70.0
    basis = benefit.basis if benefit else ()
    if v.verdict is Outcome.DOES_NOT_APPLY and _failed(v):
        c = _failed(v)[0]
        extra = None
        if c.fact == "years_held" and "years_held" in facts:
            h = float(facts["years_held"])  # type: ignore[arg-type]
            months = round(h * 12)
            extra = _t(f"目前只持有{months}个月" if h != int(h) else f"目前只持有{h:g}年",
                       f"the shares have been held for only {months} months" if h != int(h) else f"held for {h:g} years")
        elif c.fact == "investee_age_years" and "investee_age_years" in facts:
            age = float(facts["investee_age_years"])  # type: ignore[arg-type]
            extra = _t(f"被投企业接受投资时已设立{age:g}年",
                       f"the company was {age:g} years old when it received the investment")
        zh = _no_because(v, extra).zh + f"（满足条件的，可按投资额的{pct(rate)}抵扣）"
        en = _no_because(v, extra).en + f" (Where the conditions are met, {pct(rate)} of the investment is offset.)"
        return Conclusion(inc_id, _t(zh, en), "no", (rate,), c.basis, about=c.reason.zh)
    if invest is None:
        return None if q.kind is not Kind.ELIGIBILITY else _eligibility_only(q, cat, inc_id, facts)
    off = invest * rate / 100
    cond_zh = "" if v.verdict is Outcome.APPLIES else "（须被投企业符合初创科技型企业等条件）"
    cond_en = "" if v.verdict is Outcome.APPLIES else " (provided the investee and the investment meet the conditions)"
    when_zh = when_en = ""
    if invested_on:
        when_zh = f"（{invested_on[1]}年{invested_on[2]}月投资，{invested_on[1] + 2}年持有满2年，自{invested_on[1] + 2}年度起抵扣）"
        when_en = (f" (invested in {invested_on[1]}, the holding reaches 2 years in {invested_on[1] + 2}, so the offset "
                   f"starts in tax year {invested_on[1] + 2})")
    what_zh = "应纳税所得额" if inc_id == "venture-capital" else "转让该股权取得的应纳税所得额"
    what_en = "its taxable income" if inc_id == "venture-capital" else "the taxable gain on selling those shares"
    zh = (f"可按投资额的{pct(rate)}即{money(off, 'zh')}抵扣{what_zh}{cond_zh}："
          f"{money(invest, 'zh')}×{pct(rate)}={money(off, 'zh')}，在股权持有满2年的当年抵扣{when_zh}；当年不足抵扣的，可以在以后纳税年度结转抵扣。")
    en = (f"{pct(rate)} of the investment, that is {money(off, 'en')}, can be offset against {what_en}{cond_en}: "
          f"{money(invest, 'en')} × {pct(rate)} = {money(off, 'en')}, from the year the holding reaches 2 years{when_en}; "
          f"any part not used that year is carried forward to later years.")
    return Conclusion(inc_id, _t(zh, en), "yes" if q.yes_no else None, (rate, off), basis,
                      about="投资额的70%抵扣")


def venture_capital(q: Question, cat: Catalog) -> Conclusion | None:
    if "venture-capital" not in q.topics or "angel-investor" in q.topics:
        return None
    return _investment_offset(q, cat, "venture-capital")


def angel_investor(q: Question, cat: Catalog) -> Conclusion | None:
    if "angel-investor" not in q.topics:
        return None
    return _investment_offset(q, cat, "angel-investor")


# ---------------------------------------------------------------- rewards for transferred results

_STATE_UNIT = r"国家设立|部属|公办|国立|公立|国有|state[- ](?:established|owned|run)|public (?:university|institute)"


def transfer_reward(q: Question, cat: Catalog) -> Conclusion | None:
    if "transfer-reward" not in q.topics:
        return None
    s = q.norm
    basis = (LAW_45,)
    about = "不低于百分之五十"
    # the unit's own rule, judged against the statutory floor (state-established units)
    own = qty.percent_after(s, r"(?:净收入|net income|proceeds)|规定[：:]?", window=12)
    if own is not None and re.search(r"规定|办法|制度|rule|policy", s, re.IGNORECASE) and re.search(r"合法|lawful|legal|valid|allowed", s, re.IGNORECASE):
        state = re.search(_STATE_UNIT, s, re.IGNORECASE)
        if own < 50 and state:
            return Conclusion("transfer-reward", _t(
                f"不合法：国家设立的研究开发机构、高等院校规定的奖励标准应当符合《促进科技成果转化法》第四十五条的法定标准，"
                f"即从转让净收入或许可净收入中提取不低于50%；{pct(own)}低于这一下限。",
                f"No, it is not lawful: the reward rules of state-established institutes and universities must meet the "
                f"statutory floor of Art. 45 of the Law on Promoting the Transformation of S&T Achievements — at least 50% "
                f"of the net transfer or licensing income; {pct(own)} is below it."),
                "no", (50.0, own), basis, about="国家设立的研究开发机构、高等院校规定或者与科技人员约定奖励和报酬的方式和数额应当符合")
    lines_zh, lines_en, figures = [], [], []
    net = qty.money_after(s, r"(?:许可|转让)?净收入|net (?:licen[cs]ing|transfer) income(?: of)?|net income(?: of)?", window=10)
    profit = qty.money_after(s, r"营业利润|operating profit(?: of)?", window=10)
    stake = qty.percent_after(s, r"(?:换取|获得|取得|exchange for|for)\s*(?:a)?", window=10)
    if stake is None:
        stake = qty.percent_before(s, r"\s*(?:的)?(?:股权|股份|stake|equity|shareholding)", window=6)
    if net is not None:
        share = net * 0.5
        figures += [50.0, share]
        lines_zh.append(f"至少{money(share, 'zh')}：单位未规定也未约定奖励报酬的，从转让净收入或许可净收入中提取不低于50%，"
                        f"即{money(net, 'zh')}×50%={money(share, 'zh')}（《促进科技成果转化法》第四十五条第一款第一项）。")
        lines_en.append(f"At least {money(share, 'en')}: with no rule or agreement, the inventors get at least 50% of the "
                        f"net transfer or licensing income — {money(net, 'en')} × 50% = {money(share, 'en')} (Law on "
                        f"Promoting the Transformation of S&T Achievements, Art. 45(1)(i)).")
        if re.search(r"专利|patent", s, re.IGNORECASE):
            lines_zh.append("专利法实施细则第九十四条：单位未约定也未规定报酬的，依照《促进科技成果转化法》的规定给予报酬。")
            lines_en.append("Patent Law Implementing Regulations, Art. 94: where the unit has no agreement or rule, "
                            "remuneration follows that Law.")
            basis = basis + (Basis(title="中华人民共和国专利法实施细则", article="第九十四条"),)
    elif profit is not None:
        share = profit * 0.05
        figures += [5.0, share]
        lines_zh.append(f"每年至少{money(share, 'zh')}（营业利润的5%：{money(profit, 'zh')}×5%），在实施转化成功投产后连续三至五年内每年提取"
                        f"（《促进科技成果转化法》第四十五条第一款第三项）。")
        lines_en.append(f"At least {money(share, 'en')} a year (5% of the operating profit: {money(profit, 'en')} × 5%), "
                        f"for three to five consecutive years after the result goes into production (Art. 45(1)(iii)).")
        about = "不低于百分之五"
    elif stake is not None:
        share = stake * 0.5
        figures += [50.0, share]
        lines_zh.append(f"至少为所形成股份的50%，即合资企业股权的{pct(share)}（{pct(stake)}×50%）：单位未规定也未约定的，"
                        f"作价投资的从形成的股份或出资比例中提取不低于50%（第四十五条第一款第二项）；民营企业同样适用。")
        lines_en.append(f"At least 50% of the shares the patent formed, that is {pct(share)} of the joint venture's equity "
                        f"(half of your {pct(stake)} stake): with no rule or agreement, Art. 45(1)(ii) gives the inventors "
                        f"at least 50% of the shares formed by an invested result, and the default applies to any unit, "
                        f"private companies included.")
    elif re.search(r"自行实施|自行投资实施|合作实施|implement\w*.{0,20}(?:itself|themselves|on its own)|"
                   r"self-implement", s, re.IGNORECASE):
        figures.append(5.0)
        about = "不低于百分之五"
        lines_zh.append("投产后连续三至五年，每年从实施该项科技成果的营业利润中提取不低于5%，奖励给做出重要贡献的人员"
                        "（单位未规定也未约定时，《促进科技成果转化法》第四十五条第一款第三项）。")
        lines_en.append("For three to five consecutive years after production starts, at least 5% of each year's operating "
                        "profit from the result goes to the people who made important contributions (with no rule or "
                        "agreement: Law on Promoting the Transformation of S&T Achievements, Art. 45(1)(iii)).")
    elif re.search(r"作价投资|作价入股|(?:contribut|invest)\w*.{0,30}(?:equity|shares|stake|joint venture)", s, re.IGNORECASE):
        figures.append(50.0)
        lines_zh.append("从该项科技成果形成的股份或者出资比例中提取不低于50%（第四十五条第一款第二项）。")
        lines_en.append("At least 50% of the shares or capital contribution the result formed (Art. 45(1)(ii)).")
    elif re.search(r"转让|许可|licen|transfer|sell|sold", s, re.IGNORECASE) and re.search(
            r"至少|最低|不低于|多少|minimum|at least|how much", s, re.IGNORECASE):
        figures.append(50.0)
        lines_zh.append("从转让净收入或者许可净收入中提取不低于50%（单位未规定也未约定时，第四十五条第一款第一项）。")
        lines_en.append("At least 50% of the net transfer or licensing income (with no rule or agreement: Art. 45(1)(i)).")
    else:
        return None
    return Conclusion("transfer-reward", _t("\n".join(lines_zh), "\n".join(lines_en)), None, tuple(figures),
                      basis, about=about)


def pay_cap(q: Question, cat: Catalog) -> Conclusion | None:
    if "transfer-reward-pay-cap" not in q.topics:
        return None
    entry = cat.get("transfer-reward-pay-cap")
    basis = list(entry.validity.basis)
    for p in entry.provisions:
        if any(b.doc_number == "国科发创〔2018〕17号" for b in p.basis):
            basis = list(p.basis) + basis
    # "are they excluded?" is answered yes, "are they counted / capped?" no: the same rule
    excluded_asked = q.asks(r"exclu|not (?:count|includ|capp|subject)|outside|exempt")
    zh = ("不受限制：高校、科研院所科研人员依法取得的成果转化奖励收入，不纳入绩效工资（国科发创〔2018〕17号）；"
          "《促进科技成果转化法》第四十五条规定，国家设立的研究开发机构、高等院校和事业单位的此类奖励和报酬支出计入当年本单位工资总额，"
          "但不受当年本单位工资总额限制、不纳入本单位工资总额基数。")
    head_en = "Yes, they are excluded" if excluded_asked else "No, they are not capped"
    en = (f"{head_en}: transfer rewards lawfully earned by researchers of universities and research institutes "
          "are not counted in performance pay (国科发创〔2018〕17号), and under Art. 45 of the Law on Promoting the "
          "Transformation of S&T Achievements such payments count in the unit's wage bill for the year but are not "
          "subject to its cap and do not enter the base.")
    if not q.yes_no and not q.asks(r"限制|总量|cap|limit|计入|纳入|count"):
        return None
    return Conclusion("transfer-reward-pay-cap", _t(zh, en), "yes" if excluded_asked else "no", (),
                      tuple(dict.fromkeys(basis)),
                      about="不纳入绩效工资 不受当年本单位工资总额限制")


def patent_inventor_reward(q: Question, cat: Catalog) -> Conclusion | None:
    if "patent-inventor-reward" not in q.topics:
        return None
    s = q.norm
    inv = qty.count_of(s, r"发明专利|invention patents?")
    other = (qty.count_of(s, r"外观设计(?:专利)?|design patents?") or 0) + (
        qty.count_of(s, r"实用新型(?:专利)?|utility[- ]model(?: patents?)?") or 0)
    if not inv and not other:
        entry = cat.get("patent-inventor-reward")
        b = entry.benefits[0] if entry.benefits else None
        if b is None:
            return None
        return Conclusion("patent-inventor-reward", _t(
            "发明专利每项奖金不少于4000元，实用新型或外观设计专利每项不少于1500元；单位未约定也未规定的，应当自公告授予专利权之日起"
            "3个月内发给发明人或者设计人（专利法实施细则第九十三条）。",
            "At least RMB 4,000 per invention patent and RMB 1,500 per utility-model or design patent, paid to the "
            "inventors or designers within 3 months of the grant announcement when the unit has no agreement or rule "
            "(Patent Law Implementing Regulations, Art. 93)."),
            None, (0.4, 0.15), b.basis, about="3个月内发给发明人或者设计人奖金 一项发明专利的奖金最低不少于4000元")
    inv = inv or 0
    total = inv * 4000 + other * 1500
    basis = (Basis(title="中华人民共和国专利法实施细则", article="第九十三条"),)
    zh = (f"至少{total:,}元：发明专利每项不少于4000元（{inv}项共{inv * 4000:,}元），实用新型或外观设计专利每项不少于1500元"
          f"（{other}项共{other * 1500:,}元），自授权公告之日起3个月内发给（专利法实施细则第九十三条）。")
    en = (f"RMB {total:,} in total at least: RMB 4,000 per invention patent ({inv} × 4,000 = {inv * 4000:,}) and RMB 1,500 "
          f"per utility-model or design patent ({other} × 1,500 = {other * 1500:,}), paid within 3 months of the grant "
          f"announcement (Patent Law Implementing Regulations, Art. 93).")
    return Conclusion("patent-inventor-reward", _t(zh, en), None, (total / 10_000,), basis,
                      about="一项发明专利的奖金最低不少于4000元")


def researcher_reward_tax(q: Question, cat: Catalog) -> Conclusion | None:
    if "researcher-reward-income-tax" not in q.topics:
        return None
    entry = cat.get("researcher-reward-income-tax")
    b = entry.benefits[-1] if entry.benefits else None
    if b is None:
        return None
    amount = qty.money_after(q.norm, r"奖励|reward(?: of)?|bonus(?: of)?")
    zh, en = b.summary.zh, b.summary.en
    en = en[:1].upper() + en[1:]
    basis = tuple(b.basis)
    if q.asks(r"几个月|多少个月|期限|多久|how many months|within|deadline|by when"):
        for c in entry.conditions:
            if c.test.fact == "months_since_income":
                zh += c.reason_failed.zh
                en += " " + c.reason_failed.en
                basis += c.basis
    if amount is not None:
        zh += f"按此计算，{money(amount, 'zh')}的现金奖励计入当月工资薪金所得的部分为{money(amount / 2, 'zh')}。"
        en += f" So {money(amount, 'en')} of cash reward adds {money(amount / 2, 'en')} to that month's wage income."
    return Conclusion("researcher-reward-income-tax", _t(zh, en), None, (50.0,), basis,
                      about="减按50%计入科技人员当月“工资、薪金所得”", unconfirmed=b.unconfirmed)


RULES: tuple[Rule, ...] = (
    rd_super_deduction,
    high_tech_enterprise,
    tech_sme,
    tech_transfer_income,
    venture_capital,
    angel_investor,
    transfer_reward,
    pay_cap,
    patent_inventor_reward,
    researcher_reward_tax,
)
