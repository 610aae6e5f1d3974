"""Neighbouring policies (corpus/neighbours.tsv): named in either language, refused unless a
retrieved document is about them, answered again once an admin adds such a document."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.pipeline.neighbours import Neighbour, NeighbourError, Neighbours

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def neighbours() -> Neighbours:
    return Neighbours.load(ROOT / "corpus" / "neighbours.tsv")


@pytest.mark.parametrize(("question", "name"), [
    ("How do we claim back the VAT on goods we export?", "增值税"),
    ("What percentage of wages do employers pay for unemployment insurance?", "失业保险"),
    ("What are the Beijing Stock Exchange's rules for new firms?", "北京证券交易所"),
    ("How long is a new plant variety protected?", "植物新品种"),
    ("Are tariffs waived on imported lab equipment?", "关税"),  # plural
    ("企业买地要交多少契税？", "契税"),
    ("住房公积金缴存比例最高多少？", "住房公积金"),
    ("出口退税率是多少？", "出口退税"),  # a name may begin a longer word
])
def test_a_neighbour_is_named_in_either_language(neighbours, question, name):
    found = neighbours.named_in(question)
    assert found is not None and found.name == name


@pytest.mark.parametrize("question", [
    "What is the R&D super deduction rate for 2024?",
    "研发费用加计扣除比例是多少？",
    "Who owns a service invention made at a university?",
    "Which customsclearance rules apply?",  # not a whole word
    "清算时相关税费怎么扣除？",  # 关税 inside 相关税费 does not begin a word
])
def test_our_own_subjects_name_no_neighbour(neighbours, question):
    assert neighbours.named_in(question) is None


def test_the_longest_name_wins_and_headings_decide_who_holds_it(neighbours):
    assert neighbours.named_in("增值税留抵退税怎么申请？").name == "增值税"
    vat = neighbours.named_in("VAT on exports")
    assert vat.held_by(["财政部 税务总局关于增值税留抵退税的公告"])
    assert not vat.held_by(["中华人民共和国企业所得税法实施条例", "第三十一条"])


def test_file_errors_name_the_line_and_a_missing_file_means_none(tmp_path):
    bad = tmp_path / "neighbours.tsv"
    bad.write_text("zh\ten\tnote\n增值税\tVAT\n\t印花税\n", encoding="utf-8")
    with pytest.raises(NeighbourError, match="neighbours.tsv:3"):
        Neighbours.load(bad)
    missing = Neighbours.load(tmp_path / "absent.tsv")
    assert len(missing) == 0 and missing.named_in("VAT refunds") is None
    assert Neighbours([Neighbour(("印花税",), ("stamp duty",))]).named_in("Stamp Duty rates?").name == "印花税"


STAMP = "What is the stamp duty rate on technology contracts?"


def test_a_neighbour_is_refused_until_a_document_about_it_is_added(app, tmp_path):
    refused = app.answerer.answer(STAMP)
    assert refused.abstained
    doc = tmp_path / "stamp_duty.md"
    doc.write_text(
        "---\ntitle: 财政部 税务总局关于技术合同印花税有关问题的公告\ndoc_number: 财政部 税务总局公告2099年第1号\n"
        "issuer: 财政部 税务总局\ndate: 2099-01-01\n---\n\n"
        "一、技术合同按所载价款、报酬或者使用费的万分之三计算缴纳印花税。\n"
        "二、本公告自发布之日起施行。\n",
        encoding="utf-8",
    )
    assert app.corpus.ingest_paths([doc]).ok
    answered = app.answerer.answer(STAMP)
    assert not answered.abstained
    assert any("万分之三" in c.quote for c in answered.citations)


def test_a_neighbour_named_inside_a_question_about_our_incentive_is_not_refused(app):
    # social insurance of R&D staff is a question about the super deduction, not about insurance
    answer = app.answerer.answer("Can the social insurance we pay for R&D staff count toward the R&D super deduction?")
    assert not answer.abstained
