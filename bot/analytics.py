"""Usage analytics in SQLite in the data directory: questions, refusals, latency, feedback.

User ids are stored only as salted hashes (the salt lives in the same database, so counts of
distinct users work but the ids cannot be read back). ``chart_png`` draws the /stats chart
with matplotlib's Agg canvas (no display, no global pyplot state).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,            -- ISO timestamp, UTC
    day TEXT NOT NULL,           -- YYYY-MM-DD, UTC
    user_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    mode TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS questions_day ON questions(day);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_hash TEXT NOT NULL,
    value INTEGER NOT NULL,      -- 1 = 👍, -1 = 👎
    at TEXT NOT NULL,
    PRIMARY KEY (question_id, user_hash)
);
"""


@dataclass(frozen=True)
class Stats:
    """What /stats shows; ``days``/``weeks`` are (label, questions, refusals), oldest first."""

    total: int
    today: int
    last_7_days: int
    last_30_days: int
    refused: int
    users: int
    avg_latency_ms: float
    feedback_up: int
    feedback_down: int
    days: tuple[tuple[str, int, int], ...]
    weeks: tuple[tuple[str, int, int], ...]
    top_questions: tuple[tuple[str, int], ...]

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.total if self.total else 0.0


def _now() -> datetime:
    return datetime.now(UTC)


class Analytics:
    """Records questions and feedback; thread-safe (handlers and worker threads share it)."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = _now):
        self.path = path
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        if row is None:
            salt = secrets.token_hex(16)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (salt,))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
        self._salt = row[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def user_hash(self, user_id: int) -> str:
        return hashlib.sha256(f"{self._salt}:{user_id}".encode()).hexdigest()[:16]

    def record_question(
        self,
        user_id: int,
        text: str,
        *,
        lang: str,
        abstained: bool,
        latency_ms: float,
        mode: str = "",
    ) -> int:
        """Store one answered question; returns its id (for feedback buttons)."""
        now = self.clock()
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO questions (at, day, user_hash, text, lang, abstained, latency_ms, mode)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now.isoformat(timespec="seconds"),
                    now.date().isoformat(),
                    self.user_hash(user_id),
                    text,
                    lang,
                    int(abstained),
                    float(latency_ms),
                    mode,
                ),
            )
            return int(cur.lastrowid or 0)

    def record_feedback(self, question_id: int, user_id: int, positive: bool) -> bool:
        """Store (or change) one user's 👍/👎 on a question; False if no such question."""
        with self._lock:
            exists = self._db.execute(
                "SELECT 1 FROM questions WHERE id = ?", (question_id,)
            ).fetchone()
            if exists is None:
                return False
            self._db.execute(
                "INSERT INTO feedback (question_id, user_hash, value, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (question_id, user_hash) DO UPDATE SET value = excluded.value,"
                " at = excluded.at",
                (
                    question_id,
                    self.user_hash(user_id),
                    1 if positive else -1,
                    self.clock().isoformat(timespec="seconds"),
                ),
            )
            return True

    def stats(self, *, days: int = 14, weeks: int = 8, top: int = 5) -> Stats:
        """Counts for /stats, relative to the clock's current day (UTC)."""
        today = self.clock().date()
        with self._lock:
            q = self._db.execute
            total, refused, users, latency = q(
                "SELECT COUNT(*), COALESCE(SUM(abstained), 0), COUNT(DISTINCT user_hash),"
                " COALESCE(AVG(latency_ms), 0) FROM questions"
            ).fetchone()

            def since(first: date) -> int:
                return q(
                    "SELECT COUNT(*) FROM questions WHERE day >= ?", (first.isoformat(),)
                ).fetchone()[0]

            n_today = since(today)
            n_7 = since(today - timedelta(days=6))
            n_30 = since(today - timedelta(days=29))
            per_day = {
                d: (n, r)
                for d, n, r in q(
                    "SELECT day, COUNT(*), SUM(abstained) FROM questions WHERE day >= ?"
                    " GROUP BY day",
                    ((today - timedelta(days=7 * weeks)).isoformat(),),
                )
            }
            up, down = q(
                "SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) FROM feedback"
            ).fetchone()
            top_rows = q(
                "SELECT MIN(text), COUNT(*) AS n FROM questions"
                " GROUP BY lower(trim(text)) ORDER BY n DESC, MAX(at) DESC LIMIT ?",
                (top,),
            ).fetchall()

        day_rows = []
        for i in range(days - 1, -1, -1):
            d = today - timedelta(days=i)
            n, r = per_day.get(d.isoformat(), (0, 0))
            day_rows.append((d.isoformat(), n, r))
        week_rows = []
        monday = today - timedelta(days=today.weekday())
        for i in range(weeks - 1, -1, -1):
            start = monday - timedelta(weeks=i)
            n = r = 0
            for k in range(7):
                dn, dr = per_day.get((start + timedelta(days=k)).isoformat(), (0, 0))
                n, r = n + dn, r + dr
            year, week, _ = start.isocalendar()
            week_rows.append((f"{year}-W{week:02d}", n, r))
        return Stats(
            total=total,
            today=n_today,
            last_7_days=n_7,
            last_30_days=n_30,
            refused=refused,
            users=users,
            avg_latency_ms=float(latency),
            feedback_up=up,
            feedback_down=down,
            days=tuple(day_rows),
            weeks=tuple(week_rows),
            top_questions=tuple((text, n) for text, n in top_rows),
        )


def chart_png(stats: Stats, title: str = "Questions per day") -> bytes:
    """A small bar chart of questions (answered and refused) per day, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [d[5:] for d, _, _ in stats.days]  # MM-DD
    answered = [n - r for _, n, r in stats.days]
    refused = [r for _, _, r in stats.days]
    fig = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.bar(labels, answered, color="#3b7dd8", label="answered")
    ax.bar(labels, refused, bottom=answered, color="#d8893b", label="refused")
    ax.set_title(title)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
