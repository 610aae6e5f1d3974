"""Read policy files (text, Markdown, web pages, PDF, Word) into clean paragraphs.

``load_file`` is the only entry point. Whatever is wrong with a file, it raises
``UnsupportedFile`` or ``UnreadableFile`` with a message that names the file, says why and,
where it can, what to do. Page furniture (site menus, breadcrumbs, phone numbers, share
buttons, running headers) is removed here so that later stages only see policy text.
"""

from __future__ import annotations

import codecs
import io
import logging
import math
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePath

from . import metadata
from .documents import (
    Block,
    CorpusError,
    LoadedDocument,
    UnreadableFile,
    UnsupportedFile,
    sha256_bytes,
)
from .metadata import find_doc_numbers, is_org_line, title_from_line

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
ACCEPTED_TYPES = (
    "plain text (.txt), Markdown (.md), web pages (.html, .htm), PDF (.pdf) or Word (.docx)"
)

# A .docx is a zip archive: refuse archives that would unpack to something huge.
MAX_DOCX_UNCOMPRESSED = 200 * 2**20
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 10_000


@dataclass
class _Read:
    """What a format reader found, before metadata."""

    blocks: list[Block]
    front_matter: dict | None = None
    page_text: str | None = None  # the whole page, furniture included (for labelled fields)
    source: str | None = None


# ---------------------------------------------------------------- entry point


def load_file(
    path: Path,
    *,
    source_name: str | None = None,
    max_bytes: int = 50 * 2**20,
    max_pdf_pages: int = 2000,
    ocr: bool = False,
) -> LoadedDocument:
    """Read a policy file into clean blocks plus metadata; raise CorpusError if it cannot be used.

    ``source_name`` is what the user called the file (an upload's name); only its last path
    component is kept.
    """
    path = Path(path)
    name = _bare_name(source_name or "") or _bare_name(path.name) or "document"
    suffix = PurePath(name).suffix.lower() or path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"'{suffix}' files" if suffix else "files without an extension"
        raise UnsupportedFile(f"{name}: {kind} are not supported. Send {ACCEPTED_TYPES}.")
    try:
        if not path.is_file():
            raise UnreadableFile(f"{name} cannot be read: it is not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFile(_too_big(name, size, max_bytes))
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise UnreadableFile(f"{name} cannot be read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:  # grew while we looked
        raise UnreadableFile(_too_big(name, len(data), max_bytes))
    if not data.strip():
        raise UnreadableFile(f"{name} is empty; send the file again with its content")

    kind = sniff_kind(data, suffix)
    if kind == "binary":
        raise UnreadableFile(
            f"{name} contains binary data ({_binary_label(data)}), not text. Send {ACCEPTED_TYPES}."
        )
    if kind not in ("txt", "md") and suffix not in _SUFFIXES_OF[kind]:
        log.info("%s: read as %s despite its %s extension", name, kind, suffix)
    try:
        with warnings.catch_warnings():
            # pypdf and friends warn about every quirk of a file; the log says enough.
            warnings.simplefilter("ignore")
            read = _READERS[kind](data, name, max_pdf_pages=max_pdf_pages, ocr=ocr)
    except CorpusError:
        raise
    except Exception as exc:  # a parser bug or a file shaped in a way nobody expected
        log.exception("unexpected error reading %s as %s", name, kind)
        raise UnreadableFile(
            f"{name} could not be read as {_KIND_LABEL[kind]} ({type(exc).__name__}). "
            "Open it on your computer, save it again, and send the new copy."
        ) from exc

    blocks = tuple(b for b in read.blocks if b.text)
    if not blocks:
        raise UnreadableFile(f"{name} contains no readable text")
    text = "\n".join(b.text for b in blocks)
    meta = metadata.extract_metadata(
        text, front_matter=read.front_matter, source_name=name, page_text=read.page_text
    )
    if read.source and not meta.source:
        meta = replace(meta, source=read.source)
    return LoadedDocument(
        source_name=name, sha256=sha256_bytes(data), meta=meta, blocks=blocks, kind=kind
    )


def sniff_kind(data: bytes, suffix: str) -> str:
    """What the bytes are, whatever the name says: pdf, docx, html, md, txt, or binary."""
    suffix = suffix.lower()
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "docx"  # any zip; the reader says if it is not a Word document
    if any(data.startswith(sig) for sig, _ in _BINARY_SIGNATURES):
        return "binary"
    if suffix == ".pdf":
        return "pdf"  # not a PDF inside: the reader says so
    if suffix == ".docx":
        return "docx"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    return "txt"


_SUFFIXES_OF = {
    "pdf": (".pdf",),
    "docx": (".docx",),
    "html": (".html", ".htm"),
    "md": (".md", ".markdown"),
    "txt": (".txt",),
}
_KIND_LABEL = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "html": "a web page",
    "md": "Markdown",
    "txt": "text",
}
_BINARY_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Word/Excel file: save it as .docx or PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "a program"),
    (b"{\\rtf", "an RTF document: save it as .docx or PDF"),
)


