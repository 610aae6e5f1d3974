"""The index on a Chroma server (`[store] url` / POLICYBOT_STORE_URL) behaves as the embedded one.

One real `chroma run` on 127.0.0.1 serves the whole session (``tests/server.py``); each test
uses its own collection. If the server cannot start the tests skip, unless
POLICYBOT_REQUIRE_SERVER=1 (CI), when they fail. POLICYBOT_TEST_STORE_URL points the tests at
a server that is already running instead.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from bot.app import build_app
from bot.config import load_settings
from retrieval.documents import IndexMismatch, doc_id_for
from retrieval.index import embed_key
from retrieval.store import ChromaStore, StoreError
from tests.conftest import MINI_CORPUS, write_config
from tests.server import ChromaServer, ServerUnavailable, free_port

pytestmark = pytest.mark.server

RD2018 = doc_id_for("rd_2018.md")
TRANSFER = doc_id_for("transfer_law.md")


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory):
    given = os.environ.get("POLICYBOT_TEST_STORE_URL")
    if given:
        yield given.rstrip("/")
        return
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db")
    try:
        server.start()
    except ServerUnavailable as exc:
        if os.environ.get("POLICYBOT_REQUIRE_SERVER") == "1":
            pytest.fail(f"POLICYBOT_REQUIRE_SERVER=1 but the Chroma server did not start: {exc}")
        pytest.skip(f"no Chroma server: {exc}")
    try:
        yield server.url
    finally:
        server.stop()


def _config(tmp_path: Path, extra: str = "") -> Path:
    # a collection of its own per test: tests never see each other's vectors on the shared server
    name = f"t{uuid.uuid4().hex[:10]}"
    return write_config(tmp_path / "config.toml", f'[store]\ncollection = "{name}"\n{extra}')


def _server_settings(config: Path, url: str):
    return load_settings(config, env={"POLICYBOT_STORE_URL": url})


class KnownVectors:
    """The real embedder, answering from vectors the session's mini index already computed."""

    def __init__(self, inner, built_data: Path):
        from retrieval.registry import Registry

        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        reg = Registry(built_data / "registry.sqlite3")
        self.known = {s.embed_key: s.embedding.copy() for s in reg.iter_chunks()}
        reg.close()
        self.computed = 0

    def embed_passages(self, texts):
        out = []
        for t in texts:
            v = self.known.get(embed_key(self.model_id, t))
            if v is None:
                v = self.inner.embed_passages([t])[0]
                self.computed += 1
            out.append(v)
        return np.vstack(out)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _server_ids(url: str, collection: str) -> set[str]:
    """What the server itself holds, through a client of its own."""
    return ChromaStore(collection, url=url).ids()


@pytest.fixture
def server_app(tmp_path: Path, chroma_url: str, _built_mini_index: Path):
    """A fresh data directory on the server with the mini corpus ingested through the real path."""
    settings = _server_settings(_config(tmp_path), chroma_url)
    if (_built_mini_index / "cache").is_dir():  # the English dictionary, parsed once already
        shutil.copytree(_built_mini_index / "cache", settings.data_dir / "cache")
    app = build_app(settings)
    app.index.embedder = KnownVectors(app.index.embedder, _built_mini_index)
    report = app.corpus.ingest_paths([MINI_CORPUS])
    assert report.ok and report.count("added") == 5
    yield app
    app.close()


def test_store_url_puts_every_vector_on_the_server(server_app, chroma_url):
    app = server_app
    assert app.settings.store.url == chroma_url
    assert app.index.store.location == chroma_url
    assert not (app.settings.data_dir / "chroma").exists()  # nothing embedded on the side
    ids = app.index.registry.chunk_ids()
    assert len(ids) == 15
    assert _server_ids(chroma_url, app.index.store.name) == ids


def test_search_on_the_server_finds_known_clauses(server_app):
    app = server_app
    hits = app.searcher.search("研发费用加计扣除的比例是多少", k=5)
    assert hits and hits[0].doc.doc_id in {RD2018, doc_id_for("rd_2023.md"),
                                           doc_id_for("manufacturing_2021.md")}
    assert "加计扣除" in hits[0].chunk.text
    hits = app.searcher.search("科技成果转让净收入奖励比例", k=3)
    assert hits[0].doc.doc_id == TRANSFER and "百分之五十" in hits[0].chunk.text
    hits = app.searcher.search("What is the R&D super deduction rate for manufacturing companies?", k=3)
    assert hits[0].doc.doc_id == doc_id_for("manufacturing_2021.md")
    # the dense side alone, filtered by document on the server
    vec = app.index.embedder.embed_query("技术转移示范机构")
    dense = app.index.store.query(vec, 3, [doc_id_for("northeast_plan.txt")])
    assert dense and all(cid.startswith(doc_id_for("northeast_plan.txt")) for cid, _ in dense)


