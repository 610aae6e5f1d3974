"""A one-line English gist of a Chinese clause: its figures, dates and glossary terms in the
clause's own order — "tax year · resident enterprise · technology transfer income · the portion
up to RMB 5 million · exemption".

It is what the clause is about, not a translation: only figures read by rule (percentages,
万元 amounts, dates, periods, durations, article references) and terms the glossary names
appear, so nothing is said that the clause does not say.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from bot.incentives.numbers import cn_number
from retrieval.glossary import Glossary
from retrieval.metadata import find_doc_numbers

from .names import doc_names, english_article

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
MAX_POINTS = 12

_CN = "零〇一二两三四五六七八九十百千"
_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_BEFORE = {  # qualifier words before a figure, longest first
    "不超过": "up to", "不高于": "up to", "不多于": "up to", "最高": "up to", "最多": "up to",
    "不低于": "at least", "不少于": "at least", "至少": "at least",
    "超过": "over", "高于": "over", "多于": "over", "大于": "over",
    "低于": "under", "少于": "under", "小于": "under", "不足": "under", "未满": "under",
}
_AFTER = {"以上": "or more", "及以上": "or more", "以下": "or less", "及以下": "or less", "以内": "or less"}
_QUAL_BEFORE = "|".join(sorted(_BEFORE, key=len, reverse=True))
_QUAL_AFTER = r"(?:[(（]含[)）])?(?P<after>及以上|及以下|以上|以下|以内)?(?P<part>的部分)?"
_FIGURE = re.compile(
    rf"(?P<before>{_QUAL_BEFORE})?(?:"
    rf"(?P<period>(?:自|从)?{_DATE}(?:起)?(?:至|到|—|–|-|~)(?:{_DATE}))"
    rf"|(?P<date>(?P<from>自|从|截至|截止|至)?{_DATE}(?P<when>起|以前|之前|前|以后|之后|后)?)"
    rf"|(?P<month>(?P<mfrom>自|从)?(\d{{4}})年(\d{{1,2}})月(?![\d份])(?P<mwhen>起)?)"
    rf"|(?P<year>(?P<yfrom>自|从|到|至|截至)?(\d{{4}})(?:年度|年(?![第\d]))(?P<ywhen>起|前|以前|底|末)?)"
    rf"|(?P<pct>(?:\d+(?:\.\d+)?\s*[%％])|百分之[{_CN}点]+)"
    rf"|(?P<money>(?:\d+(?:[.,]\d+)*|[{_CN}]{{2,}}|[{_CN}](?=[万亿]))\s*(?:亿|万)?元)"
    rf"|(?P<times>(?:\d+(?:\.\d+)?|[{_CN}]+)倍)"
    rf"|(?P<dur>(?<![\d第{_CN}])(?:\d{{1,3}}|[一二两三四五六七八九十百]+)(?:个月|年(?![度第\d])|日内|天|个工作日))"
    rf"|(?P<people>(?<!\d)\d+\s*(?:人|名)(?![民员]))"
    rf"|(?P<count>(?<![\d.])\d+\s*(?:家|个|项|所|件|台|篇)(?![月次]))"
    rf"|(?P<score>(?<![\d.])\d+(?:\.\d+)?\s*分(?![之别配期摊钟]))"
    rf"|(?P<article>第[{_CN}]+条(?:第[{_CN}]+款)?(?:第?[(（][{_CN}]+[)）]项?)?)"
    rf"){_QUAL_AFTER}"
)
_ASK_WORDS = re.compile(r"^(?:who|what|which|how|when|where|why|whether)\b", re.IGNORECASE)


class Point(NamedTuple):
    start: int
    end: int
    en: str


# the words between a term and the count that follows it ("高新技术企业达到8000家")
_COUNT_AFTER = re.compile(r"(达到|突破|超过|不少于|不超过|不低于|为|共|累计)?\s*")
_COUNT_VERBS = {"突破": "over ", "超过": "over ", "不少于": "at least ", "不低于": "at least ", "不超过": "at most "}


def english_date(year: str | int, month: str | int | None = None, day: str | int | None = None) -> str:
    """2023, 1, 1 → "1 January 2023"; without a day "January 2023"."""
    if month is None:
        return str(int(year))
    m = MONTHS[int(month) - 1] if 1 <= int(month) <= 12 else f"month {int(month)}"
    return f"{int(day)} {m} {int(year)}" if day is not None else f"{m} {int(year)}"


def _dates(text: str) -> list[str]:
    return [english_date(*m.groups()) for m in re.finditer(_DATE, text)]


def _number(s: str) -> float | None:
    s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        return cn_number(s)


def _g(v: float) -> str:
    return f"{int(v)}" if float(v).is_integer() else f"{v:.4f}".rstrip("0").rstrip(".")


def rmb(yuan: float) -> str:
    """5000000 → "RMB 5 million", 20000 → "RMB 20,000"."""
    if abs(yuan) >= 1e9:
        return f"RMB {_g(round(yuan / 1e9, 4))} billion"
    if abs(yuan) >= 1e6:
        return f"RMB {_g(round(yuan / 1e6, 4))} million"
    return f"RMB {yuan:,.0f}" if float(yuan).is_integer() else f"RMB {yuan:,.2f}"


def _core(m: re.Match[str]) -> str | None:
    """The English of one figure, before its qualifiers."""
    g = m.groupdict()
    if g["period"]:
        a, b = _dates(g["period"])
        return f"{a} – {b}"
    if g["date"]:
        [d] = _dates(g["date"])
        frm, when = g["from"] or "", g["when"] or ""
        if frm in ("截至", "截止", "至"):
            return f"until {d}"
        if when in ("以前", "之前", "前"):
            return f"before {d}"
        if when in ("以后", "之后", "后"):
            return f"after {d}"
        return f"from {d}" if frm or when else d
    if g["month"]:
        year, month = re.findall(r"\d+", g["month"])[:2]
        d = english_date(year, month)
        return f"from {d}" if g["mfrom"] or g["mwhen"] else d
    if g["year"]:
        year = re.search(r"\d{4}", g["year"]).group()  # type: ignore[union-attr]
        frm, when = g["yfrom"] or "", g["ywhen"] or ""
        if frm in ("到", "至", "截至") or when in ("前", "以前", "底", "末"):
            return f"by {'the end of ' if when in ('底', '末') else ''}{year}"
        return f"from {year}" if frm or when else year
    if g["pct"]:
        s = unicodedata.normalize("NFKC", g["pct"]).replace(" ", "")
        v = _number(s.removeprefix("百分之").rstrip("%"))
        return None if v is None else f"{_g(v)}%"
    if g["money"]:
        mm = re.match(r"(.+?)\s*(亿|万)?元", g["money"])
        assert mm is not None
        v = _number(mm.group(1))
        if v is None:
            return None
        return rmb(v * {"亿": 1e8, "万": 1e4, None: 1}[mm.group(2)])
    if g["times"]:
        v = _number(g["times"].removesuffix("倍"))
        return None if v is None else f"{_g(v)} times"
    if g["dur"]:
        mm = re.match(rf"(\d+|[{_CN}]+)(.+)", g["dur"])
        assert mm is not None
        v = _number(mm.group(1))
        if v is None:
            return None
        unit = {"个月": "month", "年": "year", "日内": "day", "天": "day", "个工作日": "working day"}[mm.group(2)]
        words = f"{_g(v)} {unit}{'s' if v != 1 else ''}"
        return f"within {words}" if mm.group(2) == "日内" else words
    if g["people"]:
        n = re.match(r"\d+", g["people"])
        return f"{n.group()} people" if n else None
    if g["count"]:
        return re.match(r"\d+", g["count"]).group()  # type: ignore[union-attr]
    if g["score"]:
        v = float(g["score"].rstrip("分").strip())
        return f"{_g(v)} point{'s' if v != 1 else ''}"
    if g["article"]:
        return english_article(g["article"])
    return None


def figures(text: str) -> list[Point]:
    """Figures, dates and article references in a Chinese text (NFKC), in English."""
    out = []
    for m in _FIGURE.finditer(text):
        core = _core(m)
        if not core:
            continue
        if m.group("article") and m.start() <= 1:
            continue  # the clause's own number: the citation names it already
        if m.group("before"):
            core = f"{_BEFORE[m.group('before')]} {core}"
        if m.group("after"):
            core = f"{core} {_AFTER[m.group('after')]}"
        if m.group("part"):
            core = f"the portion {core}"
        out.append(Point(m.start(), m.end(), core))
    return out


def points(text: str, glossary: Glossary, limit: int = MAX_POINTS) -> list[str]:
    """The clause's figures and glossary terms in English, in the order the clause says them.

    Figures and document references come first when there are more than ``limit``; then the
    longest terms, which say most.
    """
    text = unicodedata.normalize("NFKC", text)
    found = figures(text) + references(text)
    taken = [(p.start, p.end) for p in found]
    terms: list[Point] = []
    for zh, en in glossary.annotate_zh(text, limit=40):  # longest first
        if _ASK_WORDS.match(en):
            continue  # question wording ("who owns") is not what a clause says
        start = text.find(unicodedata.normalize("NFKC", zh))
        if start < 0:
            continue
        end = start + len(zh)
        if any(s < end and start < e for s, e in taken):
            continue  # a figure read by rule says it better than a glossed phrase
        taken.append((start, end))
        terms.append(Point(start, end, en))
    # "3家国家技术转移人才培养基地": the count joins the term it counts, or is left out
    counts = [p for p in found if p.en.isdigit()]
    found = [p for p in found if not p.en.isdigit()]
    for c in counts:
        term = next((t for t in terms if t.start == c.end), None)
        if term is not None:
            terms[terms.index(term)] = Point(c.start, term.end, f"{c.en} × {term.en}")
            continue
        # "高新技术企业达到8000家": a target or limit written after the term it counts
        between = next(((t, m) for t in terms if t.end <= c.start
                        and (m := _COUNT_AFTER.fullmatch(text[t.end:c.start]))), None)
        if between is not None:
            term, m = between
            terms[terms.index(term)] = Point(term.start, c.end, f"{term.en}: {_COUNT_VERBS.get(m.group(1), '')}{c.en}")
    chosen: list[Point] = []
    seen: set[str] = set()
    for p in sorted(found) + terms:
        if p.en.lower() not in seen and len(chosen) < limit:
            seen.add(p.en.lower())
            chosen.append(p)
    out: list[Point] = []
    for p in sorted(chosen):
        if out and out[-1].end == p.start and p.en.startswith("Art."):
            out[-1] = Point(out[-1].start, p.end, f"{out[-1].en}, {p.en}")  # 企业所得税法第二十七条
        else:
            out.append(p)
    return [p.en for p in out]


def references(text: str) -> list[Point]:
    """Other documents the clause names by 文号, in English ("Caishui [2018] No. 64")."""
    names = doc_names()
    out = []
    for number in find_doc_numbers(text):
        start = text.find(number)
        en = names.number_name(number) if start >= 0 else None
        if en:
            out.append(Point(start, start + len(number), en))
    return out


def gist(quote: str, glossary: Glossary, limit: int = MAX_POINTS) -> str:
    """"tax year · resident enterprise · …", or "" when the clause has no figure or known term."""
    return " · ".join(points(quote, glossary, limit))