def _binary_label(data: bytes) -> str:
    for sig, label in _BINARY_SIGNATURES:
        if data.startswith(sig):
            return label
    return "it looks like a binary file"


def _too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name} is {_human(size)}, more than the {_human(limit)} limit. Split it into smaller "
        "files, or raise [limits] max_file_mb in config.toml."
    )


def _human(n: int) -> str:
    if n < 2**10:
        return f"{n} bytes"
    if n < 2**20:
        return f"{n / 2**10:.1f} KB"
    return f"{n / 2**20:.1f} MB"


def _bare_name(name: str) -> str:
    """The last component of a path-like name: "../../x.txt" → "x.txt"."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return "" if name in ("", ".", "..") else name


# ---------------------------------------------------------------- text decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters, private-use code points and U+FFFD: text has (almost) none of them.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f\ue000-\uf8ff\ufffd]")


def _looks_like_text(text: str) -> bool:
    sample = text if len(text) <= 400_000 else text[:200_000] + text[-200_000:]
    bad = len(_NOT_TEXT.findall(sample))
    return bad <= max(2, 0.01 * len(sample))


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text file as str: BOM, then UTF-8, then GB18030, then charset-normalizer."""
    binary = UnreadableFile(
        f"{name} contains binary data, not text (it may be a different kind of file with a "
        f"wrong name). Send {ACCEPTED_TYPES}."
    )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(
                    f"{name} starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} text; save it again as UTF-8"
                ) from exc
            if not _looks_like_text(text):
                raise binary
            return text
    data = _trim_cut_character(data)
    candidates = ["utf-8", "gb18030"]
    if b"\x00" in data:
        # Text never contains NUL, except UTF-16 saved without a byte-order mark.
        guess = _utf16_without_bom(data)
        if guess is None:
            raise binary
        candidates = [guess]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # These encodings keep ASCII control bytes as they are: if the result is full of
        # them, no other guess will make it text.
        if not _looks_like_text(text):
            raise binary
        return text
    # A few damaged bytes in an otherwise UTF-8 or GB18030 file: keep the text, mark the damage.
    for encoding in candidates:
        text = data.decode(encoding, errors="replace")
        damaged = text.count("\ufffd")
        if damaged <= 0.002 * len(text) and _looks_like_text(text):
            log.warning(
                "%s: %d undecodable byte sequence(s) replaced (%s)", name, damaged, encoding
            )
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    # Without a BOM and without NUL bytes the data cannot be UTF-16/32, whatever the guess.
    if best is not None and not best.encoding.startswith(("utf_16", "utf_32")):
        text = str(best)
        if not _looks_like_text(text):
            raise binary
        log.info("%s: decoded as %s (guessed)", name, best.encoding)
        return text
    raise UnreadableFile(
        f"{name}: the text encoding could not be recognised; save the file as UTF-8 and send it again"
    )


