"""Analytics: questions, refusals, feedback and the /stats numbers and chart."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.analytics import Analytics, chart_png


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2024, 5, 15, 9, 30, tzinfo=UTC))  # a Wednesday


@pytest.fixture
def analytics(tmp_path: Path, clock: Clock) -> Analytics:
    a = Analytics(tmp_path / "analytics.sqlite3", clock=clock)
    yield a
    a.close()


def ask(a: Analytics, user: int, text: str, *, abstained: bool = False, ms: float = 40) -> int:
    return a.record_question(user, text, lang="zh", abstained=abstained, latency_ms=ms)


def test_counts_per_day_week_refusals_and_top_questions(analytics: Analytics, clock: Clock) -> None:
    start = clock.now
    for days_ago, n, refused in [(0, 3, 1), (1, 2, 0), (6, 1, 1), (10, 4, 0), (40, 2, 2)]:
        clock.now = start - timedelta(days=days_ago)
        for i in range(n):
            ask(analytics, 100 + i, f"问题{i % 2}", abstained=i < refused, ms=10 * (i + 1))
    clock.now = start
    s = analytics.stats()
    assert (s.total, s.today, s.last_7_days, s.last_30_days) == (12, 3, 6, 10)
    assert s.refused == 4 and s.refusal_rate == pytest.approx(4 / 12)
    assert s.users == 4
    assert s.days[-1] == ("2024-05-15", 3, 1)
    assert s.days[-2] == ("2024-05-14", 2, 0)
    assert s.days[0][0] == "2024-05-02" and len(s.days) == 14
    assert s.days[-11] == ("2024-05-05", 4, 0)
    assert s.weeks[-1] == ("2024-W20", 5, 1)  # Mon 13 – Wed 15 May
    assert s.weeks[-2] == ("2024-W19", 1, 1)  # Thu 9 May
    assert s.weeks[-3] == ("2024-W18", 4, 0)  # Sun 5 May ends ISO week 18
    assert len(s.weeks) == 8
    assert s.top_questions == (("问题0", 7), ("问题1", 5))


def test_feedback_is_one_vote_per_user_and_question(analytics: Analytics) -> None:
    q = ask(analytics, 1, "研发费用？")
    assert analytics.record_feedback(q, 7, True) is True
    assert analytics.record_feedback(q, 7, False) is True  # changed their mind
    assert analytics.record_feedback(q, 8, True) is True
    assert analytics.record_feedback(q + 99, 8, True) is False
    s = analytics.stats()
    assert (s.feedback_up, s.feedback_down) == (1, 1)


def test_user_ids_are_stored_only_as_salted_hashes(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "a.sqlite3"
    a = Analytics(path, clock=clock)
    ask(a, 123456789, "q")
    h = a.user_hash(123456789)
    a.close()
    db = sqlite3.connect(path)
    dump = "\n".join(db.iterdump())
    db.close()
    assert "123456789" not in dump
    again = Analytics(path, clock=clock)  # the salt persists: same user, same hash
    assert again.user_hash(123456789) == h != again.user_hash(123456788)
    again.close()
    other = Analytics(tmp_path / "b.sqlite3", clock=clock)
    assert other.user_hash(123456789) != h  # and differs between installations
    other.close()


def test_empty_stats_and_chart(analytics: Analytics) -> None:
    s = analytics.stats()
    assert (s.total, s.refusal_rate, s.avg_latency_ms, s.top_questions) == (0, 0.0, 0.0, ())
    png = chart_png(s)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000


def test_chart_of_real_numbers(analytics: Analytics) -> None:
    for i in range(5):
        ask(analytics, i, "q", abstained=i == 0)
    png = chart_png(analytics.stats())
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert (width, height) == (640, 320)
