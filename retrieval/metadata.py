"""Document metadata: title, 文号, issuers, dates and repeals, from front matter or the text.

Front matter (what an admin wrote) wins; then labelled fields of the web page the text was
scraped from (发文字号: …, 成文日期: …); then what the policy text itself says.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date as _date
from pathlib import PurePath

from .documents import DocumentMeta

log = logging.getLogger(__name__)

CJK = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002fa1f"

# ---------------------------------------------------------------- dates

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_YEAR = "[〇零○Ｏ一二三四五六七八九]{4}"
_CN_SMALL = "[一二三四五六七八九十]{1,3}"
DATE_PATTERN = (
    r"(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    rf"|{_CN_YEAR}\s*年\s*{_CN_SMALL}\s*月\s*{_CN_SMALL}\s*日"
    r"|(?<!\d)\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d))"
)
_DATE_RE = re.compile(DATE_PATTERN)
_DATE_PARTS = re.compile(r"(\d{4}|" + _CN_YEAR + r")\D*?(\d{1,2}|" + _CN_SMALL + r")\D*?(\d{1,2}|"
                         + _CN_SMALL + r")(?:\D|$)")  # fmt: skip


def _cn_number(s: str) -> int:
    """'十二' → 12, '二十一' → 21, '九' → 9, '2018' → 2018, '二〇一八' → 2018."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    tens, _, ones = s.partition("十")
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD`` (Chinese, ISO, slashed or dotted)."""
    for m in _DATE_RE.finditer(text):
        iso = _to_iso(m.group(0))
        if iso:
            return iso
    return None


def _to_iso(s: str) -> str | None:
    m = _DATE_PARTS.search(s)
    if not m:
        return None
    try:
        d = _date(_cn_number(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3)))
    except (ValueError, KeyError):
        return None
    return d.isoformat()


_STANDALONE_DATE = re.compile(rf"^[（(]?\s*({DATE_PATTERN})\s*[）)]?$")

# ---------------------------------------------------------------- document numbers

_OPEN = "〔\\[［【(（﹝"
_CLOSE = "〕\\]］】)）﹞"
_BRACKET_NO = re.compile(
    rf"([{CJK}]{{1,8}})\s*[{_OPEN}]\s*(\d{{4}})\s*[{_CLOSE}]\s*(\d{{1,5}})\s*号"
)
_ANNOUNCE_NO = re.compile(
    rf"((?:[{CJK}]{{1,20}}[ \u3000]){{0,6}}[{CJK}]{{0,20}}?公告)\s*(\d{{4}})\s*年\s*第\s*(\d{{1,4}})\s*号"
)
_DECREE_NO = re.compile(
    rf"([{CJK}]{{1,20}}?(?:院|部|局|委|会|署|行|办|主席|政府))令\s*第\s*([\d一二三四五六七八九十百零〇]+)\s*号"
)
# Words that precede a number in running text ("根据财税〔2018〕99号") but are no part of it.
_LEAD_WORDS = sorted(
    re.findall(
        r"\S+",
        "根据 按照 依据 依照 参照 参见 详见 执行 对于 适用 比照 贯彻 落实 印发 转发 及其 "
        "即 按 依 见 据 和 及 与 或 的 是 为 以 由 将 在 对 等 并 同 原 另",
    ),
    key=len,
    reverse=True,
)
# Function words that end the text before a number's issuer: "本公告已被财政部…公告", "意见稿和财税〔…".
# 和 only for abbreviations (财税, 国科发创), since 工业和信息化部 is a name.
_BEFORE_ISSUER = re.compile(r"根据|依据|按照|依照|参照|[被见即于对在将由或及与的是为]")
_BEFORE_ABBREVIATION = re.compile(_BEFORE_ISSUER.pattern + r"|[和、]")


def _after_last(pattern: re.Pattern, text: str) -> str:
    matches = list(pattern.finditer(text))
    return text[matches[-1].end() :] if matches else text


_BRACKET_MAP = str.maketrans({c: "〔" for c in "[［【(（﹝"} | {c: "〕" for c in "]］】)）﹞"})


def _strip_lead(prefix: str) -> str:
    changed = True
    while changed and prefix:
        changed = False
        for w in _LEAD_WORDS:
            if prefix.startswith(w) and len(prefix) > len(w):
                prefix = prefix[len(w) :].lstrip()
                changed = True
                break
    return prefix


def _numbers_at(text: str) -> list[tuple[int, str]]:
    """(position, number) of every document number in NFKC-normalised ``text``."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match, number: str) -> None:
        start, end = m.span()
        if not any(s < end and start < e for s, e in taken):
            taken.append((start, end))
            # Where the number itself starts, after words such as "根据" or "已被".
            found.append((start + max(0, m.group(0).find(number.split()[0][:2])), number))

    for m in _ANNOUNCE_NO.finditer(text):
        tokens = m.group(1).split()
        tokens[0] = _after_last(_BEFORE_ISSUER, tokens[0])
        prefix = " ".join(t for t in (_strip_lead(t) for t in tokens) if t)
        if len(prefix.replace(" ", "")) < 3:  # "公告2021年第13号" alone names no issuer
            continue
        add(m, f"{prefix}{m.group(2)}年第{int(m.group(3))}号")
    for m in _DECREE_NO.finditer(text):
        prefix = _strip_lead(_after_last(_BEFORE_ISSUER, m.group(1)))
        prefix = prefix.removeprefix("中华人民共和国")
        if prefix:
            add(m, f"{prefix}令第{m.group(2)}号")
    for m in _BRACKET_NO.finditer(text):
        prefix = _strip_lead(_after_last(_BEFORE_ABBREVIATION, m.group(1)))
        if prefix:
            add(m, f"{prefix}〔{m.group(2)}〕{int(m.group(3))}号")
    return sorted(found)


