"""Settings: ``config.toml`` plus the environment, read once in ``main()`` and passed down."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from retrieval.chunker import ChunkerParams
from retrieval.embedders import EmbedderSpec
from retrieval.search import SearchParams

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.toml"


class ConfigError(Exception):
    """config.toml is missing, malformed, or has a wrong value; the message says which."""


@dataclass(frozen=True)
class PathSettings:
    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus/documents")
    incentives_dir: Path = Path("corpus/incentives")
    glossary: Path = Path("corpus/glossary.tsv")
    doc_names: Path = Path("corpus/doc_names.toml")
    neighbours: Path = Path("corpus/neighbours.tsv")
    colloquial: Path = Path("corpus/colloquial.tsv")
    prompts_dir: Path = Path("prompts")


@dataclass(frozen=True)
class StoreSettings:
    url: str = ""
    collection: str = "policybot"


@dataclass(frozen=True)
class AnswerSettings:
    max_quotes: int = 6
    max_documents: int = 3
    min_support: float = 0.28
    confident_support: float = 0.36
    coverage_threshold: float = 0.5


@dataclass(frozen=True)
class LLMSettings:
    base_url: str = ""
    model: str = ""
    api_key_env: str = "POLICYBOT_LLM_API_KEY"
    temperature: float = 0.0
    timeout_seconds: float = 30.0
    max_tokens: int = 800
    stream: bool = True
    # English and mixed questions are translated into Chinese by the model before retrieval
    translate_questions: bool = True

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)

    def api_key(self) -> str | None:
        return os.environ.get(self.api_key_env) or None


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str = ""
    admin_ids: tuple[int, ...] = ()
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str = ""
    webhook_path: str = "telegram"
    questions_per_minute: int = 12
    max_upload_mb: float = 20.0
    stream_edit_interval: float = 1.2


@dataclass(frozen=True)
class LimitSettings:
    max_file_mb: float = 50.0
    max_pdf_pages: int = 2000
    max_question_chars: int = 2000
    ocr: bool = False


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    paths: PathSettings = field(default_factory=PathSettings)
    chunking: ChunkerParams = field(default_factory=ChunkerParams)
    embedding: EmbedderSpec = field(default_factory=EmbedderSpec)
    store: StoreSettings = field(default_factory=StoreSettings)
    search: SearchParams = field(default_factory=SearchParams)
    answer: AnswerSettings = field(default_factory=AnswerSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    @property
    def data_dir(self) -> Path:
        return self.paths.data_dir


_SECTIONS = {f.name: f.type for f in fields(Settings)}


def _coerce(section: str, name: str, default: Any, value: Any) -> Any:
    where = f"config.toml [{section}] {name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        return float(value)
    if isinstance(default, Path):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a path string, not {value!r}")
        return Path(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise ConfigError(f"{where} must be a list of numbers, not {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, not {value!r}")
    return value


def _section(cls: type, name: str, raw: dict) -> Any:
    obj = cls()
    if not isinstance(raw, dict):
        raise ConfigError(f"config.toml [{name}] must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"config.toml [{name}] has unknown setting(s): {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    values = {k: _coerce(name, k, getattr(obj, k), v) for k, v in raw.items()}
    try:
        return replace(obj, **values)
    except ValueError as exc:  # the section's own checks (e.g. chunk sizes)
        raise ConfigError(f"config.toml [{name}]: {exc}") from exc


def _parse_admin_ids(text: str) -> tuple[int, ...]:
    ids = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"POLICYBOT_ADMIN_IDS must be comma-separated user ids, not {part!r}")
        ids.append(int(part))
    return tuple(ids)


def load_settings(
    path: Path | None = None,
    *,
    data_dir: Path | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Read ``config.toml`` (or defaults), apply environment overrides, resolve paths."""
    env = dict(os.environ) if env is None else env
    path = Path(path) if path else DEFAULT_CONFIG
    raw: dict = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    elif path != DEFAULT_CONFIG:
        raise ConfigError(f"config file not found: {path}")
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"{path} has unknown section(s): {', '.join(unknown)}")
    sections = {}
    for f in fields(Settings):
        sections[f.name] = _section(type(getattr(Settings(), f.name)), f.name, raw.get(f.name, {}))
    settings = Settings(**sections)

    base = path.resolve().parent if path.exists() else PROJECT_ROOT
    p = settings.paths
    if env.get("POLICYBOT_DATA_DIR"):
        p = replace(p, data_dir=Path(env["POLICYBOT_DATA_DIR"]))
    if data_dir is not None:
        p = replace(p, data_dir=Path(data_dir))
    # data_dir from the environment or the command line is relative to the working directory.
    resolved = {}
    for f in fields(PathSettings):
        value: Path = getattr(p, f.name)
        value = value.expanduser()
        if not value.is_absolute():
            from_cli = f.name == "data_dir" and (data_dir is not None or env.get("POLICYBOT_DATA_DIR"))
            value = (Path.cwd() if from_cli else base) / value
        resolved[f.name] = value
    settings = replace(settings, paths=PathSettings(**resolved))

    if env.get("POLICYBOT_STORE_URL"):
        settings = replace(settings, store=replace(settings.store, url=env["POLICYBOT_STORE_URL"]))
    if env.get("POLICYBOT_ADMIN_IDS"):
        extra = _parse_admin_ids(env["POLICYBOT_ADMIN_IDS"])
        ids = tuple(dict.fromkeys(settings.telegram.admin_ids + extra))
        settings = replace(settings, telegram=replace(settings.telegram, admin_ids=ids))
    return settings
