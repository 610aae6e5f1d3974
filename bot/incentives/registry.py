"""The fact registry: which facts about an asker exist and how a value for each is checked.

Every fact the catalog's rules may test is declared here once (name, type, question in Chinese and
English, short choice lists for buttons). ``FactSpec.parse`` reads a typed answer ("八成", "yes",
"5000万"); ``FactSpec.coerce`` checks a Python value.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import StrEnum

from .numbers import nfkc, parse_money_wan, parse_number, parse_percent, tidy_number


class IncentiveError(Exception):
    """Base class for eligibility problems; the message tells the user what to do."""


class FactError(IncentiveError, ValueError):
    """An unknown fact name or a value that does not fit the fact (the message lists valid ones)."""


@dataclass(frozen=True)
class Text:
    """The same short text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


class FactType(StrEnum):
    ENUM = "enum"
    BOOL = "bool"
    NUMBER = "number"
    PERCENT = "percent"
    YEAR = "year"
    INT = "int"


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    synonyms: tuple[str, ...] = ()  # extra words accepted as a typed answer (lower case)


FactValue = str | bool | int | float


@dataclass(frozen=True)
class FactSpec:
    """One fact: how to ask for it, what answers it accepts."""

    name: str
    type: FactType
    label: Text
    question: Text
    choices: tuple[Choice, ...] = ()  # shown as buttons; at most 8
    extra_values: tuple[Choice, ...] = ()  # accepted when typed or extracted, not shown as buttons
    unit: Text | None = None
    minimum: float | None = None
    maximum: float | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """Every accepted value of an enum fact (buttons first)."""
        return tuple(c.value for c in self.choices + self.extra_values)

    def choice(self, value: str) -> Choice | None:
        for c in self.choices + self.extra_values:
            if c.value == value:
                return c
        return None

    def buttons(self, lang: str) -> list[tuple[str, str]]:
        """(value, label) pairs for an inline keyboard; yes/no for booleans."""
        if self.type is FactType.BOOL:
            return [("true", _YES.get(lang)), ("false", _NO.get(lang))]
        return [(c.value, c.label.get(lang)) for c in self.choices]

    def format(self, value: FactValue, lang: str = "en") -> str:
        """A value as a person reads it ("80%", "是", "批发和零售业", "5000万元")."""
        if self.type is FactType.ENUM:
            c = self.choice(str(value))
            return c.label.get(lang) if c else str(value)
        if self.type is FactType.BOOL:
            return (_YES if value else _NO).get(lang)
        if self.type is FactType.PERCENT:
            return f"{_num(value)}%"
        if self.unit is _WAN and isinstance(value, int | float):
            if lang == "zh":
                return (
                    f"{_num(tidy_number(value / 10_000))}亿元"
                    if value >= 10_000
                    else f"{_num(value)}万元"
                )
            return f"{_num(tidy_number(value / 100))} million yuan"
        if self.unit is not None:
            sep = "" if lang == "zh" else " "
            return f"{_num(value)}{sep}{self.unit.get(lang)}"
        return _num(value)

    def coerce(self, value: object) -> FactValue:
        """Check a Python value (or parse a string) for this fact; raise FactError if it does not fit."""
        if isinstance(value, str):
            return self.parse(value)
        if self.type is FactType.BOOL:
            if isinstance(value, bool):
                return value
        elif self.type is FactType.ENUM:
            pass
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return self._in_range(tidy_number(float(value)))
        raise FactError(self._hint(repr(value)))

    def parse(self, text: str) -> FactValue:
        """Parse a typed answer ("八成", "yes", "5000万", "批发") or raise FactError with a hint."""
        raw = nfkc(text).strip()
        if not raw:
            raise FactError(self._hint(text))
        value: FactValue | None
        if self.type is FactType.ENUM:
            value = self._parse_enum(raw)
        elif self.type is FactType.BOOL:
            value = _parse_bool(raw)
        elif self.type is FactType.PERCENT:
            value = parse_percent(raw)
        elif self.type is FactType.YEAR:
            value = _parse_year(raw)
        elif self.type is FactType.INT:
            n = parse_number(raw)
            value = None if n is None or n != int(n) else int(n)
        elif self.unit is _WAN:
            value = parse_money_wan(raw, bare_is_wan=True)
        else:
            value = parse_number(raw)
        if value is None:
            raise FactError(self._hint(text))
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = self._in_range(tidy_number(float(value)))
        return value

    def _parse_enum(self, raw: str) -> str | None:
        low = raw.lower().strip(" .。")
        options = self.choices + self.extra_values
        if low.isdigit() and 1 <= int(low) <= len(self.choices):
            return self.choices[int(low) - 1].value
        for c in options:
            if low in (c.value, c.label.zh.lower(), c.label.en.lower()) or low in c.synonyms:
                return c.value
        for c in options:  # a longer answer that contains a label or synonym ("我们做批发")
            words = (
                (c.label.zh, *c.synonyms) if _has_cjk(low) else (c.label.en.lower(), *c.synonyms)
            )
            if any(w and _contains_word(low, w.lower()) for w in words):
                return c.value
        return None

    def _in_range(self, value: int | float) -> int | float:
        if self.type is FactType.YEAR and (value != int(value) or not 1990 <= value <= 2100):
            raise FactError(self._hint(str(value)))
        if self.type is FactType.INT and value != int(value):
            raise FactError(self._hint(str(value)))
        lo = 0.0 if self.minimum is None else self.minimum
        if value < lo or (self.maximum is not None and value > self.maximum):
            raise FactError(self._hint(str(value)))
        return int(value) if self.type in (FactType.INT, FactType.YEAR) else value

    def _hint(self, got: str) -> str:
        if self.type is FactType.ENUM:
            accepted = ", ".join(self.values)
            return f"fact '{self.name}': cannot read {got!r}; use one of {accepted}"
        kind = {
            FactType.BOOL: "yes or no (是/否)",
            FactType.PERCENT: "a percentage from 0 to 100 (e.g. 80, 80%, 八成)",
            FactType.YEAR: "a year such as 2024",
            FactType.INT: "a whole number (e.g. 300)",
            FactType.NUMBER: "a number",
        }[self.type]
        if self.unit is not None and self.type is FactType.NUMBER:
            kind = f"a number in {self.unit.en} (e.g. 5000, 5000万, 2亿)"
        return f"fact '{self.name}': cannot read {got!r}; give {kind}"


