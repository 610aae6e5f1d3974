"""Questions are answered while an ingest runs, and readers never see a partial document."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.documents import doc_id_for
from tests.conftest import MINI_CORPUS

RD2018 = doc_id_for("rd_2018.md")
RD2023 = doc_id_for("rd_2023.md")
RD2023_REV = doc_id_for("rd_2023_rev.md")
QUERY = "研发费用加计扣除 无形资产成本 税前摊销 比例"


class MemoEmbedder:
    """The real embedder, remembering passages: the writer flips versions fast after the first."""

    def __init__(self, inner):
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self._memo: dict[str, np.ndarray] = {}

    def embed_passages(self, texts):
        todo = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if todo:
            self._memo.update(zip(todo, self.inner.embed_passages(todo), strict=True))
        return np.vstack([self._memo[t] for t in texts])

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture
def versions(app, tmp_path: Path):
    """Two versions of rd_2018 (same id) and of rd_2023 (another id, replacing it), prepared."""
    rd18 = (MINI_CORPUS / "rd_2018.md").read_text(encoding="utf-8")
    rd23 = (MINI_CORPUS / "rd_2023.md").read_text(encoding="utf-8")
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "rd_2018.md").write_text(rd18.replace("的75%", "的80%"), encoding="utf-8")
    (tmp_path / "v1" / "rd_2023_rev.md").write_text(rd23.replace("的200%", "的210%"), encoding="utf-8")
    app.index.embedder = MemoEmbedder(app.index.embedder)
    prep = app.corpus.prepare
    return {
        "rd18_v0": prep(MINI_CORPUS / "rd_2018.md"),
        "rd18_v1": prep(tmp_path / "v1" / "rd_2018.md"),
        "rd23": prep(MINI_CORPUS / "rd_2023.md"),
        "rd23_rev": prep(tmp_path / "v1" / "rd_2023_rev.md"),
    }


def _complete_versions(app, versions) -> dict[str, dict[str, str]]:
    """sha256 → {chunk id: text} of every version a reader may see, including the indexed ones."""
    out = {
        p.loaded.sha256: {c.id: c.text for c in p.chunks} for p in versions.values()
    }
    for rec in app.index.registry.documents():
        out.setdefault(
            rec.sha256, {s.chunk.id: s.chunk.text for s in app.index.registry.iter_chunks(rec.doc_id)}
        )
    return out


def snapshot_problems(snap, complete: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for doc_id, rec in snap.docs.items():
        got = {c.id: c.text for c in snap.chunks if c.doc_id == doc_id}
        if got != complete.get(rec.sha256):
            problems.append(f"gen {snap.generation}: {doc_id} is not one complete version")
    if (RD2023 in snap.docs) == (RD2023_REV in snap.docs):
        problems.append(f"gen {snap.generation}: rd_2023 and its replacement both in or both out")
    return problems


def test_readers_see_whole_versions_while_a_writer_replaces(app, versions):
    complete = _complete_versions(app, versions)
    corpus = app.corpus
    stop = threading.Event()
    problems: list[str] = []
    reads = [0]
    generations: set[int] = set()
    cycles = 8

    def write() -> None:
        try:
            for _ in range(cycles):
                corpus.ingest(versions["rd18_v1"])
                corpus.ingest(versions["rd23_rev"], replaces=RD2023)
                corpus.ingest(versions["rd18_v0"])
                corpus.ingest(versions["rd23"], replaces=RD2023_REV)
        finally:
            stop.set()

    def read() -> None:
        while not stop.is_set():
            snap = app.index.snapshot()
            generations.add(snap.generation)
            problems.extend(snapshot_problems(snap, complete))
            hits = app.searcher.search(QUERY, k=10)
            if not hits:
                problems.append("a search during the ingest found nothing")
            for h in hits:
                if complete[h.doc.sha256].get(h.chunk.id) != h.chunk.text:
                    problems.append(f"hit {h.chunk.id} is not from version {h.doc.sha256[:8]}")
            if {h.doc.doc_id for h in hits} >= {RD2023, RD2023_REV}:
                problems.append("one result set holds rd_2023 and its replacement")
            reads[0] += 1

    gen0 = app.index.registry.generation()
    readers = [threading.Thread(target=read) for _ in range(2)]
    writer = threading.Thread(target=write)
    for t in readers:
        t.start()
    t0 = time.monotonic()
    writer.start()
    writer.join(timeout=120)
    for t in readers:
        t.join(timeout=30)
    assert not writer.is_alive()
    assert app.index.registry.generation() == gen0 + 4 * cycles
    assert problems == []
    # questions were answered all along: the readers saw the index change under them
    assert reads[0] >= 5 and len(generations) >= 3, (
        f"{reads[0]} searches saw generations {sorted(generations)} in {time.monotonic() - t0:.1f}s")
    # the writer's last versions are what is indexed, whole, in both stores
    assert app.index.registry.document(RD2018).sha256 == versions["rd18_v0"].loaded.sha256
    assert app.index.store.ids() == app.index.registry.chunk_ids()
    assert snapshot_problems(app.index.snapshot(), complete) == []


def test_a_commit_between_a_readers_queries_cannot_split_its_snapshot(app, versions):
    """A writer thread commits exactly while a reader loads its snapshot: the reader sees the
    state before (the commit waits for the read) or after, never documents of one and chunks of
    the other."""
    complete = _complete_versions(app, versions)
    reg = app.index.registry
    original = reg.documents
    writer: list[threading.Thread] = []

    def documents_then_commit():
        out = original()
        if not writer:
            writer.append(threading.Thread(
                target=app.corpus.ingest, args=(versions["rd23_rev"],), kwargs={"replaces": RD2023}
            ))
            writer[0].start()
            writer[0].join(timeout=1.0)  # as long as the reader lets it: done, or waiting
        return out

    app.index.invalidate()
    reg.documents = documents_then_commit  # type: ignore[method-assign]
    try:
        snap = app.index.snapshot()
    finally:
        del reg.documents
    writer[0].join(timeout=30)
    assert not writer[0].is_alive()
    assert snapshot_problems(snap, complete) == []
    assert RD2023 in snap.docs  # the read began before the commit
    after = app.index.snapshot()
    assert after.generation > snap.generation
    assert RD2023_REV in after.docs and RD2023 not in after.docs
    assert snapshot_problems(after, complete) == []
