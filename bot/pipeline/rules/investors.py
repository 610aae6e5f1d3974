"""Venture-capital enterprises and angel investors: the 70 % offset, holding period, investee age."""

from __future__ import annotations

import re

from bot.incentives import Catalog, Outcome

from .. import quantities as qty
from ..figures import money, pct
from ..question import Kind, Question
from .base import Conclusion, eligibility_only, failed_conditions, no_because, text, verdict_for

_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                         "september", "october", "november", "december"), 1)}


def _dates(s: str) -> list[tuple[int, int, int]]:
    """(position, year, month) of "2022年3月" / "March 2022" / "January 2021" in a text."""
    out = [(m.start(), int(m.group(1)), int(m.group(2))) for m in re.finditer(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月", s)]
    out += [(m.start(), int(m.group(2)), _MONTHS[m.group(1).lower()])
            for m in re.finditer(r"\b(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d{2})\b", s, re.IGNORECASE)]
    return sorted(out)


def _investment_offset(q: Question, cat: Catalog, inc_id: str) -> Conclusion | None:
    s = q.situation
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
    if re.search(r"未上市|非上市|unlisted|not (?:yet )?listed", s, re.IGNORECASE):
        facts["investee_listed"] = False
    elif re.search(r"已上市|上市公司|(?:already |was |is )listed|listed on", s, re.IGNORECASE):
        facts["investee_listed"] = True
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
    v = verdict_for(cat, inc_id, facts, year)
    invest = qty.money_for(s, r"投资了?[^，。,]{0,24}?|invest(?:ed|ment of)?|put", r"\s*(?:into|in) ")
    if v.verdict is not Outcome.DOES_NOT_APPLY and "years_held" not in facts and not q.yes_no and invest is None:
        pass
    entry = cat.get(inc_id)
    benefit = entry.benefits[0] if entry.benefits else None
    rate = benefit.rate_percent if benefit and benefit.rate_percent else 70.0
    basis = benefit.basis if benefit else ()
    if v.verdict is Outcome.DOES_NOT_APPLY and failed_conditions(v):
        c = failed_conditions(v)[0]
        extra = None
        if c.fact == "years_held" and "years_held" in facts:
            h = float(facts["years_held"])  # type: ignore[arg-type]
            months = round(h * 12)
            extra = text(f"目前只持有{months}个月" if h != int(h) else f"目前只持有{h:g}年",
                       f"the shares have been held for only {months} months" if h != int(h) else f"held for {h:g} years")
        elif c.fact == "investee_age_years" and "investee_age_years" in facts:
            age = float(facts["investee_age_years"])  # type: ignore[arg-type]
            extra = text(f"被投企业接受投资时已设立{age:g}年",
                       f"the company was {age:g} years old when it received the investment")
        zh = no_because(v, extra).zh + f"（满足条件的，可按投资额的{pct(rate)}抵扣）"
        en = no_because(v, extra).en + f" (Where the conditions are met, {pct(rate)} of the investment is offset.)"
        return Conclusion(inc_id, text(zh, en), "no", (rate,), c.basis, about=c.reason.zh)
    if invest is None:
        return None if q.kind is not Kind.ELIGIBILITY else eligibility_only(q, cat, inc_id, facts)
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
    later_zh = ("以后取得转让该初创科技型企业股权的应纳税所得额时结转抵扣" if inc_id == "angel-investor"
                else "以后纳税年度结转抵扣")
    later_en = ("later taxable gains from selling shares of the same start-up" if inc_id == "angel-investor"
                else "later tax years")
    gain = qty.money_after(s, r"应纳税所得额|(?:taxable )?gain(?: of)?|所得(?!税)", window=6)
    if gain is not None and gain < off:
        zh = (f"这次可抵扣{money(gain, 'zh')}（以本次应纳税所得额为限），剩余{money(off - gain, 'zh')}可在{later_zh}："
              f"可抵扣总额为投资额的{pct(rate)}，即{money(invest, 'zh')}×{pct(rate)}={money(off, 'zh')}{cond_zh}。")
        en = (f"{money(gain, 'en')} this time (no more than the taxable gain), and the remaining {money(off - gain, 'en')} "
              f"carries forward to {later_en}: the offset is {pct(rate)} of the investment, {money(invest, 'en')} × "
              f"{pct(rate)} = {money(off, 'en')}{cond_en}.")
        return Conclusion(inc_id, text(zh, en), None, (gain, off - gain, rate), basis, about="当期不足抵扣的")
    zh = (f"可按投资额的{pct(rate)}即{money(off, 'zh')}抵扣{what_zh}{cond_zh}："
          f"{money(invest, 'zh')}×{pct(rate)}={money(off, 'zh')}，在股权持有满2年的当年抵扣{when_zh}；当年不足抵扣的，可以在{later_zh}。")
    en = (f"{pct(rate)} of the investment, that is {money(off, 'en')}, can be offset against {what_en}{cond_en}: "
          f"{money(invest, 'en')} × {pct(rate)} = {money(off, 'en')}, from the year the holding reaches 2 years{when_en}; "
          f"any part not used that year is carried forward to {later_en}.")
    return Conclusion(inc_id, text(zh, en), "yes" if q.yes_no else None, (rate, off), basis,
                      about="投资额的70%抵扣")


def venture_capital(q: Question, cat: Catalog) -> Conclusion | None:
    if "venture-capital" not in q.topics or "angel-investor" in q.topics:
        return None
    return _investment_offset(q, cat, "venture-capital")


def angel_investor(q: Question, cat: Catalog) -> Conclusion | None:
    if "angel-investor" not in q.topics:
        return None
    return _investment_offset(q, cat, "angel-investor")
