"""The dense rerank of English questions: stored chunk vectors in the snapshot, scaled similarity."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from retrieval.search import dense_similarity


def test_snapshot_holds_each_chunks_stored_vector(app):
    snap = app.index.snapshot()
    assert snap.vectors is not None
    assert snap.vectors.shape == (snap.size, app.index.embedder.dim)
    stored = {s.chunk.id: s.embedding for s in app.index.registry.iter_chunks()}
    for pos in (0, snap.size // 2, snap.size - 1):
        assert np.array_equal(snap.vectors[pos], stored[snap.chunks[pos].id])


def test_dense_similarity_scales_over_the_candidates():
    snap = SimpleNamespace(vectors=np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32))
    sims = dense_similarity(snap, [0, 1, 2], np.array([1.0, 0.0]))
    assert sims == pytest.approx({0: 1.0, 1: 0.6, 2: 0.0})
    assert dense_similarity(snap, [0, 1], np.array([0.0, 1.0])) == pytest.approx({0: 0.0, 1: 1.0})
    assert dense_similarity(SimpleNamespace(vectors=None), [0], np.array([1.0, 0.0])) == {}
    assert dense_similarity(snap, [1, 1], np.array([1.0, 0.0])) == {}  # nothing to tell apart


def test_english_questions_get_the_vector_bonus_and_chinese_ones_do_not(app):
    question = "Can a university keep the income from transferring research results?"
    weighted = app.searcher.search(question, k=10)
    assert max(h.signals["vector"] for h in weighted) == 1.0
    unit = 1.0 / (app.searcher.params.rrf_k + 1)
    w = app.searcher.params.english_vector_weight
    assert w > 0

    app.searcher.params = dataclasses.replace(app.searcher.params, english_vector_weight=0.0)
    plain = {h.chunk.id: h for h in app.searcher.search(question, k=10)}
    assert all(h.signals["vector"] == 0.0 for h in plain.values())
    shared = [h for h in weighted if h.chunk.id in plain]
    assert shared
    for h in shared:
        bonus = h.score - plain[h.chunk.id].score
        assert bonus == pytest.approx(unit * w * h.signals["vector"], abs=2e-6)

    app.searcher.params = dataclasses.replace(app.searcher.params, english_vector_weight=w)
    assert all(h.signals["vector"] == 0.0 for h in app.searcher.search("成果转化收入归谁？", k=10))


def test_the_dense_candidates_are_cut_by_similarity_not_by_the_stores_order():
    from retrieval.glossary import Glossary
    from retrieval.search import DENSE_OVERFETCH, Searcher

    asked: list[int] = []

    class Store:  # an approximate search: near-equal neighbours in no particular order
        def dense(self, vec, n, allowed):
            asked.append(n)
            return [("c2", 0.80), ("c0", 0.91), ("gone", 0.99), ("c3", 0.80), ("c1", 0.85)]

    searcher = Searcher(Store(), Glossary.empty())  # type: ignore[arg-type]
    snap = SimpleNamespace(position={"c0": 0, "c1": 1, "c2": 2, "c3": 3})
    got = searcher._dense(snap, np.zeros(2), 3, None)  # type: ignore[arg-type]
    # an id the snapshot lacks (an uncommitted change) is skipped; equal ones go by position
    assert got == [(0, 0.91), (1, 0.85), (2, 0.80)]
    assert asked == [3 + DENSE_OVERFETCH]