def _trim_cut_character(data: bytes) -> bytes:
    """Drop a UTF-8 character cut in half at the very end (an interrupted download)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
            return data[: exc.start]
    return data


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) % 2:
        return None
    # ASCII characters are "x\0" in little-endian: the NULs sit on one side. In random
    # binary data they fall on both sides alike.
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 4 * even:
        return "utf-16-le"
    if even >= 4 * odd:
        return "utf-16-be"
    return None


def _normalise_newlines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\x0b\x0c\x85\u2028\u2029]", "\n", text)


_SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def _clean_line(line: str) -> str:
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", line)).strip()


# ---------------------------------------------------------------- line classes

_TERMINAL = re.compile(r"[。！？；：!?;:…][”’\"'」』）)】]*$")
_SENTENCE_PUNCT = re.compile(r"[。，,；;！!？?：:]")
_ITEM_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条款部分编]|[一二三四五六七八九十百]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．](?!\d)|[①-⑳]|[A-Z][.．、]\s*"
    r"|——|[•·▪●○◆■□]|附件|附表|附：|抄送|特此)"
)
_STANDALONE_DATE = re.compile(rf"^[（(]?\s*(?:{metadata.DATE_PATTERN})\s*[）)]?$")
_BRACKETED = re.compile(r"^[（(【\[〔].*[)）】\]〕]$")
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[-\s]?)?(?:1[3-9]\d{9}|0\d{2,3}[-\s]?\d{7,8}|400[-\s]?\d{3}[-\s]?\d{4})(?!\d)"
)
_PHONE_LABELS = re.compile(
    r"电话|热线|传真|手机|联系|咨询|客服|Tel|Fax|Phone|[:：/|,，、\s()（）-]", re.I
)

# Lines that are page furniture wherever they appear (checked on lines up to 120 characters).
_FURNITURE = re.compile(
    r"来源于(?:网络|互联网)|如有侵权|侵权请?(?:与我们)?联系|转载请注明|版权所有|版权归.{0,12}所有"
    r"|Copyright|All Rights Reserved|©|ICP\s*[备证]|公网安备|网站标识码"
    r"|(?:访问|浏览|阅读|点击)(?:人数|次数|量)\s*[:：]|阅读字号|字号\s*[:：]|【\s*[大中小]\s*】"
    r"|分享到|分享至|扫一扫|扫码关注|打印本页|打印此页|【\s*打印\s*】|关闭窗口|关闭本页|【\s*关闭\s*】"
    r"|返回顶部|回到顶部|加入收藏|设为首页|收藏本站|无障碍浏览|长者模式"
    r"|^(?:上一篇|下一篇|上一条|下一条|相关(?:文章|链接|新闻|阅读|附件))\s*[:：]"
    r"|^(?:当前位置|您的位置|你的位置|您现在的位置|现在位置|所在位置)\s*[:：]"
    r"|^(?:发布|更新|录入|上传|发表)(?:时间|日期)\s*[:：]|^(?:信息|文章|稿件)来源\s*[:：]"
    r"|^(?:作者|编辑|责任编辑)\s*[:：]|^(?:首页|主页|网站首页|Home)\s*[>»›/→]",
    re.I,
)
# Site headers and footers: furniture only in the runs of lines before and after the text,
# since a notice may itself end with its contact person, address and phone number.
_EDGE_FURNITURE = re.compile(
    r"在线客服|客服系统|在线咨询|7\s*[×xX*]\s*24\s*小时|24\s*小时(?:客服|热线|服务热线)"
    r"|网站地图|站点地图|联系我们|关于我们|友情链接|网站纠错|备案号|^来源\s*[:：]"
    r"|^(?:主办|承办|协办|运维|维护|建设)(?:单位)?\s*[:：]|^技术支持"
    r"|^(?:地址|邮编|邮政编码|邮箱|电子邮箱|E-?mail|网址|QQ|微信|传真|电话|联系电话|服务热线"
    r"|咨询电话|客服电话)\s*[:：]",
    re.I,
)
_BREADCRUMB = re.compile(r"^[^。，,；;]{1,12}(?:\s*[>»›→]\s*[^。，,；;>»›→]{1,20}){1,6}$")


def _is_phone_line(line: str) -> bool:
    if not _PHONE.search(line):
        return False
    rest = _PHONE_LABELS.sub("", _PHONE.sub("", line))
    return len(rest) <= 6


def _is_furniture(line: str, *, edge: bool = False) -> bool:
    if len(line) > 120:
        return False
    if _FURNITURE.search(line) or _BREADCRUMB.match(line):
        return True
    return edge and bool(_EDGE_FURNITURE.search(line) or _is_phone_line(line))


def _is_anchor(line: str) -> bool:
    """A line that starts or ends a policy text: title, 文号, heading, date or signature."""
    if _ITEM_START.match(line) or _STANDALONE_DATE.match(line) or is_org_line(line):
        return True
    title = title_from_line(line)
    if title and (len(title) >= 6 or re.search("关于|印发|转发", title)):
        return True
    return bool(find_doc_numbers(line))


def _is_menu_like(line: str) -> bool:
    if _BRACKETED.match(line) or _is_anchor(line):
        return False
    if len(line) <= 15 and not _SENTENCE_PUNCT.search(line):
        return True
    parts = [p for p in re.split(r"\s*[|｜•·]\s*", line) if p]
    return len(parts) >= 3 and all(len(p) <= 8 for p in parts)


def _strip_furniture(lines: list[str]) -> list[str]:
    """Drop web-page furniture from a page's lines ("" marks a blank line).

    Furniture lines go wherever they are; menu-like runs go at the start and end of the
    page when they hold at least one furniture line (there, contact and footer lines count
    too). Issuer lines right above the title stay.
    """
    idx = [i for i, s in enumerate(lines) if s]

    def run(order: Iterable[int]) -> list[int]:
        out = []
        for i in order:
            if _is_furniture(lines[i], edge=True) or _is_menu_like(lines[i]):
                out.append(i)
            else:
                break
        return out if any(_is_furniture(lines[i], edge=True) for i in out) else []

    head = run(idx)
    while head and is_org_line(lines[head[-1]]):
        head.pop()
    tail = run(reversed(idx))
    drop = set(head) | set(tail)
    drop |= {i for i in idx if _is_furniture(lines[i])}
    return [s if i not in drop else "" for i, s in enumerate(lines)]


def _fix_title_prefix(lines: list[str]) -> list[str]:
    """'锦州关于…的通知' → '关于…的通知' on the first text line (a site's prefix, not the title)."""
    for i, line in enumerate(lines):
        if not line:
            continue
        title = title_from_line(line)
        if title and title != line and line.endswith(title):
            lines = [*lines[:i], title, *lines[i + 1 :]]
        break
    return lines


# ---------------------------------------------------------------- wrapped lines


_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
                   "\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
                   "\uffe0-\uffe6\U00020000-\U0003fffd]")  # fmt: skip


