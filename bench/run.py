"""Run the benchmark suite and write the report.

    python -m bench.run [--quick] [--only quality,languages,refusals,latency,ingest,scale,bot] [--out bench/results]

Writes ``report.md``, ``results.json`` and PNG charts into ``--out``; caches (embeddings,
synthetic corpora, built indexes) go under ``--cache`` (default ``<out>/cache``, git-ignored).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from .common import (
    BENCHMARKS,
    DEFAULT_OUT,
    DEV_ANSWERS,
    DEV_QUESTIONS,
    SHARED_CORPUS,
    VALIDATION_QUESTIONS,
    Context,
    Section,
    load_average,
    machine_info,
)

log = logging.getLogger("bench")

# Order matters: ingest builds the evaluation index that the later benchmarks reuse.
ORDER = ("ingest", "quality", "languages", "refusals", "latency", "scale", "bot")
QUICK_SCALE_SIZES = (40,)


def _runner(name: str):
    from importlib import import_module

    return import_module(f"bench.{name}").run


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: one tiny scale size, one repetition, 2 bot users",
    )
    p.add_argument("--only", default="", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the report goes")
    p.add_argument("--cache", type=Path, default=None, help="cache folder (default OUT/cache)")
    p.add_argument("--corpus", type=Path, default=SHARED_CORPUS, help="evaluation corpus folder")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="an index of --corpus already built (policybot --data-dir DIR); default: built "
        "into the cache for this run",
    )
    p.add_argument(
        "--questions",
        type=Path,
        action="append",
        default=None,
        help="question file (JSONL with gold phrases; repeatable); default: the dev "
        "questions and bench/questions/validation.jsonl",
    )
    p.add_argument(
        "--answers",
        type=Path,
        default=DEV_ANSWERS,
        help="answer check file (JSONL with must / must_not / abstain) for the quality "
        "benchmark; default the dev answer set (quick mode checks two questions per language)",
    )
    p.add_argument(
        "--scale-sizes",
        default=None,
        help="chunk counts for the scale benchmark (default 1000,10000,100000)",
    )
    p.add_argument(
        "--scale-model-max",
        type=int,
        default=None,
        help="largest scale size embedded with the real model (default 10000; larger "
        "sizes use composed vectors)",
    )
    p.add_argument("--bot-users", type=int, default=None, help="simulated users (default 50)")
    p.add_argument("--rebuild", action="store_true", help="rebuild cached scale indexes")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "chromadb", "jieba", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    only = [x.strip() for x in args.only.split(",") if x.strip()] or list(BENCHMARKS)
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        print(
            f"bench: unknown benchmark(s) {', '.join(unknown)}; choose from "
            f"{', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    if not args.corpus.is_dir():
        print(f"bench: corpus folder {args.corpus} not found (--corpus)", file=sys.stderr)
        return 2
    questions = tuple(args.questions) if args.questions else (DEV_QUESTIONS, VALIDATION_QUESTIONS)
    sizes = (
        tuple(int(s) for s in args.scale_sizes.split(",") if s)
        if args.scale_sizes
        else QUICK_SCALE_SIZES
        if args.quick
        else (1_000, 10_000, 100_000)
    )
    ctx = Context(
        out=args.out.resolve(),
        quick=args.quick,
        corpus=args.corpus.resolve(),
        question_files=tuple(q.resolve() for q in questions),
        answer_file=args.answers.resolve(),
        cache_dir=args.cache.resolve() if args.cache else None,
        scale_sizes=sizes,
        bot_users=args.bot_users or (2 if args.quick else 50),
        rebuild=args.rebuild,
        eval_data_dir=args.data_dir.resolve() if args.data_dir else None,
    )
    ctx.out.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    log.info("machine: %s", machine)
    sections: list[Section] = []
    for name in ORDER:
        if name not in only:
            continue
        log.info("running the %s benchmark", name)
        t0 = time.perf_counter()
        try:
            if name == "scale" and args.scale_model_max is not None:
                section = _runner(name)(ctx, model_max=args.scale_model_max)
            elif name == "scale" and args.quick:
                section = _runner(name)(ctx, model_max=0)
            else:
                section = _runner(name)(ctx)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not lose the others
            log.exception("the %s benchmark failed", name)
            section = Section(
                name,
                f"{name} (failed)",
                status="failed",
                body=f"```\n{''.join(traceback.format_exception(exc))[-3000:]}\n```",
            )
        section.seconds = section.seconds or time.perf_counter() - t0
        sections.append(section)
        log.info("%s done in %.0f s", name, section.seconds)
    from .report import write_report

    command = "python -m bench.run " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    report = write_report(
        ctx.out,
        sections,
        machine,
        quick=args.quick,
        command=command.strip(),
        load_end=load_average(),
    )
    print(report)
    return 1 if any(s.status == "failed" for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
