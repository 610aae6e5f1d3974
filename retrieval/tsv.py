"""The word lists kept as TSV beside the glossary (``corpus/colloquial.tsv``, ``corpus/neighbours.tsv``):
their data rows, and the "|"-separated variants of a cell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def data_rows(path: Path, header: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, columns) of each data row: blank lines, ``#`` comments and the header row
    (the line starting with ``header`` and a tab) are skipped."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith(header + "\t"):
            continue
        yield n, line.split("\t")


def variants(cols: list[str], i: int) -> tuple[str, ...]:
    """The non-empty "|"-separated forms in column ``i`` (none when the row is shorter), stripped."""
    if len(cols) <= i:
        return ()
    return tuple(v.strip() for v in cols[i].split("|") if v.strip())
