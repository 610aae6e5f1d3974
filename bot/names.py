"""Chinese documents and clauses named in English: "Enterprise Income Tax Law, Art. 90",
"MOF/STA Announcement No. 7 of 2023 (财政部 税务总局公告2023年第7号)".

The wording is data (``corpus/doc_names.toml``, path in ``[paths] doc_names``); this module only
puts it together. ``configure`` is called once where the app is built; until then the bundled
file is read on first use, so the renderers can name documents without being handed anything.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.incentives.numbers import cn_number
from retrieval.documents import CorpusError
from retrieval.glossary import Glossary
from retrieval.metadata import find_doc_numbers

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parent.parent / "corpus" / "doc_names.toml"
BUNDLED_GLOSSARY = BUNDLED.parent / "glossary.tsv"
TABLES = ("titles", "kinds", "issuers", "codes", "labels")


class NamesError(CorpusError, ValueError):
    """doc_names.toml is malformed; the message names the file and the entry to fix."""


@dataclass(frozen=True)
class Issuer:
    en: str
    short: str


@dataclass(frozen=True)
class DocNames:
    """English titles, kinds, issuers, 文号 codes and heading labels, as loaded from the data."""

    titles: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    issuers: Mapping[str, Issuer] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> DocNames:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise NamesError(f"cannot read {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise NamesError(f"{path} is not valid TOML: {exc}") from exc
        unknown = sorted(set(raw) - set(TABLES))
        if unknown:
            raise NamesError(f"{path} has unknown table(s) {', '.join(unknown)}; known: {', '.join(TABLES)}")
        tables: dict[str, dict] = {}
        for name in TABLES:
            table = raw.get(name, {})
            if not isinstance(table, dict):
                raise NamesError(f"{path}: [{name}] must be a table")
            tables[name] = table
        issuers: dict[str, Issuer] = {}
        for zh, value in tables["issuers"].items():
            if isinstance(value, str):
                value = {"en": value, "short": value}
            if not (isinstance(value, dict) and isinstance(value.get("en"), str)):
                raise NamesError(f'{path}: [issuers] "{zh}" must be a string or {{ en = "…", short = "…" }}')
            issuers[_key(zh)] = Issuer(value["en"], str(value.get("short") or value["en"]))
        plain: dict[str, dict[str, str]] = {}
        for name in ("titles", "kinds", "codes", "labels"):
            for zh, value in tables[name].items():
                if not isinstance(value, str) or not value.strip():
                    raise NamesError(f'{path}: [{name}] "{zh}" must be a non-empty string')
            plain[name] = {_key(zh): v.strip() for zh, v in tables[name].items()}
        return cls(titles=plain["titles"], kinds=plain["kinds"], issuers=issuers,
                   codes=plain["codes"], labels=plain["labels"])

    # ------------------------------------------------------------ documents

    def english_name(self, title: str | None, doc_number: str | None, article: str | None = None) -> str:
        """The document (and clause) in English, its 文号 kept in brackets."""
        number = display_number(doc_number)
        official = self.official_title(title or "")
        if official:
            name = official
        elif number:
            name = self.number_name(number, self.kind(title or "")) or self.kind(title or "") or "Document"
        elif title:
            name = self.title_name(title)
        else:
            name = "(untitled)"
        if number:
            name += f" ({number})"
        where = english_article(article or "", self.labels)
        return f"{name}, {where}" if where else name

    def official_title(self, title: str) -> str | None:
        """The English title of ``title``, or of the document it issues (印发《…》)."""
        main = _main_title(title)
        if _key(main) in self.titles:
            return self.titles[_key(main)]
        for inner in re.findall(r"《([^》]+)》", title):
            if _key(inner) in self.titles:
                return self.titles[_key(inner)]
        return None

    def kind(self, title: str) -> str | None:
        """English kind from how the title ends ("…的通知" → "Notice"); longest ending wins."""
        main = _key(_main_title(title))
        for ending in sorted(self.kinds, key=len, reverse=True):
            if main.endswith(ending):
                return self.kinds[ending]
        return None

    def number_name(self, number: str, kind: str | None = None) -> str | None:
        """"Notice Caishui [2018] No. 99", "MOF/STA Announcement No. 7 of 2023", or None when a
        code or issuer is not in the data."""
        n = unicodedata.normalize("NFKC", number).strip()
        if m := re.fullmatch(r"(.+?)〔(\d{4})〕(\d+)号", n):
            code = self.codes.get(_key(m.group(1)))
            if not code:
                return None
            return f"{kind + ' ' if kind else ''}{code} [{m.group(2)}] No. {int(m.group(3))}"
        if m := re.fullmatch(r"(.+?)公告(\d{4})年第(\d+)号", n):
            issuers = self.split_issuers(m.group(1))
            if issuers is None:
                return None
            return f"{'/'.join(i.short for i in issuers)} Announcement No. {int(m.group(3))} of {m.group(2)}"
        if m := re.fullmatch(r"(.+?)令第(\d+)号", n):
            issuers = self.split_issuers(m.group(1))
            if not issuers or len(issuers) != 1:
                return None
            return f"{issuers[0].en} Decree No. {int(m.group(2))}"
        return None

    def split_issuers(self, text: str) -> list[Issuer] | None:
        """Issuers named one after another ("财政部 税务总局", "财政部税务总局"), or None."""
        rest = _key(text)
        out: list[Issuer] = []
        names = sorted(self.issuers, key=len, reverse=True)
        while rest:
            found = next((n for n in names if rest.startswith(n)), None)
            if found is None:
                return None
            out.append(self.issuers[found])
            rest = rest[len(found):]
        return out

    def title_name(self, title: str) -> str:
        """A name built from the title: the places or issuers it starts with and its kind, with
        the Chinese title in brackets; the title itself when its kind is unknown."""
        main = _main_title(title)
        kind = self.kind(main)
        if not kind:
            return main
        rest, lead = _key(main), []
        names = sorted(self.issuers, key=len, reverse=True)
        while found := next((n for n in names if rest.startswith(n)), None):
            lead.append(self.issuers[found].en)
            rest = rest[len(found):]
        head = " and ".join(lead)
        return f"{head + ' ' if head else ''}{kind} ({main})"


# ---------------------------------------------------------------- clauses

_NUM = "零〇一二两三四五六七八九十百千"
_LABEL_PARTS = re.compile(
    rf"第(?P<big>[{_NUM}\d]+)(?P<bigkind>[编章节])"
    rf"|第(?P<art>[{_NUM}\d]+)条(?:之(?P<bis>[{_NUM}]+))?"
    rf"|第(?P<para>[{_NUM}\d]+)款"
    rf"|第?[(（](?P<item>[{_NUM}\d]+)[)）]项?"
    rf"|第(?P<item2>[{_NUM}\d]+)项"
    rf"|第(?P<duan>[{_NUM}\d]+)段"
    rf"|(?P<top>[{_NUM}]+)(?:、|$|(?=[(（]))"
    rf"|(?P<point>\d+)[.、．]?"
    rf"|【(?P<label>[^】]+)】"
    rf"|(?P<circled>[①-⑳])"
    rf"|附件(?P<annex>[{_NUM}\d]*)"
    rf"|(?P<space>[\s›>]+)"
)
_BIG = {"编": "Part", "章": "Ch.", "节": "Sec."}


def _int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    v = cn_number(s)
    return int(v) if v is not None else None


def english_article(label: str, labels: Mapping[str, str] | None = None) -> str:
    """A clause label in English: 第九十条 → Art. 90, 第四十五条第一款 → Art. 45(1),
    一(二) → item 1(2), 二、(一)3 → item 2(1), point 3; a label it cannot read comes back as is."""
    label = unicodedata.normalize("NFKC", label).strip()
    if not label:
        return ""
    labels = labels if labels is not None else doc_names().labels
    parts: list[str] = []  # "Ch. 4", "Art. 45(1)", …: joined with ", "
    pos = 0
    while pos < len(label):
        m = _LABEL_PARTS.match(label, pos)
        if not m or m.end() == pos:
            return label
        pos = m.end()
        g = m.groupdict()
        if g["space"]:
            continue
        if g["big"]:
            parts.append(f"{_BIG[g['bigkind']]} {_int(g['big'])}")
        elif g["art"]:
            bis = f"-{_int(g['bis'])}" if g["bis"] else ""
            parts.append(f"Art. {_int(g['art'])}{bis}")
        elif g["para"] or g["item"] or g["item2"]:
            n = _int(g["para"] or g["item"] or g["item2"])
            if parts and parts[-1].startswith(("Art.", "item")):
                parts[-1] += f"({n})"
            else:
                parts.append(f"item ({n})")
        elif g["duan"]:
            parts.append(f"para. {_int(g['duan'])}")
        elif g["top"]:
            parts.append(f"item {_int(g['top'])}")
        elif g["point"]:
            parts.append(f"point {int(g['point'])}")
        elif g["label"]:
            parts.append(labels.get(_key(g["label"]), g["label"]))
        elif g["circled"]:
            n = ord(g["circled"]) - ord("①") + 1
            if parts and parts[-1].startswith(("Art.", "item")):
                parts[-1] += f"({n})"
            else:
                parts.append(f"item ({n})")
        elif m.group(0).startswith("附件"):
            parts.append(f"Annex {_int(g['annex'])}" if g["annex"] else "Annex")
    return ", ".join(parts)


# ---------------------------------------------------------------- helpers


def display_number(doc_number: str | None) -> str | None:
    """The 文号 to show: None for descriptions such as "法律（2015-08-29 …修正）" that laws carry."""
    if not doc_number:
        return None
    return doc_number if find_doc_numbers(doc_number) else None


def short_title(title: str) -> str:
    return title.removeprefix("中华人民共和国")


def _key(text: str) -> str:
    """How titles and names are compared: NFKC, no spaces or 《》, without 中华人民共和国."""
    text = re.sub(r"[\s《》]+", "", unicodedata.normalize("NFKC", text))
    return text.removeprefix("中华人民共和国")


def _main_title(title: str) -> str:
    """The title without an attachment (" — 附《…》") and a closing note ("（制造业100%）")."""
    main = re.split(r"\s+[—-]+\s+", title.strip())[0]
    main = re.sub(r"[（(][^（）()]*[）)]$", "", main).strip()
    return short_title(main)


# ---------------------------------------------------------------- the configured data

_path: Path | None = None
_names: DocNames | None = None
_glossary: Glossary | None = None


def configure(path: Path | None = None, glossary: Glossary | None = None) -> None:
    """Use ``path`` (``[paths] doc_names``) and the app's glossary from now on."""
    global _path, _names, _glossary
    _path, _names = path, None
    if glossary is not None:
        _glossary = glossary


def doc_names() -> DocNames:
    """The configured names, loaded on first use; the bundled file when the configured one is missing."""
    global _names
    if _names is None:
        path = _path or BUNDLED
        if not path.exists() and path != BUNDLED:
            log.warning("document names %s not found: using the bundled %s", path, BUNDLED)
            path = BUNDLED
        if path.exists():
            _names = DocNames.load(path)
        else:
            log.warning("document names %s not found: English answers name documents in Chinese", path)
            _names = DocNames()
    return _names


def glossary() -> Glossary:
    """The app's glossary (for gists), or the bundled one when the app has not configured it."""
    global _glossary
    if _glossary is None:
        _glossary = Glossary.load(BUNDLED_GLOSSARY) if BUNDLED_GLOSSARY.exists() else Glossary.empty()
    return _glossary


def english_name(title: str | None, doc_number: str | None, article: str | None = None) -> str:
    """"Enterprise Income Tax Law, Art. 90", "Notice Caishui [2018] No. 99 (财税〔2018〕99号)"."""
    return doc_names().english_name(title, doc_number, article)
