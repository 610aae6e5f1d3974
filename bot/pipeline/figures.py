"""Figures written the way each reader expects: 570万元 / RMB 5.7 million (570万元), 75%."""

from __future__ import annotations


def _g(v: float, digits: int = 2) -> str:
    r = round(v, digits)
    return f"{int(r)}" if r == int(r) else f"{r:.{digits}f}".rstrip("0").rstrip(".")


def money(wan: float, lang: str) -> str:
    """An amount given in 万元."""
    yuan = wan * 10_000
    if lang == "zh":
        if abs(wan) >= 10_000:
            return f"{_g(wan / 10_000, 4)}亿元"
        if abs(wan) >= 1:
            return f"{_g(wan, 4)}万元"
        return f"{yuan:,.0f}元"
    if abs(yuan) >= 1_000_000:
        return f"RMB {_g(yuan / 1_000_000, 4)} million ({_g(wan, 4)}万元)"
    return f"RMB {yuan:,.0f}"


def pct(v: float) -> str:
    return f"{_g(v)}%"


def years(v: float, lang: str) -> str:
    if lang == "zh":
        return f"{_g(v)}年" if v >= 1 or v == 0 else f"{_g(v * 12)}个月"
    if v < 1 and v:
        return f"{_g(v * 12)} months"
    return f"{_g(v)} year{'s' if v != 1 else ''}"
