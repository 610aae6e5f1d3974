"""English question expansion: interchangeable head nouns, figures as the corpus writes them,
one-letter typos, and question words that name the kind of answer."""

from __future__ import annotations

import pytest

from retrieval.crosslingual import Speller, english_figures
from retrieval.glossary import Glossary, Term, normalize_en
from retrieval.search import Searcher


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary(
        [
            Term(("小型微利企业",), ("small low-profit enterprise",), "tax"),
            Term(("业务招待费",), ("business entertainment expenses",), "tax"),
            Term(("企业",), ("company", "business"), "general"),
            Term(("年费",), ("annual fee",), "legal"),
        ]
    )


def zh(g: Glossary, text: str) -> list[str]:
    return [t.zh[0] for t, _ in g.matches(text)]


# ---------------------------------------------------------------- head nouns


def test_multi_word_term_matches_with_an_interchangeable_head_noun(glossary: Glossary) -> None:
    assert zh(glossary, "tax rate of small low-profit companies") == ["小型微利企业"]
    assert zh(glossary, "How much business entertainment spending is deductible?") == ["业务招待费"]
    assert zh(glossary, "the yearly fee") == ["年费"]


def test_a_swapped_word_is_tried_even_where_the_exact_word_starts_another_term() -> None:
    g = Glossary([Term(("年薪制",), ("yearly salary",), "concept"),
                  Term(("年费",), ("annual patent fee",), "legal"),
                  Term(("专利使用费",), ("patent fee",), "legal")])
    assert zh(g, "we forgot the yearly patent fee") == ["年费"]
    assert zh(g, "a yearly salary") == ["年薪制"]


def test_a_lone_word_is_not_swapped(glossary: Glossary) -> None:
    # "firm" is interchangeable with "company" only inside a longer term
    assert zh(glossary, "a firm") == []
    assert zh(glossary, "a company") == ["企业"]


def test_exact_words_keep_their_own_term(glossary: Glossary) -> None:
    g = Glossary(list(glossary.terms) + [Term(("研发费用",), ("R&D costs",), "tax"),
                                         Term(("研发支出",), ("R&D expenditure",), "concept")])
    assert zh(g, "R&D expenditure") == ["研发支出"]
    assert zh(g, "R&D costs") == ["研发费用"]
    assert zh(g, "R&D outlay") in (["研发费用"], ["研发支出"])


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize(
    "text, phrase, variants, kind",
    [
        ("income up to RMB 5 million", "500万元", ("500万元",), "money"),
        ("sales under 50 million yuan", "5000万元", ("5000万元", "5,000万元"), "money"),
        ("revenue above RMB 200 million", "2亿元", ("2亿元",), "money"),
        ("a bonus of 4000 yuan", "4000元", ("4000元", "4,000元"), "money"),
        ("RMB 300,000", "30万元", ("30万元",), "money"),
        ("75 percent of the cost", "75%", ("75%",), "percent"),
        ("in 2019", "2019年", ("2019年",), "year"),
        ("held for two years", "2年", ("2年", "二年", "两年"), "duration"),
        ("within 36 months", "36个月", ("36个月", "三十六个月"), "duration"),
        ("sixty days", "60日", ("60日", "60天", "六十日", "六十天"), "duration"),
    ],
)
def test_english_figures_are_written_as_the_corpus_writes_them(text, phrase, variants, kind) -> None:
    assert english_figures(text) == [(phrase, variants, kind)]


def test_bare_numbers_and_amounts_in_words_are_not_money() -> None:
    assert english_figures("the 3 northeast provinces") == []
    assert english_figures("a 5 m wide road") == []
    assert english_figures("RMB 2000 yuan") == [("2000元", ("2000元", "2,000元"), "money")]


# ---------------------------------------------------------------- spelling


@pytest.fixture(scope="module")
def speller() -> Speller:
    known = {"money", "many", "routine", "maintenance", "deductible", "number", "employee", "research"}
    glossary_words = {w for word in ("money", "routine", "deductible", "employee") for w in normalize_en(word)}
    return Speller(glossary_words, known)


@pytest.mark.parametrize(
    "typo, fixed",
    [("mony", "money"), ("rutine", "routine"), ("deductable", "deductible"), ("reseach", "research"),
     ("emploees", "employees")],
)
def test_one_letter_typos_are_fixed(speller: Speller, typo: str, fixed: str) -> None:
    assert speller.correct(f"is {typo} covered") == f"is {fixed} covered"


