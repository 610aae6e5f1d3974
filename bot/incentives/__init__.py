"""Eligibility: the incentive catalog (``corpus/incentives/*.toml``), facts about an asker, verdicts.

Independent of Telegram, Chroma and the CLI::

    catalog = load_catalog(Path("corpus/incentives"))
    facts = extract_facts("我们是一家批发公司，批发收入占八成")
    report = evaluate(catalog, facts, year=2024)
    print(render_report(report, "zh"))
    report.to_json("en")  # the `policybot check --json` contract
"""

from .catalog import Basis, Catalog, CatalogError, Incentive, load_catalog
from .engine import ConditionResult, Outcome, Report, Status, Verdict, evaluate
from .extraction import extract_facts, looks_like_eligibility_question
from .numbers import cn_number, find_percents, parse_money_wan, parse_number, parse_percent
from .registry import (
    FACTS,
    FactError,
    FactSpec,
    FactType,
    IncentiveError,
    Text,
    get_fact,
    parse_fact_assignment,
)
from .render import catalog_to_json, render_catalog, render_report

__all__ = [
    "FACTS",
    "Basis",
    "Catalog",
    "CatalogError",
    "ConditionResult",
    "FactError",
    "FactSpec",
    "FactType",
    "Incentive",
    "IncentiveError",
    "Outcome",
    "Report",
    "Status",
    "Text",
    "Verdict",
    "catalog_to_json",
    "cn_number",
    "evaluate",
    "extract_facts",
    "find_percents",
    "get_fact",
    "load_catalog",
    "looks_like_eligibility_question",
    "parse_fact_assignment",
    "parse_money_wan",
    "parse_number",
    "parse_percent",
    "render_catalog",
    "render_report",
]
