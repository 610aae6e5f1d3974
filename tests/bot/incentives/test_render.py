"""Plain-text rendering of reports and of the catalog."""

import pytest

from bot.incentives import evaluate, extract_facts, render_catalog, render_report


def test_wholesaler_report_in_chinese(catalog):
    report = evaluate(
        catalog,
        extract_facts("我们是一家批发公司，批发收入占八成"),
        2024,
        ids=["rd-super-deduction"],
    )
    text = render_report(report, "zh")
    assert (
        text.splitlines()[0]
        == "2024年度。已知：主体类型：企业；主营行业：批发和零售业；主营业务收入占比：80%"
    )
    assert "❌ 研发费用税前加计扣除：不适用" in text
    assert "✘ 主营业务属于负面清单行业" in text
    assert "（财税〔2015〕119号 四；国家税务总局公告2015年第97号 四）" in text


def test_software_report_in_english(catalog):
    report = evaluate(
        catalog,
        extract_facts("We are a software firm with 30 % hardware resale."),
        2024,
        ids=["rd-super-deduction"],
    )
    text = render_report(report, "en")
    assert "✅ R&D expense super-deduction: applies" in text
    assert (
        "Benefit: 2024: an extra 100 % of actual R&D costs; intangible assets amortised at 200 % "
        "(the notice sets no end date). (财政部 税务总局公告2023年第7号 一)"
    ) in text
    assert "? Assumed met (please check):" in text
    assert "citation unconfirmed" in text  # 119号 五(一) article number is not verified
    assert "Next question:" in text


def test_unknown_verdict_lists_what_is_needed(catalog):
    report = evaluate(catalog, {"entity_type": "enterprise"}, 2024, ids=["high-tech-enterprise"])
    text = render_report(report, "zh")
    assert "❔ 高新技术企业减按15%税率：尚不能判断" in text
    assert "还需要：高新技术企业资格" in text
    assert "下一个问题：企业目前是否持有有效的高新技术企业证书？" in text
    assert "可选：是、否" in text


def test_unconfirmed_rules_are_not_asserted(catalog):
    facts = {
        "entity_type": "researcher",
        "employer_type": "public_university",
        "is_pilot_unit": True,
    }
    text = render_report(evaluate(catalog, facts, 2024, ids=["service-invention-ownership"]), "zh")
    assert "优惠：[未经核实] 2024年度：试点单位可以将" in text
    text_en = render_report(
        evaluate(catalog, facts, 2024, ids=["service-invention-ownership"]), "en"
    )
    assert "Benefit: [unconfirmed] 2024: pilot units" in text_en


@pytest.mark.parametrize(
    ("province", "expected"),
    [
        ("beijing", "Shanxi reward floor applies only in Shanxi, not in your province."),
        ("shanxi", "[unconfirmed] Shanxi reward floor: Shanxi sets a floor of 70 %"),
    ],
)
def test_provincial_floors(catalog, province, expected):
    facts = {
        "entity_type": "researcher",
        "employer_type": "public_university",
        "province": province,
    }
    text = render_report(evaluate(catalog, facts, 2024, ids=["transfer-reward-pay-cap"]), "en")
    assert expected in text


def test_only_relevant_hides_incentives_for_others(catalog):
    report = evaluate(
        catalog, {"entity_type": "researcher", "employer_type": "public_university"}, 2024
    )
    relevant = render_report(report, "en")
    everything = render_report(report, "en", only_relevant=False)
    assert "R&D expense super-deduction" not in relevant
    assert "❌ R&D expense super-deduction: does not apply" in everything
    assert "Researchers' cash transfer rewards" in relevant


def test_plain_text_without_markup(catalog):
    text = render_report(evaluate(catalog, {}, 2024), "en", provisions=True)
    for markup in ("<b>", "</", "**", "`", "__"):
        assert markup not in text


def test_catalog_listing(catalog):
    text = render_catalog(catalog, "en")
    assert text.startswith(
        "R&D expense super-deduction [rd-super-deduction]\n  For: enterprises\n"
        "  Valid: from 2008-01-01 (conditions modelled from 2016-01-01)"
    )
    assert (
        "  · a listed IC or industrial machine-tool enterprise: 120%, 2023-01-01 to 2027-12-31 "
        "(财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号 一)"
    ) in text
    assert "[unconfirmed] from 2016-09-01" in text  # equity-incentive deferral start date
    zh = render_catalog(catalog, "zh")
    assert (
        "研发费用税前加计扣除 [rd-super-deduction]\n  适用对象：企业\n  有效期：2008-01-01 起" in zh
    )
    assert zh.count("\n\n") == len(catalog) - 1


def test_catalog_json_for_the_cli(catalog):
    from bot.incentives import catalog_to_json

    data = catalog_to_json(catalog, "en")
    rd = data["incentives"][0]
    assert rd["id"] == "rd-super-deduction" and rd["audience"] == ["enterprise"]
    assert rd["validity"]["from"] == "2008-01-01" and rd["validity"]["to"] is None
    ic = next(b for b in rd["benefits"] if b["track"] == "ic_machine_tool")
    assert (ic["rate_percent"], ic["from"], ic["to"]) == (120, "2023-01-01", "2027-12-31")
