"""Verdicts, rates by year, missing facts and the JSON contract, on the bundled catalog."""

import json
from datetime import date

import pytest

from bot.incentives import FactError, Outcome, Status, evaluate, extract_facts

RD = "rd-super-deduction"
CONTRACT_IDS = {
    "rd-super-deduction",
    "transfer-reward-pay-cap",
    "researcher-reward-income-tax",
    "service-invention-ownership",
    "high-tech-enterprise",
    "tech-sme",
    "tech-transfer-income",
    "angel-investor",
    "venture-capital",
    "equity-incentive-deferral",
}


def verdict(catalog, facts, year, incentive=RD):
    return evaluate(catalog, facts, year, ids=[incentive]).verdict(incentive)


def test_catalog_has_every_contract_id(catalog):
    assert set(catalog.ids) >= CONTRACT_IDS


# ---------------------------------------------------------------- R&D super-deduction


def test_wholesaler_with_80_percent_wholesale_revenue_cannot_claim(catalog):
    facts = extract_facts("我们是一家批发公司，批发收入占八成")
    assert facts == {
        "entity_type": "enterprise",
        "industry": "wholesale_retail",
        "main_business_share": 80,
    }
    v = verdict(catalog, facts, 2024)
    assert v.verdict is Outcome.DOES_NOT_APPLY
    c = v.condition("industry")
    assert c.status is Status.FAILED
    assert c.citation == "财税〔2015〕119号 四；国家税务总局公告2015年第97号 四"
    assert "50%（不含）" in c.reason.zh
    assert v.benefit.rate_percent is None
    assert v.benefit.rate_if_eligible == 100


@pytest.mark.parametrize(
    ("share", "expected"), [(50, Outcome.APPLIES), (50.5, Outcome.DOES_NOT_APPLY)]
)
def test_negative_list_needs_more_than_half_exclusive(catalog, share, expected):
    facts = {
        "entity_type": "enterprise",
        "industry": "wholesale_retail",
        "main_business_share": share,
    }
    v = verdict(catalog, facts, 2024)
    assert v.verdict is expected
    if expected is Outcome.APPLIES:
        c = v.condition("industry")
        assert c.skipped and c.spared and c.status is Status.MET


def test_software_firm_with_30_percent_hardware_resale_gets_100_percent_in_2024(catalog):
    facts = extract_facts("We are a software firm with 30 % hardware resale.")
    assert facts["industry"] == "software_it"
    assert facts["main_business_share"] == 70
    v = verdict(catalog, facts, 2024)
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.rate_percent == 100
    assert v.benefit.citation == "财政部 税务总局公告2023年第7号 一"


def test_service_firm_in_2019_gets_75_percent(catalog):
    v = verdict(catalog, {"entity_type": "enterprise", "industry": "other"}, 2019)
    assert (v.verdict, v.benefit.rate_percent) == (Outcome.APPLIES, 75)
    assert v.benefit.citation == "财税〔2018〕99号 一"


@pytest.mark.parametrize(
    ("industry", "share", "rate", "citation"),
    [
        ("manufacturing", 60, 100, "财政部 税务总局公告2021年第13号 一"),
        ("manufacturing", 50, 100, "财政部 税务总局公告2021年第13号 一"),  # 达到50%以上: ≥ 50
        ("manufacturing", 45, 75, "财政部 税务总局公告2021年第6号 一；财税〔2018〕99号 一"),
        ("other", 90, 75, "财政部 税务总局公告2021年第6号 一；财税〔2018〕99号 一"),
    ],
)
def test_manufacturing_track_in_2021(catalog, industry, share, rate, citation):
    facts = {"entity_type": "enterprise", "industry": industry, "main_business_share": share}
    v = verdict(catalog, facts, 2021)
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.rate_percent == rate
    assert v.benefit.citation == citation


