"""Fact registry: every fact is declared in full; bad typed answers get a hint."""

import pytest

from bot.incentives.registry import FACTS, FactError, FactType, parse_fact_assignment


def test_registry_is_complete_and_short():
    for spec in FACTS.values():
        assert spec.question.zh and spec.question.en and spec.label.zh and spec.label.en
        assert len(spec.choices) <= 8, spec.name
        if spec.type is FactType.ENUM:
            assert spec.choices, spec.name
            assert len(set(spec.values)) == len(spec.values)
    assert {
        "entity_type",
        "industry",
        "main_business_share",
        "tax_collection",
        "is_high_tech",
        "is_tech_sme",
        "is_ic_or_machine_tool",
        "employees",
        "annual_sales",
        "total_assets",
        "tax_year",
        "employer_type",
    } <= set(FACTS)
    assert "software_it" in FACTS["industry"].values
    assert FACTS["is_high_tech"].buttons("zh") == [("true", "是"), ("false", "否")]


# ---------------------------------------------------------------- parsing typed answers


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("main_business_share", "八成", 80),
        ("main_business_share", "八成五", 85),
        ("main_business_share", "80%", 80),
        ("main_business_share", "80 %", 80),
        ("main_business_share", "百分之三十五", 35),
        ("main_business_share", "三分之二", 66.67),
        ("main_business_share", "0.8", 80),
        ("main_business_share", "half", 50),
        ("main_business_share", "60", 60),
        ("annual_sales", "5000万", 5000),
        ("annual_sales", "5000万元", 5000),
        ("annual_sales", "2亿", 20000),
        ("annual_sales", "50 million yuan", 5000),
        ("annual_sales", "3000", 3000),
        ("annual_sales", "三千万", 3000),
        ("employees", "三百人", 300),
        ("employees", "1,200", 1200),
        ("tax_year", "2019年", 2019),
        ("tax_year", "FY2021", 2021),
        ("is_high_tech", "是的", True),
        ("is_high_tech", "no", False),
        ("is_high_tech", "还没有", False),
        ("industry", "批发", "wholesale_retail"),
        ("industry", "我们做批发", "wholesale_retail"),
        ("industry", "Manufacturing", "manufacturing"),
        ("industry", "software", "software_it"),
        ("industry", "2", "tobacco"),
        ("tax_collection", "核定征收", "deemed"),
        ("employer_type", "公办高校", "public_university"),
    ],
)
def test_parse_typed_answers(name, text, value):
    assert FACTS[name].parse(text) == value


@pytest.mark.parametrize(
    ("name", "text", "hint"),
    [
        ("main_business_share", "lots", "a percentage from 0 to 100"),
        ("main_business_share", "180", "a percentage from 0 to 100"),
        ("industry", "space mining", "use one of manufacturing, tobacco"),
        ("tax_year", "next year", "a year such as 2024"),
        ("is_high_tech", "perhaps", "yes or no"),
        ("employees", "3.5", "a whole number"),
    ],
)
def test_bad_answers_say_what_is_expected(name, text, hint):
    with pytest.raises(FactError, match=hint):
        FACTS[name].parse(text)


def test_fact_assignment_for_the_cli():
    assert parse_fact_assignment("industry=manufacturing") == ("industry", "manufacturing")
    assert parse_fact_assignment("main_business_share=60%") == ("main_business_share", 60)
    with pytest.raises(FactError, match="unknown fact 'industy'"):
        parse_fact_assignment("industy=manufacturing")
    with pytest.raises(FactError, match="write name=value"):
        parse_fact_assignment("industry")
