"""Extraction of facts from Chinese and English words; eligibility-question detection."""

from datetime import date

import pytest

from bot.incentives.extraction import extract_facts, looks_like_eligibility_question

TODAY = date(2025, 6, 1)


# ---------------------------------------------------------------- extraction

SENTENCES = [
    (
        "我们是一家批发公司，批发收入占八成",
        {"entity_type": "enterprise", "industry": "wholesale_retail", "main_business_share": 80},
    ),
    ("we are a cigarette maker", {"entity_type": "enterprise", "industry": "tobacco"}),
    (
        "I teach at a public university",
        {"entity_type": "researcher", "employer_type": "public_university"},
    ),
    (
        "We are a software firm with 30 % hardware resale. Can we claim the R&D super-deduction for 2024?",
        {
            "entity_type": "enterprise",
            "industry": "software_it",
            "main_business_share": 70,
            "tax_year": 2024,
        },
    ),
    (
        "我们是软件公司，硬件转售占三成",
        {"entity_type": "enterprise", "industry": "software_it", "main_business_share": 70},
    ),
    (
        "我们是制造企业，2021年制造业收入占60%，研发费用能加计扣除吗？",
        {
            "entity_type": "enterprise",
            "industry": "manufacturing",
            "main_business_share": 60,
            "tax_year": 2021,
        },
    ),
    (
        "我们公司主营业务是批发，占收入的六成",
        {"entity_type": "enterprise", "industry": "wholesale_retail", "main_business_share": 60},
    ),
    (
        "我们70%的收入来自批发，30%来自软件开发",
        {"entity_type": "enterprise", "industry": "wholesale_retail", "main_business_share": 70},
    ),
    (
        "Software makes up 70% of our revenue and hardware resale 30%",
        {"entity_type": "enterprise", "industry": "software_it", "main_business_share": 70},
    ),
    ("本公司系卷烟厂", {"entity_type": "enterprise", "industry": "tobacco"}),
    (
        "我们是核定征收的餐饮企业",
        {
            "entity_type": "enterprise",
            "industry": "hospitality_catering",
            "tax_collection": "deemed",
        },
    ),
    (
        "Our restaurant is on deemed-profit taxation",
        {
            "entity_type": "enterprise",
            "industry": "hospitality_catering",
            "tax_collection": "deemed",
        },
    ),
    ("我们是一家房地产开发公司", {"entity_type": "enterprise", "industry": "real_estate"}),
    ("we're a KTV operator", {"entity_type": "enterprise", "industry": "entertainment"}),
    (
        "我们是高新技术企业，员工300人，年销售收入5000万元，资产总额2亿",
        {
            "entity_type": "enterprise",
            "is_high_tech": True,
            "employees": 300,
            "annual_sales": 5000,
            "total_assets": 20000,
        },
    ),
    (
        "We are not a high-tech enterprise yet; we plan to apply. Our R&D staff make up 12% and R&D spending "
        "is 4.5% of sales.",
        {
            "entity_type": "enterprise",
            "is_high_tech": False,
            "tech_staff_share": 12,
            "rd_intensity": 4.5,
        },
    ),
    (
        "我们是科技型中小企业，2022年的研发费用怎么扣？",
        {"entity_type": "enterprise", "is_tech_sme": True, "tax_year": 2022},
    ),
    (
        "我在中科院某研究所工作，成果转化拿到了现金奖励，技术合同已登记",
        {
            "entity_type": "researcher",
            "employer_type": "public_institute",
            "reward_type": "cash",
            "has_registered_contract": True,
        },
    ),
    (
        "我是高校老师，学校在转化收入到账后12个月发放奖励",
        {
            "entity_type": "researcher",
            "employer_type": "public_university",
            "months_since_income": 12,
        },
    ),
    (
        "我们是国企，成果转化奖励受不受工资总额限制？",
        {"entity_type": "enterprise", "employer_type": "soe", "reward_type": "cash"},
    ),
    (
        "我们学校是公办高校，在山西",
        {"entity_type": "university", "employer_type": "public_university", "province": "shanxi"},
    ),
    (
        "我是天使投资人，2年前投资了一家初创科技型企业，该企业从业人员80人，资产总额1000万元",
        {
            "entity_type": "investor",
            "investor_type": "angel_individual",
            "years_held": 2,
            "investee_employees": 80,
            "investee_total_assets": 1000,
        },
    ),
    (
        "As a VC fund we invested in a startup 3 years ago",
        {"entity_type": "investor", "investor_type": "vc_company", "years_held": 3},
    ),
    (
        "We are a chip design company founded in 2020, with 45 employees and sales of RMB 30 million in 2023",
        {
            "entity_type": "enterprise",
            "industry": "software_it",
            "tax_year": 2023,
            "company_age_years": 3,
            "employees": 45,
            "annual_sales": 3000,
        },
    ),
    (
        "我们公司是上市公司，给技术骨干发了限制性股票",
        {"entity_type": "enterprise", "is_listed": True, "incentive_kind": "restricted_stock"},
    ),
    (
        "我们把一项发明专利以5年以上非独占许可方式许可给了别人",
        {"transfer_kind": "nonexclusive_licence_5y", "patent_kind": "invention"},
    ),
    ("我们委托做了市场调研，这笔费用能加计扣除吗", {"rd_activity": "market_research"}),
    (
        "We are a restaurant chain; is our market research deductible?",
        {
            "entity_type": "enterprise",
            "industry": "hospitality_catering",
            "rd_activity": "market_research",
        },
    ),
    (
        "超过一半收入来自批发",
        {"entity_type": "enterprise", "industry": "wholesale_retail", "main_business_share": 50.5},
    ),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES, ids=[s[0][:24] for s in SENTENCES])
