"""The Docker files, checked without Docker: what they copy exists, what they run works here.

The Dockerfile's RUN/HEALTHCHECK/CMD commands are run outside Docker against a tmp data
directory; the compose file is parsed and its Chroma command is started for real on 127.0.0.1.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from tests.server import ChromaServer, ServerUnavailable, free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        word, _, rest = pending.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    return out


def _all(kind: str) -> list[str]:
    return [args for word, args in instructions() if word == kind]


def _exec_form(args: str) -> list[str]:
    return json.loads(args) if args.startswith("[") else shlex.split(args)


def _policybot_runs() -> list[list[str]]:
    """Every `policybot …` command the image runs: at build, as health check, as default command."""
    cmds = [shlex.split(a) for a in _all("RUN") if a.startswith("policybot ")]
    health = _all("HEALTHCHECK")[0].split(" CMD ", 1)[1]
    cmds.append(shlex.split(health.split("||")[0]))
    cmds.append(_exec_form(_all("CMD")[-1]))
    return cmds


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in _all("ENV"):
        for part in shlex.split(args):
            key, _, value = part.partition("=")
            env[key] = value
    return env


# ---------------------------------------------------------------- the Dockerfile


def test_dockerfile_shape():
    ins = instructions()
    words = [w for w, _ in ins]
    assert ins[0] == ("FROM", "python:3.11-slim")
    user = _all("USER")
    assert user and user[-1] not in ("root", "0")
    # runs as that user from the build-time ingest on; the data directory is a volume after it,
    # so the index built into the image is what a new volume starts with
    ingest = next(i for i, (w, a) in enumerate(ins) if w == "RUN" and a.startswith("policybot ingest"))
    assert words.index("USER") < ingest < words.index("VOLUME")
    env = _env()
    assert env["POLICYBOT_DATA_DIR"] == "/data"
    assert json.loads(_all("VOLUME")[0]) == ["/data"]
    assert env["ANONYMIZED_TELEMETRY"] == "False"
    assert "policybot health" in _all("HEALTHCHECK")[0]
    assert _exec_form(_all("CMD")[-1]) == ["policybot", "run"]


def test_every_copied_path_exists_and_is_not_docker_ignored():
    ignore = [
        p.strip() for p in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if p.strip() and not p.startswith("#")
    ]

    def ignored(rel: str) -> bool:
        parts = rel.split("/")
        for pat in ignore:
            pat = pat.rstrip("/")
            if pat.startswith("**/"):
                if any(fnmatch.fnmatch(p, pat[3:]) for p in parts):
                    return True
            elif any(fnmatch.fnmatch("/".join(parts[: i + 1]), pat) for i in range(len(parts))):
                return True
        return False

    copied = []
    for args in _all("COPY"):
        *sources, _dest = shlex.split(args)
        for src in sources:
            path = ROOT / src
            assert path.exists(), f"Dockerfile copies {src}, which does not exist"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for f in files:
                rel = str(f.relative_to(ROOT))
                if "__pycache__" not in rel:
                    assert not ignored(rel), f".dockerignore drops {rel}, which the image needs"
            copied.append(src.rstrip("/"))
    # what the editable install and the app read at run time is all in the image
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed = {"pyproject.toml", "config.toml", project["readme"], "bot", "retrieval", "corpus", "prompts"}
    assert needed <= set(copied)
    for pkg in ("bot", "retrieval"):
        assert (ROOT / pkg / "__init__.py").exists()


def test_dockerfile_commands_are_real_subcommands():
    from bot import cli, commands, ops  # noqa: F401  (register the extra commands)

    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    for cmd in _policybot_runs():
        assert cmd[0] == "policybot"
        assert cmd[1] in sub.choices, f"`{' '.join(cmd)}` is not a policybot command"


@pytest.fixture(scope="module")
def built_image_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Dockerfile's `policybot ingest` run as the image build runs it (real corpus, real model)."""
    exe = shutil.which("policybot") or str(Path(sys.executable).parent / "policybot")
    data = tmp_path_factory.mktemp("image") / "data"
    env = dict(os.environ, POLICYBOT_DATA_DIR=str(data), ANONYMIZED_TELEMETRY="False")
    env.pop("POLICYBOT_STORE_URL", None)
    ingest = next(c for c in _policybot_runs() if c[1] == "ingest")
    proc = subprocess.run([exe, *ingest[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    n_docs = len([p for p in (ROOT / "corpus" / "documents").iterdir() if p.is_file()])
    assert f"{n_docs} added" in proc.stdout
    return data


def test_build_time_ingest_and_health_check_work_outside_docker(built_image_data: Path):
    exe = shutil.which("policybot") or str(Path(sys.executable).parent / "policybot")
    env = dict(os.environ, POLICYBOT_DATA_DIR=str(built_image_data), ANONYMIZED_TELEMETRY="False")
    env.pop("POLICYBOT_STORE_URL", None)
    health = next(c for c in _policybot_runs() if c[1] == "health")
    proc = subprocess.run([exe, *health[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ok"] is True and report["documents"] >= 1 and report["problems"] == []


def test_health_fails_with_exit_1_on_a_broken_index(built_image_data: Path, tmp_path: Path, capsys):
    from bot import cli, ops  # noqa: F401

    data = tmp_path / "data"
    shutil.copytree(built_image_data, data)
    for f in (data / "files").rglob("*"):
        if f.is_file():
            f.unlink()  # the stored originals are gone
    code = cli.main(["--data-dir", str(data), "health"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    assert any("stored original(s) missing" in p for p in report["problems"])
    empty = tmp_path / "empty"
    settings = load_settings(None, data_dir=empty, env={})
    assert ops.health_without_app(settings, cli.build_parser().parse_args(["health"])) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["problems"] == [f"no index in {empty}: run `policybot ingest corpus/documents`"]


# ---------------------------------------------------------------- docker-compose.yml


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_wires_the_bot_to_the_chroma_server():
    doc = _compose()
    chroma, bot = doc["services"]["chroma"], doc["services"]["bot"]
    cmd = chroma["command"]
    assert cmd[:2] == ["chroma", "run"]
    opts = dict(zip(cmd[2::2], cmd[3::2], strict=True))
    assert opts["--host"] == "0.0.0.0"
    port = int(opts["--port"])
    # the bot reaches the server by its service name and port
    assert bot["environment"]["POLICYBOT_STORE_URL"] == f"http://chroma:{port}"
    assert bot["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert f":{port}/api/v2/heartbeat" in " ".join(chroma["healthcheck"]["test"])
    # each keeps its state in a named volume, mounted where it writes
    volumes = doc["volumes"]
    chroma_vol, chroma_path = chroma["volumes"][0].split(":")
    assert chroma_path == opts["--path"] and chroma_vol in volumes
    bot_vol, bot_path = bot["volumes"][0].split(":")
    assert bot_path == _env()["POLICYBOT_DATA_DIR"] and bot_vol in volumes
    # secrets come from the environment, the token is required
    assert bot["environment"]["TELEGRAM_BOT_TOKEN"].startswith("${TELEGRAM_BOT_TOKEN:?")
    assert re.fullmatch(r"\$\{POLICYBOT_LLM_API_KEY:-\}", bot["environment"]["POLICYBOT_LLM_API_KEY"])
    assert bot["command"] == _exec_form(_all("CMD")[-1])
    # one image for both, so the server and the pinned client are the same chromadb
    assert chroma["image"] == bot["image"] and chroma["build"] == bot["build"] == "."


def test_compose_chroma_command_and_healthcheck_work(tmp_path: Path):
    """The compose file's own `chroma run` command (on 127.0.0.1 and a free port here, never
    0.0.0.0) starts, and answers the heartbeat its healthcheck asks for."""
    chroma = _compose()["services"]["chroma"]
    cmd = list(chroma["command"])
    port = free_port()
    local = {"--path": str(tmp_path / "chroma"), "--host": "127.0.0.1", "--port": str(port)}
    for i in range(2, len(cmd), 2):
        cmd[i + 1] = local[cmd[i]]
    server = ChromaServer(tmp_path / "chroma", port=port)
    server.command = lambda exe: [exe, *cmd[1:]]  # type: ignore[method-assign]
    try:
        server.start()
    except ServerUnavailable as exc:
        if os.environ.get("POLICYBOT_REQUIRE_SERVER") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        check = [a.replace(":8000/", f":{port}/") for a in chroma["healthcheck"]["test"][1:]]
        assert check[0] == "python"
        proc = subprocess.run([sys.executable, *check[1:]], capture_output=True, text=True,
                              timeout=30)
        assert proc.returncode == 0, proc.stderr
    finally:
        server.stop()


def test_health_reports_disagreement_but_not_a_change_in_progress(app):
    from bot.ops import check_health
    from retrieval.index import write_lock

    health = check_health(app)
    assert health.ok and health.problems == [] and health.vectors == health.chunks == 15
    one = sorted(app.index.registry.chunk_ids())[0]
    app.index.store.delete([one])
    entry = app.index.registry.journal_begin("ingest", "dhalfway")
    with write_lock(app.settings.data_dir):  # another process is mid-change: expected, healthy
        busy = check_health(app)
    assert busy.writer_busy and busy.ok, busy.problems
    idle = check_health(app)  # nobody writes: that was debris
    assert not idle.ok and not idle.writer_busy
    assert [p.split(" ")[0] for p in idle.problems] == ["1", "Chroma"]
    assert "1 vectors missing, 0 extra" in idle.problems[1]
    app.index.registry.journal_end(entry)