def find_doc_numbers(text: str) -> list[str]:
    """Document numbers (文号) in ``text``, in order of appearance, without duplicates.

    Forms: 国科发创〔2018〕17号 (any bracket style), 财政部 税务总局公告2023年第7号,
    国务院令第512号. Brackets come back as 〔〕; spacing between issuers is kept.
    """
    out: dict[str, str] = {}
    for _, number in _numbers_at(unicodedata.normalize("NFKC", text)):
        out.setdefault(doc_number_key(number), number)
    return list(out.values())


def doc_number_key(s: str) -> str:
    """Canonical comparison key of a document number: NFKC, brackets as 〔〕, no spaces."""
    s = unicodedata.normalize("NFKC", s).translate(_BRACKET_MAP)
    return re.sub(r"\s+", "", s).removeprefix("中华人民共和国")


_HAS_YEAR_AND_NUMBER = re.compile(r"\d{4}.*\d+号$")


def doc_number_matches(short: str, full: str) -> bool:
    """True if ``short`` names the same document as ``full``.

    Equal keys match; so does a shortened form that keeps the year and number, such as
    "2021年第13号" or "〔2018〕99号" against "财政部 税务总局公告2021年第13号" / "财税〔2018〕99号".
    """
    a, b = doc_number_key(short), doc_number_key(full)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    if not _HAS_YEAR_AND_NUMBER.search(shorter) or not longer.endswith(shorter):
        return False
    # "021年第13号" is not "2021年第13号": a short form starting with a digit starts the year.
    before = longer[-len(shorter) - 1]
    return not (shorter[0].isdigit() and before.isdigit())


# ---------------------------------------------------------------- issuers and titles

_ORG_SUFFIX = re.compile(
    r"(?:部|委|局|院|厅|办|署|会|行|府|室|处|所|社|中央|委员会|政府|银行|集团|公司|主席|"
    r"(?P<centre>中心))$"
)
_SENTENCE_PUNCT = re.compile(r"[。，,；;！!？?：:]")