_YES = Text("是", "yes")
_NO = Text("否", "no")
_WAN = Text("万元", "10,000 yuan (万元)")
_PEOPLE = Text("人", "people")
_YEARS = Text("年", "years")
_MONTHS = Text("个月", "months")


def _c(value: str, zh: str, en: str, *synonyms: str) -> Choice:
    return Choice(value, Text(zh, en), tuple(s.lower() for s in synonyms))


def _f(
    name: str, type_: FactType, label: tuple[str, str], question: tuple[str, str], **kw
) -> FactSpec:
    return FactSpec(name, type_, Text(*label), Text(*question), **kw)


E, B, N, P, Y, INT = (
    FactType.ENUM,
    FactType.BOOL,
    FactType.NUMBER,
    FactType.PERCENT,
    FactType.YEAR,
    FactType.INT,
)

# Registry order is the asking order when two questions would settle equally much.
# fmt: off
_SPECS: tuple[FactSpec, ...] = (
    _f("entity_type", E, ("主体类型", "who is asking"),
       ("您是以什么身份咨询？",
        "Who is asking?"),
       choices=(
           _c("enterprise", "企业", "an enterprise", "company", "firm", "公司", "企业"),
           _c("university", "高校", "a university", "高等学校", "大学", "college"),
           _c("research_institute", "科研院所", "a research institute", "研究所", "研究院", "institute"),
           _c("researcher", "科研人员/员工个人", "a researcher or employee (individual)", "科研人员", "个人", "教师", "individual", "employee", "professor"),
           _c("investor", "投资人/创投机构", "an investor or VC fund", "投资人", "投资者", "vc"),
           _c("other", "其他", "other"),
       )),
    _f("industry", E, ("主营行业", "main industry"),
       ("企业的主营业务属于哪个行业？",
        "Which industry is the enterprise's main business in?"),
       choices=(
           _c("manufacturing", "制造业", "manufacturing", "制造", "manufacturer"),
           _c("tobacco", "烟草制造业", "tobacco manufacturing", "烟草", "tobacco"),
           _c("wholesale_retail", "批发和零售业", "wholesale and retail", "批发", "零售", "wholesale", "retail"),
           _c("hospitality_catering", "住宿和餐饮业", "accommodation and catering", "住宿", "餐饮", "hotel", "restaurant", "catering"),
           _c("real_estate", "房地产业", "real estate", "房地产", "real estate"),
           _c("leasing_business_services", "租赁和商务服务业", "leasing and business services", "租赁", "商务服务", "leasing", "business services"),
           _c("entertainment", "娱乐业", "entertainment", "娱乐", "entertainment"),
           _c("other", "其他行业（如软件、科技服务）", "other (e.g. software, tech services)", "其他"),
       ),
       extra_values=(_c("software_it", "软件和信息技术服务业", "software and IT services", "软件", "software", "信息技术", "it"),)),
    _f("main_business_share", P, ("主营业务收入占比", "main-business share of revenue"),
       ("主营业务收入占收入总额（减除不征税收入和投资收益）的比例是多少？",
        "What share of total revenue (less non-taxable and investment income) is the main business?"),
       maximum=100),
    _f("tax_collection", E, ("企业所得税征收方式", "income-tax collection method"),
       ("企业所得税是查账征收还是核定征收？",
        "Is your enterprise income tax audit-based (查账征收) or deemed (核定征收)?"),
       choices=(
           _c("audit", "查账征收", "audit-based (查账征收)", "查账", "audit", "actual profit"),
           _c("deemed", "核定征收", "deemed (核定征收)", "核定", "deemed", "deemed profit"),
       )),
    _f("is_high_tech", B, ("高新技术企业资格", "high-tech enterprise status"),
       ("企业目前是否持有有效的高新技术企业证书？",
        "Does the enterprise hold a valid high-tech enterprise certificate?")),
    _f("is_tech_sme", B, ("科技型中小企业入库", "registered tech-based SME"),
       ("企业当年是否已入库科技型中小企业（取得入库登记编号）？",
        "Is the enterprise registered this year as a tech-based SME (科技型中小企业)?")),
    _f("is_ic_or_machine_tool", B, ("集成电路/工业母机企业清单", "IC / machine-tool list"),
       ("企业是否列入集成电路企业或工业母机企业清单（公告2023年第44号）？",
        "Is the enterprise on the IC or industrial machine-tool enterprise list (2023 No. 44)?")),
    _f("employees", INT, ("职工总数", "headcount"),
       ("企业职工总数是多少人？",
        "How many employees does the enterprise have?"),
       unit=_PEOPLE),
    _f("annual_sales", N, ("年销售收入", "annual sales"),
       ("企业上一年的销售收入是多少（万元）？",
        "What were the enterprise's annual sales (in 万元)?"),
       unit=_WAN),
    _f("total_assets", N, ("资产总额", "total assets"),
       ("企业资产总额是多少（万元）？",
        "What are the enterprise's total assets (in 万元)?"),
       unit=_WAN),
    _f("tax_year", Y, ("纳税年度", "tax year"),
       ("问的是哪个纳税年度？",
        "Which tax year are you asking about?")),
    _f("rd_activity", E, ("研发活动性质", "kind of R&D activity"),
       ("这些费用来自哪类活动？",
        "What kind of activity are the costs for?"),
       choices=(
           _c("genuine_rd", "新技术/新产品/新工艺研发", "developing new technology, products or processes", "研发", "research and development"),
           _c("routine_upgrade", "产品常规性升级", "routine product upgrades", "常规升级"),
           _c("direct_application", "直接应用已有成果", "direct application of existing results"),
           _c("customer_support", "售后技术支持", "after-sale technical support"),
           _c("simple_change", "重复或简单改变", "repeated or simple changes"),
           _c("market_research", "市场调查/效率或管理研究", "market, efficiency or management research", "市场调研", "market research"),
           _c("routine_qc", "常规质量控制/测试/维修", "routine quality control, testing, maintenance", "质量控制", "quality control"),
           _c("social_science", "社会科学、艺术或人文研究", "social-science, arts or humanities research", "社会科学", "social science"),
       )),
    _f("company_age_years", N, ("成立年限", "years since registration"),
       ("企业注册成立多少年了？",
        "How many years ago was the enterprise registered?"),
       unit=_YEARS),
    _f("owns_core_ip", B, ("核心知识产权", "core intellectual property"),
       ("企业是否拥有对主要产品（服务）起核心支持作用的知识产权的所有权？",
        "Does the enterprise own IP that is core to its main products or services?")),
    _f("in_supported_fields", B, ("国家重点支持的高新技术领域", "supported high-tech fields"),
       ("核心技术是否属于《国家重点支持的高新技术领域》？",
        "Is the core technology within the State's supported high-tech fields?")),
    _f("tech_staff_share", P, ("科技人员占比", "share of science and technology staff"),
       ("从事研发和相关技术创新活动的科技人员占职工总数的比例是多少？",
        "What share of employees are R&D / technology staff?"),
       maximum=100),
    _f("rd_intensity", P, ("研发费用占销售收入比例", "R&D spending as a share of sales"),
       ("近三个会计年度研发费用总额占同期销售收入总额的比例是多少？",
        "R&D spending over the last three years as a share of sales in the same years?"),
       maximum=100),
    _f("domestic_rd_share", P, ("境内研发费用占比", "share of R&D spent in China"),
       ("境内发生的研发费用占全部研发费用的比例是多少？",
        "What share of all R&D spending was incurred in China?"),
       maximum=100),
    _f("high_tech_income_share", P, ("高新技术产品（服务）收入占比", "high-tech product income share"),
       ("近一年高新技术产品（服务）收入占同期总收入的比例是多少？",
        "Last year's high-tech product/service income as a share of total income?"),
       maximum=100),
    _f("tech_sme_score", INT, ("科技型中小企业评价得分", "tech-SME evaluation score"),
       ("按评价指标自评的综合得分是多少（满分100）？",
        "What is the self-assessed evaluation score (out of 100)?"),
       maximum=100),
    _f("employer_type", E, ("所在单位性质", "type of employer"),
       ("单位是什么性质？（科研人员的工作单位，或贵单位）",
        "What kind of unit is it (the researcher's employer, or your own organisation)?"),
       choices=(
           _c("public_university", "公办高校", "public university", "公立大学", "公办大学", "高校"),
           _c("public_institute", "国家设立的科研院所", "state research institute", "科研院所", "研究所", "public institute"),
           _c("private_nonprofit", "民办非营利性高校或科研机构", "private non-profit university or institute", "民办非营利"),
           _c("soe", "国有企业", "state-owned enterprise", "国企", "soe"),
           _c("private_firm", "民营或外资企业", "private or foreign-owned firm", "民企", "私企", "private company"),
           _c("other_public_institution", "其他事业单位（如公立医院）", "other public institution (e.g. public hospital)", "事业单位", "public hospital"),
           _c("other", "其他", "other"),
       )),
    _f("reward_type", E, ("奖励形式", "form of the reward"),
       ("这笔奖励是什么形式？",
        "What form does the reward take?"),
       choices=(
           _c("cash", "成果转化现金奖励", "cash reward from a transfer", "现金", "cash"),
           _c("equity", "股权奖励", "equity reward", "股权", "equity", "shares"),
           _c("regular_pay", "正常工资、奖金", "regular salary or bonus", "工资", "奖金", "salary", "bonus"),
       )),
    _f("has_registered_contract", B, ("技术合同认定登记", "registered technology contract"),
       ("转化所签技术合同是否已在技术合同登记机构认定登记？",
        "Was the technology contract registered with a technology-contract registry?")),
    _f("months_since_income", INT, ("取得转化收入后发放的月数", "months after the transfer income"),
       ("奖励在单位取得转化收入后第几个月内发放？",
        "How many months after the unit received the transfer income is the reward paid?"),
       unit=_MONTHS),
    _f("has_reward_agreement", B, ("单位奖励制度或约定", "unit rules or agreement on rewards"),
       ("单位是否已在规章制度中规定或与科研人员约定奖励和报酬的方式和数额？",
        "Has the unit set reward rules or agreed the reward with the researchers?")),
    _f("province", E, ("所在省份", "province"),
       ("单位位于哪个省份？",
        "In which province is the unit?"),
       choices=(
           _c("beijing", "北京", "Beijing"),
           _c("shanxi", "山西", "Shanxi"),
           _c("sichuan", "四川", "Sichuan"),
           _c("shanghai", "上海", "Shanghai"),
           _c("shandong", "山东", "Shandong"),
           _c("jiangxi", "江西", "Jiangxi"),
           _c("other", "其他省份", "another province"),
       )),
    _f("is_pilot_unit", B, ("赋权改革试点单位", "ownership-reform pilot unit"),
       ("所在单位是否为职务科技成果赋权（所有权或长期使用权）改革试点单位？",
        "Is the unit a pilot of the service-invention ownership / long-term use reform?")),
    _f("transfer_kind", E, ("转让方式", "kind of technology transfer"),
       ("这次技术转让是什么方式？",
        "What kind of technology transfer is it?"),
       choices=(
           _c("ownership", "转让所有权", "transfer of ownership", "所有权", "ownership"),
           _c("exclusive_licence_5y", "5年以上全球独占许可", "exclusive worldwide licence of 5+ years"),
           _c("nonexclusive_licence_5y", "5年以上非独占许可", "non-exclusive licence of 5+ years"),
           _c("short_licence", "不足5年的许可", "licence shorter than 5 years"),
           _c("other", "设备、服务等非技术收入", "equipment, services or other non-technology income"),
       )),
    _f("investor_type", E, ("投资人类型", "kind of investor"),
       ("投资人是哪一类？",
        "What kind of investor?"),
       choices=(
           _c("angel_individual", "天使投资个人", "individual angel investor", "天使", "angel"),
           _c("vc_company", "公司制创业投资企业", "company-form VC enterprise", "公司制", "vc company"),
           _c("vc_partnership", "有限合伙制创业投资企业", "partnership VC enterprise", "合伙", "partnership"),
           _c("other", "其他投资人", "other investor"),
       )),
    _f("years_held", N, ("持有年限", "years held"),
       ("股权投资已持有多少年？",
        "For how many years has the investment been held?"),
       unit=_YEARS),
    _f("investor_related", B, ("与被投企业的关联", "relation to the investee"),
       ("投资人是否为被投企业的发起人、雇员或其亲属，或投资后2年内本人及亲属合计持股达到50%？",
        "Is the investor a founder, employee or relative there, or do they with relatives hold 50%+?")),
    _f("investee_employees", INT, ("被投企业从业人数", "investee headcount"),
       ("接受投资时被投企业的从业人数？",
        "Investee's headcount when the investment was made?"),
       unit=_PEOPLE),
    _f("investee_total_assets", N, ("被投企业资产总额", "investee total assets"),
       ("接受投资时被投企业资产总额（万元）？",
        "Investee's total assets at investment (万元)?"),
       unit=_WAN),
    _f("investee_annual_sales", N, ("被投企业年销售收入", "investee annual sales"),
       ("接受投资时被投企业年销售收入（万元）？",
        "Investee's annual sales at investment (万元)?"),
       unit=_WAN),
    _f("investee_age_years", N, ("被投企业设立年限", "investee age"),
       ("接受投资时被投企业设立了多少年？",
        "How old was the investee when the investment was made?"),
       unit=_YEARS),
    _f("investee_listed", B, ("被投企业上市情况", "investee listing"),
       ("被投企业在接受投资时或之后2年内是否已上市？",
        "Was the investee listed at investment or within 2 years after?")),
    _f("investee_rd_share", P, ("被投企业研发费用占成本费用比例", "investee R&D share of costs"),
       ("被投企业接受投资当年及下一年研发费用占成本费用支出的比例？",
        "Investee's R&D spending as a share of its costs in the investment year and the next?"),
       maximum=100),
    _f("investee_degree_share", P, ("被投企业本科以上学历人员占比", "investee share of graduates"),
       ("被投企业从业人员中大学本科以上学历的比例？",
        "What share of the investee's staff hold a bachelor's degree or higher?"),
       maximum=100),
    _f("investee_tax_collection", E, ("被投企业征收方式", "investee tax collection"),
       ("被投企业企业所得税是查账征收还是核定征收？",
        "Is the investee's income tax audit-based or deemed?"),
       choices=(
           _c("audit", "查账征收", "audit-based (查账征收)", "查账", "audit"),
           _c("deemed", "核定征收", "deemed (核定征收)", "核定", "deemed"),
       )),
    _f("is_listed", B, ("是否上市公司", "listed company"),
       ("实施股权激励的公司是否为上市公司？",
        "Is the company granting the equity incentive listed?")),
    _f("incentive_kind", E, ("股权激励形式", "kind of equity incentive"),
       ("股权激励是哪种形式？",
        "What kind of equity incentive is it?"),
       choices=(
           _c("stock_option", "股票（权）期权", "stock option", "期权", "option"),
           _c("restricted_stock", "限制性股票", "restricted stock", "限制性", "restricted"),
           _c("equity_award", "股权奖励", "equity award", "股权奖励", "award"),
       )),
    _f("incentive_recipients_share", P, ("激励对象人数占比", "share of staff receiving the incentive"),
       ("激励对象累计人数占最近6个月平均职工人数的比例？",
        "Recipients as a share of the average headcount over the last 6 months?"),
       maximum=100),
    _f("years_since_grant", N, ("自授予日起持有年限", "years since grant"),
       ("自授予日起已持有多少年？",
        "How many years since the grant?"),
       unit=_YEARS),
    _f("plan_filed", B, ("股权激励计划备案", "plan filed with the tax office"),
       ("股权激励计划是否经董事会、股东（大）会审议并向税务机关备案？",
        "Was the plan approved by the board and shareholders and filed with the tax office?")),
    _f("restricted_industry", B, ("限制性行业", "restricted industry for equity awards"),
       ("公司是否属于《股权奖励税收优惠政策限制性行业目录》所列行业？",
        "Is the company in an industry on the restricted list for equity awards?")),
    _f("patent_kind", E, ("专利类型", "kind of patent"),
       ("授权的是哪类专利？",
        "What kind of patent was granted?"),
       choices=(
           _c("invention", "发明专利", "invention patent", "发明", "invention"),
           _c("utility_model", "实用新型专利", "utility model", "实用新型", "utility"),
           _c("design", "外观设计专利", "design patent", "外观设计", "design"),
       )),
)
# fmt: on

