"""Rewards for service inventions: statutory minimums, pay caps, inventor bonuses, their income tax."""

from __future__ import annotations

import re

from bot.incentives import Basis, Catalog

from .. import quantities as qty
from ..figures import money, pct
from ..question import Question
from .base import LAW_45, Conclusion, text

_STATE_UNIT = r"国家设立|部属|公办|国立|公立|国有|state[- ](?:established|owned|run)|public (?:university|institute)"


def transfer_reward(q: Question, cat: Catalog) -> Conclusion | None:
    if "transfer-reward" not in q.topics:
        return None
    s = q.situation
    basis = (LAW_45,)
    about = "不低于百分之五十"
    # the unit's own rule, judged against the statutory floor (state-established units)
    own = qty.percent_after(s, r"(?:净收入|net income|proceeds)|规定[：:]?", window=12)
    if own is not None and re.search(r"规定|办法|制度|rule|policy", s, re.IGNORECASE) and re.search(r"合法|lawful|legal|valid|allowed", s, re.IGNORECASE):
        state = re.search(_STATE_UNIT, s, re.IGNORECASE)
        if own < 50 and state:
            return Conclusion("transfer-reward", text(
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
    elif re.search(r"自行实施|自行投资实施|自己实施|自主实施|合作实施|self-implement|"
                   r"(?:implement|commerciali[sz]|exploit)\w*.{0,40}(?:itself|themselves|on its own|together with|"
                   r"jointly)", s, re.IGNORECASE):
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
    return Conclusion("transfer-reward", text("\n".join(lines_zh), "\n".join(lines_en)), None, tuple(figures),
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
    return Conclusion("transfer-reward-pay-cap", text(zh, en), "yes" if excluded_asked else "no", (),
                      tuple(dict.fromkeys(basis)),
                      about="不纳入绩效工资 不受当年本单位工资总额限制")


def patent_inventor_reward(q: Question, cat: Catalog) -> Conclusion | None:
    if "patent-inventor-reward" not in q.topics:
        return None
    s = q.situation
    inv = qty.count_of(s, r"发明专利|invention patents?")
    other = (qty.count_of(s, r"外观设计(?:专利)?|design patents?") or 0) + (
        qty.count_of(s, r"实用新型(?:专利)?|utility[- ]model(?: patents?)?") or 0)
    if not inv and not other:
        entry = cat.get("patent-inventor-reward")
        b = entry.benefits[0] if entry.benefits else None
        if b is None:
            return None
        return Conclusion("patent-inventor-reward", text(
            "发明专利每项奖金不少于4000元，实用新型或外观设计专利每项不少于1500元；单位未约定也未规定的，应当自公告授予专利权之日起"
            "3个月内发给发明人或者设计人（专利法实施细则第九十三条）。",
            "At least RMB 4,000 per invention patent and RMB 1,500 per utility-model or design patent, paid to the "
            "inventors or designers within 3 months of the grant announcement when the unit has no agreement or rule "
            "(Patent Law Implementing Regulations, Art. 93)."),
            None, (0.4, 0.15), b.basis, about="3个月内发给发明人或者设计人奖金 一项发明专利的奖金最低不少于4000元")
    inv = inv or 0
    total = inv * 4000 + other * 1500
    basis = (Basis(title="中华人民共和国专利法实施细则", article="第九十三条"),)
    # a kind of patent the question does not count is stated as a rate, not as "0 × 1,500 = 0"
    zh = (f"至少{total:,}元：发明专利每项不少于4000元" + (f"（{inv}项共{inv * 4000:,}元）" if inv else "")
          + "，实用新型或外观设计专利每项不少于1500元" + (f"（{other}项共{other * 1500:,}元）" if other else "")
          + "，自授权公告之日起3个月内发给（专利法实施细则第九十三条）。")
    en = (f"RMB {total:,} in total at least: RMB 4,000 per invention patent"
          + (f" ({inv} × 4,000 = {inv * 4000:,})" if inv else "")
          + " and RMB 1,500 per utility-model or design patent"
          + (f" ({other} × 1,500 = {other * 1500:,})" if other else "")
          + ", paid within 3 months of the grant announcement (Patent Law Implementing Regulations, Art. 93).")
    return Conclusion("patent-inventor-reward", text(zh, en), None, (total / 10_000,), basis,
                      about="一项发明专利的奖金最低不少于4000元")


_IN_EQUITY = re.compile(r"股权|股份|股票|期权|equity|shares?\b|stock", re.IGNORECASE)


def researcher_reward_tax(q: Question, cat: Catalog) -> Conclusion | None:
    if "researcher-reward-income-tax" not in q.topics:
        return None
    if _IN_EQUITY.search(q.norm) and not re.search(r"现金|cash", q.norm, re.IGNORECASE):
        return None  # the 50 % rule is for cash rewards; shares are another rule
    entry = cat.get("researcher-reward-income-tax")
    b = entry.benefits[-1] if entry.benefits else None
    if b is None:
        return None
    amount = qty.money_after(q.situation, r"奖励|reward(?: of)?|bonus(?: of)?")
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
    return Conclusion("researcher-reward-income-tax", text(zh, en), None, (50.0,), basis,
                      about="减按50%计入科技人员当月“工资、薪金所得”", unconfirmed=b.unconfirmed)
