"""Developer aid: cache rerank features for question sets, then grid-search the rerank weights.

    python scripts/tune_rerank.py DATA_DIR questions.jsonl [more.jsonl ...]
Prints R@1 / MRR@10 per set for the current weights and the best weights found. Use a held-out
set to check that a change generalises; the published dev set alone is too small to tune on.
"""
import itertools
import sys
from pathlib import Path

from bot.app import build_app
from bot.config import load_settings
from retrieval.evaluate import is_hit, load_questions

app = build_app(load_settings(data_dir=sys.argv[1]))
rows = []
for f in sys.argv[2:]:
    for q in load_questions(Path(f)):
        hits = app.searcher.search(q.question, k=200)
        cands = [(dict(h.signals), is_hit(h.chunk.text, q.gold)) for h in hits]
        rows.append((Path(f).stem, q.lang, cands))

KEYS = ("coverage", "sentence", "heading", "phrase", "number", "stale", "recency", "english")
unit = 1 / 61


def score(weights, s):
    return s["fused"] + unit * sum(w * s.get(k, 0.0) for k, w in zip(KEYS, weights, strict=True))


def evaluate(weights):
    out = {}
    for name, lang, cands in rows:
        ranked = sorted(cands, key=lambda c: -score(weights, c[0]))
        rank = next((i for i, (_, hit) in enumerate(ranked[:10], 1) if hit), None)
        m = out.setdefault((name, lang), [0, 0.0, 0])
        m[0] += rank == 1
        m[1] += 1 / rank if rank else 0
        m[2] += 1
    return {k: (round(v[0] / v[2], 3), round(v[1] / v[2], 3)) for k, v in out.items()}


current = (1.2, 0.8, 0.35, 0.8, 0.9, -0.5, 0.8, 1.0)
print("current", evaluate(current))
best = None
grid = itertools.product((0.8, 1.2, 1.6), (0.4, 0.8, 1.2), (0.35,), (0.4, 0.8, 1.2), (0.9,), (-0.5,), (0.8,),
                         (0.0, 0.5, 1.0, 2.0, 3.0))
for w in grid:
    r = evaluate(w)
    total = sum(a + b for a, b in r.values())
    if best is None or total > best[0]:
        best = (total, w, r)
print("best", best[1], best[2])
