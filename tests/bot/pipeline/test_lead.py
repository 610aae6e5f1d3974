"""The sentence an extractive answer leads with: the one holding what was asked."""

from __future__ import annotations

from types import SimpleNamespace

from bot.extractive import Sentence
from bot.pipeline.cite import lead_sentence
from retrieval.search import QueryPlan

SCORE_100 = "第七条 科技型中小企业评价指标具体包括科技人员、研发投入、科技成果三类,满分100分。"
FLOOR_60 = "(五)企业根据科技型中小企业评价指标进行综合评价所得分值不低于60分,且科技人员指标得分不得为0分。"
GOAL = "支持科技型中小企业加快创新发展，培育壮大新动能。"


def sentences(*texts: str) -> list[Sentence]:
    # the retrieval order: the first scores highest
    return [Sentence(hit_rank=i, hit=SimpleNamespace(chunk=SimpleNamespace(text=t)),  # type: ignore[arg-type]
                     start=0, end=len(t), text=t, score=1.0 - 0.05 * i)
            for i, t in enumerate(texts)]


def plan(question: str, kinds: tuple[str, ...]) -> QueryPlan:
    return QueryPlan(text=question, lang="zh", terms=(), wants_number=bool(kinds), number_kinds=kinds)


def test_a_how_much_question_leads_with_a_sentence_holding_that_figure():
    got = lead_sentence(sentences(GOAL, SCORE_100), plan("科技型中小企业评价多少分？", ("score",)), "科技型中小企业评价多少分？")
    assert got.text == SCORE_100


def test_at_least_leads_with_the_floor_not_another_figure_of_its_kind():
    q = "科技型中小企业评价至少得多少分？"
    got = lead_sentence(sentences(GOAL, SCORE_100, FLOOR_60), plan(q, ("score",)), q)
    assert got.text == FLOOR_60


def test_without_a_number_asked_the_best_sentence_leads():
    q = "科技型中小企业有什么支持？"
    assert lead_sentence(sentences(GOAL, SCORE_100), plan(q, ()), q).text == GOAL


DEFINES = "一、本条所称制造业企业,是指以制造业业务为主营业务,享受优惠当年主营业务收入占收入总额的比例达到50%以上的企业。"
RATE_100 = "制造业企业开展研发活动中实际发生的研发费用,再按照实际发生额的100%在税前加计扣除。"
OTHER_DEF = "第九十六条 所称企业安置残疾人员所支付的工资的加计扣除，是指按照支付给残疾职工工资的100%加计扣除。"


def test_a_question_about_what_a_word_means_leads_with_its_definition():
    q = "制造业企业100%加计扣除，啥样的企业才算制造业企业"
    p = QueryPlan(text=q, lang="zh", terms=(("制造业企业", 1.0),))
    assert lead_sentence(sentences(RATE_100, OTHER_DEF, DEFINES), p, q).text == DEFINES
    # a definition of another word does not lead, nor does a definition when the meaning is not asked
    assert lead_sentence(sentences(RATE_100, OTHER_DEF), p, q).text == RATE_100
    asked = "制造业企业研发费用加计扣除比例是多少？"
    assert lead_sentence(sentences(RATE_100, DEFINES), p, asked).text == RATE_100


ART_92 = ("第九十二条 所称符合条件的小型微利企业，是指从事国家非限制和禁止行业，并符合下列条件的企业：\n"
          "(一)工业企业，年度应纳税所得额不超过30万元，从业人数不超过100人；\n"
          "(二)其他企业，年度应纳税所得额不超过30万元，从业人数不超过80人。\n"
          "第九十三条 另一条。")


def test_a_quote_introducing_a_list_carries_its_items():
    from bot.extractive import quote_text

    at = ART_92.index("是指")
    got = quote_text(ART_92, at, at + 2)
    assert got.endswith("从业人数不超过80人。") and "(一)工业企业" in got and "第九十三条" not in got
    # only whole items, as many as fit (at least one)
    short = quote_text(ART_92, at, at + 2, limit=80)
    assert short.endswith("从业人数不超过100人；") and "(二)" not in short
    # a sentence that introduces nothing is quoted as it is
    plain = "第二十八条 符合条件的小型微利企业，减按20％的税率征收企业所得税。"
    assert quote_text(plain, 5, 8) == plain


ART_19 = ("第十九条 已认定的高新技术企业有下列行为之一的,由认定机构取消其高新技术企业资格:\n"
          "(一)在申请认定过程中存在严重弄虚作假行为的;\n"
          "(二)发生重大安全、重大质量事故或有严重环境违法行为的;\n"
          "(三)未按期报告与认定条件有关重大变化情况,或累计两年未填报年度发展情况报表的。\n"
          "对被取消高新技术企业资格的企业,由认定机构通知税务机关追缴其已享受的税收优惠。")


