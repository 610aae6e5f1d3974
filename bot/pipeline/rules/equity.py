"""Equity-incentive tax deferral (财税〔2016〕101号). The notice is not in the bundled corpus, so
the catalog is the only source: its rule, and the requirements when they are asked, marked
unconfirmed where the catalog says so."""

from __future__ import annotations

import re

from bot.incentives import Catalog

from ..question import Question
from .base import Conclusion, text

_ASKS_CONDITIONS = re.compile(r"条件|要求|满足|门槛|资格|\bconditions?\b|requirements?|qualif|eligib|criteria",
                              re.IGNORECASE)
# conditions that only say whom the rule is for, not what a plan must meet
_SCOPE = ("entity_type", "employer_type")


def equity_deferral(q: Question, cat: Catalog) -> Conclusion | None:
    if "equity-incentive-deferral" not in q.topics:
        return None
    entry = cat.get("equity-incentive-deferral")
    b = entry.benefits[0] if entry.benefits else None
    if b is None:
        return None
    listed = next((c for c in entry.conditions if c.test.fact == "is_listed"), None)
    unconfirmed = b.unconfirmed or entry.validity.unconfirmed
    if q.facts.get("is_listed") is True and listed is not None:
        return Conclusion("equity-incentive-deferral",
                          text("不能递延：" + listed.reason_failed.zh, "No deferral: " + listed.reason_failed.en),
                          "no", (), listed.basis, about="非上市公司", unconfirmed=unconfirmed)
    zh, en = b.summary.zh, b.summary.en
    if q.yes_no:
        zh, en = "可以递延纳税：" + zh, "Yes, the tax can be deferred: " + en
    else:
        en = en[:1].upper() + en[1:]
    basis = tuple(b.basis)
    if _ASKS_CONDITIONS.search(q.asked):
        needs = [c for c in entry.conditions if c.test.fact not in _SCOPE]
        zh += "条件：" + "".join(f"（{i}）{c.reason_failed.zh}" for i, c in enumerate(needs, 1))
        en += " Conditions: " + " ".join(f"({i}) {c.reason_failed.en}" for i, c in enumerate(needs, 1))
        basis += tuple(x for c in needs for x in c.basis)
    return Conclusion("equity-incentive-deferral", text(zh, en), "yes" if q.yes_no else None,
                      (float(b.rate_percent),) if b.rate_percent is not None else (),
                      tuple(dict.fromkeys(basis)), about="递延至转让该股权时", unconfirmed=unconfirmed)
