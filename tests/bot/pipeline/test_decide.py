"""The decide stage on the real catalog: rates for the asked year and taxpayer, amounts, verdicts."""

from datetime import date
from pathlib import Path

import pytest

from bot.incentives import load_catalog
from bot.pipeline.decide import decide
from bot.pipeline.question import Kind, understand

CATALOG = load_catalog(Path(__file__).resolve().parents[3] / "corpus" / "incentives")
TODAY = date(2026, 12, 7)


def lead(text: str, lang: str | None = None) -> str:
    d = decide(understand(text, lang=lang, today=TODAY), CATALOG)
    assert d.decided, text
    return d.conclusions[0].text.get(understand(text, lang=lang, today=TODAY).lang)


@pytest.mark.parametrize(
    ("question", "first", "also"),
    [
        # the rate of the asked year, not of another period or category
        ("我们是汽车零部件制造企业，制造业收入占九成，2020年度研发费用加计扣除比例是多少？", "75%", "2021年1月1日"),
        ("2021年度我们制造业收入刚好占一半，研发费用加计扣除比例是多少？", "100%", "制造业"),
        ("2020年一家科技型中小企业的研发费用加计扣除比例是多少？", "75%", "财税〔2018〕99号"),
        ("研发费用加计扣除比例是多少？", "100%", "2023年第7号"),
        ("集成电路企业研发费用加计扣除比例是多少？", "120%", "2023年第44号"),
        # the class a question asks about is the taxpayer: tech SMEs had 75 % in 2017, others 50 %
        ("2017年科技型中小企业的研发费用加计扣除比例是多少？", "75%", "财税〔2017〕34号"),
    ],
)
def test_rates_follow_the_year_and_the_category(question, first, also):
    text = lead(question)
    assert text.split("\n")[0].count("%") and first in text.split("\n")[0].split("：")[0] + text[:40], text
    assert also in text, text


def test_amounts_are_computed_from_the_question():
    assert "570万元" in lead("一家软件企业2020年自己发生研发费用600万元，另外委托国内研究所研发支付200万元。一共可以加计扣除多少？")
    assert "RMB 2.1 million" in lead(
        "An angel investor put RMB 3 million into a qualifying start-up in 2022 and has held it for 3 years. "
        "How much can be offset?")
    text = lead("一家居民企业2024年取得技术转让所得1300万元，适用25%的税率，要缴多少企业所得税？")
    assert text.startswith("应缴企业所得税100万元") and "800万元×25%×50%" in text
    assert "450万元" in lead("我们 2024 年技术转让 revenue 700 万，相关 cost 和税费一共 250 万，要交 CIT 吗？")
    assert "15,000" in lead("We have no inventor reward rules. This year we were granted three invention patents and "
                            "two design patents. What is the minimum total bonus?")
    assert lead("In 2019 we capitalised an R&D patent at a cost of RMB 10 million, amortised over 10 years. "
                "How much amortisation can we deduct for 2019?").startswith("RMB 1.75 million")


def test_verdicts_use_the_facts_the_question_states():
    # "能评" means not yet certified; assets above 2亿 settle it
    text = lead("我们公司职工300人，资产总额2.5亿元，能评科技型中小企业吗？")
    assert text.startswith("不能") and "2.5亿元" in text
    text = lead("某贸易公司2024年收入总额1亿元，其中投资收益2000万元；批发业务收入4500万元。研发费用能加计扣除吗？")
    assert text.startswith("不能") and "56.25%" in text
    assert lead("某部属高校规定：专利转让净收入的三成奖励给团队。这个规定合法吗？").startswith("不合法")
    assert lead("An angel investor bought into a start-up 18 months ago. Can he use the 70% offset now?").startswith("No")


def test_a_factual_question_is_not_taken_for_an_eligibility_one():
    q = understand("高校科研人员的成果转化奖励要计入绩效工资总量吗？", today=TODAY)
    assert q.kind is not Kind.ELIGIBILITY
    assert lead("高校科研人员的成果转化奖励要计入绩效工资总量吗？").startswith("不受限制")


def test_english_questions_get_english_conclusions_with_english_figures():
    text = lead("In tax year 2017 we were a registered technology-based SME and expensed RMB 6 million of "
                "qualifying R&D. What extra deduction could we claim, and what would an ordinary company get?")
    assert "RMB 4.5 million" in text and "50%" in text
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in text.split("\n")[0]) < len(text.split("\n")[0]) / 5


@pytest.mark.parametrize(
    ("question", "named"),
    [("2090年研发费用加计扣除比例是多少？", "2090"),
     ("我们批发收入占150%，能享受研发费用加计扣除吗？", "150%")],
)
def test_facts_that_cannot_be_right_are_named_and_not_used(question, named):
    q = understand(question, today=TODAY)
    assert any(named in n for n in q.notes)
    d = decide(q, CATALOG)
    assert d.notes == q.notes
    assert "2090年度" not in "".join(c.text.zh for c in d.conclusions)


