"""Ingest, replace, remove and sync: idempotent, atomic, and audited."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import load_settings
from retrieval.corpus import safe_file_name
from retrieval.documents import DocumentNotFound, IndexMismatch, doc_id_for
from tests.conftest import MINI_CORPUS, write_config


def _fresh_app(tmp_path: Path, extra: str = ""):
    return build_app(load_settings(write_config(tmp_path / "config.toml", extra), env={}))


def _chroma_ids(app) -> set[str]:
    return app.index.store.ids()


def test_ingest_folder_adds_every_document_once(tmp_path):
    app = _fresh_app(tmp_path)
    report = app.corpus.ingest_paths([MINI_CORPUS])
    assert report.ok
    assert report.count("added") == 5
    docs = {d.source_name: d for d in app.index.registry.documents()}
    assert set(docs) == {p.name for p in MINI_CORPUS.iterdir()}
    assert docs["rd_2018.md"].meta.doc_number == "财税〔2018〕99号"
    # registry and Chroma hold exactly the same chunk ids
    assert _chroma_ids(app) == app.index.registry.chunk_ids()
    assert sum(d.n_chunks for d in docs.values()) == len(app.index.registry.chunk_ids())
    app.close()


def test_reingesting_unchanged_files_changes_nothing(app):
    before_ids = app.index.registry.chunk_ids()
    before_gen = app.index.registry.generation()
    report = app.corpus.ingest_paths([MINI_CORPUS])
    assert report.count("unchanged") == 5 and report.count("added") == 0
    assert app.index.registry.chunk_ids() == before_ids
    assert app.index.registry.generation() == before_gen
    assert _chroma_ids(app) == before_ids


def test_changed_file_replaces_its_old_chunks(app, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(MINI_CORPUS, folder)
    target = folder / "rd_2018.md"
    target.write_text(
        target.read_text(encoding="utf-8").replace("75%", "80%"), encoding="utf-8"
    )
    old_ids = {s.chunk.id for s in app.index.registry.iter_chunks(doc_id_for("rd_2018.md"))}
    report = app.corpus.ingest_paths([target])
    assert [c.action for c in report.changes] == ["replaced"]
    new_chunks = list(app.index.registry.iter_chunks(doc_id_for("rd_2018.md")))
    assert any("80%" in s.chunk.text for s in new_chunks)
    assert not any("75%" in s.chunk.text for s in new_chunks)
    # the changed chunk got a new id; the old one is gone from both stores
    assert old_ids - {s.chunk.id for s in new_chunks}
    assert _chroma_ids(app) == app.index.registry.chunk_ids()
    hits = app.searcher.search("加计扣除比例 80%", k=3)
    assert "80%" in hits[0].chunk.text


def test_remove_and_unknown_id(app):
    doc_id = doc_id_for("transfer_law.md")
    change = app.corpus.remove(doc_id)
    assert change.action == "removed"
    assert app.index.registry.document(doc_id) is None
    assert not any(i.startswith(doc_id) for i in _chroma_ids(app))
    with pytest.raises(DocumentNotFound, match="policybot docs"):
        app.corpus.remove("dnothere")


def test_sync_adds_replaces_and_removes(app, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(MINI_CORPUS / "rd_2023.md", folder)
    shutil.copy(MINI_CORPUS / "transfer_law.md", folder)
    (folder / "new.txt").write_text(
        "关于测试的通知\n一、新文件的第一条规定了测试内容。\n", encoding="utf-8"
    )
    report = app.corpus.sync(folder)
    actions = sorted((c.action, c.source_name) for c in report.changes)
    assert ("added", "new.txt") in actions
    assert ("removed", "rd_2018.md") in actions
    assert ("unchanged", "rd_2023.md") in actions
    assert {d.source_name for d in app.index.registry.documents()} == {
        "rd_2023.md", "transfer_law.md", "new.txt"
    }
    assert _chroma_ids(app) == app.index.registry.chunk_ids()


def test_bad_file_is_reported_and_changes_nothing(app, tmp_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n this is not really a pdf")
    good = tmp_path / "good.md"
    good.write_text("# 关于测试的通知\n\n一、本通知用于测试。\n", encoding="utf-8")
    before = app.index.registry.chunk_ids()
    report = app.corpus.ingest_paths([bad, good])
    assert [name for name, _ in report.failures] == ["broken.pdf"]
    assert "broken.pdf" in report.failures[0][1]
    assert [c.source_name for c in report.changes] == ["good.md"]
    assert before < app.index.registry.chunk_ids()


def test_audit_log_records_every_change(app):
    app.corpus.remove(doc_id_for("rd_2018.md"), actor="telegram:42")
    entries = app.corpus.audit.entries()
    last = entries[-1]
    assert last["actor"] == "telegram:42"
    assert last["action"] == "removed"
    assert last["source_name"] == "rd_2018.md"
    assert len(last["sha256"]) == 64
    assert {e["action"] for e in entries} >= {"added", "removed"}


def test_index_refuses_other_chunker_settings(app, tmp_path):
    app.close()
    cfg = write_config(tmp_path / "config.toml", "[chunking]\nmax_tokens = 200\n")
    with pytest.raises(IndexMismatch, match="policybot reindex"):
        build_app(load_settings(cfg, env={}))


def test_reindex_rebuilds_with_new_settings(app, tmp_path):
    n_docs = len(app.index.registry.documents())
    app.close()
    cfg = write_config(tmp_path / "config.toml", "[chunking]\nmax_tokens = 64\nmin_tokens = 8\n")
    settings = load_settings(cfg, env={})
    with pytest.raises(IndexMismatch):
        build_app(settings)
    app2 = build_app(settings, reindexing=True)
    report = app2.corpus.reindex()
    assert report.ok and len(report.changes) == n_docs
    params = json.loads(app2.index.registry.get_meta("params"))
    assert params["chunker"]["max_tokens"] == 64
    assert all(s.chunk.n_tokens <= 64 for s in app2.index.registry.iter_chunks(with_embeddings=False))
    assert _chroma_ids(app2) == app2.index.registry.chunk_ids()
    app2.close()


def test_repair_removes_orphan_vectors_and_restores_missing(app):
    import numpy as np

    ids = sorted(app.index.registry.chunk_ids())
    app.index.store.delete(ids[:2])
    app.index.store.upsert(["orphan-1"], np.ones((1, app.index.embedder.dim), dtype=np.float32),
                           [{"doc_id": "dgone"}])
    fixed = app.index.repair()
    assert fixed["removed"] == 1 and fixed["restored"] == 2
    assert _chroma_ids(app) == set(ids)


@pytest.mark.parametrize(
    "name, expected",
    [("../../etc/passwd", "passwd"), ("..\\..\\x.txt", "x.txt"), ("a b/c d.pdf", "c_d.pdf"),
     ("通知〔2018〕17号.pdf", "通知〔2018〕17号.pdf"), ("", "document")],
)
def test_safe_file_name(name, expected):
    assert safe_file_name(name) == expected
