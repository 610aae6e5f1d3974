"""The bilingual glossary: file format, English → Chinese expansion, Chinese → English, language."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

import retrieval.glossary as glossary_module
from retrieval.documents import CorpusError, normalize
from retrieval.glossary import (
    KINDS,
    Glossary,
    GlossaryError,
    Term,
    detect_language,
    normalize_en,
)

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "corpus" / "glossary.tsv"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

HEADER = "zh\ten\tkind\tnote\n"

SMALL = HEADER + (
    "# a comment line\n"
    "\n"
    "研发费用加计扣除|加计扣除\tR&D super deduction|super deduction|super-deduction\ttax\t100% from 2023\n"
    "研发费用|研究开发费用\tR&D expenses|research and development costs\ttax\n"
    "扣除\tdeduction\ttax\n"
    "形成无形资产\tcapitalized\ttax\n"
    "无形资产\tintangible asset\tconcept\n"
    "符合条件\teligible|qualify\tgeneral\n"
    "企业\tenterprise|company\tgeneral\n"
    "技术转移\ttechnology transfer|transfer\tconcept\n"
    "转让\ttransfer|assignment\tlegal\n"
    "信息技术\tinformation technology|IT\ttechnology\n"
    "财税〔2018〕99号\tCaishui [2018] No. 99\tdocument\n"
)


def write(tmp_path: Path, text: str, name: str = "glossary.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path) -> Glossary:
    return Glossary.load(write(tmp_path, SMALL))


@pytest.fixture(scope="module")
def real() -> Glossary:
    return Glossary.load(GLOSSARY)


def canonical_zh(g: Glossary, text: str) -> list[str]:
    return [term.zh[0] for term, _ in g.matches(text)]


# ---------------------------------------------------------------- loading


def test_load_small_file_reads_every_row_and_skips_comments(small: Glossary) -> None:
    assert len(small) == 11
    assert small.terms[0] == Term(
        zh=("研发费用加计扣除", "加计扣除"),
        en=("R&D super deduction", "super deduction", "super-deduction"),
        kind="tax",
        note="100% from 2023",
    )
    assert small.terms[1].note == ""
    assert small.chinese_terms()[:4] == ["研发费用加计扣除", "加计扣除", "研发费用", "研究开发费用"]


def test_header_without_note_column_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_bytes("\ufeffzh\ten\tkind\n专利\tpatent\tlegal\n".encode())
    g = Glossary.load(path)
    assert [t.zh for t in g.terms] == [("专利",)]


def test_empty_glossary_answers_nothing() -> None:
    g = Glossary.empty()
    assert len(g) == 0
    assert g.expand("R&D super deduction") == []
    assert g.matches("R&D super deduction") == []
    assert g.english_for("加计扣除") is None
    assert g.annotate_zh("研发费用加计扣除") == []
    assert g.chinese_terms() == []


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("专利\tpatent\n", 2, "expected 3 or 4 tab-separated columns"),
        ("专利\tpatent\tlegal\tnote\textra\n", 2, "found 5"),
        ("专利||专利权\tpatent\tlegal\n", 2, "empty Chinese variant"),
        ("专利\tpatent|\tlegal\n", 2, "empty English variant"),
        ("patent\tpatent\tlegal\n", 2, "contains no Chinese character"),
        ("专利\t--\tlegal\n", 2, "has no words to match"),
        ("专利\tpatent\tlaw\n", 2, "unknown kind 'law'"),
        ("科技部\tMoST\tbody\n", 2, "would match the everyday word 'most'"),
        (
            "# comment\n专利\tpatent\tlegal\n专利权|专利\tpatent right\tlegal\n",
            4,
            "already defined on line 3",
        ),
    ],
)
def test_malformed_rows_name_file_and_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(GlossaryError) as err:
        Glossary.load(path)
    assert f"{path}, line {line}: " in str(err.value)
    assert message in str(err.value)


def test_missing_header_is_reported_on_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "# glossary\n专利\tpatent\tlegal\n")
    with pytest.raises(GlossaryError, match=r"line 2: expected the header"):
        Glossary.load(path)


def test_file_with_only_comments_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing here\n")
    with pytest.raises(GlossaryError, match="empty glossary"):
        Glossary.load(path)


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "g.tsv"
    path.write_bytes(HEADER.encode() + "专利\tpatent\tlegal\n".encode() + b"\xff\xfe\tx\tlegal\n")
    with pytest.raises(GlossaryError, match=r"line 3: not valid UTF-8"):
        Glossary.load(path)


def test_missing_file_is_a_corpus_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.tsv"
    with pytest.raises(GlossaryError) as err:
        Glossary.load(path)
    assert str(path) in str(err.value)
    assert isinstance(err.value, CorpusError) and isinstance(err.value, ValueError)


# ---------------------------------------------------------------- English normalisation


def test_normalisation_tolerates_plurals_hyphens_possessives_and_rd_spellings() -> None:
    assert normalize_en("Enterprises' R & D-Expenses") == ("enterprize", "r&d", "expense")
    assert normalize_en("the enterprise's research and development expense") == (
        "enterprize",
        "r&d",
        "expense",
    )
    assert normalize_en("R and D") == normalize_en("RnD") == normalize_en("r&d") == ("r&d",)
    assert normalize_en("companies, subsidies, taxes, businesses") == (
        "company",
        "subsidy",
        "tax",
        "business",
    )
    assert normalize_en("licences") == normalize_en("license") == ("license",)
    assert normalize_en("commercialisation") == normalize_en("commercialization")
    assert normalize_en("bonuses status analysis") == ("bonus", "status", "analysis")
    assert normalize_en("Science & Technology") == ("s&t",)
    assert normalize_en("Caishui [2018] No. 99") == ("caishui", "2018", "99")
    assert normalize_en("no deduction") == ("no", "deduction")


def test_capitalised_acronyms_that_are_english_words_match_only_in_capitals(
    small: Glossary,
) -> None:
    assert small.expand("Is IT covered?") == [("信息技术", 0.8)]
    assert small.expand("Is it covered?") == []
    assert normalize_en("IT") == ("^it",)
    assert normalize_en("It") == ("it",)


# ---------------------------------------------------------------- expansion


def test_expand_prefers_the_longest_match_and_drops_nested_ones(small: Glossary) -> None:
    # "R&D super-deduction" (3 tokens) hides "super deduction" and "deduction" inside it.
    assert small.expand("Is an SME eligible for the R&D super-deduction?") == [
        ("符合条件", 0.48),
        ("研发费用加计扣除", 1.3),
        ("加计扣除", 1.105),
    ]
    assert canonical_zh(small, "super deduction") == ["研发费用加计扣除"]
    assert canonical_zh(small, "deduction") == ["扣除"]


def test_expand_keeps_separate_and_partly_overlapping_matches_in_text_order(
    small: Glossary,
) -> None:
    assert small.expand("research and development costs deduction") == [
        ("研发费用", 1.05),
        ("研究开发费用", 0.892),
        ("扣除", 0.8),
    ]


def test_an_english_word_shared_by_two_terms_weighs_less_for_each(small: Glossary) -> None:
    w = round(0.8 / math.sqrt(2), 3)
    assert small.expand("transfer") == [("技术转移", w), ("转让", w)]
    assert small.expand("technology transfer") == [("技术转移", 1.05)]


def test_chinese_terms_quoted_in_an_english_question_are_expanded(small: Glossary) -> None:
    assert small.expand("What does 加计扣除 mean?") == [
        ("研发费用加计扣除", 1.2),
        ("加计扣除", 1.02),
    ]
    assert small.expand("Does 财税[2018]99号 apply?") == [("财税〔2018〕99号", 1.5)]


def test_matches_report_the_words_as_the_user_typed_them(small: Glossary) -> None:
    found = small.matches("Which companies' R & D Super-Deductions, per Caishui [2018] No.99?")
    assert [(t.zh[0], span) for t, span in found] == [
        ("企业", "companies"),
        ("研发费用加计扣除", "R & D Super-Deductions"),
        ("财税〔2018〕99号", "Caishui [2018] No.99"),
    ]


def test_joined_spelling_of_a_hyphenated_variant_matches(small: Glossary) -> None:
    assert canonical_zh(small, "superdeductions") == ["研发费用加计扣除"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How does the super deduction work?", "研发费用加计扣除"),
        ("super-deduction for software firms", "研发费用加计扣除"),
        ("Is there an additional deduction for R&D?", "研发费用加计扣除"),
        ("extra deduction on research costs", "研发费用加计扣除"),
        ("What is the super deduction rate?", "加计扣除比例"),
        ("What counts as R & D expenses?", "研发费用"),
        ("research and development expenses of a startup", "研发费用"),
        ("rules on tech transfer at universities", "科技成果转化"),
        ("commercialization of research results", "科技成果转化"),
        ("commercialisation of research", "科技成果转化"),
        ("Who owns service inventions?", "职务发明创造"),
        ("an employee's invention", "职务发明创造"),
        ("requirements for high-tech enterprises", "高新技术企业"),
        ("HNTE certificate renewal", "高新技术企业资格证书"),
        ("Is a tech SME eligible?", "科技型中小企业"),
        ("technology-based SMEs", "科技型中小企业"),
        ("reward for the inventor", "发明人"),
        ("licence fee", "许可使用费"),
        ("Ministry of Science and Technology", "科技部"),
        ("a notice from MOST", "科技部"),
        ("institutes of CAS", "中科院"),
        ("NSFC grants", "自然科学基金"),
        ("the NSFC", "国家自然科学基金委员会"),
        ("China Development Bank loans", "国家开发银行"),
        ("projects in Harbin", "哈尔滨"),
        ("enterprise income tax law", "企业所得税法"),
        ("income from technology transfer", "技术转让所得"),
        ("overseas outsourced R&D expenses", "委托境外研究开发费用"),
    ],
)
def test_real_glossary_expands_common_phrasings(
    real: Glossary, question: str, expected: str
) -> None:
    assert expected in canonical_zh(real, question)
    assert expected in [zh for zh, _ in real.expand(question)]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Am I eligible?", "符合条件"),
        ("How do I claim it?", "享受"),
        ("What is the rate?", "比例"),
        ("at least how many staff", "不低于"),
    ],
)
def test_question_words_map_to_their_policy_wording(
    real: Glossary, question: str, expected: str
) -> None:
    assert expected in canonical_zh(real, question)


def test_real_glossary_weights_are_bounded_and_deterministic(real: Glossary) -> None:
    question = (
        "Can a manufacturing enterprise in Harbin claim the R&D super deduction and the 15% "
        "high-tech enterprise tax rate for technology transfer income in 2023?"
    )
    first = real.expand(question)
    assert first == real.expand(question)
    assert first and all(0 < w <= 1.5 for _, w in first)
    assert len({zh for zh, _ in first}) == len(first)


# ---------------------------------------------------------------- Chinese → English


def test_english_for_any_variant_and_width_or_bracket_spelling(small: Glossary) -> None:
    assert small.english_for("加计扣除") == "R&D super deduction"
    assert small.english_for("研究开发费用") == "R&D expenses"
    assert small.english_for("财税[2018]99号") == "Caishui [2018] No. 99"
    assert small.english_for(" 财税〔2018〕99号 ") == "Caishui [2018] No. 99"
    assert small.english_for("未知术语") is None


def test_annotate_zh_lists_longest_terms_first_without_overlaps(small: Glossary) -> None:
    text = (
        "企业开展研发活动中实际发生的研发费用，未形成无形资产计入当期损益的，"
        "在按规定据实扣除的基础上，再按照实际发生额的100%在税前加计扣除。"
    )
    assert small.annotate_zh(text) == [
        ("形成无形资产", "capitalized"),
        ("研发费用", "R&D expenses"),
        ("加计扣除", "R&D super deduction"),
        ("扣除", "deduction"),
    ]
    assert small.annotate_zh(text, limit=2) == [
        ("形成无形资产", "capitalized"),
        ("研发费用", "R&D expenses"),
    ]
    assert small.annotate_zh(text, limit=0) == []


def test_annotate_zh_on_the_real_glossary(real: Glossary) -> None:
    text = "国家需要重点扶持的高新技术企业，减按15％的税率征收企业所得税。"
    assert real.annotate_zh(text) == [
        ("国家需要重点扶持的高新技术企业", "high-tech enterprises the state needs to support"),
        ("减按15%的税率", "15% tax rate"),
        ("企业所得税", "enterprise income tax"),
    ]


# ---------------------------------------------------------------- language detection


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("What does 加计扣除 mean?", "en"),
        ("研发费用 R&D 怎么算", "zh"),
        ("How is 研究开发费用加计扣除 calculated?", "en"),
        ("什么是 super deduction?", "zh"),
        ("请问 high-tech enterprise 的认定条件是什么", "zh"),
        ("高新技术企业的税率是多少", "zh"),
        ("What is the tax rate for high-tech enterprises?", "en"),
        ("R&D费用", "zh"),
        ("2023", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


# ---------------------------------------------------------------- the shipped glossary


def test_shipped_glossary_loads_with_a_sensible_size(real: Glossary) -> None:
    assert 600 <= len(real) <= 1200
    assert {t.kind for t in real.terms} <= KINDS
    terms = real.chinese_terms()
    assert len(terms) == len(set(terms))
    assert real.english_for("研发费用加计扣除") == "R&D super deduction"
    assert real.english_for("职务发明创造") == "service invention"


def test_every_chinese_term_occurs_in_the_corpus_unless_general(real: Glossary) -> None:
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"evaluation corpus not found at {SHARED_CORPUS}")
    files = [p for p in sorted(SHARED_CORPUS.iterdir()) if p.suffix in (".md", ".txt")]
    if not files:
        pytest.skip(f"no .md/.txt files in {SHARED_CORPUS}")
    brackets = str.maketrans("[]［］【】", "〔〕〔〕〔〕")
    corpus = "".join(normalize(p.read_text(encoding="utf-8")).translate(brackets) for p in files)
    missing = [
        zh
        for term in real.terms
        if term.kind != "general"
        for zh in term.zh
        if normalize(zh).translate(brackets) not in corpus
    ]
    assert missing == []


def test_load_and_expand_are_fast_enough() -> None:
    # CPU time, best of several runs: other processes on a busy machine inflate wall-clock time.
    loads = []
    for _ in range(3):
        glossary_module.normalize_en.cache_clear()  # a cold load, as at start-up
        glossary_module._stem.cache_clear()
        start = time.process_time()
        g = Glossary.load(GLOSSARY)
        loads.append((time.process_time() - start) * 1000)
    question = (
        "Can a manufacturing company in Harbin claim the additional deduction for research and "
        "development costs incurred in 2023 and 2024"
    )
    assert len(question.split()) == 20
    expands = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(100):
            g.expand(question)
        expands.append((time.process_time() - start) * 1000 / 100)
    # Budgets are 50 ms and 1 ms (about 25 ms and 0.05 ms on the development machine); the
    # margin keeps a slower CI machine from failing the build.
    assert min(loads) < 100, loads
    assert min(expands) < 1.0, expands
