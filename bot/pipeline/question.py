"""Understand: a question becomes one typed ``Question`` that every later stage only reads.

Its language is detected here and nowhere else; so are its kind (rule lookup, rate, amount,
eligibility verdict), the topics (incentives) it is about, its sub-questions, the asker's facts
(``bot.incentives`` extraction) and the figures it states (``quantities``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.incentives import extract_facts, looks_like_eligibility_question
from retrieval.glossary import detect_language

from .quantities import amounts, normalize_text


class Kind(StrEnum):
    LOOKUP = "lookup"  # what does the rule say / who / when
    RATE = "rate"  # which rate or threshold (for a year and taxpayer)
    AMOUNT = "amount"  # how much, computed from the question's figures
    ELIGIBILITY = "eligibility"  # can we / do we qualify / is it lawful


# Topics: the catalog incentive (or rule family) a question is about. Several may match.
TOPICS: dict[str, str] = {
    "rd-super-deduction": r"加计扣除|研发费用|研究开发费用|研发支出|super[- ]?deduct|extra deduction|"
    r"R&D\b.{0,40}(?:expens|cost|spend|deduct|claim|amorti)|(?:expens|cost|spend|amorti).{0,30}\bR&D\b|"
    r"(?:研发|R&D).{0,200}(?:摊销|无形资产|amorti)|(?:摊销|amorti).{0,200}(?:研发|R&D)",
    "high-tech-enterprise": r"高新技术企业|高企|\bHNTE\b|high[- ]tech(?:nology)? enterprise|high-tech (?:certif|status)|"
    r"certified high|high-tech products?|be certified",
    "tech-sme": r"科技型中小企业|科技型中小|tech(?:nology)?[- ]based (?:SME|small)|\btech[- ]SMEs?\b",
    "tech-transfer-income": r"技术转让(?:所得|收入)|技术转让.{0,16}(?:所得税|免征|免税|减半|CIT|tax)|"
    r"technology[- ]transfer (?:income|revenue|gains?)|transfer income|技术转让\s*revenue",
    "venture-capital": r"创业投资企业|创投企业|创投|venture[- ]capital|\bVC\b",
    "angel-investor": r"天使投资|angel",
    "transfer-reward": r"(?:奖励|报酬|reward|remuneration|bonus|stake|owe|go to them|contributors).{0,120}"
    r"(?:成果|转化|转让|许可|作价|专利|invention|patent|licen|transfer)|"
    r"(?:成果|转化|转让|许可|作价|职务科技成果|专利|invention|patent|licen|自行实施|self-implement).{0,120}"
    r"(?:奖励|报酬|reward|remuneration|inventor|发明人|团队|stake|contributors|amount due)",
    "transfer-reward-pay-cap": r"绩效工资|工资总额|pay cap|performance[- ]pay|wage bill|salary cap|payroll cap",
    "patent-inventor-reward": r"(?:发明人|设计人|inventor|designer).{0,40}(?:奖金|奖励|bonus|reward)|"
    r"(?:奖金|奖励|bonus|reward).{0,40}(?:发明人|设计人|inventor|designer)|"
    r"(?:授权|granted).{0,30}(?:专利|patent)",
    "equity-incentive-deferral": r"(?:股权激励|股票期权|股权期权|期权激励|限制性股票|stock options?|equity incentives?|"
    r"restricted (?:stock|shares)).{0,80}(?:递延|暂不纳税|纳税|个税|个人所得税|defer|tax)|"
    r"(?:递延纳税|deferr?(?:al|ed|ing) (?:the )?(?:income )?tax).{0,80}(?:股权|期权|stock|equity|option)",
    "researcher-reward-income-tax": r"(?:个人所得税|个税|individual income tax|\bIIT\b).{0,120}(?:奖励|reward)|"
    r"(?:奖励|reward).{0,120}(?:个人所得税|个税|individual income tax|\bIIT\b|wages and salar)",
}
TOPIC_RES = {k: re.compile(v, re.IGNORECASE | re.DOTALL) for k, v in TOPICS.items()}

# A question asking what a word means ("啥样的企业才算制造业企业", "制造业企业是咋界定的", "what counts as
# a manufacturer"): the definition answers it, not a rate.
ASKS_MEANING = re.compile(r"才算|算是|什么是|是指|指的是|指什么|定义|界定|含义|啥样的|什么样的|哪类企业|what counts as|"
                          r"\bcounts? as an? |what is meant|definition|defined|qualif(?:y|ies) as", re.IGNORECASE)

# A question asking for a web address ("申报网址是什么", "what's the website for…"): the official
# texts name platforms but never give an address
ASKS_ADDRESS = re.compile(r"网址|网站|官网|链接|\b(?:websites?|url|web address|web link|link to)\b", re.IGNORECASE)

# A question asking for a sum of money: a fee, a grant, a city's cash award ("能扣多少" and "how much
# can we deduct" ask a rate, not a sum).
ASKS_SUM = re.compile(
    r"多少钱|多少元|几元|几块钱|多少万元|几万块|(?:奖金|补助|补贴|资助|奖励|费用?)(?:标准)?(?:是|有|能|一般|一共)?"
    r"(?:多少钱|多少万|多少元)|"
    r"\bhow much (?:money|cash|funding)\b|\bin (?:rmb|yuan)\b|"
    r"\bhow much\b(?! of\b)[^?.!]{0,40}\b(?:fees?|grants?|bonus(?:es)?|rewards?|subsid(?:y|ies)|allowances?|stipends?|funding)\b|"
    r"\b(?:fees?|grants?|bonus(?:es)?|rewards?|subsid(?:y|ies)|allowances?|stipends?|funding)\b[^?.!]{0,40}\bhow much\b(?! of\b)",
    re.IGNORECASE,
)

_RATE = re.compile(
    r"比例|比率|税率|几成|百分之几|多少%|rate|percentage|what share|how high",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"多少钱|多少万|多少元|多少(?:应纳税所得额|报酬|奖金|奖励|企业所得税|税)?|要缴多少|交多少|能抵扣多少|能摊销多少|"
    r"how much|what (?:extra )?(?:deduction|amount|bonus|total)|minimum total|how many",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"吗[？?]?\s*$|吗[？?]|是否|能否|可否|可不可以|能不能|是不是|有没有|够吗|够不够|合法吗|"
    r"^\s*(?:does|do|is|are|can|may|will|should|has|have|could)\b|\b(?:can|could) (?:we|i|he|she|they|it)\b|"
    r"(?:^|[.?!。？]\s*)(?:is|are|does|do|can|may|will|should)\b|"
    r"\bdo (?:we|i) qualify\b|\bis (?:it|this|that) (?:lawful|legal|allowed)\b",
    re.IGNORECASE,
)
# "能评/想申请/can we be certified": the asker is NOT yet certified
_WANTS_STATUS = re.compile(
    r"(?:能|可以|可否|能否|能不能|想|准备|打算|申请|申报|评为|评上|认定为|能评|评|登记|入库)"
    r".{0,6}(?:科技型中小企业|高新技术企业|高企)|"
    r"\b(?:can|could|may)\b[^.?!]{0,30}?\b(?:register|be (?:\w+ )?(?:certified|recognised|recognized|registered|"
    r"evaluated|rated|assessed|confirmed))\b|\bdo we qualify\b|\bapply(?:ing)? for\b",
    re.IGNORECASE,
)
_STATUS_WORDS = (("is_tech_sme", r"科技型中小|SME"), ("is_high_tech", r"高新|高企|high[- ]tech|HNTE"))
_SUB_SPLIT = re.compile(r"(?<=[？?])\s*|(?<=[。])\s*(?=[^。]*[？?])")


@dataclass(frozen=True)
class Question:
    """A question understood once: what later stages read instead of the raw text."""

    text: str  # as asked (cleaned)
    norm: str  # NFKC-normalised, for figures
    lang: str  # language to answer in: "zh" | "en"
    written: str  # language mostly written in: "zh" | "en" | "mixed"
    kind: Kind
    topics: tuple[str, ...]  # incentive ids, most specific first
    sub_questions: tuple[str, ...]
    yes_no: bool
    facts: dict[str, object] = field(default_factory=dict)  # bot.incentives facts
    year: int | None = None  # tax year asked about
    today: date = field(default_factory=date.today)
    context: str = ""  # words of the previous turn, for follow-ups
    notes: tuple[str, ...] = ()  # facts that cannot be right, named; they were not used
    situation: str = ""  # the asker's situation with its figures: the question, or for a follow-up
    # without figures of its own ("那2019年呢？") the previous question too

    def __post_init__(self) -> None:
        if not self.situation:
            object.__setattr__(self, "situation", self.norm)

    @property
    def year_or_now(self) -> int:
        return self.year or self.today.year

    @property
    def asked(self) -> str:
        """The sentences that ask, without the facts stated before them (the whole question when
        no sentence ends in a question mark, so never empty)."""
        return " ".join(self.sub_questions)

    def asks(self, pattern: str) -> bool:
        return re.search(pattern, self.norm, re.IGNORECASE) is not None


def written_language(text: str) -> str:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = len(re.findall(r"[A-Za-z]+", text))
    if cjk and latin >= 3 and latin * 2 >= cjk / 2:
        return "mixed"
    return detect_language(text)


# Another tax named in the question ("技术转让收入能否免征增值税") takes it away from the income-tax
# rules it shares words with
OTHER_TAXES = re.compile(
    r"增值税|\bVAT\b|value[- ]added tax|印花税|stamp duty|消费税|consumption tax|关税|customs dut|房产税|"
    r"土地增值税|城镇土地使用税|出口退税|export (?:tax )?rebate",
    re.IGNORECASE,
)

_RD_STRONG = re.compile(r"加计扣除|super[- ]?deduct|(?:extra|additional) deduction|摊销|amorti", re.IGNORECASE)
_DENIED = {
    "tech-sme": re.compile(r"(?:非|不是|并非|不属于)科技型中小企业|not (?:a |an )?(?:registered )?tech(?:nology)?[- ]based SME",
                           re.IGNORECASE),
    "high-tech-enterprise": re.compile(r"(?:非|不是|并非|不属于)高新技术企业|not (?:a |an )?(?:certified )?high[- ]tech enterprise",
                                       re.IGNORECASE),
}


# A status named beside another benefit ("as an HNTE, can we carry losses forward 10 years",
# "does Harbin pay newly certified high-tech enterprises a cash award") is the asker's fact: the
# question is about that benefit, not the status's own tax rate, unless it asks for the rate too
STATUS_TOPICS = ("high-tech-enterprise", "tech-sme")
_OTHER_BENEFIT = re.compile(
    r"亏损|弥补|\blosse?s?\b|奖励|奖补|补贴|补助|资助|安家费|\bcash\b|subsid|\bgrants?\b|\bawards?\b|\bbonus",
    re.IGNORECASE,
)
_STATUS_RATE = re.compile(r"税率|15\s*[%％]|所得税优惠|\b(?:tax )?rate\b|income tax (?:relief|break|incentive)",
                          re.IGNORECASE)


def topics_of(text: str) -> tuple[str, ...]:
    found = [k for k, rx in TOPIC_RES.items() if rx.search(text)]
    # nor is the status of the company an investor puts money in ("a VC company that invested in
    # an unlisted high-tech SME"): the investor's relief is the topic
    investing = any(k in found for k in ("venture-capital", "angel-investor"))
    if (investing or _OTHER_BENEFIT.search(text)) and not _STATUS_RATE.search(text):
        found = [k for k in found if k not in STATUS_TOPICS]
    # a category named only to be denied ("not a tech-based SME") is a fact, not the topic
    found = [k for k in found if not (k in _DENIED and len(found) > 1 and _DENIED[k].search(text)
                                      and len(TOPIC_RES[k].findall(text)) <= 1)]
    # "研发费用" alone is also a criterion of high-tech and tech-SME status: a question about
    # those is not about the super-deduction unless it names it
    if "rd-super-deduction" in found and len(found) > 1 and not _RD_STRONG.search(text):
        found.remove("rd-super-deduction")
    # inventor rewards on granted patents are their own rule, not a transfer reward
    if "patent-inventor-reward" in found and "transfer-reward" in found and not re.search(
        r"净收入|net (?:licen|transfer|income)|利润|profit|作价|stake|股|"
        r"自行实施|自己实施|自主实施|合作实施|实施转化|commerciali[sz]|implement", text, re.IGNORECASE
    ):
        found.remove("transfer-reward")
    return tuple(found)


_SELF = re.compile(r"我们|我司|本公司|我公司|本单位|我是|我在|\b(?:we|our|us|i)\b", re.IGNORECASE)


def kind_of(norm: str, topics: tuple[str, ...], yes_no: bool) -> Kind:
    if _AMOUNT.search(norm) and not re.search(r"比例是多少|rate", norm, re.IGNORECASE):
        return Kind.AMOUNT
    if _RATE.search(norm):
        return Kind.RATE
    # an eligibility question is about the asker ("can WE claim…"); "do university researchers'
    # rewards count…" asks what a rule says
    if yes_no and _SELF.search(norm) and (looks_like_eligibility_question(norm) or _WANTS_STATUS.search(norm)):
        return Kind.ELIGIBILITY
    return Kind.LOOKUP


_YEAR_RANGE = re.compile(
    r"((?:19|20)\d{2})\s*年?\s*(?:至|到|—|–|-|~|～|to|and|through|until)\s*((?:19|20)\d{2})", re.IGNORECASE)


def understand(text: str, *, lang: str | None = None, context: str = "",
               known: dict[str, object] | None = None, today: date | None = None) -> Question:
    """Read a question once: language, kind, topics, sub-questions, facts, figures' year."""
    today = today or date.today()
    norm = normalize_text(text)
    written = written_language(text)
    answer_lang = lang or ("zh" if written == "mixed" and _mostly_chinese(text) else
                           "en" if written == "mixed" else written)
    facts: dict[str, object] = dict(known or {})
    with contextlib.suppress(Exception):  # a fact we cannot read is a fact we do not know
        facts.update(extract_facts(norm, today=today))
    # the status the asker wants ("能评科技型中小企业吗", "can we register as a tech SME") is one
    # they do not have yet
    for m in _WANTS_STATUS.finditer(norm):
        wanted = norm[m.start():m.end() + 40]
        for fact, rx in _STATUS_WORDS:
            if re.search(rx, wanted, re.IGNORECASE):
                facts[fact] = False
    # "非制造业 / not a manufacturer / 不是科技型中小企业": a category named only to be denied
    if re.search(r"非制造|不是制造|不属于制造|not a manufactur|non-manufactur", norm, re.IGNORECASE) \
            and facts.get("industry") == "manufacturing":
        facts["industry"] = "other"
    if "tax_year" not in facts:
        years = set(re.findall(r"(?<![\d〔\[])((?:19|20)\d{2})(?!\d)", norm))
        span = _YEAR_RANGE.search(norm)
        if len(years) == 1:
            facts["tax_year"] = int(years.pop())
        elif span:  # "between 2018 and 2020", "2017年至2019年": the period's first year
            facts["tax_year"] = int(span.group(1))
    facts, notes = drop_implausible(facts, answer_lang, today)
    notes += implausible_figures(norm, answer_lang)
    year = facts.get("tax_year") if isinstance(facts.get("tax_year"), int) else None
    topics = topics_of(norm + (" " + context if context and not topics_of(norm) else ""))
    if OTHER_TAXES.search(norm):
        topics = ()
    yes_no = bool(_YES_NO.search(norm))
    subs = tuple(s.strip() for s in _SUB_SPLIT.split(norm) if s.strip() and re.search(r"[？?]", s)) or (norm,)
    return Question(
        text=text,
        norm=norm,
        lang=answer_lang,
        written=written,
        kind=kind_of(norm, topics, yes_no),
        topics=topics,
        sub_questions=subs,
        yes_no=yes_no,
        facts=facts,
        year=year,  # type: ignore[arg-type]
        today=today,
        context=context,
        notes=tuple(notes),
        situation=f"{normalize_text(context)} {norm}" if context and not amounts(norm) else norm,
    )