def test_no_rule_decides_a_question_it_has_no_figures_or_topic_for():
    assert not decide(understand("振兴东北专项行动由谁监督考核？", today=TODAY), CATALOG).decided


def test_amounts_use_every_figure_and_the_parts_come_in_the_order_asked():
    # own R&D plus commissioned R&D at 80 %
    assert lead("In 2024 our company spent RMB 2 million on in-house expensed R&D and paid RMB 3 million to a "
                "domestic university to carry out R&D on our behalf. What is the total extra deduction?"
                ).startswith("An extra deduction of RMB 4.4 million")
    # a tech SME before its own rate existed: the general rate, and when the SME rate began
    text = lead("一家科技型中小企业 in tax year 2016 had expensed R&D of 400万元. What extra deduction could it claim?")
    assert "RMB 2 million" in text and "1 January 2017" in text
    # two parts: the statutory minimum first, then the pay cap
    q = understand("A university licensed a patent and earned net licensing income of RMB 2 million. It has no rule "
                   "or agreement on rewards. What is the minimum amount due to the researchers, and does this "
                   "payment count against the university's payroll cap?", today=TODAY)
    d = decide(q, CATALOG)
    assert [c.topic for c in d.conclusions] == ["transfer-reward", "transfer-reward-pay-cap"]
    assert "RMB 1 million" in d.conclusions[0].text.en


def test_investor_verdicts_read_dates_and_ages():
    assert lead("天使投资个人2022年3月直接投资一家初创科技型企业，2023年10月转让了该企业股权。能否按投资额的70%抵扣？"
                ).startswith("不能：目前只持有19个月")
    assert lead("天使投资个人 invested in a company that had been 设立 for 6 years. Is it eligible for the 70% 抵扣?"
                ).startswith("No: The company was 6 years old")
    text = lead("A venture capital enterprise invested RMB 8 million in an unlisted small and medium-sized high-tech "
                "enterprise in January 2021 and still held it in 2023. How much can it offset, and in which year?")
    assert "RMB 5.6 million" in text and "tax year 2023" in text


def test_statutory_minimums_without_figures():
    assert "4000元" in lead("高校职务发明获得专利授权，没有约定也没有规定奖励。奖金什么期限内发放？发明专利最低多少？")
    assert "5%" in lead("高校 decides to 自行实施 a 职务科技成果, with no rule or agreement on rewards. What reward must it give?")


def test_a_question_about_another_tax_is_not_decided_by_an_income_tax_rule():
    q = understand("企业签订技术转让合同取得的收入能否免征增值税？", today=TODAY)
    assert q.topics == ()
    assert not decide(q, CATALOG).decided


def test_commissioned_rd_abroad_and_by_quarter():
    # domestic 1m at 80 %, abroad 5m at 80 % capped at two thirds of the domestic base
    text = lead("In 2024 our company (not a manufacturer) spent RMB 3 million on in-house expensed R&D, paid RMB 1 "
                "million to a domestic research institute to do R&D for us, and paid RMB 5 million to a foreign "
                "research institution for R&D. What is our total additional deduction?")
    assert text.startswith("An extra deduction of RMB 6.3333 million")
    assert lead("In 2023 we paid 100万元 to an individual consultant living abroad (境外个人) to do R&D for us. "
                "Can this be included in 研发费用加计扣除?").startswith("No")
    # 2022: 75 %, and 100 % for the fourth quarter
    assert lead("A software company (not a manufacturer, not a tech-based SME) incurred RMB 12 million of expensed "
                "R&D in 2022, spread evenly over the year. What is its total additional deduction for 2022?"
                ).startswith("An extra deduction of RMB 9.75 million")


def test_every_year_asked_gets_its_rate():
    text = lead("一家制造业企业（制造业收入占80%）2020年和2022年各有费用化研发支出1000万元。这两年分别可以加计扣除多少？")
    assert text.startswith("可加计扣除750万元") and "2022年度：比例为100%，可加计扣除1000万元" in text
    text = lead("We are on the list of 集成电路企业. In 2025 we expensed RMB 20 million of R&D. How much 加计扣除 "
                "can we claim, and what rate would apply in 2028?")
    assert "120%" in text.split("\n")[0] and "For 2028: 100%" in text


