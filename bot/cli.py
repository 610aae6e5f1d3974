"""The `policybot` command: argument parsing and output only; the work happens in services."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.corpus import Report
from retrieval.documents import CorpusError
from retrieval.search import Filters, hits_to_json

from .app import App, build_app
from .config import ConfigError, Settings, load_settings
from .logsetup import setup_logging

log = logging.getLogger("policybot")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _progress(paths_total: int) -> Callable[[Path], None] | None:
    """A tqdm bar on a terminal when there is more than a handful of files."""
    if paths_total < 3 or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=paths_total, unit="file", file=sys.stderr)

    def step(path: Path) -> None:
        bar.set_postfix_str(path.name[:30])
        bar.update(1)

    return step


def _count_files(paths: Sequence[Path]) -> int:
    from retrieval.corpus import expand_paths

    return len(expand_paths(paths, Report()))


def _print_report(report: Report, as_json: bool) -> int:
    if as_json:
        _print_json(
            {
                "changes": [c.__dict__ for c in report.changes],
                "failures": [{"file": f, "error": e} for f, e in report.failures],
            }
        )
    else:
        for c in report.changes:
            if c.action != "unchanged":
                print(f"{c.action:9} {c.doc_id}  {c.source_name}  ({c.n_chunks} chunks)")
        summary = ", ".join(
            f"{report.count(a)} {a}" for a in ("added", "replaced", "unchanged", "removed")
            if report.count(a)
        )
        print(summary or "nothing to do")
        for name, err in report.failures:
            print(f"refused   {name}: {err}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


# ---------------------------------------------------------------- commands


def cmd_ingest(app: App, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    report = app.corpus.ingest_paths(paths, progress=_progress(_count_files(paths)))
    return _print_report(report, args.json)


def cmd_sync(app: App, args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    report = app.corpus.sync(folder, progress=_progress(_count_files([folder])))
    return _print_report(report, args.json)


def cmd_reindex(app: App, args: argparse.Namespace) -> int:
    return _print_report(app.corpus.reindex(), args.json)


def cmd_remove(app: App, args: argparse.Namespace) -> int:
    change = app.corpus.remove(args.doc_id)
    print(f"removed {change.doc_id}  {change.source_name}  ({change.n_chunks} chunks)")
    return EXIT_OK


def cmd_docs(app: App, args: argparse.Namespace) -> int:
    docs = app.index.registry.documents()
    if args.json:
        _print_json(
            [
                {
                    "doc_id": d.doc_id,
                    "title": d.meta.title,
                    "doc_number": d.meta.doc_number,
                    "date": d.meta.date,
                    "chunks": d.n_chunks,
                    "source_name": d.source_name,
                    "issuers": list(d.meta.issuers),
                    "effective": d.meta.effective,
                    "expires": d.meta.expires,
                    "repeals": list(d.meta.repeals),
                }
                for d in docs
            ]
        )
        return EXIT_OK
    if not docs:
        print("the index is empty: `policybot ingest FILES` adds documents")
    for d in docs:
        print(f"{d.doc_id}  {d.meta.date or '----------'}  {d.n_chunks:4d} chunks  "
              f"{d.meta.doc_number or '-'}  {d.meta.title}")
    return EXIT_OK


def _filters(args: argparse.Namespace) -> Filters | None:
    f = Filters(
        doc_ids=tuple(args.doc) if args.doc else None,
        issuer=args.issuer,
        in_force_on=args.in_force_on,
    )
    return f if f.active else None


def cmd_search(app: App, args: argparse.Namespace) -> int:
    k = args.k or app.settings.search.k
    filters = _filters(args)
    if args.queries:
        from retrieval.evaluate import load_questions

        for q in load_questions(Path(args.queries)):
            t0 = time.perf_counter()
            hits = app.searcher.search(q.question, k=k, filters=filters)
            elapsed = (time.perf_counter() - t0) * 1000
            _print_json({"id": q.id, "hits": hits_to_json(hits), "elapsed_ms": round(elapsed, 2)})
        return EXIT_OK
    if not args.question:
        print("give a question, or --queries FILE.jsonl", file=sys.stderr)
        return EXIT_USAGE
    t0 = time.perf_counter()
    hits = app.searcher.search(args.question, k=k, filters=filters)
    elapsed = (time.perf_counter() - t0) * 1000
    if args.json:
        _print_json({"query": args.question, "hits": hits_to_json(hits), "elapsed_ms": round(elapsed, 2)})
        return EXIT_OK
    if not hits:
        print("no matching clauses")
    for i, h in enumerate(hits, 1):
        meta = h.doc.meta
        where = " › ".join(h.chunk.section) or "(preamble)"
        page = f", p. {h.chunk.page}" if h.chunk.page else ""
        print(f"{i}. [{h.score:.4f}] {meta.title} {meta.doc_number or ''} — {where}{page}")
        text = h.chunk.text.replace("\n", " ")
        print(f"   {text[:200]}{'…' if len(text) > 200 else ''}")
    print(f"({elapsed:.1f} ms)", file=sys.stderr)
    return EXIT_OK


def cmd_eval(app: App, args: argparse.Namespace) -> int:
    from retrieval.evaluate import evaluate, load_questions
    from retrieval.glossary import detect_language

    from .answer_check import is_answer_check_file

    k = max(args.k or 10, 10)
    path = Path(args.questions)
    if args.answers and is_answer_check_file(path):
        return _eval_answer_checks(app, path, args.json)
    questions = load_questions(path)
    if args.answers:
        return _eval_answers(app, questions, args.json)
    result = evaluate(
        questions,
        lambda q: [h.chunk.text for h in app.searcher.search(q, k=k)],
        lang_of=detect_language,
    )
    if args.json:
        _print_json(result)
        return EXIT_OK
    rows = [("overall", result["overall"])] + sorted(result["by_lang"].items())
    print(f"{'':10} {'n':>4} {'R@1':>6} {'R@3':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for name, m in rows:
        print(
            f"{name:10} {m['n']:>4} {m['recall@1']:>6.3f} {m['recall@3']:>6.3f} "
            f"{m['recall@5']:>6.3f} {m['recall@10']:>6.3f} {m['mrr@10']:>7.3f}"
        )
    misses = [q for q in result["questions"] if q["rank"] != 1]
    if misses and args.verbose:
        print("not first:", ", ".join(f"{q['id']}({q['rank']})" for q in misses))
    return EXIT_OK


def _eval_answers(app: App, questions: list, as_json: bool) -> int:
    """Answer quality: answerable questions (with gold) should be answered citing a clause that
    contains a gold phrase; questions without gold are out of scope and should be refused."""
    from retrieval.evaluate import is_hit
    from retrieval.glossary import detect_language

    chunks = {c.id: c.text for c in app.index.snapshot().chunks}
    rows = []
    for q in questions:
        a = app.answerer.answer(q.question)
        cited = any(is_hit(chunks.get(c.chunk_id, ""), q.gold) for c in a.citations) if q.gold else False
        rows.append({"id": q.id, "lang": q.lang or detect_language(q.question), "answerable": bool(q.gold),
                     "abstained": a.abstained, "cautious": a.cautious, "cited_gold": cited,
                     "support": round(a.support, 4)})
    summary: dict[str, dict] = {}
    for lang in sorted({r["lang"] for r in rows}) + ["all"]:
        mine = [r for r in rows if lang in ("all", r["lang"])]
        ans = [r for r in mine if r["answerable"]]
        oos = [r for r in mine if not r["answerable"]]
        summary[lang] = {
            "answerable": len(ans),
            "answered": round(sum(not r["abstained"] for r in ans) / len(ans), 3) if ans else None,
            "cited_gold": round(sum(r["cited_gold"] for r in ans) / len(ans), 3) if ans else None,
            "cautioned": round(sum(r["cautious"] for r in ans) / len(ans), 3) if ans else None,
            "out_of_scope": len(oos),
            "refused": round(sum(r["abstained"] for r in oos) / len(oos), 3) if oos else None,
            "refused_or_cautioned": (
                round(sum(r["abstained"] or r["cautious"] for r in oos) / len(oos), 3) if oos else None
            ),
        }
    if as_json:
        _print_json({"summary": summary, "questions": rows})
        return EXIT_OK
    print(f"{'':6} {'answerable':>10} {'answered':>9} {'cited gold':>11} {'cautioned':>10} "
          f"{'out of scope':>13} {'refused':>8} {'+cautioned':>11}")
    for lang, m in summary.items():
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"{lang:6} {m['answerable']:>10} {fmt(m['answered']):>9} {fmt(m['cited_gold']):>11} "
              f"{fmt(m['cautioned']):>10} {m['out_of_scope']:>13} {fmt(m['refused']):>8} "
              f"{fmt(m['refused_or_cautioned']):>11}")
    return EXIT_OK


def _eval_answer_checks(app: App, path: Path, as_json: bool) -> int:
    """The answer check of ../shared/eval/README.md (must / must_not, first rate, refusals)."""
    from .answer_check import load_answer_checks, run_checks, summarize

    checked = run_checks(load_answer_checks(path), app.answerer.answer)
    summary = summarize(checked)
    if as_json:
        _print_json({"summary": summary.to_json(), "questions": [c.to_json() for c in checked]})
        return EXIT_OK
    print(f"{'':8} {'n':>4} {'passed':>7} {'pass rate':>10}")
    for name, r in [*summary.by_lang.items(), ("overall", summary.overall)]:
        print(f"{name:8} {r.n:>4} {r.passed:>7} {r.rate:>10.3f}")
    failing = [c for c in checked if not c.result.passed]
    if failing:
        print(f"\nfailing ({len(failing)}):")
    for c in failing:
        print(f"{c.record.id:>5}  " + "; ".join(str(f) for f in c.result.failures))
    return EXIT_OK


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="policybot",
        description="Chinese science-and-technology policy, answered from the texts.",
    )
    p.add_argument("--config", type=Path, help="config file (default: config.toml of the project)")
    p.add_argument("--data-dir", type=Path, help="data directory (overrides POLICYBOT_DATA_DIR)")
    p.add_argument("-v", "--verbose", action="store_true", help="more logging")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="add or update files and folders in the index")
    s.add_argument("paths", nargs="+", help="files or folders")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("sync", help="make the index match a folder (add, replace, remove)")
    s.add_argument("folder")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_sync)

    s = sub.add_parser("reindex", help="rebuild the index from stored files with the current settings")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_reindex)

    s = sub.add_parser("remove", help="remove a document by id")
    s.add_argument("doc_id")
    s.set_defaults(func=cmd_remove)

    s = sub.add_parser("docs", help="list indexed documents")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_docs)

    s = sub.add_parser("search", help="find the clauses that answer a question")
    s.add_argument("question", nargs="?")
    s.add_argument("-k", type=int, default=None, help="number of results (default [search] k)")
    s.add_argument("--queries", help="JSONL file of {id, question}; one JSON line out per question")
    s.add_argument("--json", action="store_true")
    s.add_argument("--doc", action="append", help="only this document id (repeatable)")
    s.add_argument("--issuer", help="only documents of this issuing body (e.g. 财政部)")
    s.add_argument("--in-force-on", metavar="YYYY-MM-DD", help="only documents in force on this date")
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("eval", help="Recall@k and MRR@10 on a question file")
    s.add_argument("--questions", required=True)
    s.add_argument("--answers", action="store_true",
                   help="score answers instead: on an answer check file (records with must / "
                   "abstain) each answer must pass its check; on a gold-phrase file, answered and "
                   "citing gold, or refused when out of scope")
    s.add_argument("-k", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_eval)

    for register in _EXTRA_COMMANDS:
        register(sub)
    # global options also work after the command name ("policybot eval … -v")
    for choice in sub.choices.values():
        choice.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                            help="more logging")
    return p


# Other modules add commands here (answering, eligibility, the Telegram bot).
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []

# Commands that must not index the bundled corpus on their own.
_NO_AUTO_CORPUS = {"ingest", "sync", "reindex", "remove", "docs"}


def main(argv: Sequence[str] | None = None) -> int:
    from . import commands, ops  # noqa: F401  (register ask, chat, check, incentives, run, health)

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings: Settings = load_settings(args.config, data_dir=args.data_dir)
    except ConfigError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    setup_logging(settings, verbose=args.verbose)
    if getattr(args, "without_app", None):  # e.g. `health`: must not open the store itself
        return int(args.without_app(settings, args) or 0)
    try:
        app = build_app(settings, reindexing=args.command == "reindex")
    except (CorpusError, ConfigError) as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command not in _NO_AUTO_CORPUS and getattr(args, "auto_corpus", True):
            report = app.ensure_corpus()
            if report is not None:
                print(
                    f"indexed the bundled corpus: {report.count('added')} documents",
                    file=sys.stderr,
                )
        return int(args.func(app, args) or 0)
    except (CorpusError, ConfigError) as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception:  # a bug: keep the traceback in the log, give the user one line
        log.exception("unexpected error in %s", args.command)
        print(f"policybot: internal error in {args.command!r}; the log above has the details",
              file=sys.stderr)
        return EXIT_FAILED
    finally:
        app.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