_SHARE_OVER = re.compile(r"(?:占|占比|比例为?|share of|makes? up|account(?:s|ed)? for)\s*(?:收入的?|revenue)?\s*(\d{3,}(?:\.\d+)?)\s*%",
                         re.IGNORECASE)
_NEGATIVE = re.compile(r"(?:^|[\s:：为是，,(（])(?:-|−|负)\s*(\d+(?:\.\d+)?)\s*(?:万|亿|元|million|yuan|%)", re.IGNORECASE)


def implausible_figures(norm: str, lang: str) -> list[str]:
    """Shares over 100 % and negative amounts written in the question (fact extraction skips them)."""
    zh = lang == "zh"
    out = []
    for m in _SHARE_OVER.finditer(norm):
        v = float(m.group(1))
        if v > 100:
            out.append(f"比例{v:g}%不可能（应在0–100%之间），未采用。" if zh else
                       f"A share of {v:g}% is impossible (it must be 0–100%), so it was not used.")
    for m in _NEGATIVE.finditer(norm):
        out.append(f"负数“{m.group(0).strip(' :：，,(（')}”不合理，未采用。" if zh else
                   f"The negative figure “{m.group(0).strip(' :,(')}” cannot be right, so it was not used.")
    return out


def drop_implausible(facts: dict[str, object], lang: str, today: date) -> tuple[dict[str, object], list[str]]:
    """Facts that cannot be right (a tax year 2090, a share of 150 %, a negative amount) are
    dropped, each with a note naming it, so no rule silently computes with them."""
    zh = lang == "zh"
    kept: dict[str, object] = {}
    notes: list[str] = []
    for name, value in facts.items():
        if name == "tax_year" and isinstance(value, int) and not 1990 <= value <= today.year + 1:
            notes.append(f"纳税年度{value}年不合理，已按今年（{today.year}年）回答，请核对年份。" if zh else
                         f"Tax year {value} cannot be right, so this answer is for {today.year}; please check the year.")
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            if name.endswith("_share") and not 0 <= value <= 100:
                notes.append(f"比例{value:g}%不可能（应在0–100%之间），未采用。" if zh else
                             f"A share of {value:g}% is impossible (it must be 0–100%), so it was not used.")
                continue
            if value < 0:
                notes.append(f"数值{value:g}为负数，未采用。" if zh else
                             f"The negative figure {value:g} cannot be right, so it was not used.")
                continue
        kept[name] = value
    return kept, notes


def _mostly_chinese(text: str) -> bool:
    """More Chinese words than English ones (a Chinese word is ~1.7 characters)."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin_words = len(re.findall(r"[A-Za-z]{2,}", text))
    return cjk / 1.7 >= latin_words
