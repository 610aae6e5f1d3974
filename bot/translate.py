"""Questions in English read in Chinese (LLM mode): the corpus is Chinese, so a configured model
translates an English or mixed question once, and retrieval and the coverage judge work on the
Chinese text. The answer is still written in the asker's language.

The translator is an outside service behind one call, ``translate(text) -> str | None``: None
(timeout, error, an empty or non-Chinese reply) means "search the question as asked". Each
question is translated once and remembered.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from .config import Settings
from .llm import ChatModel, content_of, make_chat_model

log = logging.getLogger(__name__)

PROMPT_FILE = "translate.md"
CACHE_SIZE = 2048
MAX_CHARS = 400  # a question longer than this is cut before it is sent
TIMEOUT_SECONDS = 10.0
MAX_TOKENS = 300
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_EN_WORD = re.compile(r"[A-Za-z]{2,}")


class Translator(Protocol):
    def translate(self, text: str) -> str | None: ...


def needs_translation(text: str) -> bool:
    """English or mixed: at least two English words (a lone "R&D" or "SaaS" in a Chinese
    question is read well enough by the glossary)."""
    return len(_EN_WORD.findall(text)) >= 2


def chinese_enough(text: str) -> bool:
    """A reply is a usable translation when Chinese characters outnumber Latin letters."""
    return len(_CJK.findall(text)) > len(_LATIN.findall(text)) / 2 and len(_CJK.findall(text)) >= 2


class LLMTranslator:
    """English (or mixed) question → Chinese question, by a chat model; remembered per question."""

    def __init__(self, model: ChatModel, instructions: str, cache_size: int = CACHE_SIZE):
        self.model = model
        self.instructions = instructions
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._cache_size = cache_size

    def translate(self, text: str) -> str | None:
        text = text.strip()[:MAX_CHARS]
        if not text:
            return None
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        result = self._ask(text)
        if result is not None:  # a failure is not remembered: the next ask may succeed
            with self._lock:
                self._cache[text] = result
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return result

    def _ask(self, text: str) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        try:
            reply = content_of(self.model.invoke([SystemMessage(self.instructions), HumanMessage(text)]))
        except Exception as exc:  # noqa: BLE001 - any endpoint failure falls back to the question as asked
            log.warning("question translation failed (%s): searching the question as asked", exc)
            return None
        reply = " ".join(reply.split()).strip().strip("\"“”「」")
        if not reply or not chinese_enough(reply) or len(reply) > 3 * MAX_CHARS:
            log.warning("question translation unusable (%r): searching the question as asked", reply[:80])
            return None
        return reply


def make_translator(settings: Settings) -> LLMTranslator | None:
    """A translator on the configured chat endpoint, or None (no LLM, or translation turned off)."""
    llm = settings.llm
    if not llm.enabled or not llm.translate_questions:
        return None
    path = Path(settings.paths.prompts_dir) / PROMPT_FILE
    try:
        instructions = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"prompt template missing: {path} ({exc})") from exc
    model = make_chat_model(llm, timeout=min(llm.timeout_seconds, TIMEOUT_SECONDS), max_tokens=MAX_TOKENS)
    return LLMTranslator(model, instructions)
