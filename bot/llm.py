"""LLM mode: any OpenAI-compatible chat endpoint via langchain, answers checked against the clauses.

The model sees only the retrieved clauses, must cite them as [S1], [S2] …, and its answer is
checked sentence by sentence: a sentence that cites nothing, or cites a clause that was not
supplied, is dropped. If nothing grounded is left — or the endpoint times out, errors, rate-limits
or returns garbage — the extractive answer is used, with a short notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from retrieval.documents import Hit, normalize

from . import extractive, render
from .answer_types import Answer, Citation
from .config import LLMSettings, Settings

if TYPE_CHECKING:
    from .pipeline.evidence import Evidence

log = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
_CITE = re.compile(r"\[S(\d{1,2})\]")
_MAX_CLAUSES = 6

NOTICES = {
    "zh": {
        "unavailable": "（语言模型暂时不可用，以下为原文摘录。）",
        "ungrounded": "（语言模型的回答无法与原文核对，以下为原文摘录。）",
        "flagged": "（已删去无出处的语句。）",
    },
    "en": {
        "unavailable": "(The language model is unavailable right now; here are the relevant passages.)",
        "ungrounded": "(The language model's answer could not be checked against the texts; here are the passages.)",
        "flagged": "(Sentences without a source were removed.)",
    },
}


class ChatModel(Protocol):
    """The slice of a langchain chat model we use."""

    def invoke(self, messages: Any) -> Any: ...

    def stream(self, messages: Any) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str

    @classmethod
    def load(cls, directory: Path) -> Prompts:
        try:
            return cls(
                system=(directory / "system.md").read_text(encoding="utf-8"),
                answer=(directory / "answer.md").read_text(encoding="utf-8"),
            )
        except OSError as exc:
            raise FileNotFoundError(
                f"prompt templates missing in {directory} (need system.md and answer.md): {exc}"
            ) from exc


def _escape_clause(text: str) -> str:
    # the clause boundary must not be forgeable from inside a document
    return text.replace("<", "‹").replace(">", "›")


def format_clauses(hits: Sequence[Hit], validity: dict) -> str:
    blocks = []
    for i, h in enumerate(hits, 1):
        meta = h.doc.meta
        v = validity.get(h.chunk.doc_id)
        status = f' status="{v.status}"' if v and v.status != "in_force" else ""
        blocks.append(
            f'<clause id="S{i}" doc="{_escape_clause(meta.title)}" number="{_escape_clause(meta.doc_number or "")}"'
            f' section="{_escape_clause(extractive.short_section(h.chunk.section))}"'
            f' date="{meta.date or ""}"{status}>\n{_escape_clause(h.chunk.text)}\n</clause>'
        )
    return "\n".join(blocks)


@dataclass(frozen=True)
class Checked:
    text: str  # the kept sentences, citations renumbered [1], [2] … in order of first use
    cited: tuple[int, ...]  # 1-based clause numbers, in order of first use
    dropped: int
    no_answer: bool = False  # the model said the clauses do not answer the question


def check_grounding(raw: str, n_clauses: int) -> Checked:
    """Keep only sentences citing supplied clauses; renumber citations by first use."""
    text = raw.strip()
    if text.upper().startswith(NO_ANSWER):
        return Checked("", (), 0, no_answer=True)
    if not text:
        return Checked("", (), 0)
    kept: list[str] = []
    order: list[int] = []
    dropped = 0
    for sentence in split_answer_sentences(text):
        ids = [int(m) for m in _CITE.findall(sentence)]
        if not ids or any(i < 1 or i > n_clauses for i in ids):
            if normalize(_CITE.sub("", sentence)):
                dropped += 1
            continue
        for i in ids:
            if i not in order:
                order.append(i)
        kept.append(sentence.strip())
    renum = {old: new for new, old in enumerate(order, 1)}
    out = " ".join(_CITE.sub(lambda m: f"[{renum[int(m.group(1))]}]", s) for s in kept)
    out = re.sub(r"\]\s*\[", "][", out)
    return Checked(out, tuple(order), dropped)


_ANSWER_SENTENCE = re.compile(
    r"[^\n]+?(?:[。！？!?]|\.(?=\s|$|\[))(?:\s*\[S\d{1,2}\])*|[^\n]+$", re.M
)


def split_answer_sentences(text: str) -> list[str]:
    """Sentences of a model answer; the citations right after a full stop stay with their sentence."""
    return [m.group().strip() for m in _ANSWER_SENTENCE.finditer(text) if m.group().strip()]


class LLMAnswerer:
    def __init__(self, model: ChatModel, prompts: Prompts, settings: LLMSettings):
        self.model = model
        self.prompts = prompts
        self.settings = settings

    def messages(self, question: str, lang: str, ev: Evidence, decided: str = "") -> list:
        from langchain_core.messages import HumanMessage, SystemMessage

        language = "Chinese (简体中文)" if lang == "zh" else "English"
        system = self.prompts.system.format(language=language, max_sentences=6)
        user = self.prompts.answer.format(
            question=_escape_clause(question),
            clauses=format_clauses(ev.hits[:_MAX_CLAUSES], dict(ev.validity))
            + (f"\n\nALREADY DECIDED from the incentive catalog (state it first, keep every figure "
               f"unchanged):\n{_escape_clause(decided)}" if decided else ""),
            language=language,
        )
        return [SystemMessage(content=system), HumanMessage(content=user)]

    def stream(self, question: str, lang: str, ev: Evidence, fallback: Answer, *,
               decided: str = "") -> Iterator[str | Answer]:
        """Yield the growing raw text while streaming, then the checked Answer (or the fallback).

        ``decided`` is the conclusion the incentive catalog settled (rates, amounts): the model is
        told it, and an answer whose figures differ from it and from the clauses is not used.
        """
        msgs = self.messages(question, lang, ev, decided)
        raw = ""
        try:
            if self.settings.stream:
                for chunk in self.model.stream(msgs):
                    piece = content_of(chunk)
                    if piece:
                        raw += piece
                        yield _CITE.sub("", raw)
            else:
                raw = content_of(self.model.invoke(msgs))
        except Exception as exc:  # the endpoint's failures are many and varied; none may crash us
            log.warning("LLM endpoint failed (%s: %s); answering from the text", type(exc).__name__, exc)
            yield render.with_notice(fallback, NOTICES[lang]["unavailable"])
            return
        checked = check_grounding(raw, min(len(ev.hits), _MAX_CLAUSES))
        if checked.no_answer:  # the closest clauses, with the caution that they may not answer
            yield render.with_caution(fallback)
            return
        if not checked.text:
            yield render.with_notice(fallback, NOTICES[lang]["ungrounded"])
            return
        if decided and not figures_agree(checked.text, decided, ev):
            log.warning("LLM answer changed a decided figure; using the decided answer")
            yield render.with_notice(fallback, NOTICES[lang]["ungrounded"])
            return
        yield self._answer(checked, lang, ev, fallback)

    def _answer(self, checked: Checked, lang: str, ev: Evidence, fallback: Answer) -> Answer:
        citations: list[Citation] = []
        for n in checked.cited:
            hit = ev.hits[n - 1]
            quote = _best_sentence(hit, ev.weights)
            citations.append(extractive.make_citation(hit, quote, ev.validity.get(hit.chunk.doc_id)))
        from .pipeline.compose import group as groups_from_citations

        answer = Answer(
            text="",
            lang=lang,
            abstained=False,
            mode="llm",
            citations=tuple(citations),
            lead=fallback.lead,
            groups=groups_from_citations(citations),
            notice=NOTICES[lang]["flagged"] if checked.dropped else "",
            query=fallback.query,
            support=fallback.support,
            extra={"llm_text": checked.text, "dropped": checked.dropped,
                   "decided": bool(fallback.extra.get("decision"))},
        )
        return replace(answer, text=render.answer_text(answer))


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*\s*(?:%|万|亿|million|元|yuan)", re.IGNORECASE)


def _figures(text: str) -> set[str]:
    return {re.sub(r"[\s,]", "", m.group(0)).lower() for m in _FIGURE.finditer(text)}


def figures_agree(text: str, decided: str, ev: Evidence) -> bool:
    """The model keeps what the catalog decided (shown above its text): every rate it states is
    one the decision states, and every amount one the decision or a supplied clause states."""
    mine = _figures(text)
    allowed = set(_figures(decided))
    for h in ev.hits[:_MAX_CLAUSES]:
        allowed |= {f for f in _figures(h.chunk.text) if not f.endswith("%")}
    return mine <= allowed


def content_of(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # some providers return content parts
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    if not isinstance(content, str):
        raise ValueError(f"unexpected model output of type {type(content).__name__}")
    return content


def _best_sentence(hit: Hit, weights: dict) -> str:
    text = hit.chunk.text
    spans = extractive.split_sentences(text)
    if not spans:
        return text.strip()
    best = max(spans, key=lambda s: extractive.coverage(normalize(text[s[0]:s[1]]), weights))
    return text[best[0]:best[1]].strip()


def make_chat_model(settings: LLMSettings, *, timeout: float | None = None,
                    max_tokens: int | None = None) -> ChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key() or "not-needed",
        temperature=settings.temperature,
        timeout=timeout or settings.timeout_seconds,
        max_retries=0,
        max_tokens=max_tokens or settings.max_tokens,
    )


def make_llm(settings: Settings) -> LLMAnswerer | None:
    if not settings.llm.enabled:
        return None
    return LLMAnswerer(make_chat_model(settings.llm), Prompts.load(settings.paths.prompts_dir), settings.llm)