def split_orgs(line: str) -> list[str]:
    """Organisation names in a signature or title-prefix line; [] if it is not only names.

    Spaced-out names ("科 技 部    国家发展改革委") are joined back together.
    """
    line = unicodedata.normalize("NFKC", line).strip()
    if not line or _SENTENCE_PUNCT.search(line) or re.search(r"[\dA-Za-z]", line):
        return []
    raw = [t for t in re.split(r"[\s、/]+", line) if t]
    tokens: list[str] = []
    singles = ""
    for t in raw:
        if len(t) == 1:
            singles += t
            continue
        if singles:
            tokens.append(singles)
            singles = ""
        tokens.append(t)
    if singles:
        tokens.append(singles)
    for t in tokens:
        m = _ORG_SUFFIX.search(t)
        if not m or not 2 <= len(t) <= 30 or not re.fullmatch(f"[{CJK}]+", t):
            return []
        if m.group("centre") and len(t) < 6:  # "资讯中心" is a menu entry, not an issuer
            return []
    return tokens


def is_org_line(line: str) -> bool:
    return bool(split_orgs(line))


_DOC_TYPES = (
    "实施细则|实施意见|指导意见|若干意见|若干规定|暂行办法|管理办法|实施办法|通知|公告|通告|"
    "意见|决定|办法|方案|规定|批复|复函|函|通报|报告|细则|条例|纲要|规划|计划|措施|指引|"
    "指南|规则|目录|决议|解释|答复|法|令"
)
_ENDS_DOC_TYPE = re.compile(rf"(?:{_DOC_TYPES})[》」]?$")
_TITLE_START = re.compile(r"关于|印发|转发")


def title_from_line(line: str) -> str | None:
    """The document title a line states, or None if the line is not a title.

    A prefix before 关于/印发 is kept when it names issuers ("财政部 税务总局关于…") and
    dropped as page furniture otherwise ("锦州关于…").
    """
    line = re.sub(r"\s+", " ", line).strip()
    if not line or len(line) > 120 or re.search(r"[。；;！!？?]", line):
        return None
    whole = re.fullmatch(r"《([^《》]{2,80})》", line)
    if whole:
        return whole.group(1)
    if not _ENDS_DOC_TYPE.search(line):
        return None
    m = _TITLE_START.search(line)
    if m:
        prefix = line[: m.start()].strip()
        if not prefix or split_orgs(prefix):
            return line
        if len(prefix) <= 8 and not _SENTENCE_PUNCT.search(prefix):
            return line[m.start() :]
        return None
    if len(line) <= 50 and not _SENTENCE_PUNCT.search(line) and not _ITEM_START.match(line):
        return line
    return None


def issuers_from_title(title: str) -> list[str]:
    """Issuers named before 关于/印发 in a title ("财政部 税务总局 科技部关于…")."""
    m = _TITLE_START.search(title)
    return split_orgs(title[: m.start()]) if m else []


_ITEM_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条款部分编]|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[①-⑳])"
)

# ---------------------------------------------------------------- dates in the text

_EFFECTIVE_SELF = re.compile(
    rf"本(?:公告|通知|办法|规定|条例|细则|法|决定|意见|方案|规则|措施|指引|政策|文件)?"
    rf"\s*(?:自|从|于)\s*({DATE_PATTERN})\s*起?\s*(?:施行|执行|实施|生效)"
)
_EFFECTIVE_ANY = re.compile(rf"自\s*({DATE_PATTERN})\s*起\s*(?:施行|执行|实施|生效)")
_EFFECTIVE_ON_ISSUE = re.compile(
    r"自(?:印发|发布|公布|下发|签发|公告)之日起(?:施行|执行|实施|生效)"
)
_EXPIRES = re.compile(
    rf"(?:执行期限|实施期限|有效期限|有效期|执行期|执行|实施)(?:延长)?(?:为|是|自|从)?\s*"
    rf"(?:{DATE_PATTERN}\s*起?\s*)?(?:至|到)\s*({DATE_PATTERN})"
)
_REPEAL = re.compile(r"同时废止|予以废止|废止|停止执行|不再执行|同时失效|宣布失效|予以撤销")
_FORCE_REMARK = re.compile(
    rf"(?:in force|effective|in effect)(?:\s+(?:from|on|since))?\s*:?\s*({DATE_PATTERN})"
)