def test_tobacco_maker_cannot_claim_even_without_a_share(catalog):
    facts = extract_facts("we are a cigarette maker")
    assert facts == {"entity_type": "enterprise", "industry": "tobacco"}
    report = evaluate(catalog, facts, 2024, ids=[RD])
    v = report.verdict(RD)
    assert v.verdict is Outcome.DOES_NOT_APPLY
    c = v.condition("industry")
    assert c.status is Status.FAILED and c.presumed
    assert c.assumed == ("main_business_share",)
    assert "assumes" in c.reason.en
    # the assumption can be corrected: the share is the next question
    assert report.next_question().name == "main_business_share"
    assert verdict(catalog, {**facts, "main_business_share": 30}, 2024).verdict is Outcome.APPLIES


@pytest.mark.parametrize(
    ("facts", "year", "rate"),
    [
        ({"industry": "other"}, 2016, 50),
        ({"industry": "other"}, 2017, 50),
        ({"industry": "other", "is_tech_sme": True}, 2017, 75),
        ({"industry": "other"}, 2018, 75),
        ({"industry": "other"}, 2019, 75),
        ({"industry": "other"}, 2020, 75),
        ({"industry": "manufacturing", "main_business_share": 80}, 2021, 100),
        ({"industry": "other"}, 2021, 75),
        ({"industry": "other", "is_tech_sme": True}, 2022, 100),
        ({"industry": "other", "is_tech_sme": False}, 2022, 75),
        ({"industry": "manufacturing", "main_business_share": 80}, 2022, 100),
        ({"industry": "other"}, 2023, 100),
        ({"industry": "other", "is_tech_sme": True}, 2023, 100),
        ({"industry": "other"}, 2024, 100),
        ({"industry": "other", "is_ic_or_machine_tool": True}, 2024, 120),
        ({"industry": "other", "is_ic_or_machine_tool": True}, 2027, 120),
        ({"industry": "other", "is_ic_or_machine_tool": True}, 2028, 100),
    ],
)
def test_rate_timeline(catalog, facts, year, rate):
    v = verdict(catalog, {"entity_type": "enterprise", **facts}, year)
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.rate_percent == rate


def test_2015_uses_the_statutory_50_percent_but_rules_are_not_modelled(catalog):
    report = evaluate(catalog, {"entity_type": "enterprise", "industry": "other"}, 2015, ids=[RD])
    v = report.verdict(RD)
    assert v.verdict is Outcome.UNKNOWN
    assert v.benefit.rate_percent == 50
    assert v.benefit.citation == "《企业所得税法实施条例》第九十五条"
    assert v.conditions[0].fact == "tax_year" and not v.conditions[0].settleable
    assert "tax_year" not in report.missing


def test_2022_fourth_quarter_rate_is_a_note_for_the_75_percent_track(catalog):
    v = verdict(
        catalog, {"entity_type": "enterprise", "industry": "other", "is_tech_sme": False}, 2022
    )
    assert v.benefit.rate_percent == 75
    notes = [n.en for n in v.benefit.notes]
    assert notes == ["2022-10-01 to 2022-12-31: 100% (财政部 税务总局 科技部公告2022年第28号 二)"]


def test_2023_notice_repealed_the_2021_and_2022_tracks(catalog):
    # a manufacturer gets the general 2023年第7号 rate, not 2021年第13号 any more
    v = verdict(
        catalog,
        {"entity_type": "enterprise", "industry": "manufacturing", "main_business_share": 90},
        2023,
    )
    assert v.benefit.rate_percent == 100
    assert v.benefit.track == "general"
    assert v.benefit.citation == "财政部 税务总局公告2023年第7号 一"


def test_unknown_track_fact_gives_the_sure_rate_and_a_note(catalog):
    v = verdict(catalog, {"entity_type": "enterprise", "industry": "other"}, 2022)
    assert v.benefit.rate_percent == 75
    assert "is_tech_sme" in v.benefit.pending
    assert any("tech-based SME: 100%" in n.en for n in v.benefit.notes)


