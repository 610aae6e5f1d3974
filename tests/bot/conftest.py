"""Fixtures of the LLM-mode tests: a fake OpenAI-compatible server on 127.0.0.1 and an App that
talks to it."""

from __future__ import annotations

import shutil

import pytest

from bot.app import build_app
from bot.config import load_settings
from tests.conftest import write_config
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_app(tmp_path, _built_mini_index, fake, monkeypatch):
    monkeypatch.setenv("POLICYBOT_LLM_API_KEY", "sk-test")
    shutil.copytree(_built_mini_index, tmp_path / "data")
    cfg = write_config(
        tmp_path / "config.toml",
        f'[llm]\nbase_url = "{fake.url}"\nmodel = "fake-chat"\ntimeout_seconds = 1\nstream = false\n',
    )
    app = build_app(load_settings(cfg, env={}))
    yield app
    app.close()
