"""Chunker: heading recognition, nesting, sizes, sentence ends, and the real corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.chunker import (
    CHUNKER_VERSION,
    ChunkerParams,
    chunk_document,
    parse_heading,
)
from retrieval.documents import Block, Chunk, DocumentMeta, LoadedDocument, chunk_id_for
from retrieval.tokens import ENCODING_NAME, count_tokens

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
DEFAULT = ChunkerParams()
SENTENCE_END = re.compile(r"[。！？；!?;][”’」』）)\]】》\"']*\s*$")


def make_doc(*lines: str | tuple[str, int], name: str = "test.txt") -> LoadedDocument:
    blocks = tuple(Block(x[0], x[1]) if isinstance(x, tuple) else Block(x) for x in lines)
    return LoadedDocument(name, "0" * 64, DocumentMeta(title=name), blocks, "txt")


def chunk(doc: LoadedDocument, params: ChunkerParams = DEFAULT) -> list[Chunk]:
    chunks = chunk_document(doc, "dtest", params)
    check_invariants(doc, chunks, params)
    return chunks


def outline(chunks: list[Chunk]) -> list[tuple[tuple[str, ...], str]]:
    """(section, first line of text) per chunk: the shape of a chunking at a glance."""
    return [(c.section, c.text.split("\n")[0].strip()) for c in chunks]


def spans(doc: LoadedDocument, chunks: list[Chunk]) -> list[tuple[int, int]]:
    """Where each chunk lies in the document text; fails if any text is lost or reordered."""
    text = "\n".join(b.text for b in doc.blocks if b.text.strip())
    pos, out = 0, []
    for c in chunks:
        assert text.startswith(c.text, pos), f"chunk {c.ordinal} is not the next text: {c.text!r}"
        out.append((pos, pos + len(c.text)))
        pos += len(c.text)
        if text.startswith("\n", pos):
            pos += 1
    assert pos == len(text), "text after the last chunk was lost"
    return out


def check_invariants(doc: LoadedDocument, chunks: list[Chunk], params: ChunkerParams) -> None:
    spans(doc, chunks)
    for i, c in enumerate(chunks):
        assert c.ordinal == i
        assert c.doc_id == "dtest"
        assert c.id == chunk_id_for("dtest", i, c.text)
        assert c.n_tokens == count_tokens(c.text) <= params.max_tokens


_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)\]】》\"']*|\n|$)")


def cut_mid_sentence(
    doc: LoadedDocument, chunks: list[Chunk], params: ChunkerParams = DEFAULT
) -> list[Chunk]:
    """Chunks that end inside a sentence that would have fitted in a chunk whole."""
    text = "\n".join(b.text for b in doc.blocks if b.text.strip())
    sentences = [m.span() for m in _SENTENCE.finditer(text) if m.end() > m.start()]
    bad = []
    for c, (_, end) in zip(chunks, spans(doc, chunks), strict=True):
        if end == len(text) or text[end] == "\n" or SENTENCE_END.search(c.text):
            continue
        start, stop = next(s for s in sentences if s[0] < end < s[1])
        if count_tokens(text[start:stop]) <= params.max_tokens:
            bad.append(c)
    return bad


def find(chunks: list[Chunk], needle: str) -> Chunk:
    hits = [c for c in chunks if needle in c.text]
    assert len(hits) == 1, f"{needle!r} is in {len(hits)} chunks"
    return hits[0]


# ---------------------------------------------------------------- parse_heading


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("第一编 总则", ("book", "第一编", "总则")),
        ("第二部分 重点任务", ("part", "第二部分", "重点任务")),
        ("第一章 总则", ("chapter", "第一章", "总则")),
        ("第十二章 附 则", ("chapter", "第十二章", "附 则")),
        ("第三节 扣除", ("section", "第三节", "扣除")),
        ("第三十条 企业的下列支出可以扣除。", ("article", "第三十条", "企业的下列支出可以扣除。")),
        (
            "第一百零一条　本条例自公布之日起施行。",
            ("article", "第一百零一条", "本条例自公布之日起施行。"),
        ),
        ("第二十条之一 专利权人可以声明。", ("article", "第二十条之一", "专利权人可以声明。")),
        ("第5条 本办法自发布之日起施行。", ("article", "第5条", "本办法自发布之日起施行。")),
        ("一、总体要求", ("cn", "一、", "总体要求")),
        ("   二、重点任务", ("cn", "二、", "重点任务")),
        ("十一、其他", ("cn", "十一、", "其他")),
        ("（一）基本原则。", ("paren_cn", "（一）", "基本原则。")),
        ("(二)主要目标。", ("paren_cn", "(二)", "主要目标。")),
        ("1. 加强已有政策落实。", ("arabic", "1.", "加强已有政策落实。")),
        ("1.烟草制造业。", ("arabic", "1.", "烟草制造业。")),
        ("2、直接投入费用", ("arabic", "2、", "直接投入费用")),
        ("3．中药材的种植；", ("arabic", "3．", "中药材的种植；")),
        ("（1）研发活动直接消耗的材料", ("paren_arabic", "（1）", "研发活动直接消耗的材料")),
        ("(2)用于中间试验", ("paren_arabic", "(2)", "用于中间试验")),
        ("①建立台账", ("circled", "①", "建立台账")),
        ("【享受主体】", ("bracket", "【享受主体】", "")),
        ("【政策依据】《公告》", ("bracket", "【政策依据】", "《公告》")),
        ("附件", ("attachment", "附件", "")),
        ("附件1", ("attachment", "附件1", "")),
        ("附件2：高新技术企业认定管理办法", ("attachment", "附件2", "高新技术企业认定管理办法")),
    ],
)
def test_parse_heading_recognises_each_numbering_style(line, expected):
    assert parse_heading(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "2018年1月1日起执行。",
        "1.5倍以上的部分按规定扣除。",
        "1、2、3号文件同时废止。",
        "12月底前形成总结报告。",
        "第七条所称行政事业性收费，是指依照法律法规收取的费用。",
        "第三条规定的情形除外。",
        "第一阶段至2018年底，按本方案组织实施。",
        "第一章规定的情形，适用本法。",
        "附件:振兴东北科技成果转移转化专项行动实施方案",  # the attachment note of a letter
        "附件材料应当真实。",
        "——深化改革。坚持科技创新与体制机制创新同步发力。",
        "A. 30%(含)以上(20分)",
        "本法自1996年10月1日起施行。",
        "",
        "   ",
    ],
)
def test_parse_heading_ignores_sentences_dates_and_numbers(line):
    assert parse_heading(line) is None


# ---------------------------------------------------------------- structure

PLAN = (
    "科技创新实施方案",
    "为加快科技成果转化，制定本方案。",
    "一、总体要求",
    "（一）基本原则。坚持问题导向，聚焦薄弱环节。坚持开放合作，深化对口合作机制。",
    "（二）主要目标。到2020年，技术创新体系基本建立。科技成果转化服务体系更加健全。",
    "二、重点任务",
    "（一）加快政策落实。",
    "1. 加强已有政策落实。全面落实研发费用加计扣除政策。抓好高新技术企业认定工作。",
    "2. 强化政策衔接配套。健全无形资产管理制度。优化资产评估管理流程。",
    "（1）简化备案程序。探索通过公示等方式简化备案程序。减少审批环节。",
    "（2）完善奖励制度。成果转化奖励收入不纳入绩效工资。激发科研人员活力。",
    "① 建立台账。各单位建立成果转化台账。按季度报送有关部门。",
    "② 公开信息。定期公开成果转化信息。接受社会监督和评议。",
    "3. 推进权属改革。开展职务发明权属混合所有制改革。鼓励约定股份比例。",
    "（二）加大支持强度。",
    "4. 强化财政引导。设立成果转化引导基金。引导社会资本参与。",
    "三、组织保障",
    "加强组织领导，建立统筹推进机制。各地区要结合实际认真贯彻落实。",
)


def test_each_numbering_level_nests_and_pops_back():
    chunks = chunk(make_doc(*PLAN))
    t1, t2, t3 = "一、总体要求", "二、重点任务", "三、组织保障"
    policy = (t2, "（一）加快政策落实")
    assert outline(chunks) == [
        ((), "科技创新实施方案"),
        ((t1, "（一）基本原则"), "一、总体要求"),
        (
            (t1, "（二）主要目标"),
            "（二）主要目标。到2020年，技术创新体系基本建立。科技成果转化服务体系更加健全。",
        ),
        ((*policy, "1. 加强已有政策落实"), "二、重点任务"),
        ((*policy, "2. 强化政策衔接配套"), PLAN[8]),
        ((*policy, "2. 强化政策衔接配套", "（1）简化备案程序"), PLAN[9]),
        ((*policy, "2. 强化政策衔接配套", "（2）完善奖励制度"), PLAN[10]),
        ((*policy, "2. 强化政策衔接配套", "（2）完善奖励制度", "① 建立台账"), PLAN[11]),
        ((*policy, "2. 强化政策衔接配套", "（2）完善奖励制度", "② 公开信息"), PLAN[12]),
        ((*policy, "3. 推进权属改革"), PLAN[13]),
        ((t2, "（二）加大支持强度", "4. 强化财政引导"), "（二）加大支持强度。"),
        ((t3,), t3),
    ]
    # A bare heading opens the first chunk of its first clause; later clauses name it only
    # in their section.
    assert chunks[3].text == "\n".join(PLAN[5:8])
    assert chunks[4].text == PLAN[8]


def test_nesting_follows_the_document_not_a_fixed_order():
    # 1. above 一、 above （一）: unusual, but the stack takes the order the document uses.
    body = "。组织专家论证方案。按期报送评估报告。"
    chunks = chunk(
        make_doc(
            "1. 总体安排",
            "一、第一阶段" + body,
            "（一）试点准备" + body,
            "（二）试点实施" + body,
            "二、第二阶段" + body,
            "2. 保障措施",
            "一、加强领导" + body,
        )
    )
    assert [c.section for c in chunks] == [
        ("1. 总体安排", "一、第一阶段"),
        ("1. 总体安排", "一、第一阶段", "（一）试点准备"),
        ("1. 总体安排", "一、第一阶段", "（二）试点实施"),
        ("1. 总体安排", "二、第二阶段"),
        ("2. 保障措施", "一、加强领导"),
    ]


def test_style_first_met_midway_is_placed_by_convention():
    # An excerpt starting at "(三)" and going on with "二、": 二、 is not a sub-clause of (三).
    body = "。相关企业按规定享受优惠。具体办法另行制定。"
    chunks = chunk(
        make_doc("(三)天使投资个人" + body, "二、相关政策条件" + body, "(一)初创科技型企业" + body)
    )
    assert [c.section for c in chunks] == [
        ("(三)天使投资个人",),
        ("二、相关政策条件",),
        ("二、相关政策条件", "(一)初创科技型企业"),
    ]


def test_heading_line_with_text_names_the_path_by_its_short_part():
    long_title = (
        "（八）加强对口科技合作着力推进区域协同创新发展并建立跨地区利益分享机制和合作共赢模式"
    )
    line = "30. 推动创新创业合作。推进东北地区与东部地区开放共享资源。引导东部地区人才积极参与。"
    chunks = chunk(
        make_doc(
            long_title,
            line,
            "31. 共促成果转化：加强产学研合作，促进跨区域科研合作。定期组织对接交流。",
        )
    )
    cut = long_title[:39] + "…"
    assert len(cut) == 40
    assert outline(chunks) == [
        ((cut, "30. 推动创新创业合作"), long_title),
        (
            (cut, "31. 共促成果转化"),
            "31. 共促成果转化：加强产学研合作，促进跨区域科研合作。定期组织对接交流。",
        ),
    ]
    assert chunks[0].text == long_title + "\n" + line  # the whole line is body text


LAW = (
    "某某管理办法",
    "第一章 总则",
    "第一条 为了规范科技成果登记管理，促进科技成果转化，根据有关法律，制定本办法。",
    "第二章 申请与审批",
    "第一节 申请",
    "第二条 申请人申请登记的，应当提交下列材料：",
    "（一）登记申请书；",
    "（二）科技成果的证明文件。",
    "申请材料不齐全的，登记机关应当一次性告知申请人需要补正的全部内容。",
    "第二节 审批",
    "第三条 登记机关应当自受理之日起二十日内作出决定。二十日内不能作出决定的，可以延长十日。",
    "第四条 登记机关作出不予登记决定的，应当书面说明理由，并告知申请人享有的权利。",
    "第三章 附则",
    "第五条 本办法自2024年1月1日起施行。",
)


def test_articles_inside_chapters_and_sections():
    chunks = chunk(make_doc(*LAW))
    ch2 = "第二章 申请与审批"
    assert outline(chunks) == [
        ((), "某某管理办法"),
        (("第一章 总则", "第一条"), "第一章 总则"),
        ((ch2, "第一节 申请", "第二条"), ch2),
        ((ch2, "第二节 审批", "第三条"), "第二节 审批"),
        ((ch2, "第二节 审批", "第四条"), LAW[11]),
        (("第三章 附则", "第五条"), "第三章 附则"),
    ]
    # The article's items and its closing paragraph stay with it.
    assert chunks[2].text == "\n".join(LAW[3:9])


def test_article_items_stay_with_the_article_even_with_several_sentences():
    article = (
        "第二十四条 独立权利要求应当包括前序部分和特征部分，按照下列规定撰写：",
        "（一）前序部分：写明要求保护的技术方案的主题名称和与最接近的现有技术共有的必要技术特征；",
        "（二）特征部分：写明区别于最接近的现有技术的技术特征。这些特征和前序部分写明的特征合在一起，限定要求保护的范围。",
        "发明的性质不适于用前款方式表达的，独立权利要求可以用其他方式撰写。",
    )
    chunks = chunk(make_doc("第二章 专利的申请", *article))
    assert outline(chunks) == [(("第二章 专利的申请", "第二十四条"), "第二章 专利的申请")]
    # Outside an article the one-statement item stays with its heading, but the item of
    # several sentences is a clause of its own.
    chunks = chunk(make_doc("二、撰写要求", *article[1:3]))
    assert [c.section for c in chunks] == [("二、撰写要求",), ("二、撰写要求", "（二）特征部分")]


def test_chapter_after_articles_is_not_nested_in_the_last_article():
    chunks = chunk(
        make_doc(
            "第十九条 已认定的企业有下列行为之一的，由认定机构取消其资格：",
            "（一）在申请认定过程中存在严重弄虚作假行为的；",
            "（二）发生重大安全、重大质量事故或有严重环境违法行为的。",
            "对被取消资格的企业，由认定机构通知税务机关追缴其已享受的税收优惠。",
            "第五章 附则",
            "第二十一条 科技部、财政部、税务总局根据本办法另行制定工作指引。",
        )
    )
    assert [c.section for c in chunks] == [("第十九条",), ("第五章 附则", "第二十一条")]


def test_bracket_headings():
    chunks = chunk(
        make_doc(
            "制造业企业研发费用税前加计扣除政策",
            "【享受主体】",
            "制造业企业",
            "【享受条件】",
            "一、本条所称制造业企业，是指以制造业业务为主营业务的企业。制造业的范围按照《国民经济行业分类》确定。",
            "二、企业享受研发费用加计扣除政策的其他政策口径按照有关文件执行。相关规定同时适用。",
            "【政策依据】",
            "《财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告》",
        )
    )
    assert outline(chunks) == [
        ((), "制造业企业研发费用税前加计扣除政策"),
        (("【享受主体】",), "【享受主体】"),
        (
            ("【享受条件】", "一、本条所称制造业企业，是指以制造业业务为主营业务的企业"),
            "【享受条件】",
        ),
        (
            ("【享受条件】", "二、企业享受研发费用加计扣除政策的其他政策口径按照有关文件执行"),
            "二、企业享受研发费用加计扣除政策的其他政策口径按照有关文件执行。相关规定同时适用。",
        ),
        (("【政策依据】",), "【政策依据】"),
    ]
    # A tiny top-level section stays alone: chunks never span two top-level sections.
    assert chunks[1].text == "【享受主体】\n制造业企业"


def test_attachment_starts_a_new_top_level_section():
    body = "。各单位结合实际抓好落实。按年度报送工作总结。"
    chunks = chunk(
        make_doc(
            "一、工作要求" + body,
            "附件1",
            "科技成果登记办法",
            "一、登记范围" + body,
        )
    )
    assert [c.section for c in chunks] == [
        ("一、工作要求",),
        ("附件1", "一、登记范围"),
    ]
    assert chunks[1].text.startswith("附件1\n科技成果登记办法\n一、登记范围")


def test_plain_list_items_stay_in_their_headings_chunk():
    chunks = chunk(
        make_doc(
            "四、不适用税前加计扣除政策的行业",
            "1.烟草制造业。",
            "2.住宿和餐饮业。",
            "3.批发和零售业。",
            "上述行业以《国民经济行业分类与代码》为准，并随之更新。",
            "五、其他事项",
            "企业应当按规定归集研发费用，留存备查资料。",
        )
    )
    assert outline(chunks) == [
        (("四、不适用税前加计扣除政策的行业",), "四、不适用税前加计扣除政策的行业"),
        (("五、其他事项",), "五、其他事项"),
    ]
    assert chunks[0].text.endswith(
        "3.批发和零售业。\n上述行业以《国民经济行业分类与代码》为准，并随之更新。"
    )


def test_large_list_item_is_a_clause_of_its_own():
    big = (
        "2.企业"
        + "在规定期限内完成研发项目立项、研发费用归集、辅助账设置和备查资料整理，" * 5
        + "并按规定申报。"
    )
    first, last = (
        "1.企业应当在年度汇算清缴时按规定申报享受优惠。",
        "3.企业应当将备查资料留存十年以备税务机关核查。",
    )
    chunks = chunk(make_doc("四、申报要求", first, big, last))
    assert ChunkerParams().max_tokens // 2 < count_tokens(big) < ChunkerParams().max_tokens
    assert outline(chunks) == [
        (("四、申报要求",), "四、申报要求"),
        (("四、申报要求", big[:39] + "…"), big),
        (("四、申报要求", "3.企业应当将备查资料留存十年以备税务机关核查"), last),
    ]


def test_dates_decimals_and_inline_enumerations_do_not_start_clauses():
    chunks = chunk(
        make_doc(
            "一、加计扣除比例",
            "1.5倍以上的部分，按照实际发生额的75%在税前加计扣除，比例提高后的具体办法另行公布。",
            "2018年1月1日至2020年12月31日期间，企业可以享受本条规定的优惠。逾期不再享受。",
            "二、管理要求",
            "企业应当设置辅助账，准确归集研发费用。",
        )
    )
    assert [c.section for c in chunks] == [("一、加计扣除比例",), ("二、管理要求",)]


def test_preamble_is_its_own_chunk_even_when_tiny():
    chunks = chunk(
        make_doc("某某通知", "第一条 为了规范管理，促进科技成果转化，根据有关法律，制定本办法。")
    )
    assert outline(chunks) == [((), "某某通知"), (("第一条",), chunks[1].text)]


def test_tiny_clauses_merge_with_siblings_in_the_same_top_level_section():
    chunks = chunk(
        make_doc(
            "第八章 附则",
            "第五十八条 中华人民共和国政府同外国政府订立的有关税收的协定与本法有不同规定的，依照协定的规定办理。",
            "第五十九条 国务院根据本法制定实施条例。",
            "第六十条 本法自2008年1月1日起施行。",
        )
    )
    assert count_tokens("第五十九条 国务院根据本法制定实施条例。") < 24
    assert [c.section for c in chunks] == [("第八章 附则",)]


# ---------------------------------------------------------------- sizes and sentences


SMALL = ChunkerParams(max_tokens=64, min_tokens=8)


def test_long_clause_is_split_at_sentence_ends_and_keeps_its_path():
    sentences = [f"第{n}项措施要求各地加强科技成果转化工作并按时报告进展。" for n in range(1, 13)]
    doc = make_doc("一、重点任务", "".join(sentences))
    chunks = chunk(doc, SMALL)
    assert len(chunks) > 3
    assert all(c.section == ("一、重点任务",) for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)
    assert cut_mid_sentence(doc, chunks, SMALL) == []
    assert chunks[0].text.startswith("一、重点任务\n第1项")


def test_oversized_sentence_is_split_at_commas_then_at_the_limit():
    clauses = "，".join(f"支持第{n}类企业开展研发活动" for n in range(1, 20)) + "。"
    endless = "研发" * 200
    doc = make_doc("一、支持范围", clauses, endless)
    chunks = chunk(doc, SMALL)
    assert cut_mid_sentence(doc, chunks, SMALL) == []
    by_comma = [c for c in chunks if "支持第" in c.text]
    by_limit = [c for c in chunks if "支持第" not in c.text]
    assert by_comma[0].text.startswith("一、支持范围\n支持第1类企业开展研发活动，")
    assert [c.text[-1] for c in by_comma] == ["，"] * (len(by_comma) - 1) + ["。"]
    assert "".join(c.text for c in by_limit) == endless
    assert [c.n_tokens for c in by_limit[:-1]] == [SMALL.max_tokens] * (len(by_limit) - 1)


def test_bare_heading_is_not_left_alone_before_a_long_paragraph():
    para = "".join(f"第{n}条措施要求各地加强科技成果转化工作。" for n in range(1, 12))
    chunks = chunk(
        make_doc(
            "（二）加大科技创新支持强度着力构建多元化投入格局。",
            "4. 强化财政资金的引导作用。" + para,
        ),
        SMALL,
    )
    assert chunks[0].text.startswith("（二）加大科技创新支持强度着力构建多元化投入格局。\n4. 强化")
    assert all(c.n_tokens >= SMALL.min_tokens for c in chunks)


def test_every_chunk_fits_and_no_sentence_is_cut_at_small_sizes_on_the_seed():
    doc = seed_doc()
    chunks = chunk(doc, SMALL)
    assert len(chunks) > 100
    assert cut_mid_sentence(doc, chunks, SMALL) == []


# ---------------------------------------------------------------- pages and ids


def test_page_is_the_page_of_the_first_block():
    long = "".join(f"第{n}项措施要求各地加强科技成果转化工作并按时报告进展。" for n in range(1, 10))
    doc = make_doc(
        ("某某方案", 1),
        ("一、总体要求", 1),
        ("坚持创新驱动，加快成果转化。", 2),
        ("二、重点任务", 3),
        (long, 4),
    )
    chunks = chunk(doc, SMALL)
    assert [c.page for c in chunks] == [1, 1] + [3] + [4] * (len(chunks) - 3)
    assert chunk(make_doc("一、总体要求", "坚持创新驱动，加快成果转化。"))[0].page is None


def test_ids_are_stable_and_follow_the_text():
    first = chunk(make_doc(*PLAN))
    again = chunk(make_doc(*PLAN))
    assert first == again
    changed = list(PLAN)
    changed[12] = changed[12].replace("社会监督", "群众监督")
    other = chunk(make_doc(*changed))
    assert [c.id for c in other[:8]] == [c.id for c in first[:8]]
    assert other[8].id != first[8].id
    assert [c.id for c in other[9:]] == [c.id for c in first[9:]]


def test_empty_document_has_no_chunks():
    assert chunk_document(make_doc(), "dtest") == []
    assert chunk_document(make_doc("", "  \u3000"), "dtest") == []


def test_params_fingerprint_and_validation():
    assert ChunkerParams().fingerprint() == {
        "chunker": "structural",
        "version": CHUNKER_VERSION,
        "max_tokens": 320,
        "min_tokens": 24,
        "tokenizer": ENCODING_NAME,
    }
    assert ChunkerParams(max_tokens=400).fingerprint() != ChunkerParams().fingerprint()
    with pytest.raises(ValueError, match="max_tokens=10 is too small"):
        ChunkerParams(max_tokens=10)
    with pytest.raises(ValueError, match="min_tokens=400"):
        ChunkerParams(max_tokens=320, min_tokens=400)


# ---------------------------------------------------------------- the real corpus


def corpus_file(prefix: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    (path,) = CORPUS.glob(prefix + "*")
    return path


def corpus_doc(path: Path) -> LoadedDocument:
    """What the loader hands over: paragraphs without front matter, '#' marks or remarks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0] == "---":
        lines = lines[lines.index("---", 1) + 1 :]
    blocks = []
    for line in lines:
        text = re.sub(r"^#+\s*", "", line)
        if text.strip() and not text.startswith(("<!--", "[")):
            blocks.append(Block(text))
    return LoadedDocument(path.name, "0" * 64, DocumentMeta(title=path.stem), tuple(blocks), "md")


