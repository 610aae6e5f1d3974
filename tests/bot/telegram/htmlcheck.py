"""Telegram's HTML rules as a checker: supported tags only, balanced, every <, >, & escaped."""

from __future__ import annotations

from html.parser import HTMLParser

TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span",
}  # fmt: skip
MESSAGE_LIMIT = 4096


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_data(self, data: str) -> None:
        for ch in "<>&":
            if ch in data:
                self.problems.append(f"raw {ch!r} in text: {data[:60]!r}")

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.problems.append(f"entity &{name}; is not one Telegram knows")


def html_problems(text: str) -> list[str]:
    """What Telegram would refuse in ``text`` (empty list: it parses)."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    problems = parser.problems + [f"unclosed <{t}>" for t in parser.stack]
    units = len(text.encode("utf-16-le")) // 2
    if units > MESSAGE_LIMIT:
        problems.append(f"{units} UTF-16 units is above Telegram's {MESSAGE_LIMIT}")
    if not text.strip():
        problems.append("empty message")
    return problems
