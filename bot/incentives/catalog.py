"""The incentive catalog: one TOML file per incentive in ``corpus/incentives/``, validated at load.

Admins edit these files (the schema is in ``corpus/incentives/README.md``). Every problem is reported
as ``<file>: entry '<id>': field '<path>': <what is wrong and how to fix it>``.
"""

from __future__ import annotations

import difflib
import logging
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .registry import AUDIENCES, FACTS, FactSpec, FactType, IncentiveError, Text

log = logging.getLogger(__name__)

OPS = ("eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "is_true", "is_false")
NUMERIC_OPS = ("gt", "ge", "lt", "le")
RATE_KINDS = (
    "extra_deduction",  # 加计扣除: rate_percent is the extra deduction (100 for 100 %)
    "income_share",  # the share of an income that is counted (50 for 减按50%计入)
    "tax_rate",  # a reduced tax rate (15 for 15 %)
    "exemption",  # share of an income exempt from tax
    "investment_offset",  # share of the investment that offsets taxable income (70)
    "deferral",  # tax deferred; rate_percent is the rate paid later, if any
    "other",
)
GENERAL_TRACK = "general"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CatalogError(IncentiveError):
    """The catalog cannot be loaded; each line names the file, the entry and the field."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Basis:
    """Where a rule or rate comes from: 文号 (or a law's title) and the article."""

    doc_number: str | None = None
    title: str | None = None
    article: str | None = None
    unconfirmed: bool = False  # the citation itself (number, article, date) is not verified
    note: Text | None = None

    @property
    def name(self) -> str:
        if self.doc_number:
            return self.doc_number
        short = (self.title or "").removeprefix("中华人民共和国")
        return f"《{short}》"

    @property
    def citation(self) -> str:
        """E.g. ``财税〔2015〕119号 四`` or ``《企业所得税法实施条例》第九十五条``."""
        if not self.article:
            return self.name
        sep = "" if self.name.endswith("》") else " "
        return f"{self.name}{sep}{self.article}"

    def to_dict(self) -> dict:
        return {
            "doc_number": self.doc_number,
            "title": self.title,
            "article": self.article,
            "citation": self.citation,
            "unconfirmed": self.unconfirmed,
        }


def citation_of(basis: tuple[Basis, ...]) -> str:
    return "；".join(b.citation for b in basis)


@dataclass(frozen=True)
class Period:
    """A validity period; either end may be open. Tax years are compared by overlap."""

    start: date | None = None
    end: date | None = None

    def overlaps(self, year: int) -> bool:
        return (self.start is None or self.start <= date(year, 12, 31)) and (
            self.end is None or self.end >= date(year, 1, 1)
        )

    def covers(self, year: int) -> bool:
        """True when the period spans the whole tax year."""
        return (self.start is None or self.start <= date(year, 1, 1)) and (
            self.end is None or self.end >= date(year, 12, 31)
        )

    def describe(self, lang: str) -> str:
        a = self.start.isoformat() if self.start else None
        b = self.end.isoformat() if self.end else None
        if lang == "zh":
            if a and b:
                return f"{a} 至 {b}"
            return f"{a} 起" if a else (f"至 {b}" if b else "长期")
        if a and b:
            return f"{a} to {b}"
        return f"from {a}" if a else (f"until {b}" if b else "open-ended")

    def to_dict(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


@dataclass(frozen=True)
class Test:
    """One check of one fact: ``industry not_in [...]``, ``employees le 500``, ``is_high_tech is_true``."""

    fact: str
    op: str
    value: object = None
    assume: bool = (
        False  # in guards and track tests: if the fact is unknown, assume it holds (and say so)
    )

    def check(self, facts: dict) -> bool | None:
        """True / False, or None when the fact is not known."""
        if self.fact not in facts:
            return None
        v = facts[self.fact]
        match self.op:
            case "eq":
                return v == self.value
            case "ne":
                return v != self.value
            case "in":
                return v in self.value  # type: ignore[operator]
            case "not_in":
                return v not in self.value  # type: ignore[operator]
            case "gt":
                return v > self.value  # type: ignore[operator]
            case "ge":
                return v >= self.value  # type: ignore[operator]
            case "lt":
                return v < self.value  # type: ignore[operator]
            case "le":
                return v <= self.value  # type: ignore[operator]
            case "is_true":
                return v is True
            case "is_false":
                return v is False
        raise AssertionError(self.op)

    def describe(self, lang: str) -> str:
        """A readable form: "主营行业 不属于 烟草制造业、批发和零售业" / "headcount ≤ 500 people"."""
        spec = FACTS[self.fact]
        label = spec.label.get(lang)
        if self.op in ("is_true", "is_false"):
            yes = self.op == "is_true"
            if lang == "zh":
                return f"{label}：{'是' if yes else '否'}"
            return f"{label}: {'yes' if yes else 'no'}"
        if self.op in ("in", "not_in"):
            sep = "、" if lang == "zh" else ", "
            vals = sep.join(spec.format(x, lang) for x in self.value)  # type: ignore[union-attr]
            word = {
                ("zh", "in"): "属于",
                ("zh", "not_in"): "不属于",
                ("en", "in"): "is one of",
                ("en", "not_in"): "is none of",
            }[(lang if lang == "zh" else "en", self.op)]
            return f"{label} {word} {vals}"
        sym = {"eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"}[self.op]
        return f"{label} {sym} {spec.format(self.value, lang)}"  # type: ignore[arg-type]

    def to_dict(self) -> dict:
        return {"fact": self.fact, "op": self.op, "value": self.value, "assume": self.assume}


@dataclass(frozen=True)
class Condition:
    """A checkable rule of an incentive, with its legal basis and the reasons to show."""

    test: Test
    basis: tuple[Basis, ...]
    reason_met: Text
    reason_failed: Text
    when: tuple[Test, ...] = ()  # the rule applies only when all of these hold
    period: Period = Period()
    reason_unknown: Text | None = None
    reason_skipped: Text | None = None
    presume: bool = False  # unknown does not block "applies": the usual case is assumed and said
    scope: bool = (
        False  # decides whom the incentive is for: failing it makes the incentive irrelevant
    )
    unconfirmed: bool = False
    note: Text | None = None

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.test.fact, *(t.fact for t in self.when))


@dataclass(frozen=True)
class Track:
    """A group of askers with their own rate (manufacturing, tech-SME, IC / machine tools)."""

    id: str
    name: Text
    tests: tuple[Test, ...]
    basis: tuple[Basis, ...] = ()


@dataclass(frozen=True)
class Benefit:
    """What a track gets in a period: a rate (or none) with a summary and a legal basis."""

    track: str
    summary: Text
    period: Period
    basis: tuple[Basis, ...]
    rate_percent: float | None = None
    rate_kind: str = "other"
    unconfirmed: bool = False
    note: Text | None = None


@dataclass(frozen=True)
class Provision:
    """A rule worth knowing that is not a condition (excluded activities, outsourcing, floors)."""

    id: str
    title: Text
    text: Text
    basis: tuple[Basis, ...]
    period: Period = Period()
    region: str | None = None  # a province value: applies only there
    unconfirmed: bool = False
    note: Text | None = None


@dataclass(frozen=True)
class Validity:
    period: Period
    basis: tuple[Basis, ...] = ()
    modelled_from: date | None = None  # earlier years existed but their rules are not modelled here
    unconfirmed: bool = False
    note: Text | None = None


@dataclass(frozen=True)
class Incentive:
    id: str
    name: Text
    summary: Text
    audience: tuple[str, ...]
    validity: Validity
    conditions: tuple[Condition, ...]
    tracks: tuple[Track, ...]
    benefits: tuple[Benefit, ...]
    provisions: tuple[Provision, ...] = ()
    order: int = 1000
    note: Text | None = None
    source: str = ""  # file name

    def track(self, track_id: str) -> Track | None:
        return next((t for t in self.tracks if t.id == track_id), None)

    @property
    def facts(self) -> tuple[str, ...]:
        """Every fact any rule of this incentive tests, in first-use order."""
        seen: dict[str, None] = {}
        for c in self.conditions:
            for f in c.facts:
                seen.setdefault(f)
        for t in self.tracks:
            for test in t.tests:
                seen.setdefault(test.fact)
        return tuple(seen)

    def to_json(self, lang: str = "en") -> dict:
        v = self.validity
        return {
            "id": self.id,
            "name": self.name.get(lang),
            "names": self.name.to_dict(),
            "summary": self.summary.get(lang),
            "audience": list(self.audience),
            "validity": {
                **v.period.to_dict(),
                "modelled_from": v.modelled_from.isoformat() if v.modelled_from else None,
                "citation": citation_of(v.basis),
                "unconfirmed": v.unconfirmed,
                "note": v.note.get(lang) if v.note else None,
            },
            "benefits": [
                {
                    "track": b.track,
                    "rate_percent": b.rate_percent,
                    "rate_kind": b.rate_kind,
                    **b.period.to_dict(),
                    "summary": b.summary.get(lang),
                    "citation": citation_of(b.basis),
                    "unconfirmed": b.unconfirmed or any(x.unconfirmed for x in b.basis),
                }
                for b in self.benefits
            ],
            "facts": list(self.facts),
        }


@dataclass(frozen=True)
class Catalog:
    incentives: tuple[Incentive, ...]
    problems: tuple[str, ...] = ()  # entries skipped when loaded with strict=False

    def __iter__(self) -> Iterator[Incentive]:
        return iter(self.incentives)

    def __len__(self) -> int:
        return len(self.incentives)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.incentives)

    def get(self, incentive_id: str) -> Incentive:
        for i in self.incentives:
            if i.id == incentive_id:
                return i
        raise CatalogError(f"no incentive '{incentive_id}'; known: {', '.join(self.ids)}")

    def to_json(self, lang: str = "en") -> dict:
        return {"incentives": [i.to_json(lang) for i in self.incentives]}


# ---------------------------------------------------------------- loading


def load_catalog(directory: Path, *, strict: bool = True) -> Catalog:
    """Load and validate every ``*.toml`` in ``directory`` (in ``order``, then id).

    With ``strict`` (the default) any problem raises CatalogError listing all of them; otherwise
    broken entries are skipped, logged and listed in ``Catalog.problems``.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CatalogError(
            f"{directory}: incentive catalog folder not found; check paths.incentives_dir in config.toml"
        )
    problems: list[str] = []
    entries: list[Incentive] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{path.name}: not a valid UTF-8 TOML file: {exc}")
            continue
        reader = _EntryReader(path.name, data)
        entry = reader.read()
        if entry is not None and entry.id in seen:
            reader.error("id", f"duplicate id '{entry.id}', already used in {seen[entry.id]}")
        if reader.problems or entry is None:
            problems.extend(reader.problems)
            continue
        seen[entry.id] = path.name
        entries.append(entry)
    if problems:
        if strict:
            raise CatalogError(problems)
        for p in problems:
            log.warning("incentive catalog: %s", p)
    if not entries:
        log.warning("incentive catalog %s has no valid entries", directory)
    entries.sort(key=lambda e: (e.order, e.id))
    return Catalog(tuple(entries), tuple(problems))


class _EntryReader:
    """Reads one file's table into an Incentive, collecting every problem it finds."""

    def __init__(self, filename: str, data: dict):
        self.filename = filename
        self.data = data
        raw_id = data.get("id")
        self.entry_id = raw_id if isinstance(raw_id, str) and raw_id else Path(filename).stem
        self.problems: list[str] = []

    def error(self, field: str, message: str) -> None:
        self.problems.append(
            f"{self.filename}: entry '{self.entry_id}': field '{field}': {message}"
        )

    # ------------------------------------------------------------ primitives

    def keys(self, obj: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in obj:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.error(where, f"unknown field; {hint}allowed: {', '.join(allowed)}")

    def table(self, obj: object, path: str) -> dict | None:
        if isinstance(obj, dict):
            return obj
        self.error(path, f"expected a table, got {type(obj).__name__}")
        return None

    def array(self, obj: object, path: str) -> list:
        if obj is None:
            return []
        if isinstance(obj, dict):
            return [obj]
        if isinstance(obj, list):
            return obj
        self.error(path, f"expected a list, got {type(obj).__name__}")
        return []

    def text(self, obj: object, path: str, *, required: bool = True) -> Text | None:
        if obj is None:
            if required:
                self.error(path, 'missing; give zh and en, e.g. { zh = "…", en = "…" }')
            return None
        t = self.table(obj, path)
        if t is None:
            return None
        self.keys(t, ("zh", "en"), path)
        ok = True
        for lang in ("zh", "en"):
            v = t.get(lang)
            if not isinstance(v, str) or not v.strip():
                self.error(f"{path}.{lang}", "missing or empty; every text needs zh and en")
                ok = False
        return Text(t["zh"].strip(), t["en"].strip()) if ok else None

    def date(self, obj: object, path: str) -> date | None:
        if obj is None:
            return None
        if isinstance(obj, date):
            return obj
        if isinstance(obj, str):
            try:
                return date.fromisoformat(obj)
            except ValueError:
                pass
        self.error(path, f"not a date: {obj!r}; write YYYY-MM-DD, e.g. 2023-01-01")
        return None

    def period(
        self, obj: dict, start_key: str, end_key: str, path: str, *, start_required: bool
    ) -> Period:
        prefix = f"{path}." if path else ""
        start = self.date(obj.get(start_key), f"{prefix}{start_key}")
        end = self.date(obj.get(end_key), f"{prefix}{end_key}")
        if start_required and obj.get(start_key) is None:
            self.error(
                f"{prefix}{start_key}", "missing; write the first day it applies (YYYY-MM-DD)"
            )
        if start and end and end < start:
            self.error(f"{prefix}{end_key}", f"{end} is before {start_key} {start}")
        return Period(start, end)

    def flag(self, obj: dict, key: str, path: str) -> bool:
        v = obj.get(key, False)
        if not isinstance(v, bool):
            self.error(f"{path}.{key}" if path else key, "must be true or false")
            return False
        return v

    def basis(self, obj: object, path: str) -> tuple[Basis, ...]:
        if obj is None:
            self.error(
                path,
                'missing legal basis; give { doc_number = "财税〔2015〕119号", article = "四" }',
            )
            return ()
        items = self.array(obj, path)
        if not items:
            self.error(path, "empty; give at least one document and article")
        out = []
        for i, item in enumerate(items):
            p = f"{path}[{i}]" if isinstance(obj, list) else path
            t = self.table(item, p)
            if t is None:
                continue
            self.keys(t, ("doc_number", "title", "article", "unconfirmed", "note"), p)
            doc, title, article = t.get("doc_number"), t.get("title"), t.get("article")
            for key, v in (("doc_number", doc), ("title", title), ("article", article)):
                if v is not None and (not isinstance(v, str) or not v.strip()):
                    self.error(f"{p}.{key}", "must be a non-empty string")
            if not doc and not title:
                self.error(f"{p}.doc_number", "missing; give the 文号 (or title = … for a law)")
            unconfirmed = self.flag(t, "unconfirmed", p)
            if not article and not unconfirmed:
                self.error(
                    f"{p}.article",
                    "missing; give the article (e.g. 四, 第九十五条) or set "
                    "unconfirmed = true with a note",
                )
            note = self.text(t.get("note"), f"{p}.note", required=False)
            out.append(Basis(doc or None, title or None, article or None, unconfirmed, note))
        return tuple(out)

    def test(self, obj: object, path: str, *, extra_keys: tuple[str, ...] = ()) -> Test | None:
        t = self.table(obj, path)
        if t is None:
            return None
        if not extra_keys:
            self.keys(t, ("fact", "op", "value", "assume"), path)
        fact, op = t.get("fact"), t.get("op")
        spec: FactSpec | None = None
        if not isinstance(fact, str) or fact not in FACTS:
            close = difflib.get_close_matches(str(fact), list(FACTS), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            what = "missing" if fact is None else f"unknown fact {fact!r}"
            self.error(
                f"{path}.fact", f"{what}; {hint}facts are declared in bot/incentives/registry.py"
            )
        else:
            spec = FACTS[fact]
        if op not in OPS:
            what = "missing" if op is None else f"unknown operator {op!r}"
            self.error(f"{path}.op", f"{what}; use one of {', '.join(OPS)}")
            return None
        if spec is None:
            return None
        value = self.value(spec, op, t, path)
        assume = self.flag(t, "assume", path) if not extra_keys else False
        if value is _BAD:
            return None
        return Test(spec.name, op, value, assume)

    def value(self, spec: FactSpec, op: str, t: dict, path: str) -> object:
        p = f"{path}.value"
        has = "value" in t
        v = t.get("value")
        if op in ("is_true", "is_false"):
            if spec.type is not FactType.BOOL:
                self.error(
                    f"{path}.op", f"'{op}' needs a yes/no fact; '{spec.name}' is {spec.type}"
                )
                return _BAD
            if has:
                self.error(p, f"'{op}' takes no value; remove it")
                return _BAD
            return None
        if not has:
            self.error(p, f"missing; '{op}' needs a value")
            return _BAD
        if op in ("in", "not_in"):
            if not isinstance(v, list) or not v:
                self.error(p, f'\'{op}\' needs a non-empty list, e.g. ["a", "b"]')
                return _BAD
            items = [self.scalar(spec, x, f"{p}[{i}]") for i, x in enumerate(v)]
            return _BAD if _BAD in items else tuple(items)
        if op in NUMERIC_OPS and spec.type in (FactType.ENUM, FactType.BOOL):
            self.error(f"{path}.op", f"'{op}' compares numbers; '{spec.name}' is {spec.type}")
            return _BAD
        return self.scalar(spec, v, p)

    def scalar(self, spec: FactSpec, v: object, path: str) -> object:
        if spec.type is FactType.ENUM:
            if v not in spec.values:
                self.error(
                    path,
                    f"{v!r} is not a value of '{spec.name}'; use one of {', '.join(spec.values)}",
                )
                return _BAD
            return v
        if spec.type is FactType.BOOL:
            if not isinstance(v, bool):
                self.error(path, "must be true or false")
                return _BAD
            return v
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.error(path, f"must be a number for '{spec.name}', got {v!r}")
            return _BAD
        if spec.type is FactType.PERCENT and not 0 <= v <= 100:
            self.error(path, f"{v} is not a percentage (0–100)")
            return _BAD
        return v

    # ------------------------------------------------------------ parts

    def read(self) -> Incentive | None:
        d = self.data
        self.keys(
            d,
            (
                "id",
                "order",
                "name",
                "summary",
                "audience",
                "validity",
                "conditions",
                "tracks",
                "benefits",
                "provisions",
                "note",
            ),
            "",
        )
        raw_id = d.get("id")
        stem = Path(self.filename).stem
        if not isinstance(raw_id, str) or not _ID_RE.match(raw_id):
            self.error("id", f"missing or not lower-case-with-hyphens: {raw_id!r}")
        elif raw_id != stem:
            self.error(
                "id",
                f"'{raw_id}' does not match the file name '{self.filename}'; rename one of them",
            )
        order = d.get("order", 1000)
        if isinstance(order, bool) or not isinstance(order, int):
            self.error("order", "must be a whole number")
            order = 1000
        name = self.text(d.get("name"), "name")
        summary = self.text(d.get("summary"), "summary")
        audience = self.array(d.get("audience"), "audience")
        if not audience:
            self.error("audience", f"missing; list who it is for: {', '.join(AUDIENCES)}")
        for i, a in enumerate(audience):
            if a not in AUDIENCES:
                self.error(f"audience[{i}]", f"unknown audience {a!r}; use {', '.join(AUDIENCES)}")
        validity = self.validity(d.get("validity"))
        conditions = [
            self.condition(c, f"conditions[{i}]")
            for i, c in enumerate(self.array(d.get("conditions"), "conditions"))
        ]
        tracks = [
            self.track(t, f"tracks[{i}]")
            for i, t in enumerate(self.array(d.get("tracks"), "tracks"))
        ]
        track_ids = [t.id for t in tracks if t]
        for tid in {t for t in track_ids if track_ids.count(t) > 1}:
            self.error("tracks", f"duplicate track id '{tid}'")
        raw_benefits = self.array(d.get("benefits"), "benefits")
        if not raw_benefits:
            self.error(
                "benefits",
                "missing; give at least one [[benefits]] with track, from, summary, basis",
            )
        benefits = [
            self.benefit(b, f"benefits[{i}]", set(track_ids)) for i, b in enumerate(raw_benefits)
        ]
        provisions = [
            self.provision(p, f"provisions[{i}]")
            for i, p in enumerate(self.array(d.get("provisions"), "provisions"))
        ]
        prov_ids = [p.id for p in provisions if p]
        for pid in {p for p in prov_ids if prov_ids.count(p) > 1}:
            self.error("provisions", f"duplicate provision id '{pid}'")
        note = self.text(d.get("note"), "note", required=False)
        if self.problems or name is None or summary is None or validity is None:
            return None
        return Incentive(
            id=raw_id,  # type: ignore[arg-type]
            name=name,
            summary=summary,
            audience=tuple(audience),
            validity=validity,
            conditions=tuple(c for c in conditions if c),
            tracks=tuple(t for t in tracks if t),
            benefits=tuple(b for b in benefits if b),
            provisions=tuple(p for p in provisions if p),
            order=order,
            note=note,
            source=self.filename,
        )

    def validity(self, obj: object) -> Validity | None:
        if obj is None:
            self.error("validity", "missing; give [validity] with from = YYYY-MM-DD and a basis")
            return None
        t = self.table(obj, "validity")
        if t is None:
            return None
        self.keys(t, ("from", "to", "modelled_from", "basis", "unconfirmed", "note"), "validity")
        period = self.period(t, "from", "to", "validity", start_required=True)
        modelled = self.date(t.get("modelled_from"), "validity.modelled_from")
        return Validity(
            period=period,
            basis=self.basis(t.get("basis"), "validity.basis"),
            modelled_from=modelled,
            unconfirmed=self.flag(t, "unconfirmed", "validity"),
            note=self.text(t.get("note"), "validity.note", required=False),
        )

    def condition(self, obj: object, path: str) -> Condition | None:
        t = self.table(obj, path)
        if t is None:
            return None
        allowed = (
            "fact",
            "op",
            "value",
            "when",
            "basis",
            "valid_from",
            "valid_to",
            "reason_met",
            "reason_failed",
            "reason_unknown",
            "reason_skipped",
            "presume",
            "scope",
            "unconfirmed",
            "note",
        )
        self.keys(t, allowed, path)
        test = self.test(t, path, extra_keys=allowed)
        when = tuple(
            w
            for i, raw in enumerate(self.array(t.get("when"), f"{path}.when"))
            if (w := self.test(raw, f"{path}.when[{i}]")) is not None
        )
        cond = Condition(
            test=test,  # type: ignore[arg-type]
            basis=self.basis(t.get("basis"), f"{path}.basis"),
            reason_met=self.text(t.get("reason_met"), f"{path}.reason_met"),  # type: ignore[arg-type]
            reason_failed=self.text(t.get("reason_failed"), f"{path}.reason_failed"),  # type: ignore[arg-type]
            when=when,
            period=self.period(t, "valid_from", "valid_to", path, start_required=False),
            reason_unknown=self.text(
                t.get("reason_unknown"), f"{path}.reason_unknown", required=False
            ),
            reason_skipped=self.text(
                t.get("reason_skipped"), f"{path}.reason_skipped", required=False
            ),
            presume=self.flag(t, "presume", path),
            scope=self.flag(t, "scope", path) or (test is not None and test.fact == "entity_type"),
            unconfirmed=self.flag(t, "unconfirmed", path),
            note=self.text(t.get("note"), f"{path}.note", required=False),
        )
        return cond if test is not None else None

    def track(self, obj: object, path: str) -> Track | None:
        t = self.table(obj, path)
        if t is None:
            return None
        self.keys(t, ("id", "name", "conditions", "basis"), path)
        tid = t.get("id")
        if not isinstance(tid, str) or not re.match(r"^[a-z0-9_]+$", tid) or tid == GENERAL_TRACK:
            self.error(
                f"{path}.id", f"must be a lower_case name other than '{GENERAL_TRACK}', got {tid!r}"
            )
            tid = None
        name = self.text(t.get("name"), f"{path}.name")
        tests = tuple(
            x
            for i, raw in enumerate(self.array(t.get("conditions"), f"{path}.conditions"))
            if (x := self.test(raw, f"{path}.conditions[{i}]")) is not None
        )
        if not t.get("conditions"):
            self.error(
                f"{path}.conditions", "missing; a track needs the facts that put an asker on it"
            )
        basis = self.basis(t["basis"], f"{path}.basis") if "basis" in t else ()
        if tid is None or name is None:
            return None
        return Track(tid, name, tests, basis)

    def benefit(self, obj: object, path: str, track_ids: set[str]) -> Benefit | None:
        t = self.table(obj, path)
        if t is None:
            return None
        self.keys(
            t,
            (
                "track",
                "rate_percent",
                "rate_kind",
                "from",
                "to",
                "summary",
                "basis",
                "unconfirmed",
                "note",
            ),
            path,
        )
        track = t.get("track", GENERAL_TRACK)
        if track != GENERAL_TRACK and track not in track_ids:
            known = ", ".join([GENERAL_TRACK, *sorted(track_ids)])
            self.error(
                f"{path}.track",
                f"unknown track {track!r}; define it under [[tracks]] or use one of {known}",
            )
        rate = t.get("rate_percent")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or rate < 0
        ):
            self.error(
                f"{path}.rate_percent", f"must be a number ≥ 0 (100 for 100 %), got {rate!r}"
            )
            rate = None
        kind = t.get("rate_kind", "other")
        if kind not in RATE_KINDS:
            self.error(
                f"{path}.rate_kind", f"unknown kind {kind!r}; use one of {', '.join(RATE_KINDS)}"
            )
        period = self.period(t, "from", "to", path, start_required=True)
        summary = self.text(t.get("summary"), f"{path}.summary")
        basis = self.basis(t.get("basis"), f"{path}.basis")
        if summary is None:
            return None
        return Benefit(
            track,
            summary,
            period,
            basis,
            rate,
            kind,
            self.flag(t, "unconfirmed", path),
            self.text(t.get("note"), f"{path}.note", required=False),
        )

    def provision(self, obj: object, path: str) -> Provision | None:
        t = self.table(obj, path)
        if t is None:
            return None
        self.keys(
            t,
            (
                "id",
                "title",
                "text",
                "basis",
                "valid_from",
                "valid_to",
                "region",
                "unconfirmed",
                "note",
            ),
            path,
        )
        pid = t.get("id")
        if not isinstance(pid, str) or not re.match(r"^[a-z0-9_-]+$", pid):
            self.error(f"{path}.id", f"must be a lower-case name, got {pid!r}")
        region = t.get("region")
        provinces = [v for v in FACTS["province"].values if v != "other"]
        if region is not None and region not in provinces:
            self.error(
                f"{path}.region", f"unknown province {region!r}; use one of {', '.join(provinces)}"
            )
        title = self.text(t.get("title"), f"{path}.title")
        text = self.text(t.get("text"), f"{path}.text")
        basis = self.basis(t.get("basis"), f"{path}.basis")
        period = self.period(t, "valid_from", "valid_to", path, start_required=False)
        if title is None or text is None or not isinstance(pid, str):
            return None
        return Provision(
            pid,
            title,
            text,
            basis,
            period,
            region,
            self.flag(t, "unconfirmed", path),
            self.text(t.get("note"), f"{path}.note", required=False),
        )


_BAD = object()
