"""Answering: question → search → evidence check → extractive (or LLM) answer with citations.

The same ``Answerer`` serves the CLI, the terminal chat and Telegram.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from retrieval.documents import Hit
from retrieval.glossary import Glossary, detect_language
from retrieval.search import QueryPlan, Searcher
from retrieval.validity import Validity, document_validity

from . import extractive, render
from .answer_types import Answer, Citation, QuoteGroup
from .config import AnswerSettings
from .conversation import Conversation, Turn, context_for

if TYPE_CHECKING:
    from .app import App
    from .llm import LLMAnswerer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for a question, and how well it supports an answer."""

    query: str
    context: str
    lang: str
    plan: QueryPlan
    hits: tuple[Hit, ...]
    weights: Mapping[str, float]
    support: float
    validity: Mapping[str, Validity]


class Answerer:
    def __init__(
        self,
        searcher: Searcher,
        glossary: Glossary,
        settings: AnswerSettings,
        *,
        llm: LLMAnswerer | None = None,
        eligibility: Callable[[str, Conversation, str], tuple[str, list[Citation]] | None] | None = None,
        topics: Callable[[str], list[str]] | None = None,
    ):
        self.searcher = searcher
        self.glossary = glossary
        self.settings = settings
        self.llm = llm
        self.eligibility = eligibility
        self.topics = topics or (lambda lang: [])
        self._validity_gen = -1
        self._validity: dict[str, Validity] = {}

    # ------------------------------------------------------------ evidence

    def validity(self) -> Mapping[str, Validity]:
        snap = self.searcher.index.snapshot()
        if snap.generation != self._validity_gen:
            self._validity = document_validity(snap.docs)
            self._validity_gen = snap.generation
        return self._validity

    def gather(self, question: str, conversation: Conversation | None = None) -> Evidence:
        context = context_for(question, conversation)
        lang = detect_language(question)
        snap = self.searcher.index.snapshot()
        plan = self.searcher.plan(question, context)
        hits = self.searcher.search(question, k=8, context=context, plan=plan)
        weights, missing = extractive.term_weights(snap, plan)
        support = extractive.support_score(hits, weights, missing, plan, snap)
        return Evidence(
            query=question,
            context=context,
            lang=lang,
            plan=plan,
            hits=tuple(hits),
            weights=weights,
            support=support,
            validity=self.validity(),
        )

    # ------------------------------------------------------------ answering

    def answer(
        self,
        question: str,
        conversation: Conversation | None = None,
        *,
        lang: str | None = None,
        profile: str | None = None,
    ) -> Answer:
        """Answer one question (updating the conversation when one is given)."""
        final: Answer | None = None
        for event in self.stream(question, conversation, lang=lang, profile=profile):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        conversation: Conversation | None = None,
        *,
        lang: str | None = None,
        profile: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yield partial answer text (LLM streaming) and finally the checked ``Answer``."""
        question = question.strip()
        lang = lang or (conversation.lang if conversation else None) or detect_language(question)
        ev = self.gather(question, conversation)
        eligibility = self.eligibility(question, conversation or Conversation(), lang) if self.eligibility else None
        if ev.support < self.settings.min_support and not eligibility:
            answer = self.refuse(question, lang, ev)
        else:
            answer = self.extractive(question, lang, ev, profile=profile)
            if self.llm is not None and not answer.abstained:
                fallback = answer
                for event in self.llm.stream(question, lang, ev, fallback):
                    if isinstance(event, Answer):
                        answer = event
                    else:
                        yield event
            if eligibility:
                text, cites = eligibility
                answer = render.with_eligibility(answer, text, cites, lang)
            elif (
                answer.mode == "extractive"
                and not answer.abstained
                and ev.support < self.settings.confident_support
            ):
                answer = render.with_caution(answer)
        if conversation is not None:
            conversation.add(
                Turn(
                    question=question,
                    query=(f"{question} {ev.context}".strip() if ev.context else question),
                    lang=lang,
                    abstained=answer.abstained,
                )
            )
        yield answer

    def extractive(self, question: str, lang: str, ev: Evidence, *, profile: str | None = None) -> Answer:
        words = extractive.PROFILE_WORDS.get(profile or "", ())
        sentences = extractive.score_sentences(ev.hits, ev.plan, ev.weights, words)
        groups = extractive.select_quotes(
            sentences,
            ev.validity,
            max_quotes=self.settings.max_quotes,
            max_documents=self.settings.max_documents,
        )
        if not groups:
            return self.refuse(question, lang, ev)
        best = sentences[0]
        lead_text = extractive.lead_clause(best.text, ev.weights, ev.plan)
        best_cite = extractive.make_citation(best.hit, lead_text, ev.validity.get(best.hit.chunk.doc_id))
        lead = render.lead_line(best_cite, lang, self.glossary, yes_no=extractive.is_yes_no_question(question))
        citations = tuple(c for g in groups for c in g.citations)
        answer = Answer(
            text="",
            lang=lang,
            abstained=False,
            mode="extractive",
            citations=citations,
            lead=lead,
            groups=tuple(groups),
            query=question if not ev.context else f"{question} ({ev.context})",
            support=ev.support,
        )
        return replace(answer, text=render.answer_text(answer))

    def refuse(self, question: str, lang: str, ev: Evidence) -> Answer:
        answer = Answer(
            text="",
            lang=lang,
            abstained=True,
            mode="extractive",
            suggestions=tuple(self.topics(lang)),
            query=question,
            support=ev.support,
        )
        return replace(answer, text=render.answer_text(answer))


_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def clean_question(text: str, max_chars: int) -> tuple[str, int]:
    """The question without control characters and runs of spaces, and where it was cut (0).

    Returns ``("", 0)`` when nothing readable is left (only emoji, punctuation or spaces).
    """
    text = _INVISIBLE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not any(ch.isalnum() for ch in text):
        return "", 0
    if max_chars > 0 and len(text) > max_chars:
        return text[:max_chars].rstrip(), max_chars
    return text, 0


def groups_from_citations(citations: list[Citation]) -> tuple[QuoteGroup, ...]:
    """Group citations by document, keeping first-seen order."""
    order: list[str] = []
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        if c.doc_id not in by_doc:
            order.append(c.doc_id)
            by_doc[c.doc_id] = []
        by_doc[c.doc_id].append(c)
    return tuple(
        QuoteGroup(
            doc_id=d,
            title=by_doc[d][0].title,
            doc_number=by_doc[d][0].doc_number,
            date=by_doc[d][0].date,
            status=by_doc[d][0].status,
            replaced_by=by_doc[d][0].replaced_by,
            citations=tuple(by_doc[d]),
        )
        for d in order
    )


def build_answerer(app: App) -> Answerer:
    """Wire the answerer from the app's services (LLM only when configured)."""
    from .llm import make_llm

    llm = make_llm(app.settings)
    from .eligibility_bridge import EligibilityBridge

    bridge = EligibilityBridge.from_app(app)
    return Answerer(
        app.searcher,
        app.glossary,
        app.settings.answer,
        llm=llm,
        eligibility=bridge.answer if bridge else None,
        topics=bridge.topics if bridge else None,
    )