FACTS: dict[str, FactSpec] = {s.name: s for s in _SPECS}

# Which audience an entity type belongs to (catalog entries say which audiences they serve).
AUDIENCES = ("enterprise", "institution", "researcher", "investor")
AUDIENCE_OF_ENTITY = {
    "enterprise": "enterprise",
    "university": "institution",
    "research_institute": "institution",
    "researcher": "researcher",
    "investor": "investor",
}


def get_fact(name: str) -> FactSpec:
    """The spec for a fact name, or FactError naming the closest known names."""
    try:
        return FACTS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(FACTS), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise FactError(f"unknown fact '{name}'{hint} (known facts: {', '.join(FACTS)})") from None


def parse_fact_assignment(text: str) -> tuple[str, FactValue]:
    """Parse ``name=value`` (the CLI's ``--fact``) into a typed pair."""
    name, sep, value = text.partition("=")
    if not sep:
        raise FactError(f"--fact {text!r}: write name=value, e.g. industry=manufacturing")
    spec = get_fact(name.strip())
    return spec.name, spec.parse(value)


def normalize_facts(facts: dict[str, object]) -> dict[str, FactValue]:
    """Check names and coerce values (strings are parsed); drop None values."""
    out: dict[str, FactValue] = {}
    for name, value in facts.items():
        if value is None:
            continue
        out[name] = get_fact(name).coerce(value)
    return out


