"""Smoke run of the benchmark suite (``python -m bench.run --quick``) on the mini corpus.

Benchmarks are not tests: this only keeps the suite working. It checks that every benchmark
ran and wrote its part of the report, with numbers where numbers belong; never timings.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.conftest import MINI_CORPUS

pytestmark = pytest.mark.slow

# Questions on the mini corpus whose gold phrases are in it (the hit rule needs them).
QUESTIONS = [
    {
        "id": "M1",
        "lang": "zh",
        "question": "研发费用加计扣除比例是多少？",
        "gold": ["100%在税前加计扣除"],
    },
    {
        "id": "M2",
        "lang": "en",
        "question": "What extra share of R&D expenses can be deducted since 2023?",
        "gold": ["100%在税前加计扣除"],
    },
    {
        "id": "M3",
        "lang": "zh",
        "question": "促进科技成果转化法的立法目的是什么？",
        "gold": ["促进科技成果转化为现实生产力"],
    },
]


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    from bench.run import main

    base = tmp_path_factory.mktemp("bench")
    questions = base / "questions.jsonl"
    questions.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n", encoding="utf-8"
    )
    out = base / "results"
    code = main(
        ["--quick", "--out", str(out), "--corpus", str(MINI_CORPUS), "--questions", str(questions)]
    )
    return code, out


def test_quick_run_writes_the_report_and_charts(quick_run: tuple[int, Path]) -> None:
    code, out = quick_run
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    failed = {k: v for k, v in results["sections"].items() if v["status"] == "failed"}
    assert code == 0, failed
    for name in ("report.md", "results.json", "quality.png", "latency.png", "scale.png"):
        path = out / name
        assert path.is_file() and path.stat().st_size > 0, name
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "# policybot benchmark report",
        "## Targets",
        "## Ingest and re-sync",
        "## Quality: retrieval against the baselines",
        "## Languages: the same questions in English and Chinese; LLM-mode translation",
        "## Refusals: near-miss questions refused, answerable ones answered",
        "## Latency on the evaluation corpus",
        "## Scale: search latency and memory against index size",
        "## Bot:",
    ):
        assert heading in report, heading
    assert "Machine: " in report and "cores" in report and "GiB RAM" in report
    assert "**quick mode**" in report
    assert "![quality](quality.png)" in report and "![scale](scale.png)" in report
    assert set(results["sections"]) == {"ingest", "quality", "languages", "refusals", "latency", "scale", "bot"}
    languages = results["sections"]["languages"]["data"]
    assert languages["llm"]["validation"]["n"] > 0 and len(languages["parity"]) == 4
    assert all(_number(r["r1"]) and _number(r["r5"]) for r in languages["parity"])
    for key in ("ingest", "quality", "languages", "refusals", "latency", "scale"):
        assert results["sections"][key]["status"] == "ok", key
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["ram_gib"] > 0 and machine["python"].startswith("3.")


def test_quality_scores_every_pipeline_on_the_questions(quick_run: tuple[int, Path]) -> None:
    _, out = quick_run
    data = json.loads((out / "results.json").read_text())["sections"]["quality"]["data"]
    rows = data["results"]["questions"]
    assert set(rows) == {
        "policybot",
        "bm25-paragraphs",
        "dense-paragraphs",
        "hybrid-paragraphs",
        "bm25-langchain",
        "hybrid-langchain",
    }
    for name, row in rows.items():
        assert row["n"] == 3, name
        assert row["en"]["n"] == 1 and row["zh"]["n"] == 2, name
        for scope in ("all", "en", "zh"):
            for metric in ("r1", "r5", "mrr"):
                assert 0.0 <= row[scope][metric] <= 1.0, (name, scope, metric)
    # every gold phrase is in the mini corpus, and every pipeline searches all of it
    assert all(row["all"]["r5"] == 1.0 for row in rows.values())
    assert data["units"]["paragraphs"] > 0 and data["units"]["langchain_chunks"] > 0


def test_refusals_answers_a_sample_of_every_set_at_each_threshold(
    quick_run: tuple[int, Path],
) -> None:
    _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    data = results["sections"]["refusals"]["data"]
    assert data["sampled"] is True and data["threshold"] == 0.5
    # quick mode: at most two questions of each set and language, every one answered or refused
    rates = data["rates"]
    assert {"test_near", "test_answerable", "validation", "oos_near", "oos_far"} <= set(rates)
    for group in rates.values():
        for row in group.values():
            assert 1 <= row["n"] <= 2 and 0.0 <= row["rate"] <= 1.0
            assert len(row["wrong"]) == round((1 - row["rate"]) * row["n"])
    # near-miss questions the catalog has since taken in are sampled as questions to answer
    from bench.refusals import NOW_COVERED

    covered = {q["id"] for q in data["questions"] if q["id"] in NOW_COVERED}
    assert covered and set(rates["oos_covered"]) == {"zh", "en"}
    # the curve re-answers the same sample at the configured threshold and the quick grid
    assert [c["threshold"] for c in data["curve"]] == [0.3, 0.5, 0.8]
    assert all(set(c["rates"]) == set(rates) for c in data["curve"])
    assert (out / "refusals.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    names = {t["name"] for t in results["targets"]}
    assert "near-miss, held out (answerability_test) refused [en]" in names


def test_ingest_latency_and_scale_report_numbers(quick_run: tuple[int, Path]) -> None:
    _, out = quick_run
    results = json.loads((out / "results.json").read_text())
    sections = results["sections"]
    ingest = sections["ingest"]["data"]
    chars = sum(len(p.read_bytes().decode("utf-8")) for p in sorted(MINI_CORPUS.iterdir()))
    assert ingest["files"] == 5 and ingest["chars"] == chars
    assert ingest["chunks"] > 0 and ingest["failures"] == []
    assert len(ingest["resync_seconds"]) == 1 and _number(ingest["resync_seconds"][0])
    probe = sections["latency"]["data"]["probe"]
    assert probe["search"]["n"] == 3 and probe["ask"]["n"] == 3
    for key in ("p50", "p95"):
        assert _number(probe["search"][key]) and _number(probe["ask"][key])
    assert probe["rss_peak_mib"] > 0
    assert set(probe["stages_ms"]) == {"plan", "bm25", "embed_query", "hnsw", "fuse_rerank"}
    cold = sections["latency"]["data"]["cold_start"]
    assert len(cold) == 1 and cold[0]["answer_chars"] > 0
    (row,) = sections["scale"]["data"]["rows"]
    assert row["size"] == 40 and row["chunks"] >= 40 and row["vectors"] == "composed"
    assert _number(row["search"]["p95"]) and row["rss_peak_mib"] > 0
    names = {t["name"] for t in results["targets"]}
    assert {
        "search p95, evaluation corpus",
        "extractive answer p95, evaluation corpus",
        "ingest throughput, whole corpus",
        "re-sync of the unchanged corpus (median)",
        "cold start to first answer (median)",
    } <= names
    measured = [t for t in results["targets"] if t["note"] != "pending"]
    assert all(_number(t["value"]) and t["met"] in (True, False) for t in measured)


def test_bot_section_is_measured_or_marked_pending(quick_run: tuple[int, Path]) -> None:
    _, out = quick_run
    bot = json.loads((out / "results.json").read_text())["sections"]["bot"]
    report = (out / "report.md").read_text(encoding="utf-8")
    if bot["status"] == "pending":  # no Node.js / emulator here
        assert "Status: **pending**" in report
        return
    assert bot["status"] == "ok"
    assert bot["data"]["questions"] == 2  # 2 users × 1 question in quick mode
    assert 0 <= bot["data"]["lost"] <= 2
    assert len(bot["data"]["rounds"]) == 1  # quick mode: one round
    if bot["data"]["lost"] < 2:
        assert _number(bot["data"]["latency_ms"]["p50"])
        assert bot["data"]["p95_ms_median"] == bot["data"]["rounds"][0]["latency_ms"]["p95"]
