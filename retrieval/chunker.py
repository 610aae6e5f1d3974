"""Cut a loaded document into clause-sized chunks along its numbered headings.

Chinese policy and legal texts number their structure: 第X编/章/节 heading lines, 第X条
articles, 一、 / （一） / 1. / （1） / ① clauses, 【…】 headings and 附件 titles. A chunk is
the smallest numbered clause, kept whole when it fits in ``max_tokens`` and otherwise cut at
sentence ends; its ``section`` is the heading path from the document root to that clause.
Chunk text is always the original characters of the blocks it covers.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import deque
from dataclasses import dataclass, field, replace

from .documents import Block, Chunk, LoadedDocument, chunk_id_for
from .tokens import ENCODING_NAME, count_tokens

log = logging.getLogger(__name__)

# Bump whenever a change can move chunk boundaries or section paths: the index stores it
# (via ``ChunkerParams.fingerprint``) and refuses to mix chunks from different versions.
CHUNKER_VERSION = 1

LABEL_MAX_CHARS = 40  # a path element longer than this is cut and ends with "…"


@dataclass(frozen=True)
class ChunkerParams:
    """How big chunks may be, in cl100k tokens of the chunk text."""

    max_tokens: int = 320
    min_tokens: int = 24  # smaller clauses merge with their neighbours

    def __post_init__(self) -> None:
        if self.max_tokens < 32:
            raise ValueError(
                f"chunking max_tokens={self.max_tokens} is too small: use 32 or more (default 320)"
            )
        if not 0 <= self.min_tokens < self.max_tokens:
            raise ValueError(
                f"chunking min_tokens={self.min_tokens} must be at least 0 and below "
                f"max_tokens={self.max_tokens} (default 24)"
            )

    @property
    def item_tokens(self) -> int:
        """Largest titled sub-clause that still stays in its heading's chunk like a list item."""
        return self.max_tokens // 4

    def fingerprint(self) -> dict:
        """Everything that shapes the chunks; stored beside the index."""
        return {
            "chunker": "structural",
            "version": CHUNKER_VERSION,
            "max_tokens": self.max_tokens,
            "min_tokens": self.min_tokens,
            "tokenizer": ENCODING_NAME,
        }


# ---------------------------------------------------------------- headings

_CN_DIGITS = "一二三四五六七八九十百千零〇两"
_NUM = rf"[{_CN_DIGITS}]{{1,7}}|[0-9０-９]{{1,4}}"

# 第X编/章/节/部分 are heading lines, 第X条 starts an article; ranks order them (outer first).
_STRUCTURAL_RANK = {"part": 0, "book": 1, "chapter": 2, "section": 3, "article": 4}
_STRUCT_KIND = {"部分": "part", "编": "book", "章": "chapter", "节": "section", "条": "article"}
_STRUCT_RE = re.compile(rf"第(?:{_NUM})(?P<kind>部分|编|章|节|条)(?:之[{_CN_DIGITS}]{{1,3}})?")
# Text that follows "第X条" in a sentence ("第七条所称…", "第三条规定的…") rather than in a heading.
_ARTICLE_REFERENCE_NEXT = set("所的规中至和及或与、，,（(第项款")

# Conventional order of the plain numbering styles. Documents may nest them differently (the
# stack decides); this order is only used when a style first appears part-way through its
# numbering, as in excerpts that start at "(三)" and then go on with "二、".
_STYLE_RANK = {"cn": 1, "paren_cn": 2, "arabic": 3, "paren_arabic": 4, "circled": 5}

_PLAIN_STYLES = [
    ("bracket", re.compile(r"【[^【】\n]{1,24}】")),
    ("paren_cn", re.compile(rf"[（(][{_CN_DIGITS}]{{1,4}}[）)]")),
    ("paren_arabic", re.compile(r"[（(][0-9０-９]{1,3}[）)]")),
    ("cn", re.compile(rf"[{_CN_DIGITS}]{{1,4}}[、．.]")),
    # "1.5倍" is a number and "1、2、3号" an enumeration inside a sentence, not headings.
    ("arabic", re.compile(r"[0-9０-９]{1,3}(?:[.．、])(?![0-9０-９])")),
    ("circled", re.compile("[\u2460-\u2473]")),
]
# 附件 / 附件1 / 附件一 alone or before a title. "附件：title" without a number is the
# attachment note inside a letter (公文格式), not the attachment itself.
_ATTACHMENT_RE = re.compile(r"附\s*件\s*(?P<num>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})?")

