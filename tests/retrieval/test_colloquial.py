"""Everyday Chinese for the corpus's terms: the data file, matching, search and coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.colloquial import Colloquial, ColloquialError
from retrieval.documents import normalize
from tests.conftest import SHARED_CORPUS, needs_shared_corpus

BUNDLED = Path(__file__).resolve().parents[2] / "corpus" / "colloquial.tsv"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "colloquial.tsv"
    p.write_text(text, encoding="utf-8")
    return p


def test_words_are_found_longest_first_and_once(tmp_path):
    c = Colloquial.load(write(tmp_path, "everyday\tcorpus\tnote\n# a comment\n"
                                        "税务局\t税务机关\n地方税务局\t地方税务机关\n电脑|计算机\t电子设备\n"))
    assert len(c) == 3
    assert c.found_in("地方税务局说电脑怎么折旧") == [("地方税务局", ("地方税务机关",)), ("电脑", ("电子设备",))]
    assert c.found_in("计算机和电脑") == [("计算机", ("电子设备",)), ("电脑", ("电子设备",))]
    assert c.found_in("研发费用加计扣除") == []


def test_a_malformed_line_names_file_and_line(tmp_path):
    with pytest.raises(ColloquialError, match=r"colloquial.tsv:2"):
        Colloquial.load(write(tmp_path, "# header\n电脑\n"))
    with pytest.raises(ColloquialError, match="two characters"):
        Colloquial.load(write(tmp_path, "脑\t电子设备\n"))


def test_a_missing_file_means_no_words(tmp_path):
    assert len(Colloquial.load(tmp_path / "absent.tsv")) == 0


@needs_shared_corpus()
def test_every_bundled_corpus_term_occurs_in_the_corpus():
    corpus = "".join(normalize(p.read_text(encoding="utf-8")) for p in sorted(SHARED_CORPUS.iterdir())
                     if p.suffix in (".md", ".txt"))
    c = Colloquial.load(BUNDLED)
    assert len(c) >= 20
    missing = [t for a in c.aliases for t in a.terms if t not in corpus]
    assert missing == []


def test_a_chinese_question_searches_the_corpus_term_for_an_everyday_word(app):
    plan = app.searcher.plan("电脑这类设备最短折旧几年？")
    assert ("电脑", ("电子设备",)) in plan.aliases
    assert "电子设备" in dict(plan.phrases)
    assert dict(plan.terms).get("电子") and dict(plan.terms).get("设备")


def test_an_everyday_word_is_held_through_the_corpus_term(app):
    from bot.pipeline.coverage import CoverageModel

    model = CoverageModel.from_app(app)
    text = "高企的所得税税率是多少？"
    plan = app.searcher.plan(text)
    units = {u.label: u for u in model.units(plan, app.searcher.search(text, k=8, plan=plan))}
    assert units["高企"].present and "高新技术企业" in units["高企"].variants
    # the term searched for it is no word of the question's own
    assert "高新技术企业" not in units