def test_known_short_and_capitalised_words_are_left_alone(speller: Speller) -> None:
    assert speller.correct("many money") == "many money"
    assert speller.correct("Harbin Mony HNTE") == "Harbin Mony HNTE"
    assert speller.correct("tax") == "tax"
    assert speller.correct("zzzzzz") == "zzzzzz"  # nothing one edit away


def test_glossary_word_wins_over_other_known_words() -> None:
    sp = Speller({"money"}, {"money", "mona"})
    assert sp.correct_word("mony") == "money"


# ---------------------------------------------------------------- the plan


class _NoIndex:
    def snapshot(self):  # pragma: no cover - the plan of these questions never reads the index
        raise AssertionError("plan() should not need the index here")


def plan_terms(question: str) -> dict[str, float]:
    return dict(Searcher(_NoIndex(), Glossary.empty()).plan(question).terms)


def test_how_long_asks_for_a_period() -> None:
    terms = plan_terms("How long does the protection last?")
    assert terms["期限"] == pytest.approx(0.6)
    assert "年限" in terms


def test_who_owns_asks_for_ownership() -> None:
    assert {"归属", "属于", "所有权"} <= plan_terms("Who owns an invention made at work?").keys()


def test_what_share_asks_for_a_ratio() -> None:
    assert "比例" in plan_terms("What share of the income goes to the inventors?")
    assert "比例" not in plan_terms("Who owns an invention made at work?")


def test_english_figures_join_the_plan_with_their_variants() -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan("Is income up to RMB 50 million exempt?")
    phrases = dict(plan.phrases)
    assert phrases["5000万元"] == 3.0
    i = [p for p, _ in plan.phrases].index("5000万元")
    assert plan.phrase_variants[i] == ("5000万元", "5,000万元")
    assert "万元" in dict(plan.terms)


@pytest.mark.parametrize(
    "question, wanted, unwanted",
    [
        ("What is the shortest depreciation period for machines?", {"最低", "不低于", "不少于"}, {"不超过", "不得"}),
        ("Is there a minimum amount?", {"最低", "不低于"}, {"最高"}),
        ("What is the maximum headcount?", {"最高", "不超过", "最长"}, {"最低", "不得"}),
        ("Is the deduction capped?", {"不超过"}, {"不低于"}),
        ("Which costs can't be deducted?", {"不得"}, {"最低", "最高"}),
        ("Which industries are not allowed to claim it?", {"不得"}, set()),
        ("Which costs can be deducted?", set(), {"不得", "最低", "最高", "不超过", "不低于"}),
    ],
)
def test_bounds_and_bans_are_written_as_the_corpus_writes_them(question, wanted, unwanted) -> None:
    terms = plan_terms(question)
    assert wanted <= terms.keys()
    assert not unwanted & terms.keys()


def test_contractions_are_not_words_of_their_own() -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan("We're a factory; they've moved, can't we deduct?")
    assert {"factory", "moved", "deduct"} <= set(plan.untranslated)
    assert not {"re", "ve", "t", "ca", "not"} & set(plan.untranslated)
    curly = Searcher(_NoIndex(), Glossary.empty()).plan("They won’t pay; we’d ask")
    assert set(curly.untranslated) == {"pay", "ask"}


# ---------------------------------------------------------------- proximity


def _plan_with(*concepts: tuple[str, ...]):
    from retrieval.search import QueryPlan

    return QueryPlan(text="", lang="en", terms=(), concepts=concepts)


def test_concepts_written_together_score_higher_than_concepts_far_apart() -> None:
    plan = _plan_with(("实用新型",), ("期限", "年限"))
    assert plan.proximity("实用新型专利权的期限为十年") == 1.0
    far = "实用新型专利申请人可以在规定的时间内办理手续并提交有关文件，逾期未办理的，其申请视为撤回，期限届满"
    assert plan.proximity(far) == 0.0
    assert plan.proximity("期限为十年") == 0.0


def test_proximity_is_the_share_of_concepts_next_to_another() -> None:
    plan = _plan_with(("外观设计",), ("期限",), ("比例",))
    assert plan.proximity("外观设计专利权的期限为十五年") == pytest.approx(2 / 3)
    assert _plan_with(("期限",)).proximity("期限") == 0.0  # one concept has nothing to be near


def test_an_english_plan_lists_its_concepts() -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan("How long does protection last after 2019?")
    assert ("期限", "年限") in plan.concepts
    assert ("2019年",) in plan.concepts
    assert Searcher(_NoIndex(), Glossary.empty()).plan("保护期限是多久").concepts == ()


