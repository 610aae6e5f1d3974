"""Fixtures for end-to-end tests against the telegram-test-api emulator.

The tests skip when Node.js or the npm package is missing (``npm ci --prefix tests/e2e``);
with ``POLICYBOT_REQUIRE_E2E=1`` (for CI) they fail instead, so a broken setup cannot pass.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.emulator import Emulator, EmulatorClient, unavailable_reason

_E2E_DIR = Path(__file__).resolve().parent
_tokens = itertools.count(1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Only tests that need Node.js are e2e; EmulatorRequest's own tests run anywhere.
    for item in items:
        needs_node = "emulator_installed" in getattr(item, "fixturenames", ())
        if _E2E_DIR in item.path.parents and needs_node:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def emulator_installed() -> None:
    """Skip (or, with POLICYBOT_REQUIRE_E2E=1, fail) when node or the package is missing."""
    reason = unavailable_reason()
    if reason and os.environ.get("POLICYBOT_REQUIRE_E2E") == "1":
        pytest.fail(f"e2e tests are required but cannot run: {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def emulator(emulator_installed: None) -> Iterator[Emulator]:
    """One emulator for the session; tests stay apart by using their own bot token."""
    with Emulator() as server:
        yield server


@pytest.fixture
def bot_token() -> str:
    """A token no other test uses: the emulator keeps each token's messages apart."""
    return f"{next(_tokens)}:e2e-{uuid.uuid4().hex}"


@pytest.fixture
def telegram_files(tmp_path: Path) -> Path:
    """The directory EmulatorRequest serves getFile from and stores sent files in."""
    path = tmp_path / "telegram-files"
    path.mkdir()
    return path


@pytest.fixture
def telegram_client(
    emulator: Emulator, bot_token: str, telegram_files: Path
) -> Iterator[EmulatorClient]:
    """The user side for ``bot_token``; build the bot with ``emulator.application_builder``."""
    with emulator.client(bot_token, files_dir=telegram_files) as client:
        yield client