def test_a_quoted_list_item_carries_the_sentence_introducing_its_list():
    from bot.extractive import quote_text

    stem = "第十九条 已认定的高新技术企业有下列行为之一的,由认定机构取消其高新技术企业资格:"
    at = ART_19.index("累计两年")
    # what the item is for (losing the status) comes with it; the items between are elided
    assert quote_text(ART_19, at, at + 4) == (
        f"{stem}\n……\n(三)未按期报告与认定条件有关重大变化情况,或累计两年未填报年度发展情况报表的。")
    at = ART_19.index("严重弄虚")
    assert quote_text(ART_19, at, at + 4) == f"{stem}\n(一)在申请认定过程中存在严重弄虚作假行为的;"
    # a sentence after the list, or an item whose list has no introducing sentence, is as it is
    at = ART_19.index("追缴")
    assert quote_text(ART_19, at, at + 2) == "对被取消高新技术企业资格的企业,由认定机构通知税务机关追缴其已享受的税收优惠。"
    items = "(一)第一项。\n(二)第二项说的话。"
    assert quote_text(items, items.index("第二项"), items.index("第二项") + 3) == "(二)第二项说的话。"


def test_items_of_one_list_are_quoted_once_under_their_introducing_sentence():
    from bot.extractive import _merge_items, quote_text

    hit = SimpleNamespace(chunk=SimpleNamespace(id="c19", text=ART_19))
    other = SimpleNamespace(chunk=SimpleNamespace(id="c20", text=ART_19))

    def quoted(word: str) -> str:
        at = ART_19.index(word)
        return quote_text(ART_19, at, at + 2)

    stem = "第十九条 已认定的高新技术企业有下列行为之一的,由认定机构取消其高新技术企业资格:"
    merged = _merge_items([(hit, quoted("弄虚")), (hit, quoted("累计两年")), (hit, quoted("追缴"))])
    assert [q for _, q in merged] == [
        f"{stem}\n(一)在申请认定过程中存在严重弄虚作假行为的;\n……\n"
        "(三)未按期报告与认定条件有关重大变化情况,或累计两年未填报年度发展情况报表的。",
        "对被取消高新技术企业资格的企业,由认定机构通知税务机关追缴其已享受的税收优惠。",
    ]
    # neighbouring items join without an ellipsis; an item already quoted with its list is not repeated
    merged = _merge_items([(hit, quoted("弄虚")), (hit, quoted("重大质量"))])
    assert [q for _, q in merged] == [f"{stem}\n(一)在申请认定过程中存在严重弄虚作假行为的;\n"
                                      "(二)发生重大安全、重大质量事故或有严重环境违法行为的;"]
    at = ART_19.index("有下列行为")
    whole = quote_text(ART_19, at, at + 2)
    assert [q for _, q in _merge_items([(hit, whole), (hit, quoted("重大质量"))])] == [whole]
    # quotes of another clause stay apart
    assert len(_merge_items([(hit, quoted("弄虚")), (other, quoted("重大质量"))])) == 2


def test_a_sentence_that_only_refers_elsewhere_does_not_lead():
    refers = ("二、企业享受研发费用加计扣除政策的其他政策口径和管理要求,按照《财政部 国家税务总局 科技部关于完善研究开发费用"
              "税前加计扣除政策的通知》(财税〔2015〕119号)等文件相关规定执行。")
    rule = "企业委托外部机构或个人进行研发活动所发生的费用,按照费用实际发生额的80%计入委托方研发费用并计算加计扣除。"
    q = "委托研发怎么加计扣除？"
    p = QueryPlan(text=q, lang="zh", terms=())
    assert lead_sentence(sentences(refers, rule), p, q).text == rule
    assert lead_sentence(sentences(refers), p, q).text == refers  # the only one there is still leads


def test_a_short_sentence_stating_a_figure_is_not_taken_for_a_heading():
    from bot.extractive import score_sentences

    text = "第四条 企业所得税的税率为25％。\n非居民企业取得本法第三条第三款规定的所得，适用企业所得税税率为20％。"
    hit = SimpleNamespace(chunk=SimpleNamespace(text=text, section=("第一章 总则", "第四条")),
                          doc=SimpleNamespace(meta=SimpleNamespace(title="中华人民共和国企业所得税法", doc_number="")),
                          score=1.0, signals={})
    q = "企业所得税的税率是多少？"
    p = QueryPlan(text=q, lang="zh", terms=(("企业所得税", 1.0), ("税率", 1.0)), wants_number=True,
                  number_kinds=("percent",))
    best = score_sentences([hit], p, {"企业所得税": 1.0, "税率": 1.0})[0]  # type: ignore[list-item]
    assert best.text.startswith("第四条 企业所得税的税率为25％")
