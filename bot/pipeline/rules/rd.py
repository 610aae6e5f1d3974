"""R&D super-deduction: the rate for the asked year and category, amounts, amortisation, verdicts."""

from __future__ import annotations

import re

from bot.incentives import FACTS, Basis, Catalog, Outcome, Text, Verdict, find_percents
from retrieval.metadata import doc_number_matches, find_doc_numbers

from .. import quantities as qty
from ..figures import money, pct
from ..question import ASKS_MEANING, ASKS_SUM, TOPIC_RES, Kind, Question
from .base import (
    Conclusion,
    basis_ref,
    fact_label,
    failed_conditions,
    no_because,
    text,
    verdict_for,
)

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
    s = q.situation
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
    return share, text(
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
    # "what rate did tech-based SMEs get in 2017": the class the question is about is the taxpayer
    # (topics_of has already dropped a tech-SME status the asker denies)
    if "tech-sme" in q.topics:
        facts.setdefault("is_tech_sme", True)
    return facts, said


# what a question asks when it names the rule but not its rate: a condition's threshold (the
# manufacturing share of revenue, a start-up's R&D ratio), a procedure (prepayment, filing), the
# papers to keep, or how to judge something — the clauses answer those, not the year's rate
_NOT_THE_RATE = re.compile(
    r"占比?.{0,10}(?:多少|几成)|要达到|需达到|达到多少|what share of (?:total )?(?:revenue|income|sales)|"
    r"share of (?:total )?(?:revenue|income|sales) (?:must|has to|should|needs?)|how much of (?:total |its |the )?"
    r"(?:revenue|income|sales)|预缴|季度|prepay|quarter|资料|凭证|发票|invoice|paperwork|documents? (?:do|must|should)|"
    r"备案|留存|手续|procedure|怎么判断|如何判断|咋判断|how (?:do|to|can) (?:we |i |you )?(?:determine|tell|judge)|"
    r"什么条件|哪些条件|满足.{0,4}条件|conditions?|criteria|requirements?",
    re.IGNORECASE,
)
_ASKS_RATE = re.compile(r"比例|税率|多少|几成|rate|percent|%|how much|extra deduction|额外", re.IGNORECASE)
_INTANGIBLE = r"摊销|无形资产|amorti|intangible"
# the other additional deduction of the EIT law (wages of disabled staff, Art. 30(2)), not R&D
_OTHER_ADDITIONAL = re.compile(r"残疾|disabled|disabilit", re.IGNORECASE)
_RD = re.compile(r"研发|研究开发|R&D|research", re.IGNORECASE)


def _as_amortisation(note: Text) -> Text:
    """"若属于X：120%（…）" → "若属于X：按无形资产成本的220%摊销（…）"."""
    def shift(m: re.Match[str]) -> str:
        return f"{float(m.group(1)) + 100:g}%"

    zh = re.sub(r"(\d+(?:\.\d+)?)%", lambda m: "按无形资产成本的" + shift(m) + "摊销", note.zh, count=1)
    en = re.sub(r"(\d+(?:\.\d+)?)%", lambda m: shift(m) + " of cost amortised", note.en, count=1)
    return Text(zh, en)


def asks_the_rate(q: Question) -> bool:
    """Whether the year's rate is what the question asks (or settles a "can we claim" question)."""
    if _NOT_THE_RATE.search(q.asked) or ASKS_MEANING.search(q.asked) or ASKS_SUM.search(q.asked):
        return False  # a condition, a procedure, what a word means, or a sum of money (a city's subsidy)
    if q.kind in (Kind.RATE, Kind.AMOUNT, Kind.ELIGIBILITY) or _ASKS_RATE.search(q.asked):
        return True
    # a bare keyword query ("研发费用加计扣除？", "R&D super deduction") asks for the rule itself
    rest = re.sub(TOPIC_RES["rd-super-deduction"].pattern, "", re.sub(r"<[^>]*>", "", q.norm), flags=re.IGNORECASE)
    return len(re.sub(r"[\W_]|吗|呢|政策|规定|\b(?:the|policy|rule|rules)\b", "", rest, flags=re.IGNORECASE)) <= 4


def _rate_line(v: Verdict, year: int, lang: str, who: str = "", *, amortisation_first: bool = False) -> str:
    b = v.benefit
    rate = b.rate_percent if b.rate_percent is not None else b.rate_if_eligible
    if rate is None:
        return ""
    ref = basis_ref(b.basis, lang)
    if amortisation_first:
        if lang == "zh":
            return (f"{year}年度研发形成的无形资产按无形资产成本的{pct(100 + rate)}在税前摊销"
                    + (f"（{who}）" if who else "")
                    + f"；未形成无形资产的，再按实际发生额的{pct(rate)}在税前加计扣除——{ref}")
        return (f"{pct(100 + rate)} of cost for tax year {year}" + (f" ({who})" if who else "")
                + f": intangible assets formed by R&D are amortised for tax at {pct(100 + rate)} of their cost; "
                f"R&D costs not capitalised get an extra {pct(rate)} deduction — {ref}")
    if lang == "zh":
        return (f"{year}年度研发费用加计扣除比例为{pct(rate)}" + (f"（{who}）" if who else "")
                + f"：在据实扣除的基础上，再按实际发生额的{pct(rate)}在税前加计扣除；形成无形资产的，按无形资产成本的"
                f"{pct(100 + rate)}在税前摊销——{ref}")
    return (f"{pct(rate)} for tax year {year}" + (f" ({who})" if who else "")
            + f": on top of the normal deduction, an extra {pct(rate)} of actual R&D costs is deducted; intangible "
            f"assets formed by R&D are amortised at {pct(100 + rate)} of cost — {ref}")


def _track_notes(cat: Catalog, v: Verdict, facts: dict, year: int) -> list[Text]:
    """A special rate the asker's category had or will have in other years ("制造业100%自2021年起")."""
    entry = cat.get(v.id)
    out = []
    for track in entry.tracks:
        known = {k: x for k, x in facts.items() if k in FACTS}
        if not all(t.check(known) is True or (t.assume and t.check(known) is None) for t in track.tests):
            continue
        for b in entry.benefits:
            if b.track != track.id or b.period.overlaps(year) or b.rate_percent is None:
                continue
            start = b.period.start
            if start and start.year > year:
                out.append(text(
                    f"{track.name.zh}按{pct(b.rate_percent)}加计扣除的政策自{start:%Y年%-m月%-d日}起才执行，"
                    f"{year}年度不适用（{basis_ref(b.basis, 'zh')}）。",
                    f"The {pct(b.rate_percent)} rate for {track.name.en} applies only from {start:%-d %B %Y}, "
                    f"not to {year} ({basis_ref(b.basis, 'en')}).",
                ))
                break
    return out


def rd_super_deduction(q: Question, cat: Catalog) -> Conclusion | None:
    if "rd-super-deduction" not in q.topics or _OTHER_ADDITIONAL.search(q.norm) and not _RD.search(q.norm):
        return None
    facts, said = _rd_facts(q)
    commissioned_rule = _commissioning(q)
    if commissioned_rule is not None:
        return commissioned_rule
    if q.asks(r"哪一?年|何时|什么时候|从何时|起始|\bwhen\b|since when|which year|from what date") \
            and not _NOT_THE_RATE.search(q.asked):
        return _rd_since(q, cat, facts)
    # a question naming the document that set a rate asks for that document's rate and period
    named = _named_periods(q, cat) if not q.year and not qty.amounts(q.situation) else []
    if named and asks_the_rate(q):
        return _periods_conclusion(named, cat.get("rd-super-deduction"))
    year = q.year_or_now
    v = verdict_for(cat, "rd-super-deduction", facts, year)
    basis: list[Basis] = []
    if v.verdict is Outcome.DOES_NOT_APPLY and failed_conditions(v):
        c = failed_conditions(v)[0]
        extra = None
        if c.fact == "industry":
            ind = facts.get("industry")
            share = facts.get("main_business_share")
            if said:
                extra = said[0]
            elif ind:
                extra = text(
                    f"主营业务为{fact_label('industry', ind, 'zh')}"
                    + (f"（占{pct(float(share))}）" if share is not None else ""),
                    f"your main business is {fact_label('industry', ind, 'en')}"
                    + (f" ({pct(float(share))} of revenue)" if share is not None else ""),
                )
        return Conclusion("rd-super-deduction", no_because(v, extra), "no", basis=c.basis,
                          about=c.reason.zh, facts_used=facts)
    b = v.benefit
    rate = b.rate_percent if b.rate_percent is not None else b.rate_if_eligible
    if rate is None:
        return None
    basis.extend(b.basis)
    lines_zh, lines_en = [], []
    figures: list[float] = [rate]
    expense = qty.money_for(q.situation, r"研发费用|研究开发费用|研发支出|研发投入|(?:expensed )?R&D\s*(?:expenses?|costs?|"
                                    r"spend(?:ing)?)?\s*(?:of|:)?",
                            r"\s*(?:of|in|on) (?:in-house |internal |own )?(?:expensed )?(?:qualifying |eligible )?"
                            r"(?:R&D|research)")
    commissioned, overseas, overseas_individual = _commissioned(q.situation)
    if expense is not None and expense in (commissioned, overseas, overseas_individual):
        expense = None
    if overseas_individual and not (expense or commissioned or overseas):
        prov = next((p for p in cat.get("rd-super-deduction").provisions if p.id == "overseas-outsourcing"), None)
        return Conclusion(
            "rd-super-deduction",
            text("不能：委托境外个人进行的研发活动，其费用不得加计扣除（委托境外机构的，按实际发生额的80%计入，"
                 "且不超过境内符合条件的研发费用三分之二的部分才可加计扣除）。",
                 "No: costs of R&D commissioned from individuals abroad cannot be super-deducted (R&D commissioned "
                 "from institutions abroad counts at 80%, and only up to two thirds of the qualifying domestic R&D "
                 "costs)."),
            "no", (), prov.basis if prov else (), about="委托境外个人进行的研发活动",
            unconfirmed=any(x.unconfirmed for x in prov.basis) if prov else False)
    cost = qty.money_for(q.situation, r"成本|cost(?: of)?|capitali[sz]ed(?: at)?")
    amort_years = _amortisation_years(q.situation)
    asks_amort = re.search(r"摊销|amorti", q.situation, re.IGNORECASE) and cost is not None
    who = ""
    if b.track_name and b.track != "general":
        who = b.track_name.zh
    if asks_amort:
        n = amort_years or 10
        amount = cost * (100 + rate) / 100 / n
        figures += [100 + rate, amount]
        lines_zh.append(
            f"{year}年度可税前摊销{money(amount, 'zh')}：研发形成的无形资产按无形资产成本的{pct(100 + rate)}摊销"
            f"（{basis_ref(b.basis, 'zh')}），即{money(cost, 'zh')}×{pct(100 + rate)}÷{n:g}年={money(amount, 'zh')}。")
        lines_en.append(
            f"{money(amount, 'en')} for {year}: an intangible asset formed by R&D is amortised for tax at "
            f"{pct(100 + rate)} of its cost ({basis_ref(b.basis, 'en')}), so {money(cost, 'en')} × "
            f"{pct(100 + rate)} ÷ {n:g} years = {money(amount, 'en')}.")
    elif expense is not None or commissioned is not None or overseas is not None:
        own = expense or 0.0
        counted = (commissioned or 0.0) * 0.8
        base = own + counted
        abroad = 0.0
        if overseas:
            abroad = min(overseas * 0.8, base * 2 / 3)
        total = base + abroad
        partial = _partial_year(cat, b, year, rate)
        evenly = re.search(r"均匀|平均|evenly|spread|equally|按月", q.norm, re.IGNORECASE) is not None
        steps_zh: list[str] = []
        steps_en: list[str] = []
        if commissioned:
            steps_zh.append(f"委托研发按实际发生额的80%计入（{money(commissioned, 'zh')}×80%={money(counted, 'zh')}）")
            steps_en.append(f"commissioned R&D counts at 80% of its cost ({money(commissioned, 'en')} × 80% = "
                            f"{money(counted, 'en')})")
            basis.append(Basis(doc_number="财税〔2015〕119号", article="二"))
        if own and commissioned:
            steps_zh.append(f"加计扣除基数{money(own, 'zh')}+{money(counted, 'zh')}={money(base, 'zh')}")
            steps_en.append(f"the base is {money(own, 'en')} + {money(counted, 'en')} = {money(base, 'en')}")
        if overseas:
            cap = base * 2 / 3
            steps_zh.append(f"委托境外机构研发按80%计入（{money(overseas, 'zh')}×80%={money(overseas * 0.8, 'zh')}），"
                            f"且不超过境内符合条件研发费用的三分之二（{money(cap, 'zh')}），计{money(abroad, 'zh')}")
            steps_en.append(f"R&D commissioned abroad counts at 80% ({money(overseas, 'en')} × 80% = "
                            f"{money(overseas * 0.8, 'en')}), capped at two thirds of the domestic base "
                            f"({money(cap, 'en')}): {money(abroad, 'en')}")
            prov = next((p for p in cat.get("rd-super-deduction").provisions if p.id == "overseas-outsourcing"), None)
            if prov:
                basis.extend(prov.basis)
        if partial and evenly:
            hi, months, pb = partial
            amount = total * (12 - months) / 12 * rate / 100 + total * months / 12 * hi / 100
            steps_zh.append(f"{money(total, 'zh')}×{12 - months}/12×{pct(rate)}+{money(total, 'zh')}×{months}/12×{pct(hi)}"
                            f"（{pb.period.start:%-m月%-d日}起按{pct(hi)}，{basis_ref(pb.basis, 'zh')}）={money(amount, 'zh')}")
            steps_en.append(f"{money(total, 'en')} × {12 - months}/12 × {pct(rate)} + {money(total, 'en')} × {months}/12 × "
                            f"{pct(hi)} ({pct(hi)} from {pb.period.start:%-d %B}, {basis_ref(pb.basis, 'en')}) = "
                            f"{money(amount, 'en')}")
            basis.extend(pb.basis)
        else:
            amount = total * rate / 100
            steps_zh.append(f"{money(total, 'zh')}×{pct(rate)}={money(amount, 'zh')}")
            steps_en.append(f"{money(total, 'en')} × {pct(rate)} = {money(amount, 'en')}")
        figures.append(amount)
        lines_zh.append(
            f"可加计扣除{money(amount, 'zh')}（{year}年度{who}比例{pct(rate)}）：" + "；".join(steps_zh)
            + f"。——{basis_ref(b.basis, 'zh')}")
        lines_en.append(
            f"An extra deduction of {money(amount, 'en')} at the {pct(rate)} rate for {year}"
            + (f" ({b.track_name.en})" if who and b.track_name else "") + ": " + "; ".join(steps_en)
            + f" — {basis_ref(b.basis, 'en')}.")
        if partial and not evenly:
            hi, months, pb = partial
            lines_zh.append(f"另：{pb.period.start:%Y年%-m月%-d日}至{pb.period.end:%-m月%-d日}发生的研发费用按{pct(hi)}加计扣除"
                            f"（可按实际发生额或按月份比例计算，{basis_ref(pb.basis, 'zh')}）。")
            lines_en.append(f"Also: costs incurred {pb.period.start:%-d %B} – {pb.period.end:%-d %B %Y} get {pct(hi)} "
                            f"(counted as incurred or prorated by month, {basis_ref(pb.basis, 'en')}).")
        if commissioned and re.search(r"个人|individual|freelance", q.norm, re.IGNORECASE):
            lines_zh.append("委托个人研发的，凭个人出具的发票等合法有效凭证在税前加计扣除。")
            lines_en.append("R&D commissioned from an individual needs the individual's invoice or another valid voucher.")
    elif not asks_the_rate(q):
        return None  # a condition, a procedure or a document: the clauses answer it, not the rate
    else:
        intangible = q.asks(_INTANGIBLE)
        lines_zh.append(_rate_line(v, year, "zh", who, amortisation_first=intangible) + "。")
        lines_en.append(_rate_line(v, year, "en", b.track_name.en if who and b.track_name else "",
                                   amortisation_first=intangible) + ".")
        if intangible:
            figures.insert(0, 100 + rate)
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
        alt = verdict_for(cat, "rd-super-deduction", {**facts, "is_tech_sme": False}, year)
        arate = alt.benefit.rate_percent
        if arate is not None:
            tail_zh = tail_en = ""
            if expense:
                tail_zh = f"，即{money(expense * arate / 100, 'zh')}"
                tail_en = f", that is {money(expense * arate / 100, 'en')}"
                figures.append(expense * arate / 100)
            lines_zh.append(f"同样的支出，普通企业{year}年度只能按{pct(arate)}加计扣除{tail_zh}"
                            f"（{basis_ref(alt.benefit.basis, 'zh')}）。")
            lines_en.append(f"An ordinary (non-SME) company got only the {pct(arate)} rate for {year}{tail_en} "
                            f"({basis_ref(alt.benefit.basis, 'en')}).")
            basis.extend(alt.benefit.basis)
    b_end = b.period.end if b.period else None
    if q.asks(r"截止|到期|期限|有效期|expir|end date|until when|still (?:apply|valid)"):
        if b_end is None:
            lines_zh.append(f"现行规定（{basis_ref(b.basis, 'zh')}）自{b.period.start:%Y年%-m月%-d日}起执行，未设截止日期。"
                            if b.period and b.period.start else "现行规定未设截止日期。")
            lines_en.append(f"The current rule ({basis_ref(b.basis, 'en')}) applies from "
                            f"{b.period.start:%-d %B %Y} and sets no end date."
                            if b.period and b.period.start else "The current rule sets no end date.")
        else:
            lines_zh.append(f"该比例执行至{b_end:%Y年%-m月%-d日}。")
            lines_en.append(f"That rate runs until {b_end:%-d %B %Y}.")
    for y in _other_years(q, year):  # "2020年和2022年各…": every year asked gets its own line
        alt = verdict_for(cat, "rd-super-deduction", facts, y)
        r2 = alt.benefit.rate_percent if alt.benefit.rate_percent is not None else alt.benefit.rate_if_eligible
        if r2 is None:
            continue
        spend = (expense or 0.0) + (commissioned or 0.0) * 0.8
        if asks_amort and cost is not None:
            n = amort_years or 10
            amt = cost * (100 + r2) / 100 / n
            tail_zh, tail_en = f"，可税前摊销{money(amt, 'zh')}", f": {money(amt, 'en')} of amortisation"
        elif spend:
            amt = spend * r2 / 100
            tail_zh, tail_en = f"，可加计扣除{money(amt, 'zh')}", f": an extra deduction of {money(amt, 'en')}"
        else:
            amt, tail_zh, tail_en = None, "", ""
        figures += [r2] + ([amt] if amt is not None else [])
        basis.extend(alt.benefit.basis)
        lines_zh.append(f"{y}年度：比例为{pct(r2)}{tail_zh}——{basis_ref(alt.benefit.basis, 'zh')}。")
        lines_en.append(f"For {y}: {pct(r2)}{tail_en} — {basis_ref(alt.benefit.basis, 'en')}.")
    notes = _track_notes(cat, v, facts, year)
    if q.asks(_INTANGIBLE):
        # another category's deduction rate ("若属于集成电路企业…：120%") is not the amortisation
        # rate asked; its own amortisation rate is 100 points higher
        notes += [_as_amortisation(n) for n in b.notes if n.zh.startswith("若属于")]
    elif not (expense or commissioned or asks_amort) and not _names_category(facts):
        notes += list(b.notes)  # other categories' rates, for an asker who has not said which is theirs
    elif not (expense or commissioned or asks_amort):
        notes += [n for n in b.notes if not n.zh.startswith("若属于")]
    for n in notes:
        lines_zh.append(n.zh)
        lines_en.append(n.en)
    return Conclusion(
        "rd-super-deduction",
        text("\n".join(lines_zh), "\n".join(lines_en)),
        "yes" if q.yes_no else None,
        tuple(figures),
        tuple(dict.fromkeys(basis)),
        about=f"加计扣除 {pct(rate)} 摊销",
        unconfirmed=b.unconfirmed,
        facts_used=facts,
    )


def _other_years(q: Question, year: int) -> list[int]:
    """Further tax years the question asks about, besides ``year`` (dates of events excluded)."""
    found = []
    for m in re.finditer(r"(?<![\d〔\[])((?:19|20)\d{2})(?!\d)(?!\s*年\s*\d{1,2}\s*月)", q.norm):
        y = int(m.group(1))
        if y != year and 2008 <= y <= q.today.year + 5 and y not in found:
            found.append(y)
    return found[:3]


def _names_category(facts: dict) -> bool:
    return any(k in facts for k in ("industry", "is_tech_sme", "is_ic_or_machine_tool"))


def _rd_since(q: Question, cat: Catalog, facts: dict) -> Conclusion | None:
    """"Since when is it 100 %?": the periods of the asked rate, the asker's category first."""
    asked = [v for _, _, v in find_percents(q.norm)]
    entry = cat.get("rd-super-deduction")
    known = {k: x for k, x in facts.items() if k in FACTS}
    mine = {t.id for t in entry.tracks if any(t.check(known) is True for t in t.tests)}
    periods = [b for b in entry.benefits if b.rate_percent is not None and b.period.start
               and (not asked or b.rate_percent in asked)]
    if not periods:
        return None
    # the period the question names by its year first ("the 2023 announcement"), then the asker's
    # category, then the general rule from the earliest
    periods.sort(key=lambda b: (not (q.year and b.period.start.year == q.year),
                                b.track not in mine, b.track != "general", b.period.start))
    if q.year and periods[0].period.start.year == q.year:
        periods = [b for b in periods if b.period.start.year == q.year]
    return _periods_conclusion(periods, entry)


def _named_periods(q: Question, cat: Catalog) -> list:
    """The rate periods of the documents a question names by number ("财税〔2018〕99号把比例提到多少")."""
    named = find_doc_numbers(q.text)
    if not named:
        return []
    return [b for b in cat.get("rd-super-deduction").benefits
            if b.rate_percent is not None and b.period.start
            and any(x.doc_number and doc_number_matches(n, x.doc_number) for x in b.basis for n in named)]


def _periods_conclusion(periods: list, entry) -> Conclusion:
    """Each period's rate, who it is for, and from when to when, with its document."""
    lines_zh, lines_en, basis = [], [], []
    for b in periods[:3]:
        track = entry.track(b.track)
        who_zh = track.name.zh if track else "企业"
        who_en = track.name.en if track else "enterprises"
        end_zh = f"至{b.period.end:%Y年%-m月%-d日}" if b.period.end else "起（未设截止日期）"
        end_en = f" to {b.period.end:%-d %B %Y}" if b.period.end else " on (no end date)"
        lines_zh.append(f"{who_zh}：自{b.period.start:%Y年%-m月%-d日}{end_zh}按{pct(b.rate_percent)}加计扣除——{basis_ref(b.basis, 'zh')}。")
        lines_en.append(f"{who_en}: {pct(b.rate_percent)} from {b.period.start:%-d %B %Y}{end_en} — {basis_ref(b.basis, 'en')}.")
        basis.extend(b.basis)
    first = periods[0]
    return Conclusion("rd-super-deduction", text("\n".join(lines_zh), "\n".join(lines_en)), None,
                      (first.rate_percent,), tuple(dict.fromkeys(basis)), about=f"自{first.period.start.year}年1月1日起 {pct(first.rate_percent)}")


_OUTSOURCED = re.compile(r"委托|外包|outsourc|commission|contract(?:ed|ing)? out|freelanc|"
                         r"paid (?:an? )?(?:outside|external|individual|freelancer|consultant|lab|universit|institut)",
                         re.IGNORECASE)
_PAPERS = re.compile(r"资料|凭证|发票|invoice|paperwork|documents?|receipts?|proof", re.IGNORECASE)
_BASE = re.compile(r"基数|按多少|怎么算|如何计算|\bbase\b|\b(?:what|which) (?:share|part|portion|proportion)\b|counts? (?:towards?|as)\b|how (?:is|are|do we) .{0,24}(?:count|calculat)", re.IGNORECASE)


def _commissioning(q: Question) -> Conclusion | None:
    """R&D commissioned at home, asked without amounts: the base it counts at (80 %), or the
    papers an individual's work needs (财税〔2015〕119号 二; 国家税务总局公告2015年第97号)."""
    if not _OUTSOURCED.search(q.norm) or _ABROAD.search(q.norm) or qty.amounts(q.situation):
        return None
    if _PERSON.search(q.norm) and _PAPERS.search(q.asked):
        return Conclusion(
            "rd-super-deduction",
            text("委托个人研发的，应凭个人出具的发票等合法有效凭证在税前加计扣除（加计扣除时按研发活动发生费用的80%"
                 "作为加计扣除基数）。",
                 "The individual's invoice, or another valid voucher: R&D commissioned from an individual is "
                 "super-deducted on the invoice the individual issues (and counts at 80% of its cost)."),
            None, (80.0,), (Basis(doc_number="国家税务总局公告2015年第97号"),),
            about="委托个人研发的,应凭个人出具的发票等合法有效凭证在税前加计扣除")
    if _BASE.search(q.asked) or _ASKS_RATE.search(q.asked):
        return Conclusion(
            "rd-super-deduction",
            text("按实际发生额的80%计入：企业委托外部机构或个人进行研发活动所发生的费用，按照费用实际发生额的80%计入"
                 "委托方研发费用并计算加计扣除，受托方不得再进行加计扣除。",
                 "At 80% of the actual cost: R&D commissioned from outside institutions or individuals counts "
                 "toward the commissioning company's R&D expenses at 80% of what it actually cost, and the "
                 "contractor cannot claim it again."),
            None, (80.0,), (Basis(doc_number="财税〔2015〕119号", article="二"),),
            about="按照费用实际发生额的80%计入委托方研发费用并计算加计扣除")
    return None


_COMMISSION = re.compile(r"委托|代为|commission|outsourc|freelance|contractor|paid|on (?:our|its) behalf|for us", re.I)
_ABROAD = re.compile(r"境外|国外|海外|abroad|overseas|foreign", re.IGNORECASE)
_PERSON = re.compile(r"个人|individual|freelance|consultant living", re.IGNORECASE)


_CLAUSE_END = re.compile(r"[，,。；;!?？！]|\.(?:\s|$)|\s(?:and|while|plus)\s|另外|另")


def _clause_around(s: str, start: int, end: int) -> str:
    """The clause of ``s`` holding the span: from the previous to the next clause boundary."""
    prev = [m.end() for m in _CLAUSE_END.finditer(s, 0, start)]
    nxt = _CLAUSE_END.search(s, end)
    return s[(prev[-1] if prev else 0):(nxt.start() if nxt else len(s))]


def _commissioned(s: str) -> tuple[float | None, float | None, float | None]:
    """Commissioned R&D amounts: (domestic, to institutions abroad, to individuals abroad)."""
    domestic = abroad = person = None
    for a in qty.amounts(s):
        clause = _clause_around(s, a.start, a.end)
        if not _COMMISSION.search(clause) or re.search(r"in-house|own R&D|自己|自行|自主", clause, re.IGNORECASE):
            continue
        if _ABROAD.search(clause):
            if _PERSON.search(clause):
                person = (person or 0.0) + a.wan
            else:
                abroad = (abroad or 0.0) + a.wan
        else:
            domestic = (domestic or 0.0) + a.wan
    return domestic, abroad, person


def _partial_year(cat: Catalog, b, year: int, rate: float) -> tuple[float, int, object] | None:
    """A higher rate for part of the asked year on the same track (2022 Q4: 100 %): (rate, months, benefit)."""
    for pb in cat.get("rd-super-deduction").benefits:
        p = pb.period
        if (pb.track == b.track and pb.rate_percent and pb.rate_percent > rate and p.start and p.end
                and p.start.year == year == p.end.year):
            return pb.rate_percent, p.end.month - p.start.month + 1, pb
    return None


def _amortisation_years(s: str) -> float | None:
    m = re.search(r"(?:按|分|over|across)\s*(\d+|[十两一二三四五六七八九]+)\s*(?:年|years?)", s, re.IGNORECASE)
    if not m:
        return None
    raw = m.group(1)
    return float(raw) if raw.isdigit() else qty._number(raw)
