"""Languages (issue 11): the same questions asked in English and in Chinese, and English
questions in LLM mode, where a chat model's Chinese translation is searched too.

Our validation set's English and Chinese halves are different questions: the Chinese ones were
written in the corpus's own words, the English ones as everyday paraphrases. To tell a language
gap from a difference between question sets, each half is also asked in the other language,
through translations recorded once (``bench/questions/translations_zh.jsonl`` and
``translations_en.jsonl``, written by a general-purpose LLM from the question text alone, with no
access to the corpus or the gold phrases). The LLM-mode rows replay the Chinese translations
through the real answerer (``Answerer.gather``: both searches fused by ``fuse_hit_lists``), so
no model has to run here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from retrieval.evaluate import is_hit

from .common import PROJECT_ROOT, Context, Section, Target, eval_index, fmt, md_table, open_app

QUESTIONS = PROJECT_ROOT / "bench" / "questions"
TRANSLATIONS_ZH = QUESTIONS / "translations_zh.jsonl"
TRANSLATIONS_EN = QUESTIONS / "translations_en.jsonl"
SETS = (("validation", QUESTIONS / "validation.jsonl"), ("en_tuning", QUESTIONS / "en_tuning.jsonl"))
QUICK_PER_SET = 5


class RecordedTranslator:
    """The ``bot.translate.Translator`` interface over recorded translations."""

    def __init__(self, table: dict[str, str]):
        self.table = table

    def translate(self, text: str) -> str | None:
        return self.table.get(text.strip())


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def translations(path: Path, field: str) -> dict[str, str]:
    return {r["question"]: r[field] for r in read_jsonl(path)}


def recall(questions: Sequence[dict], ranked: Callable[[dict], list[str]]) -> dict:
    """R@1 and R@5 of ``ranked`` (chunk texts, best first) with the gold-phrase hit rule."""
    ranks = []
    for q in questions:
        texts = ranked(q)
        ranks.append(next((i for i, t in enumerate(texts, 1) if is_hit(t, q["gold"])), None))
    n = len(ranks) or 1
    return {"n": len(ranks), "r1": round(sum(r == 1 for r in ranks) / n, 3),
            "r5": round(sum(1 for r in ranks if r and r <= 5) / n, 3),
            "missed": [q["id"] for q, r in zip(questions, ranks, strict=True) if r != 1]}


def run(ctx: Context) -> Section:
    section = Section("languages", "Languages: the same questions in English and Chinese; LLM-mode translation")
    to_zh, to_en = translations(TRANSLATIONS_ZH, "zh"), translations(TRANSLATIONS_EN, "en")
    sets = {name: read_jsonl(path) for name, path in SETS}
    if ctx.quick:
        sets = {name: qs[:QUICK_PER_SET] + [q for q in qs if q["lang"] == "zh"][:QUICK_PER_SET]
                for name, qs in sets.items()}
    t0 = time.perf_counter()
    app = open_app(eval_index(ctx))
    try:
        def search(text: str) -> list[str]:
            return [h.chunk.text for h in app.searcher.search(text, k=10)]

        val = sets["validation"]
        zh_written = [q for q in val if q["lang"] == "zh" and q["question"] in to_en]
        en_written = [q for q in val if q["lang"] == "en" and q["question"] in to_zh]
        parity = {
            ("zh-written", "zh"): recall(zh_written, lambda q: search(q["question"])),
            ("zh-written", "en"): recall(zh_written, lambda q: search(to_en[q["question"]])),
            ("en-written", "en"): recall(en_written, lambda q: search(q["question"])),
            ("en-written", "zh"): recall(en_written, lambda q: search(to_zh[q["question"]])),
        }
        answerer = app.answerer
        offline, llm = {}, {}
        for name, qs in sets.items():
            english = [q for q in qs if q["lang"] == "en"]
            offline[name] = recall(english, lambda q: search(q["question"]))
            answerer.translator = RecordedTranslator(to_zh)
            try:
                llm[name] = recall(english, lambda q: [h.chunk.text for h in answerer.gather(q["question"]).hits])
            finally:
                answerer.translator = None
    finally:
        app.close()
    seconds = time.perf_counter() - t0
    section.data = {
        "parity": [{"set": s, "asked_in": lang, **r} for (s, lang), r in parity.items()],
        "offline": offline, "llm": llm, "seconds": round(seconds, 1), "sampled": ctx.quick,
    }
    note = "quick mode: a sample" if ctx.quick else ""
    section.targets = [
        Target("English validation R@1 (offline)", 85, "%", round(100 * offline["validation"]["r1"], 1),
               higher_is_better=True, note=note),
        Target("English validation R@5 (offline)", 97, "%", round(100 * offline["validation"]["r5"], 1),
               higher_is_better=True, note=note),
        Target("English validation R@1 (LLM mode, recorded translations)", 85, "%",
               round(100 * llm["validation"]["r1"], 1), higher_is_better=True, note=note),
        Target("English validation R@5 (LLM mode, recorded translations)", 97, "%",
               round(100 * llm["validation"]["r5"], 1), higher_is_better=True, note=note),
    ]
    section.body = body(parity, offline, llm, seconds, ctx.quick)
    section.seconds = seconds
    return section


def body(parity: dict, offline: dict, llm: dict, seconds: float, quick: bool) -> str:
    sample = f" — quick mode: the first {QUICK_PER_SET} questions of each set and language" if quick else ""
    rows = []
    for (s, lang), r in parity.items():
        rows.append([f"validation, {s} ({r['n']})", "as written" if s.startswith(lang) else "translated",
                     lang, fmt(r["r1"], 3), fmt(r["r5"], 3)])
    both = {lang: [r for (s, l2), r in parity.items() if l2 == lang] for lang in ("zh", "en")}
    for lang, rs in both.items():
        n = sum(r["n"] for r in rs) or 1
        rows.append([f"**both halves ({n})**", "", lang,
                     fmt(sum(r["r1"] * r["n"] for r in rs) / n, 3), fmt(sum(r["r5"] * r["n"] for r in rs) / n, 3)])
    parts = [
        f"Retrieval only (`searcher.search`, top 10), {seconds:.0f} s{sample}. Translations are "
        "recorded (see the module docstring); the gold phrases are the same in both languages.",
        "### The same questions in both languages\n\n"
        + md_table(["questions", "asked", "in", "R@1", "R@5"], rows),
        "### English questions in LLM mode\n\nThe answerer with a translator (recorded translations "
        "replayed): the English question and its Chinese translation are both searched and the "
        "rankings fused.\n\n"
        + md_table(
            ["English questions", "n", "offline R@1", "R@5", "LLM mode R@1", "R@5", "still not first (LLM mode)"],
            [[name, offline[name]["n"], fmt(offline[name]["r1"], 3), fmt(offline[name]["r5"], 3),
              fmt(llm[name]["r1"], 3), fmt(llm[name]["r5"], 3), ", ".join(llm[name]["missed"][:12])]
             for name in offline],
        ),
    ]
    return "\n\n".join(parts)
