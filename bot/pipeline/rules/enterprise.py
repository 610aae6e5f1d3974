"""High-tech enterprise and tech-based SME: thresholds for the asker's size, ratios, verdicts, tax."""

from __future__ import annotations

import re

from bot.incentives import Catalog, Text
from bot.incentives.catalog import Incentive

from .. import quantities as qty
from ..figures import money, pct
from ..question import Kind, Question
from .base import (
    CIT_LAW_4,
    STANDARD_CIT,
    Conclusion,
    basis_ref,
    eligibility_only,
    failed_conditions,
    no_because,
    text,
    threshold,
    verdict_for,
)


def _staff_share(s: str, facts: dict) -> float | None:
    m = re.search(r"(\d+)\s+of\s+(?:our|the|its|their)?\s*(\d+)\s+(?:employees|staff|people|workers)\s+(?:are|is)\s+"
                  r"(?:S&T|science|tech|R&D)", s, re.IGNORECASE)
    if m and 0 < int(m.group(1)) <= int(m.group(2)):
        facts.setdefault("employees", int(m.group(2)))
        return int(m.group(1)) / int(m.group(2)) * 100
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
    if facts.get("is_high_tech") is True and len(q.topics) > 1 \
            and not re.search(r"税率|15%|rate|所得税|income tax", q.asked, re.IGNORECASE):
        return None  # they hold the status already and ask about something else (a tech-SME's scoring)
    s = q.situation
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
            text(f"按15%的优惠税率缴纳企业所得税{money(low, 'zh')}（{money(taxable, 'zh')}×15%），一般企业按25%应缴"
               f"{money(std, 'zh')}，少缴{money(std - low, 'zh')}。——{basis_ref(b, 'zh')}；《企业所得税法》第四条",
               f"It pays {money(low, 'en')} at the reduced 15% rate ({money(taxable, 'en')} × 15%), against "
               f"{money(std, 'en')} at the standard 25% rate: a saving of {money(std - low, 'en')} — "
               f"{basis_ref(b, 'en')}; Enterprise Income Tax Law, Art. 4."),
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
                                   r"(?:销售收入|销售额|sales|revenue)[^，,。\d]{0,8}?", window=10) or qty.money_after(
            s, r"(?:sales|revenue)[^.,;\d]{0,20}?(?:last year|latest year|most recent year)", window=24)
        if sales is not None:
            facts["annual_sales"] = sales
    need = threshold(entry, "rd_intensity", facts)
    v = verdict_for(cat, "high-tech-enterprise", facts, year)
    failed = failed_conditions(v)
    checked = _criteria(entry, facts, need, rd3, sales3)
    if checked:
        ok = all(c[0] for c in checked)
        lines_zh = [("够：" if ok else "不够：") + "；".join(c[1].zh for c in checked) + "。"]
        lines_en = [("Yes: " if ok else "No: ") + "; ".join(c[1].en for c in checked) + "."]
        basis = tuple(dict.fromkeys(b for c in checked for b in c[2]))
        return Conclusion("high-tech-enterprise", text("\n".join(lines_zh), "\n".join(lines_en)),
                          "yes" if ok else "no", tuple(c[3] for c in checked), basis,
                          about="研究开发费用总额占同期销售收入总额的比例 科技人员占企业当年职工总数的比例")
    if q.kind is not Kind.ELIGIBILITY and need is not None and "annual_sales" in facts and q.asks(
            r"研发|R&D|研究开发"):
        c = next((c for c in v.conditions if c.fact == "rd_intensity" and not c.skipped), None)
        sales = float(facts["annual_sales"])  # type: ignore[arg-type]
        # the asker's own ratio, when the question gives it; a condition still to be checked is what
        # the question asks, so it is not repeated as "to be confirmed"
        said = c is not None and c.status.value in ("met", "failed")
        return Conclusion(
            "high-tech-enterprise",
            text(f"不低于{pct(need)}：最近一年销售收入{money(sales, 'zh')}，适用近三年研发费用占同期销售收入比例不低于{pct(need)}的标准。"
               + (f"（{c.reason.zh}）" if said else ""),
               f"At least {pct(need)}: with latest-year sales of {money(sales, 'en')}, the three-year R&D spend must be at "
               f"least {pct(need)} of sales." + (f" ({c.reason.en})" if said else "")),
            None, (need,), c.basis if c else (), about="研究开发费用总额占同期销售收入总额的比例")
    if failed:
        c = failed[0]
        val = facts.get(c.fact)
        extra = None
        if c.fact == "high_tech_income_share" and val is not None:
            extra = text(f"高新技术产品（服务）收入占比{pct(float(val))}低于60%", f"high-tech product income is {pct(float(val))} of total income, below 60%")  # type: ignore[arg-type]
        zh, en = no_because(v, extra).zh, no_because(v, extra).en
        if share is not None and c.fact != "tech_staff_share":
            zh += f"（科技人员占比{pct(share)}，满足不低于10%的要求）"
            en += f" (Your S&T staff share of {pct(share)} does meet the 10% minimum.)"
        return Conclusion("high-tech-enterprise", text(zh, en), "no", basis=c.basis, about=c.reason.zh)
    return eligibility_only(q, cat, "high-tech-enterprise", facts)


_CRITERIA = (
    ("rd_intensity", "近三年研发费用占销售收入的比例", "the three-year R&D ratio to sales"),
    ("tech_staff_share", "科技人员占职工总数的比例", "the S&T staff share of employees"),
    ("domestic_rd_share", "境内研发费用占全部研发费用的比例", "the share of R&D spent in China"),
    ("high_tech_income_share", "高新技术产品（服务）收入占总收入的比例", "high-tech product income as a share of total income"),
)


