"""Technology-transfer income: 5 million exempt, the excess taxed at half."""

from __future__ import annotations

from bot.incentives import Catalog

from .. import quantities as qty
from ..figures import money, pct
from ..question import Question
from .base import IMPL_90, STANDARD_CIT, Conclusion, basis_ref, text


def tech_transfer_income(q: Question, cat: Catalog) -> Conclusion | None:
    if "tech-transfer-income" not in q.topics:
        return None
    s = q.situation
    income = qty.money_for(s, r"技术转让所得|transfer income(?: of)?|(?:technology[- ])?transfer gains?(?: of)?",
                           r"\s*(?:of|in) (?:qualifying )?(?:technology[- ])?transfer (?:income|gains?)")
    revenue = qty.money_after(s, r"技术转让\s*(?:收入|revenue)|transfer (?:revenue|proceeds)(?: of)?", window=10)
    cost = qty.money_after(s, r"(?:成本|cost)[^，,。；]{0,12}?(?:税费|taxes)?[^，,。；\d]{0,8}", window=10)
    if income is None and revenue is not None and cost is not None:
        income = revenue - cost
        how = text(f"按技术转让所得算（收入减成本和相关税费），不是按收入：{money(revenue, 'zh')}−{money(cost, 'zh')}="
                 f"{money(income, 'zh')}", f"It is computed on transfer income (revenue less costs and related taxes), "
                 f"not revenue: {money(revenue, 'en')} − {money(cost, 'en')} = {money(income, 'en')}")
    elif income is not None:
        how = text(f"技术转让所得{money(income, 'zh')}", f"Transfer income of {money(income, 'en')}")
    else:
        return None
    rate = qty.percent_before(s, r"(?:的)?(?:企业所得税)?税率|(?:CIT|income tax) rate", window=10) or \
        qty.percent_after(s, r"税率|tax rate|rate of", window=8)
    standard = rate is None
    rate = rate or STANDARD_CIT
    notes_zh = notes_en = ""
    basis: tuple = (IMPL_90,)
    unconfirmed = False
    if rate < STANDARD_CIT:  # a high-tech enterprise's 15 %: the halving still uses the statutory 25 %
        prov = next((p for p in cat.get("tech-transfer-income").provisions if p.id == "half-at-statutory-rate"), None)
        if prov is not None:
            notes_zh = f"（减半部分按25%法定税率计算，不按{pct(rate)}：{prov.text.zh}——{basis_ref(prov.basis, 'zh')}）"
            notes_en = (f" (the halved part is taxed at the 25% statutory rate, not {pct(rate)}: {prov.text.en} — "
                        f"{basis_ref(prov.basis, 'en')})")
            basis += prov.basis
            unconfirmed = True
            rate = STANDARD_CIT
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
    zh, en = zh + notes_zh, en + notes_en
    return Conclusion("tech-transfer-income", text(zh, en), None, (income, exempt, over, tax), basis,
                      unconfirmed=unconfirmed,
                      about="不超过500万元的部分，免征企业所得税；超过500万元的部分，减半征收")