def _width(s: str) -> int:
    """Display width: CJK and full-width characters count twice."""
    return len(s) + len(_WIDE.findall(s))


def _join_wrapped(items: list[tuple[str, int | None] | None]) -> list[Block]:
    """Join lines that a layout broke inside a sentence; ``None`` items are paragraph breaks.

    A line continues onto the next when the text was visibly wrapped at a fixed width (many
    lines of the same width), the line is that wide, does not end a sentence and is not a
    heading, and the next line does not start a new item, date or signature.
    """
    widths = sorted(w for it in items if it and (w := _width(it[0])) >= 20)
    ref = widths[int(0.8 * (len(widths) - 1))] if len(widths) >= 3 else 0
    near = sum(1 for w in widths if abs(w - ref) <= max(4, 0.08 * ref))
    wrapped = ref and near >= 3 and near >= 0.3 * len(widths)

    blocks: list[Block] = []
    last: str | None = None  # the previous physical line, if the paragraph is still open
    for it in items:
        if it is None:
            last = None
            continue
        text, page = it
        if wrapped and last is not None and _continues(last, text, ref):
            prev = blocks[-1]
            blocks[-1] = Block(_glue(prev.text, text), prev.page)
        else:
            blocks.append(Block(text, page))
        last = text
    return blocks


def _continues(a: str, b: str, ref: int) -> bool:
    if _TERMINAL.search(a) or _width(a) < 0.8 * ref:
        return False
    if _ITEM_START.match(a) and len(a) <= 25:  # a heading such as "一、总体要求"
        return False
    if title_from_line(a) and not title_from_line(b):  # a whole title, then the 文号 or text
        return False
    if _ITEM_START.match(b) or _STANDALONE_DATE.match(b) or is_org_line(b):
        return False
    numbers = find_doc_numbers(b)
    return not (numbers and len(b) <= len(numbers[0]) + 2)


def _glue(a: str, b: str) -> str:
    """Join two pieces of a wrapped line: Chinese wraps anywhere, English at spaces."""
    if _WIDE.search(a[-12:]) or _WIDE.search(b[:12]):
        return a + b
    if a[-1:].isascii() and a[-1:].isalnum() and b[:1].isascii() and b[:1].isalnum():
        return f"{a} {b}"
    return a + b


def _line_items(lines: list[str], page: int | None = None) -> list[tuple[str, int | None] | None]:
    return [(s, page) if s else None for s in lines]


