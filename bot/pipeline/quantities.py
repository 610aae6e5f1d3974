"""Figures a question states, each with the words it is about: "研发费用600万元", "RMB 3 million
invested", "three invention patents", "18 months ago".

Amounts are found once, in 万元, with their span; a role is the nearest label before the amount
(or, in English, the words right after it: "RMB 6 million of qualifying R&D").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.incentives import cn_number

CN = "零〇一二两三四五六七八九十百千"
_UNIT_WAN = {
    "亿": 10_000.0, "千万": 1_000.0, "百万": 100.0, "万": 1.0,
    "billion": 100_000.0, "bn": 100_000.0, "million": 100.0, "mn": 100.0, "m": 100.0,
    "thousand": 0.1, "k": 0.1,
}
_MONEY = re.compile(
    r"(?P<pre>RMB|CNY|¥|￥|人民币)?\s*"
    rf"(?P<n>\d[\d,]*(?:\.\d+)?|[{CN}]+(?:点[{CN}]+)?)\s*"
    r"(?P<unit>亿|千万|百万|万|billion\b|bn\b|million\b|mn\b|m\b|thousand\b|k\b)?\s*"
    r"(?P<yuan>元|块|yuan\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Amount:
    wan: float  # in 万元 (10,000 yuan)
    start: int
    end: int


def normalize_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), so spans index this text."""
    return unicodedata.normalize("NFKC", text)


def _number(s: str) -> float | None:
    s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        pass
    if "点" in s:
        a, _, b = s.partition("点")
        whole = cn_number(a)
        digits = "".join(str(int(cn_number(ch) or 0)) for ch in b)
        return None if whole is None else float(f"{int(whole)}.{digits}")
    return cn_number(s)


def amounts(text: str) -> list[Amount]:
    """Every amount of money in ``text`` (NFKC-normalised), in 万元."""
    out = []
    for m in _MONEY.finditer(text):
        pre, unit, yuan = m.group("pre"), m.group("unit"), m.group("yuan")
        if not (pre or unit or yuan):
            continue
        raw = m.group("n")
        if not re.match(r"\d", raw) and not (unit or yuan):
            continue
        if unit and unit.lower() in ("m", "k") and not pre:
            continue  # "3m" without RMB is too often metres or months
        if unit == "万" and text[m.end("unit"):m.end("unit") + 1] in ("人", "名"):
            continue
        n = _number(raw)
        if n is None:
            continue
        wan = n * _UNIT_WAN[unit.lower()] if unit else n / 10_000
        end = m.end()
        while end > m.start() and text[end - 1].isspace():
            end -= 1
        out.append(Amount(wan, m.start("n") if not pre else m.start(), end))
    return out


def _after(text: str, label: str, window: int) -> tuple[float, int] | None:
    found = amounts(text)
    for lm in re.finditer(label, text, re.IGNORECASE):
        for a in found:
            if lm.end() <= a.start <= lm.end() + window and not re.search(r"[。；;]", text[lm.end():a.start]):
                return a.wan, a.start - lm.end()
    return None


def _before(text: str, label: str, window: int) -> tuple[float, int] | None:
    found = amounts(text)
    for lm in re.finditer(label, text, re.IGNORECASE):
        near = [a for a in found if a.end <= lm.start() and lm.start() - a.end <= window
                and not re.search(r"[。；;]", text[a.end:lm.start()])]
        if near:
            return near[-1].wan, lm.start() - near[-1].end
    return None


def money_after(text: str, label: str, *, window: int = 24) -> float | None:
    """The first amount within ``window`` characters after a match of ``label`` (a regex)."""
    got = _after(text, label, window)
    return got[0] if got else None


def money_before(text: str, label: str, *, window: int = 24) -> float | None:
    """The last amount ending within ``window`` characters before a match of ``label``."""
    got = _before(text, label, window)
    return got[0] if got else None


def money_for(text: str, label_before: str, label_after: str | None = None, *, window: int = 24) -> float | None:
    """An amount labelled before it ("研发费用600万元") or after it ("RMB 6 million of R&D"),
    whichever label sits closer to its amount."""
    candidates = [c for c in (_after(text, label_before, window),
                              _before(text, label_after, window) if label_after else None) if c]
    return min(candidates, key=lambda c: c[1])[0] if candidates else None


_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "a": 1, "an": 1, "single": 1}


def count_of(text: str, noun: str) -> int | None:
    """"三项发明专利" / "3件发明专利" / "three invention patents" → 3 (noun is a regex)."""
    m = re.search(rf"(\d+|[{CN}]+)\s*(?:项|件|个|份|名)?\s*(?:{noun})", text, re.IGNORECASE)
    if m:
        n = _number(m.group(1))
        if n is not None:
            return int(n)
    m = re.search(rf"\b(\d+|{'|'.join(_COUNT_WORDS)})\s+(?:new\s+)?(?:{noun})", text, re.IGNORECASE)
    if m:
        w = m.group(1).lower()
        return int(w) if w.isdigit() else _COUNT_WORDS[w]
    return None


def percent_after(text: str, label: str, *, window: int = 16) -> float | None:
    """A percentage (or 成 / 一半) within ``window`` characters after ``label``."""
    from bot.incentives import find_percents

    for lm in re.finditer(label, text, re.IGNORECASE):
        seg = text[lm.end():lm.end() + window]
        found = find_percents(seg)
        if found:
            return found[0][2]
    return None


def percent_before(text: str, label: str, *, window: int = 16) -> float | None:
    from bot.incentives import find_percents

    for lm in re.finditer(label, text, re.IGNORECASE):
        seg = text[max(0, lm.start() - window):lm.start()]
        found = find_percents(seg)
        if found:
            return found[-1][2]
    return None


def duration_years(text: str, label: str) -> float | None:
    """"持股满两年" / "held it for 3 years" / "18 months ago" near a label, in years."""
    m = re.search(
        rf"(?:{label})[^。；;,.，]{{0,12}}?(\d+(?:\.\d+)?|[{CN}]+)\s*(?:个)?\s*(年|个月|months?|years?)"
        rf"|(\d+(?:\.\d+)?)\s*(months?|years?)\s+ago",
        text,
        re.IGNORECASE,
    )
    if not m:
        return None
    raw = m.group(1) or m.group(3)
    unit = (m.group(2) or m.group(4)).lower()
    n = _number(raw)
    if n is None:
        return None
    return n / 12 if unit.startswith(("个月", "month")) else n
