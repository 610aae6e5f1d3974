"""Named, typed facts about an asker: the registry, typed-answer parsing and extraction from words.

Every fact the catalog's rules may test is declared here once (name, type, question in Chinese and
English, short choice lists for buttons). ``extract_facts`` reads facts from a plain-language
question with regexes and keyword lexicons; it only reports what the words state.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


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
                    f"{_num(_tidy(value / 10_000))}亿元"
                    if value >= 10_000
                    else f"{_num(value)}万元"
                )
            return f"{_num(_tidy(value / 100))} million yuan"
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
            return self._in_range(_tidy(float(value)))
        raise FactError(self._hint(repr(value)))

    def parse(self, text: str) -> FactValue:
        """Parse a typed answer ("八成", "yes", "5000万", "批发") or raise FactError with a hint."""
        raw = _norm(text).strip()
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
            value = self._in_range(_tidy(float(value)))
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


# ---------------------------------------------------------------- numbers

_CN_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
CN_NUM = "零〇一二两三四五六七八九十百千万亿"


def cn_number(text: str) -> float | None:
    """Chinese (or mixed) numerals to a number: 三百 → 300, 3千万 → 30000000, 十二 → 12."""
    text = text.strip()
    if not text:
        return None
    total = section = 0.0
    number: float | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        m = re.match(r"\d+(?:\.\d+)?", text[i:])
        if m:
            number = float(m.group())
            i += m.end()
            continue
        if ch in _CN_DIGIT:
            number = float(_CN_DIGIT[ch])
        elif ch in _CN_UNIT:
            section += (1 if number is None else number) * _CN_UNIT[ch]
            number = None
        elif ch in _CN_BIG:
            section += number or 0
            if section == 0:
                section = 1
            total += section * _CN_BIG[ch]
            section, number = 0.0, None
        elif ch == "点" and number is not None:
            decimals = "".join(str(_CN_DIGIT.get(c, "")) for c in text[i + 1 :])
            number = float(f"{int(number)}.{decimals or 0}")
            break
        else:
            return None
        i += 1
    return total + section + (number or 0)


def parse_number(text: str) -> float | None:
    """A plain number in Arabic or Chinese numerals, ignoring a trailing unit word."""
    s = _norm(text).strip().replace(",", "")
    m = re.fullmatch(
        r"(?:about|around|约|大约|共)?\s*([\d.]+|[" + CN_NUM + r"\d.点]+)\s*"
        r"(?:人|名|个|年|个月|months?|years?|people|employees|分|points?)?",
        s,
        re.IGNORECASE,
    )
    if not m:
        return None
    try:
        return float(m.group(1))
    except ValueError:
        return cn_number(m.group(1))


_MONEY_UNITS = {
    "亿": 10_000.0,
    "千万": 1_000.0,
    "百万": 100.0,
    "万": 1.0,
    "千": 0.1,
    "billion": 100_000.0,
    "bn": 100_000.0,
    "million": 100.0,
    "mn": 100.0,
    "m": 100.0,
    "thousand": 0.1,
    "k": 0.1,
}


def parse_money_wan(text: str, *, bare_is_wan: bool = False) -> float | None:
    """An amount of money in 万元: "5000万" → 5000, "2亿" → 20000, "50 million yuan" → 5000."""
    s = _norm(text).strip().lower().replace(",", "")
    s = re.sub(r"^(?:rmb|cny|¥|约|大约|about|around)\s*", "", s)
    m = re.fullmatch(
        r"([\d.]+|[" + CN_NUM + r"点]+?)\s*(亿|千万|百万|万|千|billion|bn|million|mn|m|"
        r"thousand|k)?\s*(元|块|yuan|rmb|cny)?",
        s,
    )
    if not m:
        return None
    try:
        n = float(m.group(1))
    except ValueError:
        n = cn_number(m.group(1))
        if n is None:
            return None
    unit = m.group(2)
    if unit:
        return n * _MONEY_UNITS[unit]
    if m.group(3) or not bare_is_wan:
        return n / 10_000 if m.group(3) else None
    return n


_FRACTIONS_EN = {
    "half": 50.0,
    "one half": 50.0,
    "a half": 50.0,
    "two thirds": 200 / 3,
    "one third": 100 / 3,
    "a third": 100 / 3,
    "three quarters": 75.0,
    "a quarter": 25.0,
    "one quarter": 25.0,
}


def parse_percent(text: str) -> float | None:
    """A share as a percentage: 80, 80%, 八成, 百分之八十, 三分之二, 0.8, half."""
    s = _norm(text).strip().lower()
    if s.replace("-", " ") in _FRACTIONS_EN:
        return round(_FRACTIONS_EN[s.replace("-", " ")], 2)
    found = find_percents(s)
    if found:
        return found[0][2]
    s = s.rstrip("%").strip()
    try:
        v = float(s)
    except ValueError:
        n = cn_number(s)
        return n
    if 0 < v < 1 and "." in s:  # a fraction typed as 0.8
        return v * 100
    return v


# Percent patterns; each yields (start, end, value). Qualifiers "more than"/"超过" nudge the value
# past the boundary so strict thresholds (e.g. > 50 %) come out right.
_MORE = r"(?:超过|多于|高于|大于|逾|more than|over|above|exceeding)"
_LESS = r"(?:不到|少于|低于|不足|小于|less than|under|below)"
_PCT_RE = re.compile(
    rf"(?P<q>{_MORE}|{_LESS})?\s*(?:(?P<n>\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s?cent\b|pct\b)"
    rf"|百分之(?P<cn>[{CN_NUM}点\d.]+)"
    rf"|(?P<tenth>[一二三四五六七八九十]|\d)成(?P<tenth2>[一二三四五六七八九](?![十百千万\d]))?"
    rf"(?![立本果为功绩员交熟长都型品就效])"
    rf"|(?P<den>[一二三四五六七八九十]|\d+)分之(?P<num>[一二三四五六七八九十]|\d+)"
    rf"|(?P<half>一半|半数|过半)"
    rf"|\b(?P<en>one half|a half|half|two[- ]thirds|one[- ]third|a third|three[- ]quarters|"
    rf"a quarter|one quarter)\b)",
    re.IGNORECASE,
)


def find_percents(text: str) -> list[tuple[int, int, float]]:
    """Every percentage-like expression in a text, with its span and value."""
    out = []
    for m in _PCT_RE.finditer(text):
        if m.group("n"):
            v = float(m.group("n"))
        elif m.group("cn"):
            v = cn_number(m.group("cn")) or 0.0
        elif m.group("tenth"):
            t = m.group("tenth")
            v = (float(t) if t.isdigit() else (cn_number(t) or 0.0)) * 10
            if m.group("tenth2"):
                v += _CN_DIGIT[m.group("tenth2")]
        elif m.group("den"):
            den = cn_number(m.group("den")) or 0.0
            num = cn_number(m.group("num")) or 0.0
            if not den or num > den:
                continue
            v = num / den * 100
        elif m.group("half"):
            v = 50.0 if m.group("half") != "过半" else 50.5
        else:
            after = text[m.end() :]
            if not m.group("q") and not re.match(
                r"\s+of\s+(?:our|the|its|their|total|all|my)\b", after, re.I
            ):
                continue  # "the first half" is not a share; "half of our revenue" is
            v = _FRACTIONS_EN[m.group("en").lower().replace("-", " ")]
        q = (m.group("q") or "").lower()
        if q and re.fullmatch(_MORE, q):
            v += 0.5
        elif q:
            v -= 0.5
        if 0 <= v <= 100:
            lead = len(m.group()) - len(m.group().lstrip())
            out.append((m.start() + lead, m.end(), round(v, 2)))
    return out


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


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _tidy(v: float) -> int | float:
    return int(v) if float(v).is_integer() else round(v, 2)


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


# ---------------------------------------------------------------- lexicons

# Industry terms, highest priority first: a tobacco maker is a manufacturer, but tobacco wins.
_INDUSTRY_TERMS: tuple[tuple[str, str], ...] = (
    ("tobacco", r"烟草|卷烟|香烟|雪茄|烟厂|\bcigarettes?\b|\btobacco\b|\bcigars?\b"),
    (
        "hospitality_catering",
        r"餐饮|餐厅|餐馆|饭店|饭馆|酒店|宾馆|旅馆|民宿|住宿|火锅店|奶茶店|咖啡店|"
        r"\brestaurants?\b|\bcatering\b|\bhotels?\b|\bhospitality\b|\bcaf[eé]s?\b|"
        r"\blodging\b|\bhostels?\b|\bcoffee shops?\b|\bbars?\b",
    ),
    (
        "entertainment",
        r"娱乐|歌厅|KTV|夜总会|游乐场|网吧|电玩城|\bentertainment\b|\bkaraoke\b|"
        r"\bnightclubs?\b|\bamusement\b|\bcasinos?\b|\barcades?\b",
    ),
    (
        "real_estate",
        r"房地产|地产|物业管理|物业公司|楼盘|\breal[- ]estate\b|\bproperty develop\w*|"
        r"\brealty\b|\bproperty management\b",
    ),
    (
        "leasing_business_services",
        r"租赁|商务服务|广告公司|广告业|人力资源服务|劳务派遣|旅行社|会展|"
        r"管理咨询|\bleasing\b|\brental\b|\bbusiness services\b|"
        r"\badvertising\b|\bstaffing\b|\btravel agency\b|"
        r"\bmanagement consult\w*",
    ),
    (
        "wholesale_retail",
        r"批发|零售|商贸|贸易公司|外贸|进出口贸易|经销|分销|代销|转售|超市|商场|便利店|"
        r"电商|网店|\bwholesal\w*|\bretail\w*|\btrading (?:company|firm|business)\b|"
        r"\btrader\b|\bdistribut\w*|\bresal\w*|\bresell\w*|\bsupermarkets?\b|"
        r"\be-?commerce\b|\bshops?\b|\bgrocer\w*|\bsells? (?:goods|merchandise|groceries)\b",
    ),
    (
        "software_it",
        r"软件|信息技术|互联网|IT公司|SaaS|云计算|人工智能|大数据|游戏开发|集成电路设计|芯片设计|"
        r"\bsoftware\b|\bSaaS\b|\bIT (?:services|company|firm)\b|\binternet\b|"
        r"\bcloud\b|\bAI (?:company|startup|firm)\b|\bapps?\b|\bchip design\w*",
    ),
    (
        "manufacturing",
        r"制造|生产企业|生产型|生产厂|工厂|加工厂|加工企业|制药|药企|化工|机械|机床|钢铁|纺织|"
        r"服装厂|汽车厂|车企|芯片制造|半导体|[\u4e00-\u9fff]厂(?![商房家区])|"
        r"\bmanufactur\w*|\bfactory\b|\bfactories\b|\bmakers?\b|\bproducers?\b|"
        r"\bfabricat\w*|\bautomakers?\b|\bchipmakers?\b|\bmills?\b|"
        r"\bsemiconductor\w*",
    ),
    (
        "other",
        r"技术服务|科技服务|研发服务|工程技术|检验检测|建筑公司|建筑企业|施工|农业|种植|养殖|物流|运输|快递|"
        r"医疗服务|\bconstruction\b|\blogistics\b|\bagricultur\w*|\bfarm\w*|\bengineering services\b|"
        r"\btech(?:nology)? services\b|\btransport\w*",
    ),
)
_INDUSTRY_RES = [(ind, re.compile(pat, re.IGNORECASE)) for ind, pat in _INDUSTRY_TERMS]
_PRIORITY = {ind: i for i, (ind, _) in enumerate(_INDUSTRY_TERMS)}

_MAIN_BUSINESS = re.compile(
    r"主营业务|主营收入|主业|\bmain[- ]business\b|\bprincipal business\b|"
    r"\bcore business\b",
    re.IGNORECASE,
)

# Percent attributes other than industry shares; checked before industries.
_PCT_ATTRS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "tech_staff_share",
        re.compile(
            r"科技人员|研发人员|技术人员|科研人员|\b(?:R&D|research|technical|"
            r"tech|technology|science)\s+(?:staff|personnel|employees|"
            r"workers)\b|\bengineers\b",
            re.IGNORECASE,
        ),
    ),
    (
        "investee_degree_share",
        re.compile(r"本科|学历|\bbachelor|\bdegree|\bgraduates?\b", re.IGNORECASE),
    ),
    (
        "domestic_rd_share",
        re.compile(
            r"境内(?:发生的)?研发|\bdomestic(?:ally)?\b.*\bR&D\b|"
            r"\bR&D\b.*\bin China\b",
            re.IGNORECASE,
        ),
    ),
    (
        "high_tech_income_share",
        re.compile(
            r"高新技术产品|高新收入|高新技术收入|\bhigh[- ]tech "
            r"(?:products?|services?|income|revenue)",
            re.IGNORECASE,
        ),
    ),
    (
        "investee_rd_share",
        re.compile(r"研发.{0,8}成本费用|\bR&D\b.{0,30}\bcosts?\b", re.IGNORECASE),
    ),
    (
        "rd_intensity",
        re.compile(
            r"研发(?:费用|投入|支出|经费)|研发强度|\bR&D (?:spending|expenses?|"
            r"expenditures?|intensity|costs?|budget)\b",
            re.IGNORECASE,
        ),
    ),
    ("incentive_recipients_share", re.compile(r"激励对象|\brecipients\b", re.IGNORECASE)),
)

_SELF_ZH = r"(?:我们(?:公司|企业|单位)?|我司|本公司|我公司|本企业|公司|本单位|我们这)"
_DECLARE_ZH = re.compile(
    rf"{_SELF_ZH}(?:是|属于|系|为|是做|做|从事|经营|主要做|主要从事|主营)(?:的是)?(?:一家|一个|一所|家|个)?"
    rf"(?P<p>[^,。;!?\n]{{1,24}})"
    rf"|(?:我|我们)(?:开|经营|办|开了|经营着|开的是)(?:一家|一个|家|个)?(?P<p2>[^,。;!?\n]{{1,16}})"
    rf"|作为(?:一家|一个)?(?P<p3>[^,。;!?\n]{{1,16}})"
)
_DECLARE_EN = re.compile(
    r"\b(?:(?:we\s+are|we're|we\s+run|i\s+run|i\s+own|we\s+own|our\s+(?:company|firm|business)\s+is|"
    r"i\s+have|we\s+operate)\s+(?:an?\s+|the\s+)?|as\s+an?\s+)(?P<p>[^,.;:!?\n]{1,60})",
    re.IGNORECASE,
)
_PHRASE_STOP = re.compile(
    r"\s(?:and|with|but|whose|that|which|where|who|so|because|while)\s|"
    r"[和且但而其并]|占|收入|销售",
    re.IGNORECASE,
)

_ENTERPRISE = re.compile(
    r"我们(?:公司|企业|厂|集团)|我司|本公司|我公司|本企业|公司|企业|集团|工厂|国企|央企|民企|私企|外企|"
    r"\b(?:company|firm|business|enterprise|corporation|startup|start-up|manufacturer|maker|"
    r"wholesaler|retailer|factory|group|we sell|our products)\b",
    re.IGNORECASE,
)
_RESEARCHER = re.compile(
    r"我是(?:一名|一位|一个|个|名)?[^,。;!?]{0,12}?(?:老师|教师|教授|讲师|研究员|科研人员|科技人员|博士后|"
    r"研究生导师|博导|工程师|员工|职工|技术骨干|科学家)"
    r"|(?:我|本人)(?:在|于)[^,。;!?]{0,20}?(?:工作|任教|教书|上班|做研究|当老师|任职|就职)"
    r"|(?:我|本人)(?:的|获得的|拿到的|收到的)?(?:现金|成果转化|转化)?奖励"
    r"|\bI\s*(?:am|'m)\s+(?:an?\s+)?(?:\w+\s+){0,3}?(?:professor|researcher|scientist|lecturer|"
    r"postdoc|engineer|teacher|academic|faculty member|research fellow|employee|inventor)\b"
    r"|\bI\s+(?:teach|work|research|lecture|do research)\s+(?:at|in|for)\b"
    r"|\bmy\s+(?:cash\s+)?(?:reward|bonus|stock options?|options|shares|patent|invention)\b",
    re.IGNORECASE,
)
_UNIVERSITY_SELF = re.compile(
    r"我们(?:是一所|是|学校是?|这所)[^,。]{0,10}?(?:大学|高校|学院|高等学校)|我们(?:学校|大学|高校)|我校|本校|"
    r"\b(?:our|we are an?|we're an?)\s+(?:\w+\s+){0,2}?(?:university|college)\b",
    re.IGNORECASE,
)
_INSTITUTE_SELF = re.compile(
    r"我们(?:是一家|是一个|是|所|院)[^,。]{0,10}?(?:研究所|研究院|科研院所|实验室)|我们(?:研究所|研究院|院所)|"
    r"我所|本所|本院|我院|"
    r"\b(?:our|we are an?|we're an?)\s+(?:\w+\s+){0,2}?(?:research\s+)?(?:institute|laboratory|lab)\b",
    re.IGNORECASE,
)
_INVESTOR_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "vc_partnership",
        re.compile(r"合伙制|有限合伙|合伙企业|\bpartnership\b|\bLP\b", re.IGNORECASE),
    ),
    (
        "vc_company",
        re.compile(r"创投|创业投资|风险投资|风投|\bventure capital\b|\bVC\b", re.IGNORECASE),
    ),
    (
        "angel_individual",
        re.compile(
            r"天使|个人投资|\bangel\b|\bindividual investor\b|"
            r"\bI\s+(?:have\s+)?invested\b",
            re.IGNORECASE,
        ),
    ),
)

_EMPLOYERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private_nonprofit",
        re.compile(
            r"(?:民办|私立)非营利|非营利性?(?:的)?民办|"
            r"\bprivate\s+non-?profit\b",
            re.IGNORECASE,
        ),
    ),
    (
        "soe",
        re.compile(
            r"国有企业|国企|央企|中央企业|国有控股|\bstate-owned\b|\bSOEs?\b", re.IGNORECASE
        ),
    ),
    (
        "private_firm",
        re.compile(
            r"民营企业|民企|私营企业|私企|外资企业|外企|\bprivate(?:ly[- ]owned)?\s+"
            r"(?:company|firm|enterprise|business)\b|\bforeign-owned\b",
            re.IGNORECASE,
        ),
    ),
    (
        "public_university",
        re.compile(
            r"(?<!民办)(?<!私立)(?:大学|高校|高等学校|高等院校|学院)|"
            r"\b(?:public|state|national)\s+(?:university|college)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "public_institute",
        re.compile(
            r"(?<!民办)(?<!民营)(?<!新型)(?:研究所|研究院|科研院所|科学院|"
            r"国家实验室|中科院)|\b(?:public|state|national|government)\s+"
            r"(?:research\s+)?(?:institute|laboratory|lab)\b|"
            r"\bacademy of sciences\b|\bCAS\b",
            re.IGNORECASE,
        ),
    ),
    (
        "other_public_institution",
        re.compile(r"事业单位|公立医院|\bpublic (?:hospital|institution)\b", re.IGNORECASE),
    ),
)
_PRIVATE_UNIVERSITY = re.compile(
    r"民办|私立|\bprivate\s+(?:university|college|institute)\b", re.IGNORECASE
)

_PROVINCES = {
    "beijing": r"北京|\bBeijing\b",
    "shanxi": r"山西|\bShanxi\b",
    "sichuan": r"四川|成都|\bSichuan\b",
    "shanghai": r"上海|\bShanghai\b",
    "shandong": r"山东|\bShandong\b",
    "jiangxi": r"江西|\bJiangxi\b",
    "other": r"天津|河北|内蒙古|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|河南|湖北|湖南|广东|广西|海南|重庆|"
    r"贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆|深圳|杭州|南京|武汉|广州|\b(?:Tianjin|Hebei|"
    r"Liaoning|Jilin|Heilongjiang|Jiangsu|Zhejiang|Anhui|Fujian|Henan|Hubei|Hunan|"
    r"Guangdong|Guangxi|Hainan|Chongqing|Guizhou|Yunnan|Tibet|Shaanxi|Gansu|Qinghai|"
    r"Ningxia|Xinjiang|Shenzhen|Hangzhou|Nanjing|Wuhan|Guangzhou)\b",
}

_RD_ACTIVITIES: tuple[tuple[str, str], ...] = (
    (
        "market_research",
        r"市场调查|市场调研|效率调查|管理研究|\bmarket (?:research|survey)|"
        r"\befficiency stud|\bmanagement research",
    ),
    ("routine_upgrade", r"常规(?:性)?升级|\broutine (?:product )?upgrades?"),
    ("direct_application", r"直接应用|直接采用|\bdirect(?:ly)? appl\w*"),
    (
        "customer_support",
        r"售后|商品化后|为客户提供(?:的)?技术支持|\bafter-?sales?\b|\bcustomer support\b",
    ),
    ("simple_change", r"简单改变|重复(?:或简单)?改变|\bsimple (?:changes?|modifications?)"),
    (
        "routine_qc",
        r"质量控制|质量检测|常规(?:的)?测试|维修维护|\bquality control\b|\broutine testing\b|"
        r"\broutine maintenance\b",
    ),
    ("social_science", r"社会科学|人文|艺术研究|\bsocial[- ]science|\bhumanities\b"),
)

_ZH_NEG = re.compile(r"(?:不是|并非|不属于|还不是|尚未|未被|未|没有|没|不再是?)[^,。;]{0,6}$")
_EN_NEG = re.compile(
    r"\b(?:not|never|no longer|no)\b[^,.;]{0,25}$|n't\b[^,.;]{0,25}$", re.IGNORECASE
)
_ZH_HAS = re.compile(r"(?:是|已|为|属于|取得|获得|拥有|持有|认定为|评为|作为|入库|有)[^,。;]{0,6}$")
_EN_HAS = re.compile(
    r"\b(?:are|is|am|as|hold|holds|have|has|got|became|been|certified|registered)\b"
    r"[^,.;]{0,25}$|'re\b[^,.;]{0,25}$",
    re.IGNORECASE,
)
_ZH_WANT = re.compile(r"(?:申请|想|准备|打算|争取)[^,。;]{0,6}$")
_EN_WANT = re.compile(r"\b(?:apply|applying|want|plan|planning|hope)\b[^,.;]{0,25}$", re.IGNORECASE)


def _stated(text: str, positive: str) -> bool | None:
    """True if a status is claimed, False if denied or only sought, None if merely mentioned."""
    for m in re.finditer(positive, text, re.IGNORECASE):
        before = text[max(0, m.start() - 30) : m.start()]
        if _ZH_NEG.search(before[-12:]) or _EN_NEG.search(before):
            return False
        if _ZH_HAS.search(before[-12:]) or _EN_HAS.search(before):
            return True
        if _ZH_WANT.search(before[-12:]) or _EN_WANT.search(before):
            return False  # applying for it means not holding it yet
    return None


# ---------------------------------------------------------------- extraction


def extract_facts(text: str, *, today: date | None = None) -> dict[str, FactValue]:
    """Facts stated in a plain-language question (Chinese or English); unstated facts are absent.

    ``today`` anchors relative years (今年, last year) and ages from founding years.
    """
    s = _norm(text)
    s = re.sub(r"(?<=\d),(?=\d{3}\b)", "", s)  # 1,200 → 1200
    s = re.sub(r"(?<!\d)\.(?=\s|$)", "。", s)  # sentence stops, keeping decimal points
    today = today or date.today()
    facts: dict[str, FactValue] = {}

    year = _extract_year(s, today)
    if year is not None:
        facts["tax_year"] = year
    investor = _extract_entity(s, facts)
    _extract_industry_and_shares(s, facts, investor)
    _extract_statuses(s, facts, investor)
    _extract_numbers(s, facts, investor, today)
    _extract_misc(s, facts)
    return derive_facts(facts)


_YEAR_RE = re.compile(r"(?<![\d.〔\[])((?:19|20)\d{2})(?![\d.])(\s*年度?)?")


def _extract_year(s: str, today: date) -> int | None:
    for m in _YEAR_RE.finditer(s):
        y = int(m.group(1))
        before = s[max(0, m.start() - 12) : m.start()]
        after = s[m.end() : m.end() + 8]
        if re.search(
            r"成立|注册|设立|\b(?:founded|established|incorporated|set up|since)\b",
            before,
            re.IGNORECASE,
        ) or re.match(r"\s*(?:成立|注册|设立)", after):
            continue
        if re.match(r"\s*第\s*\d+\s*号", after) or re.search(r"公告\s*$", before):
            continue  # a document number such as 公告2023年第7号
        zh_year = bool(m.group(2))
        en_year = re.search(
            r"\b(?:in|for|during|year|fy|tax year|fiscal|of)\s*$", before, re.IGNORECASE
        ) or re.match(r"\s*(?:tax|fiscal) year", after, re.IGNORECASE)
        if zh_year or en_year:
            return y
    if re.search(r"今年|本年度|\bthis (?:tax )?year\b|\bcurrent year\b", s, re.IGNORECASE):
        return today.year
    if re.search(r"去年|上一?年度|\blast (?:tax )?year\b|\bprevious year\b", s, re.IGNORECASE):
        return today.year - 1
    return None


_INVESTOR_SELF = re.compile(
    r"我是[^,。]{0,8}投资|我们是[^,。]{0,12}(?:创投|创业投资|投资|基金)|(?:我|我们|本人)(?:已经?)?投(?:资)?了|"
    r"作为[^,。]{0,6}投资|天使投资人|天使投资个人|\bI\s*(?:am|'m)\s+an?\s+(?:\w+\s+){0,2}investor\b|"
    r"\bwe\s*(?:are|'re)\s+an?\s+(?:\w+\s+){0,2}(?:VC|venture capital|investors?|fund|investment)\b|"
    r"\b(?:I|we)\s+(?:have\s+)?invested\b|\bour fund\b|\bas an?\s+(?:angel\s+)?investor\b|"
    r"\bangel investor\b|\bVC (?:fund|firm)\b",
    re.IGNORECASE,
)


def _extract_entity(s: str, facts: dict[str, FactValue]) -> bool:
    """Set entity_type, investor_type and employer_type; return True when the asker invests."""
    investor = bool(_INVESTOR_SELF.search(s))
    if _RESEARCHER.search(s):
        facts["entity_type"] = "researcher"
        investor = False
    elif investor:
        facts["entity_type"] = "investor"
        for kind, pat in _INVESTOR_TYPES:
            if pat.search(s):
                facts["investor_type"] = kind
                break
    elif _UNIVERSITY_SELF.search(s):
        facts["entity_type"] = "university"
    elif _INSTITUTE_SELF.search(s):
        facts["entity_type"] = "research_institute"
    elif _ENTERPRISE.search(s):
        facts["entity_type"] = "enterprise"

    entity = facts.get("entity_type")
    allowed = {
        "researcher": None,  # any employer
        "university": {"public_university", "private_nonprofit"},
        "research_institute": {"public_institute", "private_nonprofit"},
        "enterprise": {"soe", "private_firm"},
    }
    if entity not in allowed:
        return investor
    kinds = allowed[entity]
    for kind, pat in _EMPLOYERS:
        if kinds is not None and kind not in kinds:
            continue
        m = pat.search(s)
        if not m:
            continue
        if kind in ("public_university", "public_institute") and _PRIVATE_UNIVERSITY.search(
            s[max(0, m.start() - 12) : m.end()]
        ):
            continue  # 民办 / private without 非营利: leave it to the question
        facts["employer_type"] = kind
        break
    return investor


def _industry_matches(s: str) -> list[tuple[int, int, str]]:
    """All industry terms with spans; a higher-priority term hides any overlapping lower one."""
    found = [(m.start(), m.end(), ind) for ind, pat in _INDUSTRY_RES for m in pat.finditer(s)]
    found.sort(key=lambda t: (_PRIORITY[t[2]], t[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, ind in found:
        if any(start < e and s_ < end for s_, e, _ in kept):
            continue
        kept.append((start, end, ind))
    return sorted(kept)


def _declared_industry(s: str) -> str | None:
    """The industry in a self-description ("我们是一家批发公司", "we are a cigarette maker")."""
    for pat in (_DECLARE_ZH, _DECLARE_EN):
        for m in pat.finditer(s):
            phrase = next(g for g in m.groups() if g)
            stop = _PHRASE_STOP.search(phrase)
            if stop and stop.start() > 0:
                phrase = phrase[: stop.start()]
            inds = _industry_matches(phrase)
            if inds:
                return min(inds, key=lambda t: _PRIORITY[t[2]])[2]
    return None


def _clauses(s: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[^,。;!?\n]+", s)]


_SPLIT = re.compile(
    r"\s+(?:and|while|whereas|with|of which|including)\s+|和|以及|及|、|其中|其余|剩下的?",
    re.IGNORECASE,
)


def _segments(clause: str) -> list[tuple[int, int]]:
    """Spans of a clause split at conjunctions ("with", 其中, 和), so a percentage keeps its subject."""
    spans, last = [], 0
    for m in _SPLIT.finditer(clause):
        spans.append((last, m.start()))
        last = m.end()
    spans.append((last, len(clause)))
    return spans


def _extract_industry_and_shares(s: str, facts: dict[str, FactValue], investor: bool) -> None:
    industry_shares: dict[str, float] = {}
    main_share: float | None = None
    previous = ""
    for _, clause in _clauses(s):
        percents = find_percents(clause)
        spans = _segments(clause)
        for start, end, value in percents:
            seg_start, seg_end = next(((a, b) for a, b in spans if start < b), (0, len(clause)))
            seg = clause[seg_start:seg_end]
            context = seg if len(percents) > 1 else clause
            attr = next((name for name, pat in _PCT_ATTRS if pat.search(context)), None)
            if attr is not None:
                if attr.startswith("investee_") == investor:
                    facts.setdefault(attr, _tidy(value))
                continue
            if _MAIN_BUSINESS.search(context):
                main_share = value if main_share is None else main_share
                continue
            inds = [(a + seg_start, b + seg_start, i) for a, b, i in _industry_matches(seg)]
            inds = inds or _industry_matches(clause)
            if inds:
                nearest = min(inds, key=lambda t: max(t[0] - end, start - t[1], 0))
                industry_shares.setdefault(nearest[2], value)
            elif _MAIN_BUSINESS.search(previous) and main_share is None:
                main_share = value  # "主营业务是批发，占八成"
            elif (prev := _industry_matches(previous)) and re.search(
                r"占|收入|营收|\b(?:revenue|income|sales|turnover)\b", clause, re.IGNORECASE
            ):
                industry_shares.setdefault(prev[-1][2], value)
        previous = clause

    if facts.get("entity_type") not in (None, "enterprise"):
        return  # a researcher's or investor's words name other people's industries
    declared = _declared_industry(s)
    industry = declared
    share = main_share
    if share is None and industry_shares:
        if declared is not None and declared in industry_shares:
            share = industry_shares[declared]
        elif declared is not None:
            others = sum(industry_shares.values())
            if others < 100:
                share = 100 - others  # "a software firm with 30 % hardware resale" → 70 % main
        else:
            industry, share = max(industry_shares.items(), key=lambda kv: kv[1])
    if industry is None:
        all_inds = _industry_matches(s)
        if all_inds:
            industry = all_inds[0][2]
    if industry is not None:
        facts["industry"] = industry
        facts.setdefault("entity_type", "enterprise")
        if share is not None:
            facts["main_business_share"] = _tidy(share)


def _extract_statuses(s: str, facts: dict[str, FactValue], investor: bool) -> None:
    hi = _stated(
        s,
        r"高新技术企业|高新企业|高企|高新证书|\bhigh[- ]tech(?:nology)? (?:enterprise|company|"
        r"firm|certificate|status)|\bHNTE\b|\bhigh and new technology enterprise",
    )
    if hi is not None:
        facts["is_high_tech"] = hi
    sme = _stated(s, r"科技型中小企业|\btech(?:nology)?[- ]based (?:SME|small)|\btech SME\b")
    if sme is not None:
        facts["is_tech_sme"] = sme
    if re.search(
        r"(?:集成电路|工业母机)[^,。]{0,12}(?:清单|名单)|(?:清单|名单)[^,。]{0,12}(?:集成电路|工业母机)|"
        r"\b(?:IC|integrated[- ]circuit|machine[- ]tool)\b[^,.]{0,40}\blist\b",
        s,
        re.IGNORECASE,
    ):
        facts["is_ic_or_machine_tool"] = not re.search(
            r"(?:不在|未列入|没有列入|未进入|没进)[^,。]{0,12}(?:清单|名单)|\bnot\b[^,.]{0,20}\blist\b",
            s,
            re.IGNORECASE,
        )
    if re.search(r"查账征收|\baudit[- ]based\b|\bactual[- ]profit\b", s, re.IGNORECASE):
        facts["tax_collection"] = "audit"
    if re.search(
        r"核定征收|核定应税所得率|\bdeemed[- ](?:profit|income|taxation|basis|collection)\b|"
        r"\bassessed profit\b",
        s,
        re.IGNORECASE,
    ):
        facts["tax_collection"] = "deemed"

    if re.search(
        r"(?:技术合同|合同)[^,。]{0,6}(?:未|没有|没)(?:有)?(?:认定)?登记|\bcontract\b[^,.]{0,25}"
        r"\b(?:not|never|n't)\b[^,.]{0,10}\bregistered\b|\bunregistered\b|"
        r"\b(?:did not|didn't|have not|haven't)\s+register",
        s,
        re.IGNORECASE,
    ):
        facts["has_registered_contract"] = False
    elif re.search(
        r"(?:技术合同|合同)[^,。]{0,6}(?:已|已经)?(?:认定)?登记|登记了?[^,。]{0,4}技术合同|"
        r"\bregistered\b[^,.]{0,30}\bcontract\b|\bcontract\b[^,.]{0,20}\bregistered\b",
        s,
        re.IGNORECASE,
    ):
        facts["has_registered_contract"] = True

    pilot = _stated(
        s, r"赋权(?:改革)?试点(?:单位)?|(?<!赋权)试点单位|\bpilot (?:unit|institution|university)\b"
    )
    if pilot is not None:
        facts["is_pilot_unit"] = pilot

    if re.search(
        r"非上市|未上市|没有上市|没上市|\bunlisted\b|\bnot listed\b|\bnon-listed\b",
        s,
        re.IGNORECASE,
    ):
        listed: bool | None = False
    elif re.search(
        r"上市公司|已上市|\blisted (?:company|firm)\b|\bpublicly listed\b", s, re.IGNORECASE
    ):
        listed = True
    else:
        listed = None
    if listed is not None:
        facts["investee_listed" if investor else "is_listed"] = listed

    if investor:
        if re.search(
            r"(?:不是|并非|非)[^,。]{0,10}(?:发起人|创始人|雇员|员工|亲属)|\bnot\b[^,.]{0,20}"
            r"\b(?:a\s+)?(?:founder|employee|relative)",
            s,
            re.IGNORECASE,
        ):
            facts["investor_related"] = False
        elif re.search(
            r"(?:我|本人)(?:是|也是)[^,。]{0,10}(?:发起人|创始人|雇员|员工|亲属)|\bI\s*(?:am|'m)\s+"
            r"(?:also\s+)?(?:a\s+|the\s+)?(?:founder|co-founder|employee|relative)",
            s,
            re.IGNORECASE,
        ):
            facts["investor_related"] = True


_NUM = rf"(\d+(?:\.\d+)?|[{CN_NUM}]+)"
_MONEY = (
    rf"((?:RMB|CNY|¥)?\s*(?:\d+(?:\.\d+)?|[{CN_NUM}]+)\s*(?:亿|千万|百万|万|billion|bn|million|mn|m\b)"
    r"\s*(?:元|块|yuan|RMB|CNY)?|(?:RMB|CNY|¥)\s*\d+(?:\.\d+)?\s*(?:billion|bn|million|mn|m\b)?"
    r"|\d+(?:\.\d+)?\s*(?:元|yuan))"
)
_HOW_MUCH = r"(?:为|是|约|大约|达到|达|有|共|不到|不超过|超过|约有|大约有)?"


def _extract_numbers(s: str, facts: dict[str, FactValue], investor: bool, today: date) -> None:
    prefix = "investee_" if investor else ""
    m = re.search(
        rf"(?:员工|职工|从业人员|从业人数|职工总数|雇员)(?:总数|人数)?{_HOW_MUCH}\s*{_NUM}\s*(?:多)?(?:人|名)"
        rf"|{_NUM}\s*(?:多)?\s*(?:名|个)?(?:员工|职工|雇员|从业人员)"
        r"|(?<![\d.])(\d+)\s*(?:full-time\s+)?(?:employees|staff|people|workers)\b"
        r"|\bheadcount (?:of|is)\s*(\d+)\b",
        s,
        re.IGNORECASE,
    )
    if m:
        n = _first_number(m)
        if n is not None and n == int(n):
            facts[f"{prefix}employees"] = int(n)

    for fact, words_zh, words_en in (
        (
            "annual_sales",
            r"(?:年)?(?:销售收入|销售额|营业收入|营收|营业额|年收入)",
            r"(?:annual\s+)?(?:sales|revenue|turnover)",
        ),
        ("total_assets", r"(?:资产总额|总资产|资产规模)", r"(?:total\s+)?assets"),
    ):
        m = re.search(
            rf"{words_zh}{_HOW_MUCH}\s*{_MONEY}"
            rf"|\b{words_en}\s*(?:of|is|are|was|were|:|=|totall?ing)?\s*(?:about|around)?\s*{_MONEY}"
            rf"|{_MONEY}\s*(?:in|of)\s*(?:annual\s+)?{words_en}\b",
            s,
            re.IGNORECASE,
        )
        if m:
            v = parse_money_wan(next(g for g in m.groups() if g))
            if v is not None:
                facts[f"{prefix}{fact}"] = _tidy(v)

    age_fact = "investee_age_years" if investor else "company_age_years"
    m = re.search(
        rf"成立(?:了|已|已经)?(?:不到|近|约|快)?{_NUM}\s*(?:多)?年"
        r"|(?<![\d.])(\d+(?:\.\d+)?)[- ]years?[- ]old\b"
        r"|\b(?:founded|established|registered|incorporated|set up)\s+(\d+(?:\.\d+)?)\s+years?\s+ago\b",
        s,
        re.IGNORECASE,
    )
    if m and (n := _first_number(m)) is not None and n <= 100:
        facts[age_fact] = _tidy(n)
    else:
        m = re.search(
            r"(?:成立|注册|设立)于?\s*((?:19|20)\d{2})\s*年|((?:19|20)\d{2})\s*年\s*(?:成立|注册|设立)|"
            r"\b(?:founded|established|incorporated|registered|set up)\s+in\s+((?:19|20)\d{2})\b",
            s,
            re.IGNORECASE,
        )
        if m:
            founded = int(next(g for g in m.groups() if g))
            ref = int(facts.get("tax_year", today.year))
            if ref >= founded:
                facts[age_fact] = ref - founded

    m = re.search(
        rf"(?:持有|投资|持股|投)(?:了|已|已经)?(?:满|超过)?{_NUM}\s*(?:多)?年|{_NUM}\s*年前投(?:资)?"
        rf"|(?<!成立)(?<!设立)满\s*{_NUM}\s*年"
        r"|\bheld\b[^,.]{0,25}?\bfor\s+(\d+(?:\.\d+)?)\s+years?\b"
        r"|\binvested\b[^,.]{0,30}?(\d+(?:\.\d+)?)\s+years?\s+ago\b",
        s,
        re.IGNORECASE,
    )
    if investor and m and (n := _first_number(m)) is not None and n <= 50:
        facts["years_held"] = _tidy(n)

    m = re.search(
        rf"{_NUM}\s*个月(?:内|后|以内)?[^,。]{{0,8}}(?:发放|发|支付|兑现)"
        rf"|(?:收入|到账)[^,。]{{0,8}}?{_NUM}\s*个月"
        r"|\b(?:within|after)\s+(\d+)\s+months\b",
        s,
        re.IGNORECASE,
    )
    if m and (n := _first_number(m)) is not None and n == int(n):
        facts["months_since_income"] = int(n)

    m = re.search(
        rf"授予[^,。]{{0,6}}?(?:满|已)?{_NUM}\s*年|\bgranted\s+(\d+(?:\.\d+)?)\s+years?\s+ago\b",
        s,
        re.IGNORECASE,
    )
    if m and (n := _first_number(m)) is not None and n <= 50:
        facts["years_since_grant"] = _tidy(n)

    m = re.search(
        r"(?:评价|自评|评分|得分)[^,。]{0,6}?(\d{1,3})\s*分|\bscored?\s*(?:of|is|was)?\s*(\d{1,3})\b",
        s,
        re.IGNORECASE,
    )
    if m and (n := _first_number(m)) is not None and n <= 100:
        facts["tech_sme_score"] = int(n)


def _first_number(m: re.Match[str]) -> float | None:
    for g in m.groups():
        if g:
            try:
                return float(g)
            except ValueError:
                return cn_number(g)
    return None


_FIVE_YEARS = re.compile(
    r"(?:5|五)\s*年(?:以上|及以上|\(含\)以上)|\b(?:5|five)\s+years?\s+or\s+more\b|"
    r"\bat least (?:5|five) years\b|\b(?:5|five)\+\s*years?\b|\b(?:5|five)[- ]year\b",
    re.IGNORECASE,
)
_SHORT_LICENCE = re.compile(
    r"(?<!\d)([1-4一二三四两])\s*年(?:期)?(?:的)?(?:独占|非独占|普通)?许可|"
    r"\b([1-4]|one|two|three|four)[- ]years?\b[^,.]{0,15}licen[cs]e",
    re.IGNORECASE,
)


def _extract_misc(s: str, facts: dict[str, FactValue]) -> None:
    for value, pat in _RD_ACTIVITIES:
        if re.search(pat, s, re.IGNORECASE):
            facts["rd_activity"] = value
            break
    for value, pat in _PROVINCES.items():
        if re.search(pat, s, re.IGNORECASE):
            facts["province"] = value
            break
    if re.search(r"现金奖励|转化奖励|奖金|\bcash (?:rewards?|awards?|bonus)\b", s, re.IGNORECASE):
        facts["reward_type"] = "cash"
    elif re.search(
        r"股权奖励|股份奖励|\bequity (?:rewards?|awards?)\b|\bshares as (?:a )?reward\b",
        s,
        re.IGNORECASE,
    ):
        facts["reward_type"] = "equity"
    if re.search(r"股票期权|股权期权|期权|\bstock options?\b|\bshare options?\b", s, re.IGNORECASE):
        facts["incentive_kind"] = "stock_option"
    elif re.search(r"限制性股票|\brestricted (?:stock|shares)\b|\bRSUs?\b", s, re.IGNORECASE):
        facts["incentive_kind"] = "restricted_stock"
    elif re.search(
        r"股权奖励|\bequity awards?\b|\bstock grants?\b|\bshare awards?\b", s, re.IGNORECASE
    ):
        facts["incentive_kind"] = "equity_award"
    if re.search(r"发明专利|\binvention patents?\b", s, re.IGNORECASE):
        facts["patent_kind"] = "invention"
    elif re.search(r"实用新型|\butility models?\b", s, re.IGNORECASE):
        facts["patent_kind"] = "utility_model"
    elif re.search(r"外观设计|\bdesign patents?\b", s, re.IGNORECASE):
        facts["patent_kind"] = "design"

    short = _SHORT_LICENCE.search(s)
    if re.search(r"非独占许可|普通许可|\bnon-?exclusive licen[cs]e", s, re.IGNORECASE):
        if short:
            facts["transfer_kind"] = "short_licence"
        elif _FIVE_YEARS.search(s):
            facts["transfer_kind"] = "nonexclusive_licence_5y"
    elif re.search(r"独占许可|\bexclusive licen[cs]e", s, re.IGNORECASE):
        if short:
            facts["transfer_kind"] = "short_licence"
        elif _FIVE_YEARS.search(s):
            facts["transfer_kind"] = "exclusive_licence_5y"
    elif re.search(
        r"(?:转让|卖掉|出售)(?:了)?(?:一项|这项|该项)?(?:专利|技术|所有权)|(?:专利|技术)(?:所有权)?转让|"
        r"\b(?:sold|sell|selling|assign(?:ed)?|transferr?(?:ed|ing)?)\b[^,.]{0,20}\b(?:patents?|"
        r"ownership|technology)\b",
        s,
        re.IGNORECASE,
    ):
        facts["transfer_kind"] = "ownership"

    if re.search(
        r"(?:没有|未|无)[^,。]{0,6}(?:约定|奖励制度|奖励办法)|\bno (?:reward )?(?:agreement|policy|"
        r"rules)\b|\bhave(?: not|n't) agreed\b",
        s,
        re.IGNORECASE,
    ):
        facts["has_reward_agreement"] = False
    elif re.search(
        r"约定了|已约定|(?:奖励|转化)(?:制度|办法)(?:规定|约定)|\bour (?:reward )?(?:agreement|"
        r"policy|rules) (?:says?|gives?|sets?)\b",
        s,
        re.IGNORECASE,
    ):
        facts["has_reward_agreement"] = True


# ---------------------------------------------------------------- question detection

_BENEFIT_ZH = r"(?:享受|适用|申请|加计扣除|扣除|减免|免征|减半|抵扣|认定|评为|入库|递延|领取|拿到|获得|计入|算作|符合|(?<![费作使应利采运])用)"
_ELIGIBILITY_ZH = re.compile(
    rf"(?:能不能|能否|可不可以|可否|是否(?:可以|能够?)?|可以|能够?)[^。?!]{{0,14}}?{_BENEFIT_ZH}"
    # "…吗？" asks yes or no; "怎么/什么" ask how or what, not whether
    rf"|适不适用|适用于?(?:我们|我|本公司|我司|本单位)|{_BENEFIT_ZH}[^。?!]{{0,12}}?(?:吗|(?<![怎什那这多])么)"
    r"|有没有资格|有资格|够不够(?:格|条件)|符合[^。?!]{0,12}条件|算不算|属不属于|是否属于"
)
_SELF_EN = r"(?:we|i|our\s+\w+|my\s+\w+|us|me)"
_ELIGIBILITY_EN = re.compile(
    rf"\b(?:can|could|may)\s+{_SELF_EN}\s+(?:still\s+)?(?:claim|get|use|benefit|apply|enjoy|deduct|"
    rf"qualify|receive|take|count)\b|\b(?:are|am|is)\s+{_SELF_EN}\s+(?:still\s+)?(?:eligible|entitled|"
    rf"qualified)\b|\b(?:we|i|our|my)\b[^.?!]{{0,60}}\b(?:eligible|entitled)\b"
    rf"|\b(?:do|does|would|will)\s+{_SELF_EN}\s+qualify\b"
    r"|\b(?:does|do|would|will|can)\b[^.?!]{0,60}\bapply\s+to\b|\bappl(?:y|ies)\s+to\s+(?:us|me)\b"
    r"|\bqualify\s+for\b",
    re.IGNORECASE,
)


def looks_like_eligibility_question(text: str) -> bool:
    """True for "does this apply to us?" questions (能不能享受 / 是否适用 / can we claim / are we eligible)."""
    s = _norm(text)
    return bool(_ELIGIBILITY_ZH.search(s) or _ELIGIBILITY_EN.search(s))


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
    "extract_facts",
    "find_percents",
    "get_fact",
    "looks_like_eligibility_question",
    "normalize_facts",
    "parse_fact_assignment",
    "parse_money_wan",
    "parse_number",
    "parse_percent",
]
