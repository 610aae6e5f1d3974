"""Shared fixtures: settings pointed at tmp_path, a tiny fixed corpus with known answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import load_settings

FIXTURES = Path(__file__).parent / "fixtures"
MINI_CORPUS = FIXTURES / "corpus"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_CORPUS = SHARED / "corpus"


def write_config(path: Path, extra: str = "") -> Path:
    """A config.toml whose data directory is inside the test's tmp_path."""
    root = Path(__file__).resolve().parents[1]
    path.write_text(
        f"""
[paths]
data_dir = "{path.parent / 'data'}"
corpus_dir = "{MINI_CORPUS}"
incentives_dir = "{root / 'corpus' / 'incentives'}"
glossary = "{root / 'corpus' / 'glossary.tsv'}"
neighbours = "{root / 'corpus' / 'neighbours.tsv'}"
colloquial = "{root / 'corpus' / 'colloquial.tsv'}"
prompts_dir = "{root / 'prompts'}"
{extra}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml")


@pytest.fixture
def settings(config_path: Path):
    return load_settings(config_path, env={})


@pytest.fixture(scope="session")
def _built_mini_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini corpus indexed once per session; tests get a private copy."""
    from bot.app import build_app

    base = tmp_path_factory.mktemp("mini-index")
    cfg = write_config(base / "config.toml")
    app = build_app(load_settings(cfg, env={}))
    report = app.corpus.ingest_paths([MINI_CORPUS])
    assert report.ok, report.failures
    app.close()
    return base / "data"


def app_from_index(base: Path, index: Path, extra: str = ""):
    """An App over a private copy of a built index in ``base``, with extra config lines."""
    from bot.app import build_app

    shutil.copytree(index, base / "data")
    return build_app(load_settings(write_config(base / "config.toml", extra), env={}))


@pytest.fixture
def app(tmp_path: Path, _built_mini_index: Path):
    """An App over a private copy of the indexed mini corpus."""
    from bot.app import build_app

    shutil.copytree(_built_mini_index, tmp_path / "data")
    cfg = write_config(tmp_path / "config.toml")
    application = build_app(load_settings(cfg, env={}))
    yield application
    application.close()


def needs_shared_corpus() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}"
    )


# ---------------------------------------------------------------- Apps for the Telegram tests

TELEGRAM_ADMIN_ID = 4001  # the admin of every bot the Telegram tests start


def _telegram_app(base: Path, index: Path, telegram: str = "", extra: str = ""):
    return app_from_index(
        base, index, f"[telegram]\nadmin_ids = [{TELEGRAM_ADMIN_ID}]\n{telegram}\n{extra}"
    )


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, _built_mini_index: Path):
    """An App for tests that do not change the corpus (each bot still has its own state file)."""
    app = _telegram_app(tmp_path_factory.mktemp("shared-app"), _built_mini_index)
    yield app
    app.close()


@pytest.fixture
def own_app(tmp_path: Path, _built_mini_index: Path):
    """``own_app(telegram=..., extra=...)``: an App of the test's own (the corpus may change)."""
    apps = []

    def make(telegram: str = "", extra: str = ""):
        base = tmp_path / f"app-{len(apps)}"
        base.mkdir()
        apps.append(_telegram_app(base, _built_mini_index, telegram, extra))
        return apps[-1]

    yield make
    for app in apps:
        app.close()
