"""Logging for the entry points: one format, quiet libraries, secrets masked."""

from __future__ import annotations

import logging
import os
import re
import sys

from .config import Settings

# Bot API URLs carry the token: https://api.telegram.org/bot<TOKEN>/method
_TOKEN_RE = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}\b")


class SecretFilter(logging.Filter):
    """Replace known secrets and anything shaped like a bot token in every record."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def _mask(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        return _TOKEN_RE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = self._mask(msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        if masked != msg or record.args:
            record.msg, record.args = masked, None
        return True


def known_secrets(settings: Settings) -> list[str]:
    names = ["TELEGRAM_BOT_TOKEN", "POLICYBOT_WEBHOOK_SECRET", settings.llm.api_key_env,
             settings.embedding.api_key_env]
    return [os.environ[n] for n in names if os.environ.get(n)]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not to the stream of the
    moment logging was set up (a test harness swaps and closes it; records logged later by a
    background thread then failed with "--- Logging error ---")."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def setup_logging(settings: Settings, *, verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else getattr(logging, settings.logging.level.upper(), logging.INFO)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter(known_secrets(settings)))
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL, and Telegram URLs contain the token.
    # bm25s sets its own logger to DEBUG when imported: import it first, so this level holds.
    import bm25s  # noqa: F401

    for name in ("httpx", "httpcore", "chromadb", "jieba", "urllib3", "apscheduler", "bm25s"):
        logging.getLogger(name).setLevel(logging.WARNING)
