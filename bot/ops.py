"""`policybot health`: is the index whole and answering? One JSON line out; exit 0 (healthy) or 1.

Checks, in order: the registry has documents; no interrupted change is left unrepaired; Chroma
holds exactly the registry's chunk ids; every document's stored original is on disk; a search
returns a result. While another process holds the write lock, a half-done change is expected
and not reported.

With an embedded Chroma store, a second process must not open the store while the bot has it
open (Chroma's local files are single-process). ``health_without_app`` therefore checks only
the registry and the files in that case, and everything when the store is a server (or with
``--deep``); ``cmd_health`` checks everything with an app that is already built.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from retrieval.index import write_lock
from retrieval.registry import Registry

from . import cli

if TYPE_CHECKING:
    from .app import App
    from .config import Settings

log = logging.getLogger(__name__)


@dataclass
class Health:
    ok: bool
    documents: int
    chunks: int
    vectors: int | None  # None: the vector store was not checked
    store: str
    generation: int
    writer_busy: bool
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _registry_problems(registry: Registry, data_dir: Path, busy: bool) -> list[str]:
    """Problems of the registry and the stored files (call it holding the write lock, or busy)."""
    problems: list[str] = []
    docs = registry.documents()
    if not docs:
        problems.append("the index is empty: run `policybot ingest corpus/documents`")
    if busy:
        return problems
    pending = registry.journal_pending()
    if pending:
        problems.append(
            f"{len(pending)} interrupted change(s) not repaired yet: any `policybot` command "
            "that opens the index (e.g. `policybot docs`) repairs them"
        )
    missing = []
    for rec in docs:
        stored = registry.stored_path(rec.doc_id)
        if not stored or not (data_dir / "files" / rec.doc_id / Path(stored).name).is_file():
            missing.append(rec.source_name)
    if missing:
        problems.append(
            f"stored original(s) missing for {', '.join(missing[:5])}"
            + (" …" if len(missing) > 5 else "")
            + ": ingest those files again"
        )
    return problems


def check_health(app: App) -> Health:
    """Everything: registry, files, Chroma against the registry, one search."""
    reg = app.index.registry
    vectors: int | None = None
    # holding the write lock (when free) keeps a change from starting halfway through the check
    with write_lock(app.settings.data_dir, wait=False) as idle:
        busy = not idle
        problems = _registry_problems(reg, app.settings.data_dir, busy)
        reg_ids = reg.chunk_ids()
        try:
            store_ids = app.index.store.ids()
            vectors = len(store_ids)
            if not busy and store_ids != reg_ids:
                problems.append(
                    f"Chroma and the registry disagree ({len(reg_ids - store_ids)} vectors "
                    f"missing, {len(store_ids - reg_ids)} extra): restart the bot, or run "
                    "`policybot docs`, to repair"
                )
        except Exception as exc:  # any failure of the store is the answer here, not a crash
            problems.append(f"the vector store {getattr(app.index.store, 'location', '')} "
                            f"cannot be read: {exc}")
    docs = reg.documents()
    if docs:
        probe = docs[0].meta.title or docs[0].source_name
        try:
            if not app.searcher.search(probe, k=1):
                problems.append(f"searching for {probe!r} returned nothing")
        except Exception as exc:
            problems.append(f"searching failed: {exc}")
    return Health(
        ok=not problems,
        documents=len(docs),
        chunks=len(reg_ids),
        vectors=vectors,
        store=str(getattr(app.index.store, "location", "")),
        generation=reg.generation(),
        writer_busy=busy,
        checked=["registry", "files", "store", "search"],
        problems=problems,
    )


def check_registry(settings: Settings) -> Health:
    """Registry and stored files only: safe beside a running bot with an embedded store."""
    data_dir = settings.data_dir
    path = data_dir / "registry.sqlite3"
    if not path.exists():
        return Health(ok=False, documents=0, chunks=0, vectors=None, store="", generation=0,
                      writer_busy=False, checked=["registry"],
                      problems=[f"no index in {data_dir}: run `policybot ingest corpus/documents`"])
    registry = Registry(path)
    try:
        with write_lock(data_dir, wait=False) as idle:
            busy = not idle
            problems = _registry_problems(registry, data_dir, busy)
        return Health(
            ok=not problems,
            documents=len(registry.documents()),
            chunks=len(registry.chunk_ids()),
            vectors=None,
            store=f"embedded ({data_dir / 'chroma'}; not opened from a second process)",
            generation=registry.generation(),
            writer_busy=busy,
            checked=["registry", "files"],
            problems=problems,
        )
    finally:
        registry.close()


def _report(health: Health) -> int:
    sys.stdout.write(json.dumps(health.to_json(), ensure_ascii=False) + "\n")
    return cli.EXIT_OK if health.ok else cli.EXIT_FAILED


def cmd_health(app: App, args: argparse.Namespace) -> int:
    return _report(check_health(app))


def health_without_app(settings: Settings, args: argparse.Namespace) -> int:
    """`policybot health` before any app is built: the full check only where it is safe."""
    if settings.store.url or getattr(args, "deep", False):
        from .app import build_app

        try:
            app = build_app(settings)
        except Exception as exc:  # unreachable server, settings mismatch: unhealthy, not a crash
            return _report(Health(ok=False, documents=0, chunks=0, vectors=None,
                                  store=settings.store.url, generation=0, writer_busy=False,
                                  checked=["store"], problems=[str(exc)]))
        try:
            return _report(check_health(app))
        finally:
            app.close()
    return _report(check_registry(settings))


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("health", help="check the index is whole and answering (JSON; exit 0 or 1)")
    s.add_argument("--deep", action="store_true",
                   help="also open an embedded Chroma store (only while the bot is stopped)")
    s.set_defaults(func=cmd_health, without_app=health_without_app, auto_corpus=False)


cli._EXTRA_COMMANDS.append(register)
