"""Shared pieces of the benchmarks: the run context, result sections, timing and machine facts."""

from __future__ import annotations

import json
import logging
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.evaluate import Question, load_questions

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"
SHARED_CORPUS = SHARED / "corpus"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"
DEV_ANSWERS = SHARED / "eval" / "dev_answers.jsonl"
VALIDATION_QUESTIONS = PROJECT_ROOT / "bench" / "questions" / "validation.jsonl"
DEFAULT_OUT = PROJECT_ROOT / "bench" / "results"
BENCHMARKS = ("quality", "languages", "refusals", "latency", "ingest", "scale", "bot")


# ---------------------------------------------------------------- results


@dataclass
class Target:
    """One target of the issue and what this run measured against it."""

    name: str
    limit: float
    unit: str
    value: float | None
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "limit": self.limit,
            "unit": self.unit,
            "value": self.value,
            "higher_is_better": self.higher_is_better,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class Section:
    """What one benchmark contributes to the report."""

    key: str
    title: str
    body: str = ""  # Markdown
    figures: list[Path] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    status: str = "ok"  # ok | pending | failed | skipped
    seconds: float = 0.0


# ---------------------------------------------------------------- the run


@dataclass
class Context:
    """Where a run reads from and writes to, and how hard it works."""

    out: Path
    quick: bool = False
    corpus: Path = SHARED_CORPUS
    question_files: tuple[Path, ...] = ()
    answer_file: Path | None = None  # an answer check file (../shared/eval/README.md)
    cache_dir: Path | None = None
    scale_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    bot_users: int = 50
    rebuild: bool = False
    _cache: object = field(default=None, repr=False)
    eval_data_dir: Path | None = None  # a built index of ``corpus`` (set by the first user)

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        if self.cache_dir is None:
            self.cache_dir = self.out / "cache"

    @property
    def work_dir(self) -> Path:
        """Scratch space (indexes built for this run); under the git-ignored cache folder."""
        path = Path(self.cache_dir) / "work"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def embedding_cache(self):
        from .embcache import EmbeddingCache

        if self._cache is None:
            self._cache = EmbeddingCache(Path(self.cache_dir) / "embeddings.sqlite3")
        return self._cache

    def question_sets(self) -> list[tuple[str, list[Question]]]:
        """(name, questions) of every question file given that exists, answerable ones only."""
        out = []
        for path in self.question_files:
            if path.is_file():
                qs = [q for q in load_questions(path) if q.gold]
                if qs:
                    out.append((path.stem, qs))
        return out

    def all_questions(self) -> list[Question]:
        seen: dict[str, Question] = {}
        for _, qs in self.question_sets():
            for q in qs:
                seen.setdefault(q.question, q)
        return list(seen.values())

    def corpus_files(self) -> list[Path]:
        from retrieval.corpus import Report, expand_paths

        return expand_paths([self.corpus], Report())


# ---------------------------------------------------------------- building indexes


def settings_for(data_dir: Path):
    """The project's settings with the data directory moved (environment ignored)."""
    from bot.config import load_settings

    return load_settings(None, data_dir=Path(data_dir).resolve(), env={})


# Data directories this process has opened: embedded Chroma stays claimed by a process until
# it exits (retrieval/store.py), so child processes get a copy of these (``for_child``).
_OPENED: set[Path] = set()


def open_app(data_dir: Path, wrap: Callable | None = None):
    """``build_app`` on ``data_dir``; ``wrap`` replaces the embedder (cache, timing)."""
    from bot.app import build_app

    _OPENED.add(Path(data_dir).resolve())
    app = build_app(settings_for(data_dir))
    if wrap is not None:
        app.index.embedder = wrap(app.index.embedder)
    return app


def for_child(data_dir: Path) -> Path:
    """``data_dir``, or a fresh copy of it when this process holds its embedded store."""
    data_dir = Path(data_dir).resolve()
    if data_dir not in _OPENED:
        return data_dir
    copy = data_dir.with_name(data_dir.name + "-child")
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("policybot.lock"))
    return copy


def build_index(
    data_dir: Path, files: Sequence[Path], wrap: Callable | None = None, fresh: bool = True
):
    """Index ``files`` into ``data_dir`` (emptied first when ``fresh``); returns (app, report, s)."""
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    app = open_app(data_dir, wrap)
    t0 = time.perf_counter()
    report = app.corpus.ingest_paths(list(files), actor="bench")
    seconds = time.perf_counter() - t0
    if report.failures:
        log.warning("files refused while indexing: %s", report.failures)
    return app, report, seconds


def eval_index(ctx: Context) -> Path:
    """A built index of the evaluation corpus, made once per run (vectors from the cache)."""
    if ctx.eval_data_dir is not None and (ctx.eval_data_dir / "registry.sqlite3").exists():
        return ctx.eval_data_dir
    from .embcache import CachingEmbedder

    data_dir = ctx.work_dir / "eval-index"
    app, _, _ = build_index(
        data_dir, ctx.corpus_files(), wrap=lambda e: CachingEmbedder(e, ctx.embedding_cache)
    )
    app.close()
    ctx.eval_data_dir = data_dir
    return data_dir


# ---------------------------------------------------------------- numbers


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "mean": round(statistics.fmean(ms), 2) if ms else float("nan"),
        "max": round(max(ms), 2) if ms else float("nan"),
    }


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def rss_bytes(pid: int | None = None) -> int:
    """Resident set size of a process (this one by default), from /proc."""
    return _status_kb(pid, "VmRSS") * 1024


def peak_rss_bytes(pid: int | None = None) -> int:
    """Peak resident set size (VmHWM) of a process, from /proc."""
    return _status_kb(pid, "VmHWM") * 1024


def _status_kb(pid: int | None, field_name: str) -> int:
    path = Path(f"/proc/{pid or 'self'}/status")
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    try:  # not Linux: psutil, if installed
        import psutil

        info = psutil.Process(pid).memory_info()
        return int((getattr(info, "peak_wset", 0) or info.rss) / 1024)
    except Exception:  # noqa: BLE001 - memory is reported as 0 rather than failing the run
        return 0


def mib(n: float) -> float:
    return round(n / 2**20, 1)


def fmt(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:  # None or NaN
        return "–"
    return f"{x:,.{digits}f}"


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- the machine


def machine_info() -> dict:
    """CPU model, cores, RAM, Python, OS and the load when the run started."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "usable_cores": usable,
        "ram_gib": round(ram / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average": load,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