@pytest.mark.parametrize(
    ("extra", "fact"),
    [
        ({"tax_collection": "deemed"}, "tax_collection"),
        ({"rd_activity": "market_research"}, "rd_activity"),
    ],
)
def test_deemed_collection_and_excluded_activities_fail(catalog, extra, fact):
    v = verdict(catalog, {"entity_type": "enterprise", "industry": "other", **extra}, 2024)
    assert v.verdict is Outcome.DOES_NOT_APPLY
    assert v.condition(fact).status is Status.FAILED


def test_presumed_conditions_do_not_block_applies(catalog):
    v = verdict(catalog, {"entity_type": "enterprise", "industry": "other"}, 2024)
    c = v.condition("tax_collection")
    assert (v.verdict, c.status, c.presumed) == (Outcome.APPLIES, Status.UNKNOWN, True)


def test_rd_deduction_is_not_for_researchers(catalog):
    v = verdict(catalog, {"entity_type": "researcher"}, 2024)
    assert v.verdict is Outcome.DOES_NOT_APPLY
    assert not v.relevant


# ---------------------------------------------------------------- researchers and institutions

REWARD = "researcher-reward-income-tax"


def test_public_university_researcher_cash_reward_is_half_counted(catalog):
    facts = extract_facts("I teach at a public university")
    facts |= {"reward_type": "cash", "has_registered_contract": True, "months_since_income": 12}
    v = verdict(catalog, facts, 2024, REWARD)
    assert v.verdict is Outcome.APPLIES
    assert (v.benefit.rate_percent, v.benefit.rate_kind) == (50, "income_share")
    assert v.benefit.citation == "财税〔2018〕58号 一"
    assert all(c.status is Status.MET for c in v.conditions)


def test_reward_conditions_are_stated_when_not_yet_known(catalog):
    v = verdict(
        catalog, {"entity_type": "researcher", "employer_type": "public_university"}, 2024, REWARD
    )
    assert v.verdict is Outcome.APPLIES
    presumed = {c.fact for c in v.conditions if c.presumed}
    assert presumed == {"reward_type", "has_registered_contract", "months_since_income"}


@pytest.mark.parametrize(
    ("facts", "year", "expected", "failing"),
    [
        ({"employer_type": "soe"}, 2024, Outcome.DOES_NOT_APPLY, "employer_type"),
        ({"employer_type": "private_firm"}, 2024, Outcome.DOES_NOT_APPLY, "employer_type"),
        ({"employer_type": "private_nonprofit"}, 2024, Outcome.APPLIES, None),
        (
            {"employer_type": "public_institute", "months_since_income": 40},
            2024,
            Outcome.DOES_NOT_APPLY,
            "months_since_income",
        ),
        (
            {"employer_type": "public_institute", "has_registered_contract": False},
            2024,
            Outcome.DOES_NOT_APPLY,
            "has_registered_contract",
        ),
        (
            {"employer_type": "public_institute", "reward_type": "equity"},
            2024,
            Outcome.DOES_NOT_APPLY,
            "reward_type",
        ),
        ({"employer_type": "public_university"}, 2017, Outcome.DOES_NOT_APPLY, "tax_year"),
    ],
)
def test_reward_tax_cases(catalog, facts, year, expected, failing):
    v = verdict(catalog, {"entity_type": "researcher", **facts}, year, REWARD)
    assert v.verdict is expected
    if failing:
        assert v.condition(failing).status is Status.FAILED


def test_pay_cap_for_public_institutions_cites_law_and_performance_pay_notice(catalog):
    v = verdict(
        catalog,
        {"entity_type": "researcher", "employer_type": "public_university"},
        2024,
        "transfer-reward-pay-cap",
    )
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.track == "public_institution"
    assert v.benefit.citation == "《促进科技成果转化法》第四十五条第三款；人社部发〔2021〕14号 一"
    assert "绩效工资总量" in v.benefit.summary.zh


