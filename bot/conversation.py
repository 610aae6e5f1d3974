"""Conversation state: previous turns and known facts, so follow-ups are understood in context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FOLLOW_UP_START = re.compile(
    r"^(?:那|那么|那要是|还有|另外|如果是|如果|要是|换成|对于|至于|和|及|以及|"
    r"and\b|what about\b|how about\b|and for\b|for\b|what if\b|same for\b|also\b|then\b|"
    r"in that case\b|and if\b|is that\b|does that\b|does it\b|is it\b|can they\b)",
    re.IGNORECASE,
)
_FOLLOW_UP_MARK = re.compile(
    r"呢[？?]?$|这个|这项|这条|该政策|该条|上述|它|他们|其|\b(?:it|this|that|they|them|those|these)\b",
    re.IGNORECASE,
)


@dataclass
class Turn:
    question: str
    query: str  # what was searched (the question, or the question with context)
    lang: str
    abstained: bool = False


@dataclass
class Conversation:
    """What a chat remembers: recent turns, facts about the asker, preferred language."""

    turns: list[Turn] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    lang: str | None = None  # set by /lang; None follows the language of each message
    max_turns: int = 6

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        del self.turns[: -self.max_turns]

    def to_dict(self) -> dict:
        return {
            "turns": [t.__dict__ for t in self.turns],
            "facts": dict(self.facts),
            "lang": self.lang,
        }

    @classmethod
    def from_dict(cls, d: dict | None) -> Conversation:
        d = d or {}
        return cls(
            turns=[Turn(**t) for t in d.get("turns", [])],
            facts=dict(d.get("facts", {})),
            lang=d.get("lang"),
        )


def is_follow_up(question: str, previous: Turn | None) -> bool:
    """A short question that leans on the previous one ("那科研院所呢？", "and for SOEs?")."""
    if previous is None or previous.abstained and not previous.query:
        return False
    q = question.strip()
    words = len(q.split()) if q.isascii() else len(re.sub(r"\s", "", q))
    short = words <= (9 if q.isascii() else 14)
    if _FOLLOW_UP_START.search(q) and (short or _FOLLOW_UP_MARK.search(q)):
        return True
    return short and bool(_FOLLOW_UP_MARK.search(q))


def context_for(question: str, conversation: Conversation | None) -> str:
    """Text of the previous turn to search alongside a follow-up question ("" if none)."""
    if conversation is None:
        return ""
    prev = conversation.last
    if prev is None or not is_follow_up(question, prev):
        return ""
    return prev.query