def test_stated_facts_are_all_checked():
    text = lead("我们最近一年销售收入正好2亿元, 近三年研发费用占销售收入3.5%, and 境内研发费用 is 55% of total R&D. "
                "Do we meet the 高新技术企业 R&D criteria?")
    assert text.startswith("不够") and "4%" in text and "60%" in text
    assert lead("一家非制造业、非科技型中小企业2021年研发形成无形资产，成本1000万元，按10年摊销。每年可以在税前摊销多少？"
                ).startswith("2021年度可税前摊销175万元")
    assert lead("What super-deduction rate applied to expensed R&D costs in our 2015 tax year?").startswith("50%")
    # a listed investee fails the VC route; the gain caps this year's offset
    assert lead("A venture capital enterprise invested RMB 10 million in a company already listed on the STAR Market "
                "and held it for three years. Can it offset 70% of the investment?").startswith("No")
    text = lead("天使投资个人2020年6月以100万元直接投资一家初创科技型企业，2022年12月首次转让部分股权，取得应纳税所得额40万元。"
                "这次可以抵扣多少？")
    assert text.startswith("这次可抵扣40万元") and "剩余30万元" in text


def test_transfer_income_of_a_high_tech_enterprise_is_halved_at_the_statutory_rate():
    q = understand("我们是高新技术企业，适用15%税率。2023年技术转让所得1500万元，应缴纳多少企业所得税？", today=TODAY)
    c = decide(q, CATALOG).conclusions[0]
    assert c.text.zh.startswith("应缴企业所得税125万元") and c.unconfirmed


def test_mixed_questions_are_answered_in_the_language_mostly_written():
    assert understand("We are a 房地产开发 company. Can we claim 研发费用加计扣除 on our green-building R&D, and at "
                      "what rate?", today=TODAY).lang == "en"
    assert understand("我们 2016 年 R&D 形成了一项 software copyright，2016 年 tax 上能摊销多少？", today=TODAY).lang == "zh"


# ---------------------------------------------------------------- the rate only where it is asked
# (a blind review found the year's rate leading answers to questions about something else)


@pytest.mark.parametrize(
    "question",
    [
        "To count as a 'manufacturing enterprise' for the 2021 R&D deduction rule, how much of total revenue "
        "has to come from the main manufacturing business?",
        "咋判断一家企业属不属于不能加计扣除的行业？收入占比多少算？",
        "初创科技型企业研发费用占比要达到多少？",
        "Can we already claim the R&D super deduction when prepaying corporate income tax for the third "
        "quarter, or only at the annual settlement?",
        "研发费用加计扣除需要留存哪些资料？",
    ],
)
def test_a_condition_or_procedure_question_is_not_answered_with_the_rate(question):
    d = decide(understand(question, today=TODAY), CATALOG)
    assert not any(c.topic == "rd-super-deduction" for c in d.conclusions), d.conclusions


def test_facts_stated_before_the_question_do_not_hide_that_it_asks_the_rate():
    text = lead("我们是制造企业，制造业收入占总收入九成以上。2020年度的研发费用加计扣除比例是多少？")
    assert "75%" in text.split("：")[0]


def test_commissioned_rd_asked_without_amounts():
    base = lead("委托外面机构搞研发，费用按多少算加计扣除？")
    assert base.startswith("按实际发生额的80%计入")
    papers = lead("We paid an individual freelancer to do R&D for us. What paperwork do we need to claim the "
                  "extra deduction?")
    assert papers.startswith("The individual's invoice")


def test_an_amortisation_question_leads_with_the_amortisation_rate_of_its_year():
    assert lead("2019年研发费用形成无形资产的，按多少比例摊销？").startswith("2019年度研发形成的无形资产按无形资产成本的175%")
    later = lead("2023年以后研发形成无形资产能按多少摊销")
    assert "200%" in later.split("；")[0]
    assert "按无形资产成本的220%摊销" in later and "：120%" not in later  # the IC track, as amortisation


def test_a_range_of_years_is_answered_for_its_period():
    text = lead("What was the extra R&D deduction rate for ordinary companies between 2018 and 2020?")
    assert text.startswith("75% for tax year 2018")


def test_since_when_names_the_period_of_the_year_asked():
    text = lead("When did the 2023 announcement on the R&D super deduction start applying?")
    assert text.split("\n")[0].startswith("enterprises: 100% from 1 January 2023")
    assert "2008" not in text


def test_no_machinery_in_the_conclusion():
    bonus = lead("单位没跟发明人约定奖励的话，一项发明专利最少发多少奖金？")
    assert bonus.startswith("至少4,000元") and "0项" not in bonus and "共0元" not in bonus
    ratio = lead("销售收入5000万以下的企业，研发费用占比要多少才能评高企？")
    assert ratio.startswith("不低于5%") and "待确认" not in ratio and "：否" not in ratio


def test_a_named_document_is_answered_with_its_own_rate_and_period():
    text = lead("财税〔2018〕99号把研发费用加计扣除比例提到多少？管哪几年")
    assert text.startswith("企业：自2018年1月1日至2020年12月31日按75%加计扣除——财税〔2018〕99号"), text
    assert "100%" not in text


