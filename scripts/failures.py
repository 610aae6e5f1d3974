"""Developer aid: for each question not answered at rank 1, show the question, gold and top hits."""
import sys
from pathlib import Path

from bot.app import build_app
from bot.config import load_settings
from retrieval.evaluate import first_hit_rank, is_hit, load_questions

app = build_app(load_settings(data_dir=sys.argv[1]))
qs = load_questions(Path(sys.argv[2]))
only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
for q in qs:
    if only and q.id not in only:
        continue
    hits = app.searcher.search(q.question, k=10)
    rank = first_hit_rank([h.chunk.text for h in hits], q.gold)
    if rank == 1:
        continue
    print(f"== {q.id} rank={rank} {q.question}")
    print("   gold:", q.gold)
    print("   plan:", [t for t, w in app.searcher.plan(q.question).terms][:25])
    for i, h in enumerate(hits[:3], 1):
        mark = "*" if is_hit(h.chunk.text, q.gold) else " "
        print(f"   {mark}{i} {h.doc.meta.doc_number} {h.chunk.section_label[:30]} | {h.chunk.text[:70]!r}")
