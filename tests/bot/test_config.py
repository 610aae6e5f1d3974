"""Settings: defaults, environment overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_CONFIG, ConfigError, load_settings


def test_project_config_documents_every_setting():
    import tomllib
    from dataclasses import fields

    from bot.config import Settings

    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    for section in fields(Settings):
        assert section.name in raw, f"[{section.name}] missing from config.toml"
        sub = getattr(Settings(), section.name)
        for f in fields(sub):
            assert f.name in raw[section.name], f"[{section.name}] {f.name} missing from config.toml"


def test_defaults_resolve_paths_against_the_config_file(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("", encoding="utf-8")
    s = load_settings(cfg, env={})
    assert s.data_dir == tmp_path / "data"
    assert s.paths.corpus_dir == tmp_path / "corpus" / "documents"


def test_environment_and_command_line_override_the_data_dir(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    s = load_settings(cfg, env={"POLICYBOT_DATA_DIR": "envdata"})
    assert s.data_dir == tmp_path / "envdata"
    s = load_settings(cfg, data_dir=Path("/srv/pb"), env={"POLICYBOT_DATA_DIR": "envdata"})
    assert s.data_dir == Path("/srv/pb")


def test_store_url_and_admins_from_the_environment(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[telegram]\nadmin_ids = [1]\n", encoding="utf-8")
    s = load_settings(cfg, env={"POLICYBOT_STORE_URL": "http://127.0.0.1:8000",
                                "POLICYBOT_ADMIN_IDS": "2, 3,1"})
    assert s.store.url == "http://127.0.0.1:8000"
    assert s.telegram.admin_ids == (1, 2, 3)
    with pytest.raises(ConfigError, match="POLICYBOT_ADMIN_IDS"):
        load_settings(cfg, env={"POLICYBOT_ADMIN_IDS": "alice"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("[search]\nk = 'ten'\n", "[search] k must be a whole number"),
        ("[nonsense]\n", "unknown section"),
        ("[llm]\ntemprature = 0.2\n", "unknown setting(s): temprature"),
        ("[search\n", "not valid TOML"),
        ("[llm]\nstream = 'yes'\n", "must be true or false"),
    ],
)
def test_bad_config_names_the_problem(tmp_path, text, message):
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg, env={})
    assert message in str(err.value)


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_llm_mode_is_off_without_endpoint(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[llm]\nmodel = 'qwen'\n", encoding="utf-8")
    assert not load_settings(cfg, env={}).llm.enabled