def test_everyday_english_is_told_from_rare_words() -> None:
    from retrieval.crosslingual import EVERYDAY_GLOSSES, Dictionary

    forward = {f"小{i}": ("small", "little") for i in range(EVERYDAY_GLOSSES)}
    forward["招标"] = ("tendering", "to invite bids")
    d = Dictionary({}, forward)
    assert d.gloss_count("small") == EVERYDAY_GLOSSES and d.everyday("small")
    assert d.gloss_count("tendering") == 1 and not d.everyday("tendering")
    assert d.gloss_count("unknownword") == 0 and not d.everyday("unknownword")


@pytest.mark.parametrize("question", ["企业所得税年度汇算清缴最晚啥时候", "汇算清缴截止到啥时候？",
                                      "deadline for the annual enterprise income tax settlement?"])
def test_a_deadline_asks_for_a_period(question) -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan(question)
    assert plan.wants_number and "duration" in plan.number_kinds


@pytest.mark.parametrize(("question", "kinds"), [
    # "per year" divides an amount, it does not ask how long: the sum of income is what is asked
    ("How much technology transfer income is tax free per year for a resident company?", ("money",)),
    ("What was the deduction rate last year?", ("percent",)),
    ("How many years can a loss be carried forward?", ("count", "duration")),
    # "how much of" asks for a share, not a sum
    ("how much of total revenue has to come from the main business?", ()),
])
def test_the_kind_of_figure_asked(question, kinds) -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan(question)
    assert plan.number_kinds == kinds


@pytest.mark.parametrize("spelling", ["hi-tech", "Hi-Tech", "hitech", "hi tech"])
def test_hi_tech_is_searched_as_the_glossary_writes_it(spelling) -> None:
    g = Glossary([Term(("取消其高新技术企业资格",), ("lose its high-tech status",), "concept")])
    plan = Searcher(_NoIndex(), g).plan(f"can a company lose its {spelling} status for a missing report?")
    assert "取消其高新技术企业资格" in plan.expansions


def test_a_how_many_question_is_answered_by_people_or_things_counted_not_by_months() -> None:
    from retrieval.search import number_match

    plan = Searcher(_NoIndex(), Glossary.empty()).plan("how many staff can the start-up have?")
    assert plan.number_kinds == ("count",)
    assert number_match(plan, "2.接受投资时,从业人数不超过200人,其中具有大学本科以上学历的从业人数不低于30%;") == 1.0
    assert number_match(plan, "东北三省高新技术企业达到8000家") == 1.0
    assert number_match(plan, "可自注销清算之日起36个月内抵扣") == 0.0
    assert number_match(plan, "天使投资个人投资多个初创科技型企业的") == 0.0


@pytest.mark.parametrize("question", ["When did the transformation law come into force?",
                                      "促进科技成果转化法什么时候开始施行的？", "from which date does it apply?"])
def test_a_when_question_asks_for_a_date(question) -> None:
    from retrieval.search import number_match

    plan = Searcher(_NoIndex(), Glossary.empty()).plan(question)
    assert plan.wants_number and "date" in plan.number_kinds
    assert number_match(plan, "第五十二条 本法自1996年10月1日起施行。") == 1.0
    assert number_match(plan, "每年12月底前形成总结报告报送有关部门。") == 1.0
    assert number_match(plan, "第三十四条 国家依照有关税收法律、行政法规规定对科技成果转化活动实行税收优惠。") == 0.0


def test_a_when_that_only_sets_a_condition_asks_for_no_date() -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan("When a university licenses a patent, who keeps the income?")
    assert "date" not in plan.number_kinds


def test_a_date_asked_second_does_not_decide_the_lead() -> None:
    plan = Searcher(_NoIndex(), Glossary.empty()).plan(
        "Which agencies jointly issued the plan, and on what date was it signed?")
    assert "date" not in plan.number_kinds


def test_asking_when_is_how_the_question_is_put_not_what_it_is_about() -> None:
    # "要报" is no corpus word, but it says nothing about the subject: it must not weigh like one
    plan = Searcher(_NoIndex(), Glossary.empty()).plan("企业所得税年度汇算清缴最晚什么时候要报完？")
    terms = dict(plan.terms)
    assert terms["汇算"] == terms["清缴"] == 1.0
    assert terms["时候"] < 0.5 and terms["要报"] < 0.5
