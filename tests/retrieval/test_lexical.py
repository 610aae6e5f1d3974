"""BM25 indexes: weighted queries, document frequencies, and the per-generation cache on disk."""

from __future__ import annotations

from retrieval.lexical import LexicalIndex, tokenize


def test_weighted_query_and_doc_freq():
    idx = LexicalIndex([["研发", "费用", "扣除"], ["天使", "投资"], ["研发", "活动"]])
    assert idx.doc_freq("研发") == 2 and idx.doc_freq("天使") == 1 and idx.doc_freq("无") == 0
    top = idx.top([("研发", 1.0), ("扣除", 1.0)], k=3)
    assert [pos for pos, _ in top] == [0, 2]
    heavy = idx.top([("活动", 3.0), ("扣除", 0.1)], k=1)
    assert heavy[0][0] == 2


def test_save_and_load_give_the_same_scores(tmp_path):
    idx = LexicalIndex([["研发", "费用"], ["天使", "投资"], []])
    idx.save(tmp_path / "zh")
    again = LexicalIndex.load(tmp_path / "zh")
    q = [("研发", 1.0), ("投资", 0.5)]
    assert again.size == 3
    assert again.top(q, 3) == idx.top(q, 3)
    assert again.doc_freq("投资") == 1
    LexicalIndex([]).save(tmp_path / "empty")
    assert LexicalIndex.load(tmp_path / "empty").top(q, 3) == []


def test_tokenize_drops_punctuation_and_function_words():
    toks = tokenize("研发费用的加计扣除，比例是100％。")
    assert "的" not in toks and "，" not in toks
    assert "100%" in toks and "研发" in toks


def test_snapshot_reuses_the_saved_indexes(app):
    first = app.searcher.search("研发费用加计扣除比例", k=3)
    data_dir = app.index.registry.path.parent
    caches = list((data_dir / "cache").glob("lexical-*-g*"))
    assert len(caches) == 1 and (caches[0] / "done").exists()
    app.index.invalidate()
    assert [h.chunk.id for h in app.searcher.search("研发费用加计扣除比例", k=3)] == [h.chunk.id for h in first]
    # a damaged cache is rebuilt, not trusted
    for f in (caches[0] / "zh").iterdir():
        f.write_bytes(b"garbage")
    app.index.invalidate()
    assert [h.chunk.id for h in app.searcher.search("研发费用加计扣除比例", k=3)] == [h.chunk.id for h in first]
    # a change makes a new generation's cache and removes the old one
    from retrieval.documents import doc_id_for

    app.corpus.remove(doc_id_for("transfer_law.md"))
    app.searcher.search("研发", k=1)
    names = [p.name for p in (data_dir / "cache").glob("lexical-*-g*")]
    assert len(names) == 1 and names[0] != caches[0].name


def test_built_from_ids_scores_exactly_as_bm25s_from_tokens():
    import bm25s
    import numpy as np

    docs = [
        tokenize("企业开展研发活动中实际发生的研发费用，再按照实际发生额的100%在税前加计扣除。"),
        tokenize("科技成果转化奖励不纳入本单位绩效工资总额基数。"),
        [],  # a chunk with no tokens at all
        tokenize("研发费用加计扣除 研发费用 研发"),
        ["r&d", "super", "deduction", "r&d"],
    ]
    reference = bm25s.BM25(k1=1.2, b=0.75)
    reference.index([d or [""] for d in docs], show_progress=False)
    index = LexicalIndex(docs)

    assert index.size == len(docs)
    for token in {t for d in docs for t in d}:
        ours = index.scores([(token, 1.0)])
        theirs = reference.get_scores([token])
        assert np.allclose(ours, theirs, atol=1e-6), token
        assert index.doc_freq(token) == sum(token in d for d in docs)
    assert index.doc_freq("不存在") == 0
