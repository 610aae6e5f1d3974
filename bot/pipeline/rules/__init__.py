"""Decide: the catalog's structured rules applied to one ``Question``.

Each rule reads the question's facts and figures, asks the eligibility engine for the verdict and
the rate that cover the asked year and taxpayer, computes what the figures allow, and returns a
``Conclusion``: the sentence a reader needs first, and the legal basis that proves it. A rule
returns None when the question gives it nothing to decide.
"""

from __future__ import annotations

from .base import Conclusion, Rule
from .enterprise import high_tech_enterprise, tech_sme
from .equity import equity_deferral
from .investors import angel_investor, venture_capital
from .rd import rd_super_deduction
from .rewards import patent_inventor_reward, pay_cap, researcher_reward_tax, transfer_reward
from .transfer_income import tech_transfer_income

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
    equity_deferral,
)

__all__ = ["RULES", "Conclusion", "Rule"]
