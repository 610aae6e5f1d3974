"""Numbers in Chinese and English words: numerals, money in 万元, percentages.

The ground floor of ``bot.incentives``: it imports nothing from the other modules, so the fact
registry (typed answers) and extraction (free text) read numbers the same way.
"""

from __future__ import annotations

import re
import unicodedata


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation folded to ASCII (NFKC), as every parser expects."""
    return unicodedata.normalize("NFKC", text)


def tidy_number(v: float) -> int | float:
    """A whole number as int, anything else rounded to 2 decimals."""
    return int(v) if float(v).is_integer() else round(v, 2)


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
    s = nfkc(text).strip().replace(",", "")
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
    s = nfkc(text).strip().lower().replace(",", "")
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
    s = nfkc(text).strip().lower()
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


__all__ = [
    "CN_NUM",
    "cn_number",
    "find_percents",
    "nfkc",
    "parse_money_wan",
    "parse_number",
    "parse_percent",
    "tidy_number",
]
