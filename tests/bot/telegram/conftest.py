"""Fixtures for handler tests: Apps over the mini corpus and an offline bot driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from tests.bot.telegram.offline import OfflineBot
from tests.conftest import TELEGRAM_ADMIN_ID

ADMIN = {"id": TELEGRAM_ADMIN_ID, "is_bot": False, "first_name": "Admin", "language_code": "en"}
Scenario = Callable[[OfflineBot], Awaitable[Any]]


@pytest.fixture
def drive(shared_app: App, tmp_path: Path) -> Callable[..., Any]:
    """``drive(scenario, app=None, **build_kwargs)``: run an async scenario against the bot."""

    def run(scenario: Scenario, app: App | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("persistence_path", tmp_path / "state.pickle")

        async def main() -> Any:
            bot = OfflineBot.build(app or shared_app, **kwargs)
            await bot.start()
            try:
                return await scenario(bot)
            finally:
                await bot.stop()

        return asyncio.run(main())

    return run