_SENTENCE_END = "。！？；!?;"
_CLOSERS = "”’」』）)]】》\"'"
_SENTENCE_RE = re.compile(rf"[{_SENTENCE_END}]+[{re.escape(_CLOSERS)}]*\s*|\n\s*")
_CLAUSE_RE = re.compile(r"[，、：]+\s*|[,:](?![0-9])\s*")
_LABEL_CUT_RE = re.compile(r"[。：:；;！？!?]")


def parse_heading(line: str) -> tuple[str, str, str] | None:
    """Recognise a numbered heading at the start of ``line``: (style, label, rest) or None.

    ``style`` names the numbering scheme (part, book, chapter, section, article, attachment,
    bracket, cn, paren_cn, arabic, paren_arabic, circled), ``label`` is the marker as written
    ("第四十五条", "（一）", "2.", "【享受主体】", "附件1"), ``rest`` the text after it.
    """
    s = line.strip()
    if not s:
        return None
    m = _STRUCT_RE.match(s)
    if m:
        kind = _STRUCT_KIND[m.group("kind")]
        label, tail = m.group(0), s[m.end() :]
        rest = tail.lstrip()
        if kind == "article":
            if tail and tail[0] in _ARTICLE_REFERENCE_NEXT:
                return None
            return kind, label, rest.lstrip("：:").lstrip()
        # A 章/节 heading is a short title line; a sentence that starts with 第X章 is not.
        if len(rest) > LABEL_MAX_CHARS or _LABEL_CUT_RE.search(rest):
            return None
        return kind, label, rest
    m = _ATTACHMENT_RE.match(s)
    if m:
        rest = s[m.end() :].strip()
        title = rest.lstrip("：:、.．").strip()
        numbered = m.group("num") is not None
        if numbered and rest and not (rest[0].isspace() or rest[0] in "：:、.．"):
            return None  # 附件一览表…
        if (not rest or numbered) and len(title) <= LABEL_MAX_CHARS and "。" not in title:
            return "attachment", s[: m.end()].rstrip(), title
        return None
    for style, pattern in _PLAIN_STYLES:
        m = pattern.match(s)
        if m:
            return style, m.group(0), s[m.end() :].lstrip()
    return None


def _path_element(style: str, label: str, line: str) -> str:
    """The heading's name in a section path: its short title part, as written."""
    s = line.strip()
    if style in ("article", "bracket"):
        return label
    if style not in ("part", "book", "chapter", "section", "attachment"):
        m = _LABEL_CUT_RE.search(s, len(label))
        if m:
            s = s[: m.start()]
        s = s.rstrip(" \u3000，,、")
    if len(s) > LABEL_MAX_CHARS:
        s = s[: LABEL_MAX_CHARS - 1] + "…"
    return s or label


def _is_first(label: str) -> bool:
    """True for the first number of a scheme: 一、 （一） 1. （1） ①."""
    digits = re.sub(rf"[^0-9{_CN_DIGITS}]", "", unicodedata.normalize("NFKC", label))
    return digits in ("1", "一")


def _is_single_sentence(line: str) -> bool:
    """One statement: no full stop before the end (；separates parts of one list item)."""
    body = line.strip().rstrip(_SENTENCE_END + _CLOSERS + "：:")
    return not any(ch in "。！？!?" for ch in body)


def _is_title(line: str) -> bool:
    """A bare heading such as "(一)基本原则。": one statement that does not lead into a list."""
    s = line.strip()
    return _is_single_sentence(s) and not s.endswith(("：", ":"))


# ---------------------------------------------------------------- structure


@dataclass
class _Node:
    path: tuple[str, ...]
    style: str | None  # None for the document root (title and preamble)
    top: int  # which top-level section this belongs to; 0 is the preamble
    in_article: bool = False  # numbered under a 第X条: an item (项) of that article
    blocks: list[Block] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


@dataclass
class _Frame:
    style: str
    node: _Node