# Labelled fields of government web pages ("发文字号：国科发创〔2018〕17号").
_LABEL = re.compile(
    r"(标\s*题|文\s*号|发文字号|发文机关|发布机构|成文日期|发文日期|发布日期|发布时间|印发日期|"
    r"公布日期|施行日期|生效日期|实施日期|失效日期|有效期至)\s*[:：]\s*"
)


def _labelled(page_text: str) -> dict[str, str]:
    """Values of 发文字号/成文日期/… labels; a value may be on the line after its label."""
    out: dict[str, str] = {}
    lines = page_text.splitlines()
    for i, line in enumerate(lines):
        matches = list(_LABEL.finditer(line))
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(line)
            value = line[m.end() : end].strip()
            if not value and i + 1 < len(lines):
                value = lines[i + 1].strip()
            label = re.sub(r"\s+", "", m.group(1))
            if value and label not in out:
                out[label] = value
    return out


def _lines(text: str) -> list[str]:
    return [
        s for s in (re.sub(r"[ \t\u3000\xa0]+", " ", x).strip() for x in text.splitlines()) if s
    ]


def _signature(lines: list[str]) -> tuple[int | None, list[str]]:
    """Index of the signature date line (a date right below issuer lines) and the issuers."""
    for i, line in enumerate(lines):
        if not _STANDALONE_DATE.match(line):
            continue
        orgs: list[str] = []
        k = i - 1
        while k >= 0 and i - k <= 4 and is_org_line(lines[k]):
            orgs = split_orgs(lines[k]) + orgs
            k -= 1
        if orgs:
            return i, orgs
    return None, []


def _title_from_text(lines: list[str]) -> str | None:
    head = lines[:20]
    for i, line in enumerate(head):
        t = title_from_line(line)
        if t and _TITLE_START.search(t):
            if t.startswith(("关于", "印发", "转发")) and i > 0 and is_org_line(head[i - 1]):
                return head[i - 1] + t
            return t
    for line in head[:10]:
        t = title_from_line(line)
        if t:
            return t
    first = head[0] if head else ""
    short = first and len(first) <= 60 and not re.search("[。；;]", first)
    if short and not _ITEM_START.match(first):
        return first
    return None


def _doc_number_from_text(lines: list[str]) -> str | None:
    """The number on a line of its own near the top (or a decree's "…令第512号公布")."""
    for line in lines[:15]:
        numbers = find_doc_numbers(line)
        if not numbers:
            continue
        key_line, key_number = doc_number_key(line), doc_number_key(numbers[0])
        if key_line.startswith(key_number):
            rest = key_line[len(key_number) :]
            if not rest or _STANDALONE_DATE.match(rest):
                return numbers[0]
        if re.search(r"令第\S+号(?:公布|发布)", line):
            return numbers[0]
    return None


def _effective(text: str, issue_date: str | None) -> str | None:
    m = _EFFECTIVE_SELF.search(text) or _EFFECTIVE_ANY.search(text)
    if m:
        return parse_date(m.group(1))
    if _EFFECTIVE_ON_ISSUE.search(text):
        return issue_date
    return None


def _expires(text: str) -> str | None:
    m = _EXPIRES.search(text)
    return parse_date(m.group(1)) if m else None


def _repeals(text: str, own: str | None) -> list[str]:
    """Numbers named in sentences that repeal (废止, 停止执行, …) other documents."""
    own_key = doc_number_key(own) if own else None
    out: list[str] = []
    for sentence in re.split(r"[。；;\n]", unicodedata.normalize("NFKC", text)):
        if not _REPEAL.search(sentence):
            continue
        for pos, number in _numbers_at(sentence):
            if "被" in sentence[max(0, pos - 2) : pos]:
                continue  # "已被…公告2023年第7号废止": that one repeals us, not the reverse
            if doc_number_key(number) != own_key and number not in out:
                out.append(number)
    return out


