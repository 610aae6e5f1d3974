"""A process that opens a built index and measures itself: search and answer latency, per-stage
costs of a search, and resident memory. Run by the latency and scale benchmarks as a child, so
its memory is that of a process serving the index and nothing else.

    python -m bench.probe --data-dir DIR --questions FILE.json [--rounds 3] [--profile]

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

T_START = time.perf_counter()


def search_stages(searcher, query: str, k: int = 10) -> dict[str, float]:
    """Seconds of each stage of ``Searcher.search`` for one query, called stage by stage.

    Mirrors ``Searcher.search`` (no filters) so each cost can be read apart: query planning
    (jieba, glossary), BM25 over all chunks, query embedding, the Chroma HNSW query, fusion
    and reranking.
    """
    out = {}
    t = time.perf_counter()
    snap = searcher.index.snapshot()
    plan = searcher.plan(query)
    out["plan"] = time.perf_counter() - t
    n = max(searcher.params.candidates, k)
    t = time.perf_counter()
    lex = snap.lexical.top(plan.terms, n, None)
    out["bm25"] = time.perf_counter() - t
    out["embed_query"] = 0.0
    out["hnsw"] = 0.0
    dense_lists = []
    for text in plan.dense_texts:
        t = time.perf_counter()
        vec = searcher.index.embedder.embed_query(text)
        out["embed_query"] += time.perf_counter() - t
        t = time.perf_counter()
        found = searcher.index.dense(vec, n + 10, None)
        out["hnsw"] += time.perf_counter() - t
        dense_lists.append([(snap.position[c], s) for c, s in found if c in snap.position][:n])
    t = time.perf_counter()
    fused = searcher._fuse(lex, dense_lists)
    searcher._rerank(snap, plan, fused, lex, dense_lists)
    out["fuse_rerank"] = time.perf_counter() - t
    return out


def run_probe(
    data_dir: Path,
    questions: list[str],
    work: Path,
    *,
    rounds: int = 3,
    ask_rounds: int = 1,
    profile: bool = False,
    after_change: bool = False,
    timeout: float = 3600,
    env: dict[str, str] | None = None,
) -> dict:
    """Run the probe in a child process on ``data_dir``; returns its measurements."""
    work.mkdir(parents=True, exist_ok=True)
    qfile = work / "probe-questions.json"
    qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "bench.probe",
        "--data-dir",
        str(data_dir),
        "--questions",
        str(qfile),
        "--rounds",
        str(rounds),
        "--ask-rounds",
        str(ask_rounds),
    ]
    if profile:
        cmd.append("--profile")
    if after_change:
        cmd.append("--after-change")
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_ROOT,
        env={**clean_env(), **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"probe failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def clean_env() -> dict[str, str]:
    """This environment without policybot's own variables (they would move the data dir)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("POLICYBOT_")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.probe")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--questions", required=True, help="JSON list of question strings")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--ask-rounds", type=int, default=1)
    p.add_argument("--profile", action="store_true", help="cProfile the searches (top functions)")
    p.add_argument(
        "--after-change",
        action="store_true",
        help="at the end, commit an empty change and time the snapshot rebuild that follows",
    )
    args = p.parse_args(argv)

    import logging

    logging.basicConfig(level=logging.WARNING)
    from .common import open_app, peak_rss_bytes, rss_bytes, summary_ms

    questions: list[str] = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    rss_start = rss_bytes()
    t0 = time.perf_counter()
    app = open_app(args.data_dir)
    open_s = time.perf_counter() - t0
    rss_app = rss_bytes()
    t0 = time.perf_counter()
    snap = app.index.snapshot()
    snapshot_s = time.perf_counter() - t0
    rss_snapshot = rss_bytes()
    t0 = time.perf_counter()
    app.searcher.search(questions[0], k=10)
    first_search_s = time.perf_counter() - t0
    ready_s = time.perf_counter() - T_START
    rss_open = rss_bytes()
    for q in questions[:5]:  # warm-up: caches, lazy imports, the answerer
        app.searcher.search(q, k=10)
        app.answerer.answer(q)

    search_s: list[float] = []
    by_lang: dict[str, list[float]] = {}
    from retrieval.glossary import detect_language

    # time the whole path: a question asked again would skip its embedding (the cache is real,
    # but the figures should not depend on how often the benchmark repeats a question)
    forget = getattr(app.index.embedder, "clear_query_cache", lambda: None)
    for _ in range(args.rounds):
        for q in questions:
            forget()
            t0 = time.perf_counter()
            app.searcher.search(q, k=10)
            dt = time.perf_counter() - t0
            search_s.append(dt)
            by_lang.setdefault(detect_language(q), []).append(dt)
    stages: dict[str, float] = {}
    for q in questions:
        for name, sec in search_stages(app.searcher, q).items():
            stages[name] = stages.get(name, 0.0) + sec
    ask_s: list[float] = []
    for _ in range(args.ask_rounds):
        for q in questions:
            forget()
            t0 = time.perf_counter()
            app.answerer.answer(q)
            ask_s.append(time.perf_counter() - t0)
    profile = []
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for q in questions:
            app.searcher.search(q, k=10)
        prof.disable()
        st = pstats.Stats(prof)
        total = sum(v[3] for k, v in st.stats.items() if k[2] == "search") or 1.0
        rows = sorted(st.stats.items(), key=lambda kv: -kv[1][3])
        for (file, line, func), (_cc, nc, tt, ct, _callers) in rows[:40]:
            short = file.split("site-packages/")[-1].replace(str(app.settings.paths.data_dir), "")
            profile.append(
                {
                    "function": f"{short}:{line}({func})",
                    "calls": nc,
                    "cum_ms_per_search": round(ct * 1000 / len(questions), 2),
                    "own_ms_per_search": round(tt * 1000 / len(questions), 2),
                    "share": round(ct / total, 3),
                }
            )
    result = {
        "chunks": snap.size,
        "documents": len(snap.docs),
        "open_s": round(open_s, 3),
        "snapshot_s": round(snapshot_s, 3),
        "first_search_s": round(first_search_s, 3),
        "process_to_first_search_s": round(ready_s, 3),
        "search": summary_ms(search_s),
        "search_by_lang": {k: summary_ms(v) for k, v in sorted(by_lang.items())},
        "stages_ms": {k: round(v * 1000 / len(questions), 2) for k, v in stages.items()},
        "ask": summary_ms(ask_s),
        "rss_start_mib": round(rss_start / 2**20, 1),
        "rss_app_mib": round(rss_app / 2**20, 1),
        "rss_snapshot_mib": round(rss_snapshot / 2**20, 1),
        "rss_open_mib": round(rss_open / 2**20, 1),
        "rss_end_mib": round(rss_bytes() / 2**20, 1),
        "rss_peak_mib": round(peak_rss_bytes() / 2**20, 1),
        "samples_ms": {
            "search": [round(s * 1000, 2) for s in search_s],
            "ask": [round(s * 1000, 2) for s in ask_s],
        },
        "profile": profile,
    }
    if args.after_change:
        # what a serving process goes through when an admin changes the corpus: a new
        # generation, so the next question rebuilds the snapshot and its BM25 indexes
        with app.index.registry.transaction() as conn:
            app.index.registry.bump_generation(conn)
        t0 = time.perf_counter()
        app.index.snapshot()
        result["after_change"] = {
            "rebuild_s": round(time.perf_counter() - t0, 2),
            "rss_mib": round(rss_bytes() / 2**20, 1),
            "rss_peak_mib": round(peak_rss_bytes() / 2**20, 1),
        }
    app.close()
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
