"""Fixtures for handler tests: Apps over the mini corpus and an offline bot driver."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from tests.bot.telegram.offline import OfflineBot
from tests.conftest import app_from_index

ADMIN = {"id": 4001, "is_bot": False, "first_name": "Admin", "language_code": "en"}
Scenario = Callable[[OfflineBot], Awaitable[Any]]


def _make_app(base: Path, index: Path, telegram: str = "", extra: str = "") -> App:
    return app_from_index(base, index, f"[telegram]\nadmin_ids = [{ADMIN['id']}]\n{telegram}\n{extra}")


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, _built_mini_index: Path) -> Iterator[App]:
    """An App for tests that do not change the corpus (each bot has its own state file)."""
    app = _make_app(tmp_path_factory.mktemp("tg-shared"), _built_mini_index)
    yield app
    app.close()


@pytest.fixture
def own_app(tmp_path: Path, _built_mini_index: Path) -> Iterator[Callable[..., App]]:
    """``own_app(telegram=..., extra=...)``: an App of the test's own, with extra settings."""
    apps: list[App] = []

    def make(telegram: str = "", extra: str = "") -> App:
        base = tmp_path / f"app-{len(apps)}"
        base.mkdir()
        apps.append(_make_app(base, _built_mini_index, telegram, extra))
        return apps[-1]

    yield make
    for app in apps:
        app.close()


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