def test_pay_cap_for_soes_is_the_wage_bill_only(catalog):
    v = verdict(
        catalog,
        {"entity_type": "enterprise", "employer_type": "soe"},
        2024,
        "transfer-reward-pay-cap",
    )
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.track == "general"
    assert "工资总额" in v.benefit.summary.zh and "绩效工资" not in v.benefit.summary.zh


def test_pay_cap_does_not_concern_private_firms(catalog):
    v = verdict(
        catalog,
        {"entity_type": "enterprise", "employer_type": "private_firm"},
        2024,
        "transfer-reward-pay-cap",
    )
    assert v.verdict is Outcome.DOES_NOT_APPLY


@pytest.mark.parametrize(
    ("province", "shanxi_applies"), [("shanxi", True), ("beijing", False), (None, None)]
)
def test_provincial_reward_floor_applies_only_in_its_province(catalog, province, shanxi_applies):
    facts = {"entity_type": "researcher", "employer_type": "public_university"}
    if province:
        facts["province"] = province
    v = verdict(catalog, facts, 2024, "transfer-reward-pay-cap")
    floors = {p.provision.id: p.applies for p in v.provisions}
    assert floors["shanxi-floor"] is shanxi_applies
    assert floors["statutory-floors"] is True


@pytest.mark.parametrize(
    ("facts", "year", "expected"),
    [
        ({"is_pilot_unit": True}, 2024, Outcome.APPLIES),
        ({"is_pilot_unit": False}, 2024, Outcome.DOES_NOT_APPLY),
        ({"is_pilot_unit": True, "province": "beijing"}, 2019, Outcome.DOES_NOT_APPLY),
        ({"is_pilot_unit": True, "province": "sichuan"}, 2019, Outcome.APPLIES),
        ({"is_pilot_unit": True}, 2019, Outcome.UNKNOWN),
    ],
)
def test_service_invention_ownership(catalog, facts, year, expected):
    report = evaluate(
        catalog,
        {"entity_type": "researcher", "employer_type": "public_university", **facts},
        year,
        ids=["service-invention-ownership"],
    )
    v = report.verdicts[0]
    assert v.verdict is expected
    if expected is Outcome.UNKNOWN:
        assert report.next_question().name == "province"
    if facts.get("province") == "sichuan":
        assert v.benefit.track == "sichuan"


@pytest.mark.parametrize(
    ("kind", "amount"), [("invention", "4000"), ("utility_model", "1500"), ("design", "1500")]
)
def test_patent_bonus_floor_by_kind(catalog, kind, amount):
    v = verdict(
        catalog,
        {"entity_type": "researcher", "has_reward_agreement": False, "patent_kind": kind},
        2024,
        "patent-inventor-reward",
    )
    assert v.verdict is Outcome.APPLIES
    assert amount in v.benefit.summary.zh
    assert v.benefit.citation == "《专利法实施细则》第九十三条"


def test_patent_bonus_floor_gives_way_to_an_agreement(catalog):
    v = verdict(
        catalog,
        {"entity_type": "researcher", "has_reward_agreement": True},
        2024,
        "patent-inventor-reward",
    )
    assert v.verdict is Outcome.DOES_NOT_APPLY


# ---------------------------------------------------------------- enterprises: high-tech, tech-SME, transfers

HT = "high-tech-enterprise"
HT_OK = {
    "entity_type": "enterprise",
    "is_high_tech": False,
    "company_age_years": 3,
    "owns_core_ip": True,
    "in_supported_fields": True,
    "tech_staff_share": 12,
    "annual_sales": 3000,
    "rd_intensity": 5.5,
    "domestic_rd_share": 90,
    "high_tech_income_share": 70,
}


def test_certified_high_tech_enterprise_pays_15_percent(catalog):
    v = verdict(catalog, {"entity_type": "enterprise", "is_high_tech": True}, 2024, HT)
    assert (v.verdict, v.benefit.rate_percent, v.benefit.rate_kind) == (
        Outcome.APPLIES,
        15,
        "tax_rate",
    )


