"""The answer check of ../shared/eval/README.md ("Answer check set"): does an answer state the
right conclusion near its start?

An answer is normalised (Chinese percentages to digits, NFKC, lower case, lines restating the
asker's facts dropped, whitespace removed, first 700 characters); it passes when every ``must``
regex matches, no ``must_not`` regex matches, its first percentage equals ``first_rate`` when
one is given, and the bot abstained on the questions marked ``abstain``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.documents import CorpusError
from retrieval.evaluate import jsonl_objects

from .answer_types import Answer

KEEP_CHARS = 700
LANGS = ("zh", "en", "mixed")  # the order of the report; other languages follow, sorted

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERALS = "".join(_DIGITS) + "".join(_UNITS)  # no 万: 百分之五十万元 is not 500000%
_CN_PERCENT = re.compile(f"百分之([{_NUMERALS}]+)(?:点([{''.join(_DIGITS)}]+))?")
_FIRST_RATE = re.compile(r"\d+(?:\.\d+)?%")
_FACT_LINE_MARKERS = ("已知:", "known:")


@dataclass(frozen=True)
class AnswerCheck:
    """One question of an answer check file and what its answer must (not) say."""

    id: str
    lang: str
    question: str
    expected: str
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    first_rate: str | None = None
    abstain: bool = False


@dataclass(frozen=True)
class Failure:
    """Why an answer failed: the rule broken (must, must_not, first_rate, abstain) and details."""

    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    failures: tuple[Failure, ...] = ()


@dataclass(frozen=True)
class Checked:
    """One question answered and checked."""

    record: AnswerCheck
    answer: str
    abstained: bool
    result: CheckResult

    def to_json(self) -> dict:
        return {
            "id": self.record.id,
            "lang": self.record.lang,
            "passed": self.result.passed,
            "failures": [str(f) for f in self.result.failures],
            "abstained": self.abstained,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class PassRate:
    n: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0

    def to_json(self) -> dict:
        return {"n": self.n, "passed": self.passed, "pass_rate": round(self.rate, 3)}


@dataclass(frozen=True)
class Summary:
    overall: PassRate
    by_lang: dict[str, PassRate]
    failing: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "overall": self.overall.to_json(),
            "by_lang": {lang: r.to_json() for lang, r in self.by_lang.items()},
            "failing": list(self.failing),
        }


# ---------------------------------------------------------------- the file


def is_answer_check_file(path: Path) -> bool:
    """True when the file's records carry ``must``/``abstain`` (the answer check format)."""
    return any("must" in obj or "abstain" in obj for obj in _objects(path))


def load_answer_checks(path: Path) -> list[AnswerCheck]:
    """Read an answer check JSONL file; errors name the file and line."""
    out = []
    for n, obj in enumerate(_objects(path), 1):
        try:
            rec = AnswerCheck(
                id=str(obj["id"]),
                lang=str(obj.get("lang") or ""),
                question=str(obj["question"]),
                expected=str(obj.get("expected") or ""),
                must=tuple(str(p) for p in obj.get("must") or ()),
                must_not=tuple(str(p) for p in obj.get("must_not") or ()),
                first_rate=None if obj.get("first_rate") is None else str(obj["first_rate"]),
                abstain=bool(obj.get("abstain", False)),
            )
            for pattern in rec.must + rec.must_not:
                re.compile(pattern)
        except (KeyError, TypeError) as exc:
            raise CorpusError(
                f"{path}: record {n}: needs 'id' and 'question', with 'must' and 'must_not' "
                f"lists of regexes ({exc!r})"
            ) from exc
        except re.error as exc:
            raise CorpusError(f"{path}: record {n}: bad regex {exc.pattern!r}: {exc}") from exc
        out.append(rec)
    return out


def _objects(path: Path) -> Iterable[dict]:
    return (obj for _, obj in jsonl_objects(path))


# ---------------------------------------------------------------- the rule


def normalize_answer(text: str) -> str:
    """The README's normal form: 百分之… → digits, NFKC, lower case, fact lines dropped,
    whitespace removed, first 700 characters."""
    text = _CN_PERCENT.sub(_percent_digits, text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = "\n".join(
        line for line in text.splitlines() if not any(m in line for m in _FACT_LINE_MARKERS)
    )
    return re.sub(r"\s+", "", text)[:KEEP_CHARS]


def _percent_digits(m: re.Match[str]) -> str:
    whole = _chinese_integer(m.group(1))
    if whole is None:
        return m.group(0)
    decimals = "".join(str(_DIGITS[c]) for c in m.group(2) or "")
    return f"{whole}.{decimals}%" if decimals else f"{whole}%"


def _chinese_integer(s: str) -> int | None:
    """一百七十五 → 175, 百 → 100, 零 → 0, 一七五 → 175 (read digit by digit); None if malformed."""
    if all(c in _DIGITS for c in s):
        return int("".join(str(_DIGITS[c]) for c in s))
    section = digit = 0
    last_unit = 0  # unit just before a trailing digit: 一百五 is 150, 一百零五 is 105
    for c in s:
        if c in _DIGITS:
            digit = _DIGITS[c]
            if c in "零〇":
                last_unit = 0
        else:
            unit = _UNITS[c]
            if section and unit >= _smallest_unit(section):
                return None  # 十百, 五十百: not a number
            section += (digit or 1) * unit
            digit, last_unit = 0, unit
    if digit and last_unit >= 100:
        digit *= last_unit // 10
    return section + digit


def _smallest_unit(section: int) -> int:
    for unit in (10, 100, 1000):
        if section % (unit * 10):
            return unit
    return 10_000


def check(record: AnswerCheck, answer_text: str, abstained: bool) -> CheckResult:
    """Apply the README rule to one answer."""
    text = normalize_answer(answer_text)
    failures = [
        Failure("must", f"no match for /{p}/") for p in record.must if not re.search(p, text)
    ]
    for p in record.must_not:
        if m := re.search(p, text):
            failures.append(Failure("must_not", f"/{p}/ matched {m.group(0)!r}"))
    if record.first_rate is not None:
        want = normalize_answer(record.first_rate)
        first = _FIRST_RATE.search(text)
        if first is None:
            failures.append(Failure("first_rate", f"expected {want}, the answer has no percentage"))
        elif (got := first.group(0)) != want:
            failures.append(Failure("first_rate", f"expected {want}, the first is {got}"))
    if record.abstain and not abstained:
        failures.append(Failure("abstain", "the corpus does not answer this; the bot answered"))
    return CheckResult(passed=not failures, failures=tuple(failures))


# ---------------------------------------------------------------- a run


def run_checks(records: Sequence[AnswerCheck], ask: Callable[[str], Answer]) -> list[Checked]:
    """Answer every question (``ask`` keeps no state between them) and check each answer."""
    out = []
    for rec in records:
        a = ask(rec.question)
        out.append(Checked(rec, a.text, a.abstained, check(rec, a.text, a.abstained)))
    return out


def summarize(checked: Sequence[Checked]) -> Summary:
    """Pass rate per language (zh, en, mixed, then any other) and overall, and the failing ids."""
    present = {c.record.lang for c in checked}
    langs = [lang for lang in LANGS if lang in present] + sorted(present - set(LANGS))
    by_lang = {lang: _rate([c for c in checked if c.record.lang == lang]) for lang in langs}
    failing = tuple(c.record.id for c in checked if not c.result.passed)
    return Summary(overall=_rate(checked), by_lang=by_lang, failing=failing)


def _rate(checked: Sequence[Checked]) -> PassRate:
    return PassRate(n=len(checked), passed=sum(c.result.passed for c in checked))