# ---------------------------------------------------------------- plain text


def _read_text(data: bytes, name: str, **_: object) -> _Read:
    raw = _normalise_newlines(decode_text(data, name))
    lines = [_clean_line(s) for s in raw.split("\n")]
    lines = _fix_title_prefix(_strip_furniture(lines))
    return _Read(blocks=_join_wrapped(_line_items(lines)), page_text=raw)


# ---------------------------------------------------------------- Markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FM_KEYS = ("title", "doc_number", "date", "source", "note")
_MD_RULE = re.compile(r"^(?:[-*_=]\s*){3,}$|^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_EDITORIAL = re.compile(r"\[([^\[\]\n]*)\]")
_ENGLISH = re.compile(r"https?://|www\.|[A-Za-z]{3,}")


def _split_front_matter(text: str, name: str) -> tuple[dict | None, str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return None, text
    import yaml

    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        raise UnreadableFile(
            f"{name}: the front-matter block between the '---' lines at the top is not valid "
            f"YAML{line}; fix it (quote values that contain ':') or remove it"
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UnreadableFile(
            f"{name}: the front-matter block at the top must be 'key: value' lines "
            f"({', '.join(_FM_KEYS)})"
        )
    # Only plain values: a YAML alias bomb in a list must not be expanded by str().
    fm = {
        k: str(v).strip()
        for k, v in data.items()
        if k in _FM_KEYS and (isinstance(v, str | int | float) or hasattr(v, "isoformat"))
    }
    return {k: v for k, v in fm.items() if v}, text[m.end() :]


def _md_inline(line: str) -> str:
    line = re.sub(r"^#{1,6}\s+(.*?)(?:\s+#+)?$", r"\1", line)  # ATX heading
    line = re.sub(r"^(?:>\s?)+", "", line)  # quote
    line = re.sub(r"^[-*+]\s+", "", line)  # bullet
    if line.startswith("|") and line.endswith("|") and len(line) > 1:
        line = " | ".join(c.strip() for c in line[1:-1].split("|") if c.strip())
    line = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", line)  # image
    line = re.sub(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)", r"\1", line)  # link
    line = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", line)  # reference link
    line = re.sub(r"</?[A-Za-z][^>]*>", "", line)  # inline HTML
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    # Chinese emphasis sits between Chinese characters ("第*二*条"): look only at ASCII.
    line = re.sub(r"(?<![A-Za-z0-9*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![A-Za-z0-9*])", r"\1", line)
    line = re.sub(r"(?<![A-Za-z0-9_\\])_(?=\S)([^_\n]+?)(?<=\S)_(?![A-Za-z0-9_])", r"\1", line)
    line = re.sub(r"~~(.+?)~~", r"\1", line)
    line = re.sub(r"`([^`]+)`", r"\1", line)
    return line


def _drop_editorial(line: str) -> tuple[str, bool, bool]:
    """Remove editors' remarks in ASCII brackets ("[excerpt ends here]", "[per https://…]").

    Chinese text that uses ASCII brackets ("国科发火[2008]172号", "[注]") has no English words
    or addresses inside them and stays. Also says whether a remark began or ended the line:
    text on either side of such a remark is not continuous.
    """
    spans: list[tuple[int, int]] = []

    def sub(m: re.Match) -> str:
        if _ENGLISH.search(m.group(1)):
            spans.append(m.span())
            return ""
        return m.group(0)

    out = _EDITORIAL.sub(sub, line)
    at_start = any(not line[:a].strip() for a, _ in spans)
    at_end = any(not line[b:].strip() for _, b in spans)
    return _clean_line(out), at_start, at_end


def _read_markdown(data: bytes, name: str, **_: object) -> _Read:
    text = _normalise_newlines(decode_text(data, name))
    fm, body = _split_front_matter(text, name)
    body = re.sub(r"<!--.*?-->", "\n", body, flags=re.S)
    lines: list[str] = []
    fence = False
    for raw in body.split("\n"):
        line = _clean_line(raw)
        if line.startswith(("```", "~~~")):
            fence = not fence
            lines.append("")
            continue
        if not fence:
            if _MD_RULE.match(line):
                lines.append("")
                continue
            line = _md_inline(line)
        line, gap_before, gap_after = _drop_editorial(_clean_line(line))
        # Never join lines across a gap an editor marked.
        lines.extend([""] * gap_before + [line] + [""] * gap_after)
    lines = _strip_furniture(lines)
    return _Read(blocks=_join_wrapped(_line_items(lines)), front_matter=fm)


# ---------------------------------------------------------------- HTML

_JUNK_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "svg",
    "canvas", "form", "button", "select", "input", "textarea", "nav", "aside", "link", "meta",
    "map", "audio", "video",
)  # fmt: skip
_FURNITURE_ATTR = re.compile(
    r"(?:^|[-_\s])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|share|social|chat|kefu|"
    r"online|service|ads?|advert\w*|banner|copyright|sidebar|side|related|comment\w*|toolbar|"
    r"print|login|search|qrcode|ewm|weixin|wechat|position|location|dqwz|topbar|skip|fontsize|"
    r"font-size|zihao)(?:$|[-_\d\s])",
    re.I,
)
_MAIN_SELECTORS = (
    "article", "main", "[role=main]", "#UCAP-CONTENT", ".TRS_Editor", "#zoom", "#Zoom", ".zoom",
    "#fontzoom", ".bt_content",
    ".article-content", ".article_content", "#content", ".article", ".content", ".pages_content",
    "#mainText", ".main-content", ".detail", ".text",
)  # fmt: skip
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "header", "footer", "h1", "h2", "h3", "h4", "h5",
    "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr", "thead", "tbody", "blockquote",
    "pre", "center", "address", "figure", "figcaption", "caption", "hr", "title",
)  # fmt: skip
_GBK_NAMES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "x-gb2312"}


