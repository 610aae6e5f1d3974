"""Developer aid: show where a chunk ranks for a question, with its signals."""
import sys

from bot.app import build_app
from bot.config import load_settings

settings = load_settings(data_dir=sys.argv[1])
app = build_app(settings)
q = sys.argv[2]
needle = sys.argv[3] if len(sys.argv) > 3 else ""
plan = app.searcher.plan(q)
print("plan terms:", plan.terms)
print("phrases:", plan.phrases, "num", plan.wants_number, "cur", plan.wants_current)
hits = app.searcher.search(q, k=60)
for i, h in enumerate(hits, 1):
    mark = "**" if needle and needle in h.chunk.text else "  "
    if i <= 8 or mark == "**":
        print(mark, i, round(h.score, 5), h.signals, h.doc.meta.doc_number, h.chunk.text[:50].replace("\n", " "))
