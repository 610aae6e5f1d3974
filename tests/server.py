"""A real Chroma server for tests: ``chroma run`` on 127.0.0.1, a free port and a tmp path.

``ChromaServer.start`` waits for the heartbeat and raises ``ServerUnavailable`` (with the
server's last output) when the server cannot start; ``stop`` ends it and every child it made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """`chroma run` is missing or did not answer its heartbeat in time."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chroma_executable() -> str | None:
    """The `chroma` CLI of the running interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


class ChromaServer:
    def __init__(self, path: Path, *, port: int | None = None, log: Path | None = None):
        self.path = path
        self.port = port or free_port()
        self.log = log or path.parent / f"chroma-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, exe: str) -> list[str]:
        return [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self, timeout: float = 30.0) -> ChromaServer:
        exe = chroma_executable()
        if exe is None:
            raise ServerUnavailable("the `chroma` command is not installed (it ships with chromadb)")
        self.path.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, ANONYMIZED_TELEMETRY="False", NO_COLOR="1")
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                self.command(exe),
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True,  # its own process group: stop() reaches every child
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerUnavailable(f"`chroma run` exited with {self.proc.returncode}: {self.tail()}")
            if self.alive():
                return self
            time.sleep(0.05)
        self.stop()
        raise ServerUnavailable(f"`chroma run` gave no heartbeat within {timeout:.0f}s: {self.tail()}")

    def alive(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        try:
            with opener.open(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def tail(self, n: int = 800) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:].strip()
        except OSError:
            return "(no output)"

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def __enter__(self) -> ChromaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
