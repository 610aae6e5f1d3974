"""Which indexed documents are still in force, and what replaced the ones that are not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from .documents import DocumentRecord
from .metadata import doc_number_matches


@dataclass(frozen=True)
class Validity:
    status: str  # "in_force" | "expired" | "repealed" | "not_yet"
    replaced_by: str | None = None  # 文号 (or title) of the repealing document
    replaced_by_id: str | None = None

    @property
    def current(self) -> bool:
        return self.status == "in_force"


def document_validity(
    docs: Mapping[str, DocumentRecord], today: str | None = None
) -> dict[str, Validity]:
    """Status of every document on ``today`` (ISO date), using the repeal lists of the others."""
    today = today or date.today().isoformat()
    out: dict[str, Validity] = {}
    for doc_id, rec in docs.items():
        number = rec.meta.doc_number
        repealer = None
        if number:
            for other in docs.values():
                if other.doc_id == doc_id:
                    continue
                if any(doc_number_matches(r, number) for r in other.meta.repeals):
                    start = other.meta.effective or other.meta.date
                    if start is None or start[:10] <= today:
                        repealer = other
                        break
        if repealer is not None:
            out[doc_id] = Validity(
                "repealed", repealer.meta.doc_number or repealer.meta.title, repealer.doc_id
            )
        elif rec.meta.expires and rec.meta.expires[:10] < today:
            out[doc_id] = Validity("expired")
        elif (rec.meta.effective or "")[:10] > today:
            out[doc_id] = Validity("not_yet")
        else:
            out[doc_id] = Validity("in_force")
    return out