def seed_doc() -> LoadedDocument:
    """The seed's policy text, from its title line to the end of the notice."""
    doc = corpus_doc(corpus_file("00_"))
    texts = [b.text for b in doc.blocks]
    start = next(i for i, t in enumerate(texts) if "关于印发振兴东北" in t)
    end = next(i for i, t in enumerate(texts) if "本图文来源于网络" in t)
    return LoadedDocument(doc.source_name, doc.sha256, doc.meta, doc.blocks[start:end], "txt")


def test_seed_clauses_land_under_their_headings():
    chunks = chunk(seed_doc())
    assert chunks[0].section == ()
    assert "国科发创〔2018〕17号" in chunks[0].text
    assert find(chunks, "研发费用加计扣除").section[0] == "二、重点任务"
    assert find(chunks, "2. 强化政策衔接配套").section == (
        "二、重点任务",
        "(一)加快改革政策落实落地,着力提升成果转化动力活力潜力",
        "2. 强化政策衔接配套",
    )
    assert find(chunks, "30. 推动创新创业合作").section == (
        "二、重点任务",
        "(八)加强对口科技合作,着力推进区域协同创新发展",
        "30. 推动创新创业合作",
    )
    assert find(chunks, "——深化改革").section == ("一、总体要求", "(一)基本原则")
    assert find(chunks, "建立科技创新改革试错").section == (
        "三、组织保障",
        "(二)营造干事创业的良好环境",
    )
    # The attachment note inside the covering letter is not a heading.
    assert find(chunks, "附件:振兴东北").section == ()