def test_replace_and_remove_on_the_server(server_app, chroma_url, tmp_path):
    app = server_app
    changed = tmp_path / "v1" / "rd_2018.md"
    changed.parent.mkdir()
    changed.write_text((MINI_CORPUS / "rd_2018.md").read_text(encoding="utf-8")
                       .replace("的75%", "的80%"), encoding="utf-8")
    old_ids = {s.chunk.id for s in app.index.registry.iter_chunks(RD2018)}
    change = app.corpus.ingest(app.corpus.prepare(changed))
    assert change.action == "replaced"
    new_ids = {s.chunk.id for s in app.index.registry.iter_chunks(RD2018)}
    assert old_ids - new_ids and new_ids - old_ids
    assert app.index.embedder.computed == 1  # only the changed clause was embedded
    assert _server_ids(chroma_url, app.index.store.name) == app.index.registry.chunk_ids()
    hits = app.searcher.search("研发费用加计扣除 实际发生额的80%", k=3)
    assert "80%" in hits[0].chunk.text and hits[0].doc.doc_id == RD2018

    app.corpus.remove(TRANSFER)
    server = _server_ids(chroma_url, app.index.store.name)
    assert server == app.index.registry.chunk_ids()
    assert not any(i.startswith(TRANSFER) for i in server)
    assert all(h.doc.doc_id != TRANSFER for h in app.searcher.search("科技成果转化 奖励", k=10))


def test_repair_on_the_server(server_app, chroma_url):
    app = server_app
    settings = app.settings
    ids = sorted(app.index.registry.chunk_ids())
    store = app.index.store
    store.delete(ids[:3])
    store.upsert(["dgone-0000-orphan"], np.ones((1, store_dim(app)), np.float32),
                 [{"doc_id": "dgone"}])
    # leftovers of a crashed change: a journal entry and the vectors it had added
    app.index.registry.journal_begin("ingest", "dcrashed")
    store.upsert(["dcrashed-0000-x"], np.ones((1, store_dim(app)), np.float32),
                 [{"doc_id": "dcrashed"}])
    reopened = build_app(settings)  # opening repairs
    assert _server_ids(chroma_url, store.name) == set(ids)
    assert reopened.index.registry.journal_pending() == []
    assert reopened.index.repair() == {"removed": 0, "restored": 0, "journal": 0, "files": 0}
    reopened.close()


def store_dim(app) -> int:
    return app.index.embedder.dim


def test_registry_refills_an_empty_server_collection(tmp_path, chroma_url, _built_mini_index):
    """A data directory indexed with the embedded store (as the Docker image build does) moves to
    a server: opening it fills the server's collection from the registry, no re-embedding."""
    shutil.copytree(_built_mini_index, tmp_path / "data")
    shutil.rmtree(tmp_path / "data" / "chroma")
    app = build_app(_server_settings(_config(tmp_path), chroma_url))
    assert _server_ids(chroma_url, app.index.store.name) == app.index.registry.chunk_ids()
    assert len(app.index.registry.chunk_ids()) == 15
    assert app.searcher.search("国家技术转移示范机构", k=1)[0].doc.doc_id == doc_id_for(
        "northeast_plan.txt")
    app.close()


def test_index_mismatch_with_a_server(server_app, chroma_url, tmp_path):
    server_app.close()
    cfg = _config(tmp_path, "[chunking]\nmax_tokens = 200\n")
    # same registry, other chunker settings (and another collection name: it is not the store
    # that refuses, it is the registry's record of how the index was built)
    with pytest.raises(IndexMismatch, match="policybot reindex"):
        build_app(_server_settings(cfg, chroma_url))


def test_health_against_the_server(server_app, chroma_url, capsys, monkeypatch):
    from bot import cli, ops  # noqa: F401  (registers `health`)

    server_app.close()
    cfg = server_app.settings.paths.data_dir.parent / "config.toml"
    monkeypatch.setenv("POLICYBOT_STORE_URL", chroma_url)
    code = cli.main(["--config", str(cfg), "health"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    assert out["ok"] and out["vectors"] == out["chunks"] == 15 and out["store"] == chroma_url
    assert out["checked"] == ["registry", "files", "store", "search"]
    # and without an app: the server is safe to check from a second process
    settings = load_settings(cfg)
    assert ops.health_without_app(settings, cli.build_parser().parse_args(["health"])) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["vectors"] == 15


def test_store_url_in_the_config_file(tmp_path, chroma_url):
    cfg = write_config(tmp_path / "config.toml",
                       f'[store]\nurl = "{chroma_url}"\ncollection = "t{uuid.uuid4().hex[:10]}"\n')
    settings = load_settings(cfg, env={})
    assert settings.store.url == chroma_url
    store = ChromaStore("policybot-cfg-test", url=settings.store.url)
    assert store.count() == 0 and store.location == chroma_url


def test_unreachable_or_malformed_server_url_is_a_clear_error(tmp_path):
    port = free_port()  # nothing listens there
    with pytest.raises(StoreError, match="Is `chroma run` listening there"):
        ChromaStore("policybot-x", url=f"http://127.0.0.1:{port}")
    with pytest.raises(StoreError, match=r"must look like http://127\.0\.0\.1:8000"):
        ChromaStore("policybot-x", url="127.0.0.1:8000")


def test_server_helper_says_why_a_server_did_not_start(tmp_path):
    """A port already taken: the helper reports the server's own words instead of hanging."""
    import socket

    from tests.server import chroma_executable

    if chroma_executable() is None:
        pytest.skip("the chroma command is not installed")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ChromaServer(tmp_path / "db", port=taken.getsockname()[1])
        with pytest.raises(ServerUnavailable, match=r"`chroma run` (exited|gave no heartbeat)"):
            server.start(timeout=15)
    assert server.proc is None or server.proc.poll() is not None
