"""Test doubles for outside services (no network: they bind 127.0.0.1 only)."""

from tests.fakes.openai_server import (
    FakeOpenAI,
    FakeServerError,
    RecordedRequest,
    hashed_char_embedding,
)

__all__ = ["FakeOpenAI", "FakeServerError", "RecordedRequest", "hashed_char_embedding"]
