"""Append-only audit log of corpus changes: who, when, what, file hash (one JSON object a line)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from .registry import utc_now


class AuditLog:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def write(self, *, actor: str, action: str, **fields: object) -> None:
        entry = {"at": utc_now(), "actor": actor, "action": action}
        entry.update({k: v for k, v in fields.items() if v is not None})
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            # O_APPEND: every write lands at the end, never over earlier entries.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