def test_uses_2016_criteria_not_2008(catalog):
    # 5.5 % R&D on sales ≤ 50 million passes the 2016 test (5 %), though the 2008 one was 6 %
    v = verdict(catalog, HT_OK, 2024, HT)
    assert v.verdict is Outcome.APPLIES
    assert v.benefit.rate_percent is None  # qualifies, not yet certified
    assert "15%" in v.benefit.summary.zh


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"rd_intensity": 4.5}, Outcome.DOES_NOT_APPLY),
        ({"rd_intensity": 4.5, "annual_sales": 8000}, Outcome.APPLIES),
        ({"rd_intensity": 3.5, "annual_sales": 8000}, Outcome.DOES_NOT_APPLY),
        ({"rd_intensity": 3.0, "annual_sales": 30000}, Outcome.APPLIES),
        ({"tech_staff_share": 9}, Outcome.DOES_NOT_APPLY),
        ({"high_tech_income_share": 59}, Outcome.DOES_NOT_APPLY),
        ({"company_age_years": 0.5}, Outcome.DOES_NOT_APPLY),
    ],
)
def test_high_tech_criteria(catalog, change, expected):
    assert verdict(catalog, HT_OK | change, 2024, HT).verdict is expected


def test_high_tech_before_2016_is_not_modelled(catalog):
    assert verdict(catalog, HT_OK, 2015, HT).verdict is Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("facts", "year", "expected", "rate"),
    [
        ({"is_tech_sme": True}, 2022, Outcome.APPLIES, 100),
        ({"is_tech_sme": True}, 2019, Outcome.APPLIES, 75),
        ({"is_tech_sme": True}, 2024, Outcome.APPLIES, 100),
        ({"is_tech_sme": False, "employees": 600}, 2024, Outcome.DOES_NOT_APPLY, None),
        (
            {
                "is_tech_sme": False,
                "is_high_tech": True,
                "employees": 300,
                "annual_sales": 9000,
                "total_assets": 15000,
            },
            2024,
            Outcome.APPLIES,
            100,
        ),
        (
            {
                "is_tech_sme": False,
                "is_high_tech": False,
                "employees": 300,
                "annual_sales": 9000,
                "total_assets": 15000,
                "tech_sme_score": 55,
                "tech_staff_share": 20,
            },
            2024,
            Outcome.DOES_NOT_APPLY,
            None,
        ),
    ],
)
def test_tech_sme(catalog, facts, year, expected, rate):
    v = verdict(catalog, {"entity_type": "enterprise", **facts}, year, "tech-sme")
    assert (v.verdict, v.benefit.rate_percent) == (expected, rate)


@pytest.mark.parametrize(
    ("kind", "year", "expected"),
    [
        ("nonexclusive_licence_5y", 2016, Outcome.APPLIES),
        ("nonexclusive_licence_5y", 2014, Outcome.DOES_NOT_APPLY),
        ("ownership", 2014, Outcome.APPLIES),
        ("short_licence", 2024, Outcome.DOES_NOT_APPLY),
        ("other", 2024, Outcome.DOES_NOT_APPLY),
    ],
)
def test_technology_transfer_income(catalog, kind, year, expected):
    v = verdict(
        catalog, {"entity_type": "enterprise", "transfer_kind": kind}, year, "tech-transfer-income"
    )
    assert v.verdict is expected
    if expected is Outcome.APPLIES:
        assert (v.benefit.rate_percent, v.benefit.rate_kind) == (100, "exemption")


# ---------------------------------------------------------------- investors and equity incentives