def test_what_a_word_means_is_not_answered_with_the_rate():
    for q in ("制造业企业100%加计扣除，啥样的企业才算制造业企业", "制造业企业享受100%加计扣除，制造业企业是咋界定的？",
              "What counts as a manufacturing enterprise for the R&D deduction?"):
        assert not decide(understand(q, today=TODAY), CATALOG).decided, q


def test_the_share_of_outsourced_rd_that_counts_is_the_80_percent_base():
    text = lead("we outsource some R&D to a university lab. what share of that cost counts towards the super deducton?")
    assert text.startswith("At 80% of the actual cost"), text


def test_equity_incentive_deferral_is_answered_from_the_catalog():
    d = decide(understand("非上市公司给员工股权激励，递延纳税要满足啥条件？", today=TODAY), CATALOG)
    c = d.conclusions[0]
    assert c.topic == "equity-incentive-deferral" and c.unconfirmed  # the catalog marks its date unconfirmed
    assert c.text.zh.startswith("取得股权激励时暂不纳税") and "20%" in c.text.zh
    assert "30%" in c.text.zh and "满3年" in c.text.zh  # the requirements, since they were asked
    assert lead("上市公司的股票期权能递延纳税吗？").startswith("不能递延")
    assert lead("Our unlisted company gives stock options to engineers. Can they defer the income tax?") \
        .startswith("Yes, the tax can be deferred: no tax when the incentive is received")


def test_the_cash_reward_tax_rule_does_not_answer_for_shares():
    d = decide(understand("科研人员获得的股权奖励要交个税吗？", today=TODAY), CATALOG)
    assert all(c.topic != "researcher-reward-income-tax" for c in d.conclusions)
    assert lead("科研人员拿到的成果转化现金奖励个税怎么算？").startswith("现金奖励减按50%")


@pytest.mark.parametrize("question", [
    "企业安置残疾人员，支付给残疾职工的工资能加计扣除多少？",  # the other additional deduction (EIT Law Art. 30(2))
    "We employ disabled workers. Is there any extra tax deduction on their wages?",
    "广州对企业研发投入给多少钱的补贴？",  # a city's subsidy: a sum the R&D rate does not answer
    "How much cash subsidy does Guangzhou give for R&D spending?",
])
def test_the_rd_rate_does_not_answer_another_question(question):
    d = decide(understand(question, today=TODAY), CATALOG)
    assert all(c.topic != "rd-super-deduction" for c in d.conclusions), d.conclusions


def test_a_high_tech_certificate_qualifies_a_tech_sme_without_scoring():
    for q in ("我们有高新技术企业证书，还要参加科技型中小企业评价打分吗？",
              "our company already holds a valid high-tech enterprise certificate. do we still have to go through "
              "the scoring to count as a tech-based SME?"):
        d = decide(understand(q, today=TODAY), CATALOG)
        assert [c.topic for c in d.conclusions] == ["tech-sme"], d.conclusions  # not "HNTE conditions met"
        c = d.conclusions[0]
        assert c.text.zh.startswith("不需要评分") and c.text.en.startswith("No scoring needed") and c.unconfirmed


@pytest.mark.parametrize("question", [
    "As an HNTE, can we carry forward our tax losses for 10 years instead of 5?",
    "Does Harbin pay a cash award to companies newly certified as high-tech enterprises?",
    "我们是高新技术企业，亏损可以结转几年？",
    "新认定的高企，市里有没有奖励或者补贴？",
    # the investee's status: the VC company's own relief is asked about
    "We're a venture capital company that invested in an unlisted small/medium high-tech enterprise "
    "in 2021 and still hold the stake. Can we get any income tax deduction for it?",
])
def test_a_status_named_beside_another_benefit_gets_no_verdict_on_the_status(question):
    # the status is the asker's fact; "Yes: the 15 % rate applies" answers nothing asked here
    d = decide(understand(question, today=TODAY), CATALOG)
    assert not any(c.topic == "high-tech-enterprise" for c in d.conclusions)


@pytest.mark.parametrize("question", [
    "What is the income tax rate for high-tech enterprises?",
    "我们是高新技术企业，所得税税率是多少？",
])
def test_the_status_rate_is_still_answered(question):
    d = decide(understand(question, today=TODAY), CATALOG)
    assert any(c.topic == "high-tech-enterprise" for c in d.conclusions)


@pytest.mark.parametrize("question", [
    "Our university lab commercialises a patented result itself together with a company, and the "
    "university has no reward policy. What are the inventors legally entitled to?",
    "我们研究所自己实施一项专利成果，没有约定奖励，发明人每年能拿多少？",
])
def test_a_result_the_unit_implements_itself_rewards_a_share_of_operating_profit(question):
    # not the bonus for a granted patent: the reward for implementing the result comes first
    assert "5%" in lead(question)