def test_law_articles_land_under_their_chapters():
    chunks = chunk(corpus_doc(corpus_file("01_")))
    assert find(chunks, "第四十五条").section == ("第四章 技术权益", "第四十五条")
    assert find(chunks, "第一条 为了促进科技成果转化").section == ("第一章 总则", "第一条")
    assert find(chunks, "第五十二条").section == ("第六章 附则", "第五十二条")
    # 第四十五条's closing paragraphs (款) follow its items (项) and still belong to it.
    assert find(chunks, "符合前款第一项至第三项规定的标准").section == (
        "第四章 技术权益",
        "第四十五条",
    )
    for c in chunks[1:]:
        assert re.fullmatch(r"第.+章 .+", c.section[0]), c.section


def test_regulation_sections_nest_between_chapter_and_article():
    chunks = chunk(corpus_doc(corpus_file("03_")))
    assert find(chunks, "第三十条 企业所得税法第八条所称费用").section == (
        "第二章 应纳税所得额",
        "第三节 扣除",
        "第三十条",
    )
    assert find(chunks, "2．海水养殖、内陆养殖").section == ("第四章 税收优惠", "第八十六条")


def test_whole_corpus_fits_loses_nothing_and_cuts_no_sentence():
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    for path in sorted(CORPUS.glob("[0-9]*")):
        doc = corpus_doc(path)
        chunks = chunk(doc)
        assert chunks, path.name
        assert cut_mid_sentence(doc, chunks) == [], path.name