def _reposition(stack: list[_Frame], style: str, label: str) -> None:
    """Pop the heading stack to where a heading of ``style`` belongs."""
    while stack and stack[-1].style == "continued":
        stack.pop()
    if style == "attachment":
        stack.clear()
        return
    if style in _STRUCTURAL_RANK:
        rank = _STRUCTURAL_RANK[style]
        for i, f in enumerate(stack):
            if f.style in _STRUCTURAL_RANK and _STRUCTURAL_RANK[f.style] >= rank:
                del stack[i:]
                return
        # Leave the plain clauses of the enclosing article/chapter, keep the structure above.
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].style in _STRUCTURAL_RANK or stack[i].style == "attachment":
                del stack[i + 1 :]
                return
        return
    for i, f in enumerate(stack):
        if f.style == style:
            del stack[i:]
            return
    if style in _STYLE_RANK and not _is_first(label):
        while (
            stack
            and stack[-1].style in _STYLE_RANK
            and _STYLE_RANK[stack[-1].style] >= _STYLE_RANK[style]
        ):
            stack.pop()
    # A style not on the stack nests deeper.


def _build_tree(blocks: tuple[Block, ...]) -> _Node:
    """The heading tree: each node holds its heading line and the paragraphs up to its first child."""
    root = _Node(path=(), style=None, top=0)
    stack: list[_Frame] = []
    tops = 0
    for block in blocks:
        if not block.text.strip():
            continue
        heading = parse_heading(block.text)
        if heading is None:
            if (
                stack
                and stack[-1].style in _STYLE_RANK
                and any(f.style == "article" for f in stack)
            ):
                # An unnumbered paragraph after an article's numbered items (项) is a new
                # paragraph (款) of the article, not more text of the last item.
                while stack[-1].style != "article":
                    stack.pop()
                article = stack[-1].node
                cont = _Node(
                    article.path, "continued", article.top, in_article=True, blocks=[block]
                )
                article.children.append(cont)
                stack.append(_Frame("continued", cont))
            else:
                (stack[-1].node if stack else root).blocks.append(block)
            continue
        style, label, _ = heading
        _reposition(stack, style, label)
        parent = stack[-1].node if stack else root
        if stack:
            top = stack[0].node.top
        else:
            tops += 1
            top = tops
        node = _Node(
            parent.path + (_path_element(style, label, block.text),),
            style,
            top,
            in_article=any(f.style == "article" for f in stack),
            blocks=[block],
        )
        parent.children.append(node)
        stack.append(_Frame(style, node))
    return root


# ---------------------------------------------------------------- chunking


@dataclass(frozen=True)
class _Seg:
    """A run of original text: a whole block, or part of one when a block had to be cut."""

    text: str
    path: tuple[str, ...]
    page: int | None
    starts_block: bool
    level: int = 0  # 0 block, 1 sentence, 2 clause, 3 hard cut
    lead: bool = False  # a heading or lead-in: never a piece on its own if text follows


@dataclass
class _Piece:
    segs: list[_Seg]
    top: int
    root: bool


def _join(segs: list[_Seg]) -> str:
    out = [segs[0].text]
    for s in segs[1:]:
        out.append(("\n" if s.starts_block else "") + s.text)
    return "".join(out)


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    first = paths[0]
    n = len(first)
    for p in paths[1:]:
        n = min(n, len(p))
        for i in range(n):
            if p[i] != first[i]:
                n = i
                break
    return first[:n]


def _split_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    parts: list[str] = []
    start = 0
    for m in pattern.finditer(text):
        if m.end() > start and m.end() < len(text):
            parts.append(text[start : m.end()])
            start = m.end()
    parts.append(text[start:])
    return [p for p in parts if p]


