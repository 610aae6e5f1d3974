"""The process the crash test kills: a zygote that imports once and forks one worker per job.

Importing chromadb, jieba and the app takes seconds; forking a warm zygote makes each of the
many kill iterations cost only the work under test. The zygote never opens a store or an
embedder (their native threads would not survive ``fork``); every worker builds its own app.

Protocol, one JSON object a line:
  stdin  → ``{"config": PATH, "dump": PATH, "done": PATH, "steps": [...], "kill_at": [POINT, N]}``
  stdout ← ``{"pid": PID}`` once the worker is forked, then ``{"pid": PID, "status": STATUS}``
           when it has ended (killed by the test, by itself at ``kill_at``, or finished).

A worker builds the app on the configured data directory (opening the index repairs it),
writes the state of the index to ``dump``, runs ``steps`` and writes ``done``. ``kill_at``
makes it SIGKILL itself right after the N-th call of a named point (see ``POINTS``), so the
narrow windows between two writes are hit for certain, not only by luck.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The one search the dumps run: its hits must come from the registry after every kill.
PROBE_QUERIES = ("研发费用加计扣除比例", "科技成果转化")

# kill point → (object path, attribute) whose call ends the worker right after it returns.
POINTS = {
    "journal_begin": ("retrieval.registry", "Registry", "journal_begin"),
    "store_file": ("retrieval.corpus", "Corpus", "_store_file"),
    "upsert": ("retrieval.store", "ChromaStore", "upsert"),
    "commit": ("retrieval.registry", "Registry", "transaction"),
    "delete": ("retrieval.store", "ChromaStore", "delete"),
    "journal_end": ("retrieval.registry", "Registry", "journal_end"),
}


def _write_json(path: Path, obj: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump_state(app, journal_before: int) -> dict:
    """Everything the test checks, read after the index was opened (and repaired)."""
    reg = app.index.registry
    docs = {
        d.doc_id: {"source_name": d.source_name, "sha256": d.sha256, "n_chunks": d.n_chunks}
        for d in reg.documents()
    }
    chunks: dict[str, list[list[str]]] = {}
    for s in reg.iter_chunks(with_embeddings=False):
        chunks.setdefault(s.chunk.doc_id, []).append([s.chunk.id, s.chunk.text])
    files_dir = app.settings.data_dir / "files"
    files = {
        str(p.relative_to(files_dir)): _sha256(p)
        for p in sorted(files_dir.rglob("*"))
        if p.is_file()
    } if files_dir.is_dir() else {}
    stored = {d: Path(reg.stored_path(d) or "").name for d in docs}
    search = {q: [h.chunk.id for h in app.searcher.search(q, k=5)] for q in PROBE_QUERIES}
    vec = app.index.embedder.embed_query(PROBE_QUERIES[0])
    dense = [cid for cid, _ in app.index.store.query(vec, 5)]
    return {
        "journal_before": journal_before,
        "documents": docs,
        "chunks": chunks,
        "registry_ids": sorted(reg.chunk_ids()),
        "chroma_ids": sorted(app.index.store.ids()),
        "journal": [list(e) for e in reg.journal_pending()],
        "files": files,
        "stored": stored,
        "search": search,
        "dense": dense,
        "repair_again": app.index.repair(),
    }


def _pending_journal(data_dir: Path) -> int:
    """Journal entries left by the previous worker, read before the index repairs them."""
    import sqlite3

    path = data_dir / "registry.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT count(*) FROM journal").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def install_kill_point(point: str, nth: int) -> None:
    """SIGKILL this process right after the ``nth`` call of ``point`` outside ``Index.repair``;
    ``repair:POINT`` counts only calls made while the index repairs itself."""
    import importlib

    from retrieval.index import Index

    in_repair = point.startswith("repair:")
    name = point.removeprefix("repair:")
    module, cls_name, attr = POINTS[name]
    cls = getattr(importlib.import_module(module), cls_name)
    original = getattr(cls, attr)
    calls = [0]
    repairing = [False]

    def due() -> bool:
        if repairing[0] != in_repair:
            return False
        calls[0] += 1
        return calls[0] == nth

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    if attr == "transaction":

        @contextmanager
        def wrapped_cm(self, *a, **kw) -> Iterator:
            with original(self, *a, **kw) as conn:
                yield conn
            if due():  # the COMMIT has happened
                die()

        setattr(cls, attr, wrapped_cm)
    else:

        def wrapped(self, *a, **kw):
            out = original(self, *a, **kw)
            if due():
                die()
            return out

        setattr(cls, attr, wrapped)

    original_repair = Index.repair

    def repair(self, *a, **kw):
        repairing[0] = True
        try:
            return original_repair(self, *a, **kw)
        finally:
            repairing[0] = False

    Index.repair = repair


def run_steps(app, steps: list, base: Path) -> None:
    from retrieval.documents import CorpusError

    corpus = app.corpus
    for step in steps:
        op, *args = step
        try:
            if op == "sync":
                report = corpus.sync(base / args[0])
                if report.failures:
                    raise RuntimeError(f"sync failures: {report.failures}")
            elif op == "ingest":
                report = corpus.ingest_paths([base / p for p in args[0]])
                if report.failures:
                    raise RuntimeError(f"ingest failures: {report.failures}")
            elif op == "remove":
                corpus.remove(args[0])
            elif op == "replace":
                corpus.ingest(corpus.prepare(base / args[0]), replaces=args[1])
            elif op == "flood":  # vectors the registry does not know, enough for Chroma to persist
                import numpy as np

                n = int(args[0])
                vectors = np.random.default_rng(0).random((n, app.index.embedder.dim), np.float32)
                app.index.store.upsert([f"flood-{i}" for i in range(n)], vectors,
                                       [{"doc_id": "flood"}] * n)
                app.index.store.count()
            else:
                raise ValueError(f"unknown step {op!r}")
        except CorpusError:
            pass  # e.g. removing what is already gone: the test's model expects a no-op


def worker(job: dict) -> None:
    """Runs in the forked child; never returns."""
    status = 0
    try:
        log = open(job["log"], "a", encoding="utf-8")  # noqa: SIM115 - lives until _exit
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        from bot.app import build_app
        from bot.config import load_settings

        settings = load_settings(Path(job["config"]), env={})
        journal_before = _pending_journal(settings.data_dir)
        if job.get("kill_at"):
            install_kill_point(*job["kill_at"])
        app = build_app(settings)
        _write_json(Path(job["dump"]), dump_state(app, journal_before))
        t0 = time.monotonic()
        run_steps(app, job.get("steps", []), Path(job["base"]))
        _write_json(Path(job["done"]), {"elapsed": time.monotonic() - t0})
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 3
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def warm_up(config: Path) -> None:
    """Import and initialise what every worker needs, without starting native threads."""
    import chromadb  # noqa: F401

    from bot.app import build_app, load_glossary  # noqa: F401
    from bot.config import load_settings
    from retrieval import lexical

    settings = load_settings(config, env={})
    lexical.configure(load_glossary(settings).chinese_terms())


def out(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()  # before any fork: a child must not inherit unwritten output


def main() -> None:
    warm_up(Path(sys.argv[1]))
    out({"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            worker(job)
        out({"pid": pid})
        _, status = os.waitpid(pid, 0)
        out({"pid": pid, "status": status})


if __name__ == "__main__":
    main()
