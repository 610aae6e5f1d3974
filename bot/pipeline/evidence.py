"""Retrieve: what the searcher found for a question, and how well it supports an answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from retrieval.documents import Hit
from retrieval.search import QueryPlan
from retrieval.validity import Validity


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for a question, and how well it supports an answer."""

    query: str
    searched: str  # the text retrieval read: the question, or its Chinese translation (LLM mode)
    context: str
    lang: str
    plan: QueryPlan
    hits: tuple[Hit, ...]
    weights: Mapping[str, float]
    support: float
    validity: Mapping[str, Validity]

    @property
    def translated(self) -> bool:
        """Whether retrieval read a translation of the question (LLM mode)."""
        return self.searched != self.query