STARTUP = {
    "entity_type": "investor",
    "years_held": 3,
    "investee_employees": 250,
    "investee_total_assets": 4000,
    "investee_annual_sales": 1000,
    "investee_age_years": 3,
    "investee_rd_share": 25,
}


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2018, Outcome.DOES_NOT_APPLY),
        (2019, Outcome.APPLIES),
        (2027, Outcome.APPLIES),
        (2028, Outcome.DOES_NOT_APPLY),
    ],
)
def test_angel_start_up_limits_follow_the_relaxation_periods(catalog, year, expected):
    # 250 staff and 40 million yuan of assets fit the 300 / 5000万 limits of 2019–2027 only
    v = verdict(catalog, STARTUP | {"investor_type": "angel_individual"}, year, "angel-investor")
    assert v.verdict is expected
    if expected is Outcome.APPLIES:
        assert (v.benefit.rate_percent, v.benefit.rate_kind) == (70, "investment_offset")
    else:
        assert v.condition("investee_employees").status is Status.FAILED


def test_angel_must_hold_two_years(catalog):
    v = verdict(
        catalog,
        STARTUP | {"investor_type": "angel_individual", "years_held": 1.5},
        2024,
        "angel-investor",
    )
    assert v.condition("years_held").status is Status.FAILED


def test_partnership_vc_gets_its_own_track(catalog):
    report = evaluate(catalog, STARTUP | {"investor_type": "vc_partnership"}, 2024)
    vc = report.verdict("venture-capital")
    assert (vc.verdict, vc.benefit.track, vc.benefit.citation) == (
        Outcome.APPLIES,
        "partnership",
        "财税〔2018〕55号 一(二)",
    )
    angel = report.verdict("angel-investor")
    assert angel.verdict is Outcome.DOES_NOT_APPLY and not angel.relevant


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"is_listed": True}, Outcome.DOES_NOT_APPLY),
        ({"incentive_kind": "equity_award", "restricted_industry": True}, Outcome.DOES_NOT_APPLY),
        ({"incentive_kind": "stock_option", "restricted_industry": True}, Outcome.APPLIES),
        ({"incentive_recipients_share": 35}, Outcome.DOES_NOT_APPLY),
    ],
)
def test_equity_incentive_deferral(catalog, facts, expected):
    base = {
        "entity_type": "enterprise",
        "is_listed": False,
        "incentive_recipients_share": 10,
        "years_since_grant": 4,
    }
    v = verdict(catalog, base | facts, 2024, "equity-incentive-deferral")
    assert v.verdict is expected


def test_equity_deferral_is_not_for_university_researchers(catalog):
    v = verdict(
        catalog,
        {"entity_type": "researcher", "employer_type": "public_university"},
        2024,
        "equity-incentive-deferral",
    )
    assert v.verdict is Outcome.DOES_NOT_APPLY and not v.relevant


# ---------------------------------------------------------------- missing facts and the next question


def test_first_question_is_who_is_asking(catalog):
    report = evaluate(catalog, {}, 2024)
    assert report.next_question().name == "entity_type"
    assert all(v.verdict is Outcome.UNKNOWN for v in report.verdicts)


def test_enterprise_is_asked_its_industry_first_for_the_rd_deduction(catalog):
    report = evaluate(catalog, {"entity_type": "enterprise"}, 2024, ids=[RD])
    assert report.missing[0] == "industry"
    assert report.next_question().name == "industry"


def test_high_tech_status_settles_most(catalog):
    report = evaluate(catalog, {"entity_type": "enterprise"}, 2024, ids=[HT])
    assert report.next_question().name == "is_high_tech"
    report = evaluate(catalog, {"entity_type": "enterprise"}, 2024, ids=["tech-sme"])
    assert report.next_question().name == "is_tech_sme"


def test_missing_facts_come_only_from_incentives_for_the_asker(catalog):
    report = evaluate(catalog, {"entity_type": "researcher"}, 2024)
    assert report.next_question().name == "employer_type"
    assert "industry" not in report.missing
    assert "investee_employees" not in report.missing