def _decode_html(data: bytes, name: str) -> str:
    if not any(data.startswith(bom) for bom, _ in _BOMS):
        m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", data[:4096], re.I)
        if m:
            declared = m.group(1).decode("ascii").lower()
            encoding = "gb18030" if declared in _GBK_NAMES else declared
            try:
                text = data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                log.info("%s: declared charset %s does not fit; guessing", name, declared)
            else:
                if _looks_like_text(text):
                    return text
    return decode_text(data, name)


def _attr_text(tag) -> str:
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = classes.split()
    return " ".join([*classes, tag.get("id") or ""])


def _read_html(data: bytes, name: str, **_: object) -> _Read:
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(_decode_html(data, name), "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    source = None
    for sel, attr in (("link[rel=canonical]", "href"), ("meta[property='og:url']", "content")):
        tag = soup.select_one(sel)
        if tag and str(tag.get(attr, "")).startswith(("http://", "https://")):
            source = str(tag[attr])
            break
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for tag in soup.find_all(_JUNK_TAGS):
        tag.decompose()
    if soup.head:
        soup.head.decompose()
    body = soup.body or soup
    for tag in body.find_all(["header", "footer"]):
        if not tag.find_parent(["article", "main"]):
            tag.decompose()
    total = len(body.get_text(strip=True)) or 1
    for tag in body.find_all(True):
        if tag.decomposed or tag.name in ("html", "body"):
            continue
        style = str(tag.get("style") or "").replace(" ", "").lower()
        hidden = "display:none" in style or "visibility:hidden" in style
        furniture = hidden or _FURNITURE_ATTR.search(_attr_text(tag))
        # Never let a badly named wrapper take the whole page with it.
        if furniture and len(tag.get_text(strip=True)) <= 0.5 * total:
            tag.decompose()
    page_text = "\n".join([page_title, *_html_lines(body, Comment, copy=True)])

    main = None
    for selector in _MAIN_SELECTORS:
        for tag in body.select(selector):
            if len(tag.get_text(strip=True)) >= max(20, 0.25 * total):
                main = tag
                break
        if main is not None:
            break
    lines: list[str] = []
    if main is not None and not main.find("h1"):
        # The title is often above the content box: an <h1> or a "title" element.
        candidates = body.find_all(["h1", "h2", "h3"]) + body.find_all(class_=_TITLE_CLASS)
        for tag in candidates:
            text = _clean_line(tag.get_text(" "))
            if not _inside(tag, main) and title_from_line(text):
                lines.append(text)
                break
    lines += _html_lines(main if main is not None else body, Comment)
    lines = _fix_title_prefix(_strip_furniture(lines))
    return _Read(blocks=[Block(s) for s in lines if s], page_text=page_text, source=source)


_CJK_CHAR = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_SOURCE_BREAK = re.compile(rf"(?<={_CJK_CHAR})[ \t\xa0]*\n\s*(?={_CJK_CHAR})")


_TITLE_CLASS = re.compile(r"title", re.I)


def _inside(tag, container) -> bool:
    return any(p is container for p in tag.parents)


def _html_lines(root, comment_type, *, copy: bool = False) -> list[str]:
    """Text lines of an element: one per block element, table cells joined with ' | '."""
    if copy:
        from bs4 import BeautifulSoup

        root = BeautifulSoup(str(root), "lxml")
    for s in list(root.find_all(string=True)):
        if isinstance(s, comment_type):
            s.extract()
        elif not s.find_parent("pre"):
            # A line break in the HTML source between two Chinese characters is no space.
            joined = _SOURCE_BREAK.sub("", s)
            s.replace_with(_SPACES.sub(" ", joined.replace("\n", " ")))
    for br in root.find_all("br"):
        br.replace_with("\n")
    for tag in root.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.append("\n")
    for cell in root.find_all(["td", "th"]):
        cell.append("\t")
    out = []
    for raw in root.get_text().split("\n"):
        cells = [_clean_line(c) for c in raw.split("\t")]
        out.append(" | ".join(c for c in cells if c))
    return out


# ---------------------------------------------------------------- PDF

_PAGE_NUMBER_ANYWHERE = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?)$",
    re.I,
)
_PAGE_NUMBER_EDGE = re.compile(r"^(?:\d{1,4}|\d{1,4}\s*/\s*\d{1,4}|[·•]\s*\d{1,4}\s*[·•])$")