def derive_facts(facts: dict[str, FactValue]) -> dict[str, FactValue]:
    """Add facts that follow from others (an industry implies an enterprise, and so on)."""
    out = dict(facts)
    if "entity_type" not in out:
        if "investor_type" in out:
            out["entity_type"] = "investor"
        elif any(
            k in out
            for k in (
                "industry",
                "tax_collection",
                "is_high_tech",
                "is_tech_sme",
                "is_ic_or_machine_tool",
                "main_business_share",
            )
        ):
            out["entity_type"] = "enterprise"
    return out


# ---------------------------------------------------------------- typed answers


def _parse_bool(s: str) -> bool | None:
    low = s.lower().strip(" .。!！")
    low = re.sub(r"^(?:还|尚|暂时?|目前|现在|仍然?)", "", low) or low  # 还没有 → 没有
    if low in {
        "是",
        "是的",
        "对",
        "对的",
        "有",
        "已",
        "已经",
        "已登记",
        "属于",
        "yes",
        "y",
        "true",
        "1",
        "yep",
        "yeah",
        "correct",
        "right",
    }:
        return True
    if low in {
        "否",
        "不是",
        "不",
        "没有",
        "无",
        "未",
        "不属于",
        "没",
        "no",
        "n",
        "false",
        "0",
        "nope",
        "not",
    }:
        return False
    if re.match(r"^(?:不|没|未|无|否|no\b|not\b)", low):
        return False
    if re.match(r"^(?:是|有|已|对|yes\b)", low):
        return True
    return None


def _parse_year(s: str) -> int | None:
    m = re.fullmatch(r"(?:fy|tax year|for|in)?\s*(\d{4}|\d{2})\s*(?:年度?|年)?", s.strip().lower())
    if not m:
        return None
    y = int(m.group(1))
    return 2000 + y if y < 100 else y


def _num(v: object) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def _contains_word(haystack: str, needle: str) -> bool:
    if _has_cjk(needle):
        return needle in haystack
    return re.search(rf"(?<![a-z]){re.escape(needle)}(?![a-z])", haystack) is not None


__all__ = [
    "AUDIENCES",
    "AUDIENCE_OF_ENTITY",
    "FACTS",
    "Choice",
    "FactError",
    "FactSpec",
    "FactType",
    "FactValue",
    "IncentiveError",
    "Text",
    "derive_facts",
    "get_fact",
    "normalize_facts",
    "parse_fact_assignment",
]