def _criteria(entry: Incentive, facts: dict, need_rd: float | None, rd3: float | None,
              sales3: float | None) -> list[tuple[bool, Text, tuple, float]]:
    """Each criterion the question gives a figure for: (met, what it says, basis, the figure)."""
    out = []
    for fact, zh, en in _CRITERIA:
        if fact not in facts:
            continue
        got = float(facts[fact])  # type: ignore[arg-type]
        if fact == "rd_intensity":
            need = need_rd
            cond = next((c for c in entry.conditions if c.test.fact == fact
                         and need is not None and float(c.test.value) == need), None)  # type: ignore[arg-type]
        else:
            cond = next((c for c in entry.conditions if c.test.fact == fact), None)
            need = float(cond.test.value) if cond else None  # type: ignore[arg-type]
        if need is None:
            continue
        shown_zh = f"{money(rd3, 'zh')}÷{money(sales3, 'zh')}≈{pct(got)}" if fact == "rd_intensity" and rd3 and sales3 else pct(got)
        shown_en = f"{money(rd3, 'en')} ÷ {money(sales3, 'en')} ≈ {pct(got)}" if fact == "rd_intensity" and rd3 and sales3 else pct(got)
        met = got >= need
        where_zh = "按最近一年销售收入，" if fact == "rd_intensity" else ""
        where_en = " for your latest-year sales" if fact == "rd_intensity" else ""
        out.append((met, text(
            f"{where_zh}{zh}须不低于{pct(need)}，你们为{shown_zh}（{'达到' if met else '未达到'}）",
            f"{en} must be at least {pct(need)}{where_en}; yours is {shown_en} ({'met' if met else 'not met'})"),
            cond.basis if cond else (), got))
    return out


def _hnte_criteria(q: Question, entry: Incentive) -> Conclusion | None:
    """"What is the HNTE tax rate / the minimum share of S&T staff …?" — the figures, in the order asked."""
    asks = [(m.start(), key) for key, rx in (
        ("rate", r"税率(?:是|为)?多少|什么税率|税率是几|(?:what|which)(?: is the| are the)? (?:corporate |enterprise )?"
                 r"(?:income[- ])?(?:tax |CIT )?rates?\b"),
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
            lines_zh.append(f"企业所得税税率为15%（一般企业25%）——{basis_ref(b.basis, 'zh')}。")
            lines_en.append(f"Enterprise income tax at 15% (instead of the standard 25%) — {basis_ref(b.basis, 'en')}.")
            basis.extend(b.basis)
            figures.append(15.0)
            continue
        c = next((c for c in entry.conditions if c.test.fact == key), None)
        if c is None:
            continue
        need = pct(float(c.test.value))  # type: ignore[arg-type]
        zh = c.reason_met.zh.rstrip("。") + ("" if need in c.reason_met.zh else f"（不低于{need}）")
        en = c.reason_met.en.rstrip(".") + ("" if need.rstrip("%") in c.reason_met.en else f" (at least {need})")
        lines_zh.append(f"{zh}——{basis_ref(c.basis, 'zh')}。")
        lines_en.append(f"{en} — {basis_ref(c.basis, 'en')}.")
        basis.extend(c.basis)
        figures.append(float(c.test.value))  # type: ignore[arg-type]
    if not lines_zh:
        return None
    return Conclusion("high-tech-enterprise", text("\n".join(lines_zh), "\n".join(lines_en)), None, tuple(figures),
                      tuple(dict.fromkeys(basis)), about="减按15%的税率征收企业所得税 科技人员占企业当年职工总数的比例不低于10%")


def _size_facts(q: Question, facts: dict) -> dict:
    """Headcount, sales and assets the question states, where fact extraction missed them."""
    for fact, label in (("total_assets", r"资产总额|总资产|total assets(?: of)?"),
                        ("annual_sales", r"年销售收入|销售收入|销售额|annual (?:sales|revenue)(?: of)?|sales of")):
        if fact not in facts:
            v = qty.money_after(q.situation, label, window=12)
            if v is not None:
                facts[fact] = v
    return facts


_ASKS_SCORING = re.compile(r"评分|打分|评价|得分|分数|测评|\bscor|\bpoints?\b|evaluation|assessment|go through", re.IGNORECASE)


def tech_sme(q: Question, cat: Catalog) -> Conclusion | None:
    if "tech-sme" not in q.topics or "rd-super-deduction" in q.topics and q.kind is not Kind.ELIGIBILITY:
        return None
    facts = _size_facts(q, dict(q.facts))
    m = re.search(r"(?:S&T|科技人员)[^.。;；]{0,40}?(\d+(?:\.\d+)?)\s*%|(\d+(?:\.\d+)?)\s*%\s*of (?:our|the) (?:workforce|staff|employees)",
                  q.norm, re.IGNORECASE)
    if m and "tech_staff_share" not in facts:
        facts["tech_staff_share"] = float(m.group(1) or m.group(2))
    facts.setdefault("is_tech_sme", False)
    if facts.get("is_high_tech") is True and _ASKS_SCORING.search(q.asked):
        prov = next((p for p in cat.get("tech-sme").provisions if p.id == "direct-confirmation"), None)
        if prov is not None:  # "we hold a high-tech certificate: do we still need the scoring?"
            return Conclusion(
                "tech-sme",
                text("不需要评分：" + prov.text.zh, "No scoring needed: " + prov.text.en),
                "no" if q.yes_no else None, (), prov.basis, about="可直接确认符合科技型中小企业条件",
                unconfirmed=any(b.unconfirmed for b in prov.basis))
    return eligibility_only(q, cat, "tech-sme", facts)