def test_nothing_left_to_ask_when_everything_is_known(catalog):
    facts = {
        "entity_type": "enterprise",
        "industry": "other",
        "main_business_share": 90,
        "tax_collection": "audit",
        "rd_activity": "genuine_rd",
        "is_ic_or_machine_tool": False,
    }
    report = evaluate(catalog, facts, 2024, ids=[RD])
    assert report.missing == ()
    assert report.next_question() is None


def test_audience_filter(catalog):
    report = evaluate(catalog, {}, 2024, audience="investor")
    assert [v.id for v in report.verdicts] == ["angel-investor", "venture-capital"]
    with pytest.raises(FactError, match="unknown audience"):
        evaluate(catalog, {}, 2024, audience="students")


# ---------------------------------------------------------------- inputs and the JSON contract


def test_string_facts_are_parsed_and_unknown_names_rejected(catalog):
    report = evaluate(catalog, {"industry": "批发", "main_business_share": "八成"}, 2024, ids=[RD])
    assert report.facts == {
        "industry": "wholesale_retail",
        "main_business_share": 80,
        "entity_type": "enterprise",
    }
    assert report.verdict(RD).verdict is Outcome.DOES_NOT_APPLY
    with pytest.raises(FactError, match="unknown fact 'industy'"):
        evaluate(catalog, {"industy": "other"}, 2024)


def test_year_comes_from_the_argument_the_fact_or_today(catalog):
    assert evaluate(catalog, {"tax_year": 2019}, 2024).year == 2024
    r = evaluate(catalog, {"tax_year": 2019})
    assert (r.year, r.year_source) == (2019, "facts")
    r = evaluate(catalog, {}, today=date(2030, 5, 1))
    assert (r.year, r.year_source) == (2030, "today")


def test_json_contract(catalog):
    facts = extract_facts("We are a software firm with 30 % hardware resale.")
    data = evaluate(catalog, facts, 2024).to_json("en")
    json.dumps(data, ensure_ascii=False)  # serialisable
    assert data["facts"] == {
        "entity_type": "enterprise",
        "industry": "software_it",
        "main_business_share": 70,
    }
    assert isinstance(data["missing"], list)
    assert [i["id"] for i in data["incentives"]] == list(catalog.ids)
    rd = data["incentives"][0]
    assert rd["id"] == RD
    assert rd["name"] == "R&D expense super-deduction"
    assert rd["verdict"] == "applies"
    assert rd["benefit"]["rate_percent"] == 100
    assert rd["benefit"]["summary"].startswith("2024: an extra 100 %")
    assert {"fact", "status", "reason", "citation"} <= set(rd["conditions"][0])
    assert {c["status"] for c in rd["conditions"]} <= {"met", "failed", "unknown"}
    verdicts = {i["id"]: i["verdict"] for i in data["incentives"]}
    assert verdicts["angel-investor"] == "does_not_apply"
    assert set(verdicts.values()) <= {"applies", "does_not_apply", "unknown"}
    zh = evaluate(catalog, facts, 2024).to_json("zh")
    assert zh["incentives"][0]["name"] == "研发费用税前加计扣除"


def test_does_not_apply_ends_the_questions_for_that_incentive(catalog):
    # a wholesaler over 50 %: the super-deduction is settled, nothing more to ask about it
    report = evaluate(catalog, {"entity_type": "enterprise", "industry": "wholesale_retail",
                                "main_business_share": 80}, 2024, ids=["rd-super-deduction"])
    assert report.verdicts[0].verdict is Outcome.DOES_NOT_APPLY
    assert report.verdicts[0].missing == () and report.missing == ()
    assert report.next_question() is None
    # an angel who held the shares 18 months: no questions about the investee either
    report = evaluate(catalog, {"entity_type": "investor", "investor_type": "angel_individual",
                                "years_held": 1.5}, 2024, ids=["angel-investor"])
    assert report.verdicts[0].verdict is Outcome.DOES_NOT_APPLY
    assert report.next_question() is None
