"""Facts read from a plain-language question, and whether it asks "does this apply to us?".

``extract_facts`` reads facts from Chinese or English words with regexes and keyword lexicons; it
only reports what the words state. ``looks_like_eligibility_question`` tells an eligibility
question from a "how" or "what" question.
"""

from __future__ import annotations

import re
from datetime import date

from .numbers import CN_NUM, cn_number, find_percents, nfkc, parse_money_wan, tidy_number
from .registry import FactValue, derive_facts

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
    s = nfkc(text)
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


def _distance(span: tuple[int, int], start: int, end: int) -> int:
    a, b = span
    return start - b if b <= start else (a - end if a >= end else 0)


def _nearer_industry(clause: str, start: int, end: int, attr: str) -> bool:
    """An industry or main-business label sits nearer the percentage than the attribute's label."""
    pat = dict(_PCT_ATTRS)[attr]
    attr_d = min((_distance(m.span(), start, end) for m in pat.finditer(clause)), default=10**6)
    labels = [(a, b) for a, b, _ in _industry_matches(clause)] + [m.span() for m in _MAIN_BUSINESS.finditer(clause)]
    near = min((_distance(sp, start, end) for sp in labels), default=10**6)
    return near < attr_d


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
            if attr is not None and len(percents) == 1 and _nearer_industry(clause, start, end, attr):
                attr = None  # "制造业收入占比90%，研发支出500万元": the share belongs to the industry
            if attr is not None:
                if attr.startswith("investee_") == investor:
                    facts.setdefault(attr, tidy_number(value))
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
            facts["main_business_share"] = tidy_number(share)


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


# words between "registered" and "… years ago" that are not about the company ("registered a patent")
_NOT_A_RIGHT = r"(?:(?!patent|trademark|copyright|software|contract|design)[^.,;?])"


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
                facts[f"{prefix}{fact}"] = tidy_number(v)

    age_fact = "investee_age_years" if investor else "company_age_years"
    m = re.search(
        rf"成立(?:了|已|已经)?(?:不到|近|约|快)?{_NUM}\s*(?:多)?年"
        r"|(?<![\d.])(\d+(?:\.\d+)?)[- ]years?[- ]old\b"
        r"|\b(?:founded|established|registered|incorporated|set up)\b" + _NOT_A_RIGHT + r"{0,30}?\b(\d+(?:\.\d+)?)\s+years?\s+ago\b",
        s,
        re.IGNORECASE,
    )
    months = re.search(
        rf"成立(?:了|已|已经)?(?:不到|近|约|快|才|刚)?{_NUM}\s*个(?:多)?月"
        r"|\b(?:founded|established|registered|incorporated|set up)\b" + _NOT_A_RIGHT + r"{0,30}?\b(\d+)\s+months?\s+ago\b"
        r"|(?<![\d.])(\d+)[- ]months?[- ]old\b",
        s,
        re.IGNORECASE,
    )
    if months and (n := _first_number(months)) is not None and n < 120:
        facts[age_fact] = tidy_number(round(n / 12, 2))  # "成立8个月": 0.67 years
    elif m and (n := _first_number(m)) is not None and n <= 100:
        facts[age_fact] = tidy_number(n)
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
        facts["years_held"] = tidy_number(n)

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
        facts["years_since_grant"] = tidy_number(n)

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
    s = nfkc(text)
    return bool(_ELIGIBILITY_ZH.search(s) or _ELIGIBILITY_EN.search(s))


__all__ = ["extract_facts", "looks_like_eligibility_question"]