def test_extract_facts(text, expected):
    assert extract_facts(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("财税〔2015〕119号第四条怎么规定？", "tax_year"),
        ("财政部 税务总局公告2023年第7号有什么变化", "tax_year"),
        ("年销售收入2000万元", "tax_year"),
        ("高新技术企业的认定条件是什么？", "is_high_tech"),
        ("我们是创新型中小企业", "is_tech_sme"),  # not the same as 科技型中小企业
        (
            "I work at a private university",
            "employer_type",
        ),  # private: for-profit or not is unknown
        ("我们公司2019年成立", "tax_year"),
    ],
)
def test_extraction_does_not_overread(text, absent):
    assert absent not in extract_facts(text, today=TODAY)


def test_extraction_negations_and_relative_years():
    assert extract_facts("我们不是高新技术企业", today=TODAY)["is_high_tech"] is False
    assert extract_facts("我们想申请高新技术企业认定", today=TODAY)["is_high_tech"] is False
    assert (
        extract_facts("we are a certified high-tech enterprise", today=TODAY)["is_high_tech"]
        is True
    )
    assert extract_facts("去年我们的研发费用", today=TODAY)["tax_year"] == 2024
    assert extract_facts("我们公司2019年成立", today=TODAY)["company_age_years"] == 6
    assert extract_facts("技术合同没有登记", today=TODAY)["has_registered_contract"] is False


# ---------------------------------------------------------------- question detection


@pytest.mark.parametrize(
    "text",
    [
        "我们是批发企业，研发费用能不能享受加计扣除？",
        "我们公司是否适用高新技术企业优惠？",
        "这个政策适用于我们吗",
        "我们可以申请科技型中小企业吗？",
        "研发费用能加计扣除吗",
        "我拿到的奖励能减半计税吗？",
        "我们有资格吗",
        "Can we claim the R&D super-deduction?",
        "Are we eligible for the 15% rate?",
        "Does this apply to us?",
        "Do I qualify for the 50% treatment?",
        "Would the 70% offset apply to a VC fund?",
    ],
)
def test_eligibility_questions(text):
    assert looks_like_eligibility_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "研发费用加计扣除比例是多少？",
        "财税〔2015〕119号第四条讲了什么",
        "What does article 4 of 财税〔2015〕119号 say?",
        "Summarise the high-tech enterprise criteria",
        "高新技术企业认定管理办法是哪一年发布的",
    ],
)
def test_not_eligibility_questions(text):
    assert not looks_like_eligibility_question(text)


def test_a_share_goes_to_the_nearer_label_not_to_a_later_rd_figure():
    facts = extract_facts("一家制造业企业（制造业收入占比90%）2021年费用化研发支出500万元，可以加计扣除多少？")
    assert facts["main_business_share"] == 90 and "rd_intensity" not in facts
    assert extract_facts("我们近三年研发费用占销售收入的比例为3.8%")["rd_intensity"] == 3.8


@pytest.mark.parametrize(("text", "age"), [
    ("公司成立8个月，能申请高新技术企业吗？", 0.67),
    ("We registered our company 8 months ago. Can we apply for high-tech status?", 0.67),
    ("We set up the firm 3 years ago; can we apply?", 3),
    ("公司成立3年了", 3),
])
def test_company_age_in_months_or_with_words_between(text, age):
    assert extract_facts(text, today=TODAY)["company_age_years"] == age


def test_a_right_registered_years_ago_is_not_the_company_age():
    assert "company_age_years" not in extract_facts("We registered a patent 8 months ago.", today=TODAY)
    assert "company_age_years" not in extract_facts("We registered our trademark 3 years ago.", today=TODAY)
