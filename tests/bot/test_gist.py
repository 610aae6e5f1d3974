"""English gists of Chinese clauses, and English answers that lead in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import render
from bot.answer_types import Citation, QuoteGroup
from bot.gist import english_date, figures, gist, rmb
from retrieval.glossary import Glossary

ART_90 = (
    "第九十条 企业所得税法第二十七条第(四)项所称符合条件的技术转让所得免征、减征企业所得税，"
    "是指一个纳税年度内，居民企业技术转让所得不超过500万元的部分，免征企业所得税；"
    "超过500万元的部分，减半征收企业所得税。"
)
RD_2018 = (
    "在2018年1月1日至2020年12月31日期间，再按照实际发生额的75%在税前加计扣除；"
    "形成无形资产的，在上述期间按照无形资产成本的175%在税前摊销。"
)


@pytest.fixture(scope="module")
def glossary(tmp_path_factory: pytest.TempPathFactory) -> Glossary:
    """A fixed glossary, so the gists below do not move when corpus/glossary.tsv grows."""
    path = Path(tmp_path_factory.mktemp("glossary")) / "glossary.tsv"
    path.write_text(
        "zh\ten\tkind\tnote\n"
        "企业所得税法\tEnterprise Income Tax Law\tdocument\t\n"
        "技术转让所得|符合条件的技术转让所得\ttechnology transfer income\ttax\t\n"
        "纳税年度\ttax year\ttax\t\n"
        "居民企业\tresident enterprise\ttax\t\n"
        "免征企业所得税\texemption\ttax\t\n"
        "减半征收企业所得税\thalved\ttax\t\n"
        "超过500万元的部分\tportion exceeding 5 million yuan\ttax\t\n"
        "加计扣除\tR&D super deduction\ttax\t\n"
        "属于\twho owns\tlegal\t\n"
        "高新技术企业\thigh-tech enterprise\tconcept\t\n"
        "国家技术转移示范机构\tnational technology transfer demonstration institution\tplatform\t\n",
        encoding="utf-8",
    )
    return Glossary.load(path)


def test_figures_dates_and_periods_in_english() -> None:
    assert english_date(2023, 1, 1) == "1 January 2023"
    assert rmb(5_000_000) == "RMB 5 million" and rmb(2e8) == "RMB 200 million" and rmb(50_000) == "RMB 50,000"
    say = lambda text: [p.en for p in figures(text)]  # noqa: E731
    assert say(RD_2018) == ["1 January 2018 – 31 December 2020", "75%", "175%"]
    assert say("自2023年1月1日起，再按照实际发生额的100%在税前加计扣除") == ["from 1 January 2023", "100%"]
    assert say("提取不低于百分之五十的比例") == ["at least 50%"]
    assert say("年销售收入5000万元(含)以下，职工总数不超过500人") == ["RMB 50 million or less", "up to 500 people"]
    assert say("截至2027年12月31日；到2020年；投资满2年；三十日内；满分100分") == [
        "until 31 December 2027", "by 2020", "2 years", "within 30 days", "100 points",
    ]
    # numbers that are not figures: a 文号's year, a year written in Chinese numerals
    assert say("财政部 税务总局公告2023年第7号") == [] and say("二〇一八年") == []


def test_gist_follows_the_clause_with_figures_before_glossed_phrases(glossary: Glossary) -> None:
    assert gist(ART_90, glossary) == (
        "Enterprise Income Tax Law, Art. 27(4) · technology transfer income · tax year · resident enterprise"
        " · the portion up to RMB 5 million · exemption · the portion over RMB 5 million · halved"
    )
    # only figures when the glossary knows nothing: nothing is made up
    assert gist(ART_90, Glossary.empty()) == (
        "Art. 27(4) · the portion up to RMB 5 million · the portion over RMB 5 million"
    )
    assert gist("职务发明创造申请专利的权利属于该单位。", glossary) == ""  # question wording left out
    assert gist(RD_2018, glossary, limit=2) == "1 January 2018 – 31 December 2020 · 75%"


def cite(quote: str, **kw) -> Citation:
    fields = dict(doc_id="d1", title="中华人民共和国企业所得税法实施条例", doc_number="国务院令第512号",
                  date="2019-04-23", section="第九十条", page=None, quote=quote, chunk_id="d1-0001-x")
    fields.update(kw)
    return Citation(**fields)


def group(citations: list[Citation]) -> list[QuoteGroup]:
    return [QuoteGroup(c.doc_id, c.title, c.doc_number, c.date, c.status, c.replaced_by, (c,)) for c in citations]


def cjk_share(text: str) -> float:
    return sum("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text) / len(text)


def test_english_lead_is_english_with_the_chinese_quote_after_it(glossary: Glossary) -> None:
    lead = render.lead_line(cite(ART_90), "en", glossary)
    first, quote = lead.split("\n\n")
    assert first.startswith(
        "In short: Implementing Regulations of the Enterprise Income Tax Law (国务院令第512号), Art. 90"
        " (2019-04-23) — key points, in the clause's order: Enterprise Income Tax Law, Art. 27(4) ·"
    )
    assert "the portion up to RMB 5 million · exemption · the portion over RMB 5 million · halved." in first
    assert cjk_share(first) <= 0.2
    assert quote == f"“{ART_90}”"
    # Chinese answers are as before
    assert render.lead_line(cite(ART_90), "zh", glossary) == f"要点：“{ART_90}”——国务院令第512号 第九十条（2019-04-23）"


def test_english_sources_are_named_in_english_with_a_gist_under_each_quote(glossary: Glossary) -> None:
    law = cite("（四）符合条件的技术转让所得；", doc_id="d2", title="中华人民共和国企业所得税法",
               doc_number="法律（2007-03-16通过）", date="2018-12-29", section="第二十七条")
    en = [render.group_text(g, "en", glossary) for g in group([cite(ART_90), law])]
    assert en[0].splitlines() == [
        "Implementing Regulations of the Enterprise Income Tax Law (国务院令第512号), 2019-04-23",
        f"  · Art. 90: “{ART_90}”",
        "    ↳ gist: Enterprise Income Tax Law, Art. 27(4) · technology transfer income · tax year"
        " · resident enterprise · the portion up to RMB 5 million · exemption"
        " · the portion over RMB 5 million · halved",
    ]
    assert en[1].splitlines() == [
        "Enterprise Income Tax Law (企业所得税法), 2018-12-29",  # no 文号: the Chinese title to find it by
        "  · Art. 27: “（四）符合条件的技术转让所得；”",
        "    ↳ gist: technology transfer income",
    ]
    zh = render.group_text(group([cite(ART_90)])[0], "zh", glossary)
    assert zh == f"《中华人民共和国企业所得税法实施条例》（国务院令第512号），2019-04-23\n  · 第九十条：“{ART_90}”"


@pytest.mark.parametrize(
    "question",
    [
        "What does the Northeast action plan say about technology markets?",
        "What does the law say about rewards for people who transfer scientific achievements?",
    ],
)
def test_english_answers_lead_with_an_english_paragraph(app, question: str) -> None:
    answer = app.answerer.answer(question)
    assert answer.lang == "en" and not answer.abstained and answer.mode == "extractive"
    first = answer.text.split("\n\n")[0]
    assert first.startswith("In short: ") and cjk_share(first) <= 0.2, first
    # the quote follows verbatim, and every source is named in English with its gist
    assert f"“{answer.citations[0].quote}”" in answer.text
    assert "国科发创〔2018〕17号" not in first or "Notice Guokefachuang [2018] No. 17 (国科发创〔2018〕17号)" in first
    sources = answer.text.split("Sources (quoted verbatim, in Chinese):")[1]
    assert sources.count("↳ gist: ") >= 1
    assert "《" not in sources


def test_a_count_after_its_term_is_kept(glossary):
    line = gist("东北三省高新技术企业达到8000家，国家技术转移示范机构不少于60家。", glossary)
    assert "high-tech enterprise: 8000" in line, line
    assert "at least 60" in line, line


def test_english_lead_puts_what_the_question_asks_first(glossary):
    quote = "培育建设3家国家技术转移示范机构，东北三省高新技术企业达到8000家。"
    lead = render.lead_line(cite(quote), "en", glossary, question="How many high-tech enterprises by 2020?")
    first = lead.split("\n\n")[0]
    assert "what you asked about first: high-tech enterprise: 8000 · 3 × " in first, first
    plain = render.lead_line(cite(quote), "en", glossary)
    assert "in the clause's order: 3 × " in plain, plain