def _front_matter_str(fm: Mapping, key: str) -> str | None:
    value = fm.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def extract_metadata(
    text: str,
    *,
    front_matter: Mapping | None = None,
    source_name: str = "",
    page_text: str | None = None,
) -> DocumentMeta:
    """Metadata of a policy document.

    ``text`` is the clean document text; ``page_text`` (optional) is the whole page it was
    scraped from, whose labelled fields (发文字号, 成文日期, 发布时间) serve as fallbacks.
    """
    fm = dict(front_matter or {})
    lines = _lines(text)
    labels = {**_labelled(text), **_labelled(page_text or "")}

    # Title
    title = _front_matter_str(fm, "title") or None
    if not title and "标题" in labels:
        title = title_from_line(labels["标题"].split("  ")[0]) or labels["标题"].strip()
    if not title:
        title = _title_from_text(lines)
    if not title and page_text:
        for line in _lines(page_text)[:40]:
            for part in re.split(r"[_|｜]|\s[-–—]\s", line):
                t = title_from_line(part)
                if t:
                    title = t
                    break
            if title:
                break
    if not title:
        stem = PurePath(source_name).stem if source_name else ""
        title = re.sub(r"^\d+[_\-\s]+", "", stem).replace("_", " ").strip() or stem

    # Document number
    doc_number = None
    fm_number = _front_matter_str(fm, "doc_number")
    if fm_number:
        found = find_doc_numbers(fm_number)
        # "国务院令第512号公布（2007-12-06）…" describes a number: keep the number. A law has
        # no 文号 and its front matter describes it instead: keep that description as written.
        if found and doc_number_key(found[0]) != doc_number_key(fm_number):
            doc_number = found[0]
        else:
            doc_number = fm_number
    if not doc_number:
        for key in ("发文字号", "文号"):
            found = find_doc_numbers(labels.get(key, ""))
            if found:
                doc_number = found[0]
                break
    if not doc_number:
        doc_number = _doc_number_from_text(lines)
    if not doc_number and source_name:
        found = find_doc_numbers(source_name)
        doc_number = found[0] if found else None

    # Dates
    sig_index, sig_orgs = _signature(lines)
    date = effective = None
    fm_date = _front_matter_str(fm, "date")
    if fm_date:
        head, _, remark = fm_date.partition("(")
        date = parse_date(head)
        m = _FORCE_REMARK.search(remark) or _EFFECTIVE_ANY.search(remark)
        if m:
            effective = parse_date(m.group(1))
    if not date and sig_index is not None:
        date = parse_date(lines[sig_index])
    if not date and "成文日期" in labels:
        date = parse_date(labels["成文日期"])
    if not date:
        date = next((parse_date(x) for x in lines if _STANDALONE_DATE.match(x)), None)
    if not date:
        for key in ("发文日期", "印发日期", "公布日期", "发布日期", "发布时间"):
            if key in labels and parse_date(labels[key]):
                date = parse_date(labels[key])
                break
    if not effective:
        effective = _effective(text, date)
    if not effective:
        for key in ("施行日期", "生效日期", "实施日期"):
            if key in labels and parse_date(labels[key]):
                effective = parse_date(labels[key])
                break
    expires = _expires(text)
    if not expires:
        for key in ("失效日期", "有效期至"):
            if key in labels and parse_date(labels[key]):
                expires = parse_date(labels[key])
                break

    # Issuers: the signature block, else the title's prefix, else the page's 发文机关.
    issuers = sig_orgs or issuers_from_title(title)
    if not issuers:
        for key in ("发文机关", "发布机构"):
            if key in labels:
                issuers = split_orgs(labels[key].split("  ")[0])
                if issuers:
                    break

    return DocumentMeta(
        title=title,
        doc_number=doc_number,
        issuers=_dedupe(issuers),
        date=date,
        effective=effective,
        expires=expires,
        repeals=tuple(_repeals(text, doc_number)),
        source=_front_matter_str(fm, "source"),
        note=_front_matter_str(fm, "note"),
    )