def _read_pdf(data: bytes, name: str, *, max_pdf_pages: int, ocr: bool, **_: object) -> _Read:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile(
            f"{name} is not a PDF (its content does not start with %PDF); check the file type"
        )
    damaged = (
        f"{name} is a damaged or incomplete PDF and cannot be read; download or export it "
        "again and send the new copy"
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise UnreadableFile(damaged) from exc
    if encrypted:
        try:
            opened = reader.decrypt("")  # many PDFs only restrict copying: empty user password
        except DependencyError as exc:
            raise UnreadableFile(
                f"{name} is encrypted with AES; reading it needs the 'cryptography' package "
                "(pip install cryptography)"
            ) from exc
        except Exception as exc:
            raise UnreadableFile(damaged) from exc
        if not opened:
            raise UnreadableFile(
                f"{name} is password-protected. Remove the password (open it and save or print "
                "it as a new PDF) and send it again."
            )
    try:
        n_pages = len(reader.pages)
    except Exception as exc:
        raise UnreadableFile(damaged) from exc
    if n_pages == 0:
        raise UnreadableFile(f"{name} has no pages")
    if n_pages > max_pdf_pages:
        raise UnreadableFile(
            f"{name} has {n_pages} pages, more than the limit of {max_pdf_pages}. Split it, or "
            "raise [limits] max_pdf_pages in config.toml."
        )
    pages: list[str] = []
    failed = 0
    for i in range(n_pages):
        try:
            pages.append(reader.pages[i].extract_text() or "")
        except Exception as exc:
            failed += 1
            log.warning("%s: page %d could not be read: %s", name, i + 1, exc)
            pages.append("")
    if failed == n_pages:
        raise UnreadableFile(damaged)
    empty = [i for i, t in enumerate(pages) if not t.strip()]
    if len(empty) == n_pages or (ocr and empty):
        if not ocr:
            raise UnreadableFile(
                f"{name} has no text layer (it looks like a scanned image) and OCR is off. "
                "Send a PDF with selectable text, or turn OCR on: pip install '.[ocr]' and set "
                "ocr = true under [limits] in config.toml."
            )
        engine = _ocr_engine(name)
        for i in empty:
            pages[i] = _ocr_page(reader.pages[i], engine, name, i + 1)
        if not any(t.strip() for t in pages):
            raise UnreadableFile(f"{name} has no text layer and OCR found no text in it")
    elif empty:
        log.info("%s: %d page(s) without text (images?); OCR is off", name, len(empty))
    return _Read(blocks=_pdf_blocks(pages))


def _pdf_blocks(pages: list[str]) -> list[Block]:
    page_lines = [
        [s for s in (_clean_line(x) for x in _normalise_newlines(t).split("\n")) if s]
        for t in pages
    ]
    running = _running_lines(page_lines)
    items: list[tuple[str, int | None] | None] = []
    for number, lines in enumerate(page_lines, start=1):
        last = len(lines) - 1
        for i, line in enumerate(lines):
            edge = i < 3 or i > last - 3
            if _PAGE_NUMBER_ANYWHERE.match(line):
                continue
            if edge and (_PAGE_NUMBER_EDGE.match(line) or _digit_key(line) in running):
                continue
            items.append((line, number))
    return _join_wrapped(items)


def _digit_key(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Headers and footers: short lines at the top or bottom of at least half of the pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        # A sentence is text, not a running header, even if every page starts with one.
        edges = {_digit_key(s) for s in lines[:2] + lines[-2:] if len(s) <= 60}
        edges = {e for e in edges if not _TERMINAL.search(e)}
        counts.update(edges)
    need = max(2, math.ceil(0.5 * len(pages)))
    return {k for k, c in counts.items() if c >= need}


def _ocr_engine(name: str):
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise UnreadableFile(
            f"{name} has no text layer and OCR is on, but the OCR engine is not installed: "
            "pip install '.[ocr]'"
        ) from exc
    return RapidOCR()


def _ocr_page(page, engine, name: str, number: int) -> str:
    """Text of a scanned page: OCR of each embedded image, lines top to bottom."""
    found: list[tuple[float, float, str]] = []
    try:
        images = list(page.images)
    except Exception as exc:
        log.warning("%s: images of page %d could not be read: %s", name, number, exc)
        return ""
    for image in images:
        try:
            result, _ = engine(image.data)
        except Exception as exc:
            log.warning("%s: OCR failed on page %d: %s", name, number, exc)
            continue
        for box, text, _score in result or []:
            found.append((float(box[0][1]), float(box[0][0]), str(text)))
    return "\n".join(t for _, _, t in sorted(found))


# ---------------------------------------------------------------- DOCX


def _check_zip(data: bytes, name: str) -> None:
    """Refuse zip bombs and non-Word archives by the declared sizes, before extracting."""
    not_docx = (
        f"{name} is not a valid Word document (a .docx is a zip archive and this one is "
        "damaged); open it in Word, save it again as .docx and send the new copy"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception as exc:  # BadZipFile, NotImplementedError (odd versions), OSError, …
        raise UnreadableFile(not_docx) from exc
    bomb = (
        f"{name} is refused: it would unpack to {{}}, which looks like a zip bomb rather than a "
        "Word document"
    )
    if len(infos) > MAX_ZIP_MEMBERS:
        raise UnreadableFile(bomb.format(f"{len(infos)} files"))
    total = sum(i.file_size for i in infos)
    if total > MAX_DOCX_UNCOMPRESSED:
        raise UnreadableFile(bomb.format(_human(total)))
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1):
            raise UnreadableFile(
                bomb.format(f"{_human(i.file_size)} from {_human(i.compress_size)} ({i.filename})")
            )
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        what = (
            "an Excel workbook"
            if "xl/workbook.xml" in names
            else "a PowerPoint file"
            if "ppt/presentation.xml" in names
            else "a zip archive"
        )
        raise UnreadableFile(
            f"{name} is {what}, not a Word document; send the policy as .docx, PDF or text"
        )


def _read_docx(data: bytes, name: str, **_: object) -> _Read:
    _check_zip(data, name)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        content = list(document.iter_inner_content())
    except Exception as exc:
        raise UnreadableFile(
            f"{name} could not be opened as a Word document ({type(exc).__name__}); open it in "
            "Word, save it again as .docx and send the new copy"
        ) from exc
    blocks: list[Block] = []
    for item in content:
        if isinstance(item, Paragraph):
            # Headings are paragraphs too, so each stays a block of its own.
            blocks.extend(Block(s) for s in map(_clean_line, item.text.split("\n")) if s)
        elif isinstance(item, Table):
            blocks.extend(Block(row) for row in _table_rows(item) if row)
    return _Read(blocks=blocks)


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell appears once per grid column it spans
                continue
            seen.add(id(cell._tc))
            text = _clean_line(cell.text.replace("\n", " "))
            if text:
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows


_READERS: dict[str, Callable[..., _Read]] = {
    "txt": _read_text,
    "md": _read_markdown,
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _read_docx,
}