class _Chunker:
    def __init__(self, params: ChunkerParams):
        self.p = params
        self._tokens: dict[str, int] = {}
        self._subtree: dict[int, int] = {}  # id(node) -> tokens; nodes live as long as self

    def tok(self, text: str) -> int:
        n = self._tokens.get(text)
        if n is None:
            n = self._tokens[text] = count_tokens(text)
        return n

    # ------------------------------------------------------------ units

    def subtree_tokens(self, node: _Node) -> int:
        n = self._subtree.get(id(node))
        if n is None:
            n = self._subtree[id(node)] = self.tok(
                "\n".join(b.text for b in self.flatten_blocks(node))
            )
        return n

    def flatten_blocks(self, node: _Node) -> list[Block]:
        out = list(node.blocks)
        for ch in node.children:
            out.extend(self.flatten_blocks(ch))
        return out

    def flatten(self, node: _Node) -> list[tuple[Block, tuple[str, ...]]]:
        out = [(b, node.path) for b in node.blocks]
        for ch in node.children:
            out.extend(self.flatten(ch))
        return out

    def is_item(self, node: _Node) -> bool:
        """A list item ("1.烟草制造业。"): stays in its heading's chunk instead of being a clause.

        An item is one statement, possibly with sub-items, up to half a chunk; a titled clause
        with its own paragraphs counts as an item only while it is small. Within an article
        every numbered paragraph is an item (项) of that article, whatever its sentences.
        """
        if node.style == "continued":
            return True  # more paragraphs of the article: they stay with it
        if node.style not in _STYLE_RANK:
            return False
        if not node.in_article and not _is_single_sentence(node.blocks[0].text):
            return False
        limit = self.p.max_tokens // 2 if len(node.blocks) == 1 else self.p.item_tokens
        return self.subtree_tokens(node) <= limit and all(self.is_item(c) for c in node.children)

    def leads_into_children(self, items: list[tuple[Block, tuple[str, ...] | None]]) -> bool:
        """Bare headings, a tiny clause or a lead-in ending in ： belong with what follows."""
        text = "\n".join(b.text for b, _ in items)
        n = self.tok(text)
        if n > self.p.max_tokens // 2:
            return False
        return (
            n < self.p.min_tokens
            or all(path is None for _, path in items)
            or text.rstrip().endswith(("：", ":"))
        )

    def units(self, root: _Node) -> list[_Piece]:
        out: list[_Piece] = []
        if root.blocks:
            out.append(_Piece(self.segs([(b, ()) for b in root.blocks]), 0, root=True))
        for child in root.children:
            self.emit(child, [], out)
        return out

    def emit(
        self, node: _Node, carried: list[tuple[Block, tuple[str, ...] | None]], out: list[_Piece]
    ) -> None:
        """Units of ``node``'s subtree.

        ``carried`` are ancestors' headings and lead-ins waiting for the text they introduce,
        with their own path, or None for a bare heading (a title line, or a few words such as
        "附件1" and the attachment's name): that one takes the path of the clause it lands in,
        since the path already names it.
        """
        bare = (len(node.blocks) == 1 and _is_title(node.blocks[0].text)) or self.tok(
            "\n".join(b.text for b in node.blocks)
        ) < self.p.min_tokens
        own = carried + [(b, None if bare else node.path) for b in node.blocks]
        rest = list(node.children)
        if rest and not self.is_item(rest[0]) and self.leads_into_children(own):
            self.emit(rest[0], own, out)
            rest = rest[1:]
        else:
            items = [(b, node.path if path is None else path) for b, path in own]
            while rest and self.is_item(rest[0]):
                items.extend(self.flatten(rest.pop(0)))
            segs = self.segs(items)
            # Carried text and a heading line without text of its own must not end up alone.
            n_lead = len(carried) + (1 if _is_title(node.blocks[0].text) else 0)
            segs[:n_lead] = [replace(s, lead=True) for s in segs[:n_lead]]
            out.append(_Piece(segs, node.top, root=False))
        run: list[tuple[Block, tuple[str, ...]]] = []
        for child in rest:
            if self.is_item(child):
                run.extend(self.flatten(child))
                continue
            if run:
                out.append(_Piece(self.segs(run), node.top, root=False))
                run = []
            self.emit(child, [], out)
        if run:
            out.append(_Piece(self.segs(run), node.top, root=False))

    @staticmethod
    def segs(items: list[tuple[Block, tuple[str, ...]]]) -> list[_Seg]:
        return [_Seg(b.text, path, b.page, starts_block=True) for b, path in items]

    # ------------------------------------------------------------ sizes

    def split(self, seg: _Seg) -> list[_Seg]:
        """Cut a segment one level finer: sentences, then clauses, then at the token limit."""
        level = seg.level
        parts = [seg.text]
        while len(parts) == 1 and level < 3:
            level += 1
            if level == 1:
                parts = _split_after(seg.text, _SENTENCE_RE)
            elif level == 2:
                parts = _split_after(seg.text, _CLAUSE_RE)
            else:
                parts = self.hard_cut(seg.text)
        return [
            _Seg(t, seg.path, seg.page, starts_block=seg.starts_block and i == 0, level=level)
            for i, t in enumerate(parts)
        ]

    def hard_cut(self, text: str) -> list[str]:
        """Longest prefixes within max_tokens: the last resort for an endless sentence."""
        parts = []
        while self.tok(text) > self.p.max_tokens:
            lo, hi = 1, len(text)  # lo always fits (max_tokens >= 32 tokens > one character)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count_tokens(text[:mid]) <= self.p.max_tokens:
                    lo = mid
                else:
                    hi = mid - 1
            parts.append(text[:lo])
            text = text[lo:]
        parts.append(text)
        return parts

    def pack(self, segs: list[_Seg], soft: int) -> list[list[_Seg]]:
        """Fill pieces up to ``soft`` tokens (``max_tokens`` at most), splitting only when needed."""
        hard, low = self.p.max_tokens, self.p.min_tokens
        pieces: list[list[_Seg]] = []
        cur: list[_Seg] = []
        queue = deque(segs)
        while queue:
            seg = queue.popleft()
            n_seg = self.tok(seg.text)
            if not cur:
                if n_seg <= hard:
                    cur = [seg]
                else:
                    queue.extendleft(reversed(self.split(seg)))
                continue
            n_cur = self.tok(_join(cur))
            n_both = self.tok(_join(cur + [seg]))
            if n_both <= hard and (n_both <= soft or n_cur < soft // 2):
                cur.append(seg)
                continue
            if n_seg > hard:  # too long on its own: start it afresh, then cut it
                if n_cur >= low and not all(s.lead for s in cur):
                    pieces.append(cur)
                    cur = []
                queue.extendleft(reversed(self.split(seg)))
                continue
            if seg.level == 0 and n_both > hard and (n_cur < low or all(s.lead for s in cur)):
                # Headings would be left alone: take the paragraph's first sentences.
                parts = self.split(seg)
                if len(parts) > 1 and parts[0].level == 1:
                    queue.extendleft(reversed(parts))
                    continue
            pieces.append(cur)
            cur = [seg]
        if cur:
            pieces.append(cur)
        return pieces

    def fit(self, unit: _Piece) -> list[_Piece]:
        """One unit as pieces of at most max_tokens; a short last piece evens out the sizes."""
        hard = self.p.max_tokens
        best = self.pack(unit.segs, hard)
        if len(best) > 1 and min(self.tok(_join(p)) for p in best) < self.p.item_tokens:
            # The smallest target size that still needs no more pieces than filling to the brim.
            lo, hi = -(-self.tok(_join(unit.segs)) // len(best)), hard
            while lo < hi:
                mid = (lo + hi) // 2
                even = self.pack(unit.segs, mid)
                if len(even) <= len(best):
                    best, hi = even, mid
                else:
                    lo = mid + 1
        return [_Piece(segs, unit.top, unit.root) for segs in best]

    def merge_small(self, pieces: list[_Piece]) -> list[_Piece]:
        """Tiny pieces join a neighbour of the same top-level section when both fit."""
        out: list[_Piece] = []
        for piece in pieces:
            if out and not piece.root and not out[-1].root and piece.top == out[-1].top:
                prev = out[-1]
                tiny = min(self.tok(_join(prev.segs)), self.tok(_join(piece.segs)))
                if (
                    tiny < self.p.min_tokens
                    and self.tok(_join(prev.segs + piece.segs)) <= self.p.max_tokens
                ):
                    out[-1] = _Piece(prev.segs + piece.segs, prev.top, False)
                    continue
            out.append(piece)
        return out


def chunk_document(
    doc: LoadedDocument, doc_id: str, params: ChunkerParams = ChunkerParams()
) -> list[Chunk]:
    """Chunks of ``doc`` in reading order, each within ``params.max_tokens``."""
    ch = _Chunker(params)
    tree = _build_tree(doc.blocks)
    pieces = [p for unit in ch.units(tree) for p in ch.fit(unit)]
    chunks = []
    for ordinal, piece in enumerate(ch.merge_small(pieces)):
        text = _join(piece.segs)
        chunks.append(
            Chunk(
                id=chunk_id_for(doc_id, ordinal, text),
                doc_id=doc_id,
                ordinal=ordinal,
                text=text,
                section=_common_prefix([s.path for s in piece.segs]),
                page=piece.segs[0].page,
                n_tokens=ch.tok(text),
            )
        )
    log.debug("%s: %d chunks", doc.source_name, len(chunks))
    return chunks
