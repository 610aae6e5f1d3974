"""Metadata: document numbers, dates, issuers, repeals — on the real corpus and small texts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from retrieval.loaders import load_file
from retrieval.metadata import (
    doc_number_key,
    doc_number_matches,
    extract_metadata,
    find_doc_numbers,
    parse_date,
    split_orgs,
    title_from_line,
)

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def corpus_file(prefix: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return next(CORPUS.glob(f"{prefix}_*"))


def raw_markdown(prefix: str) -> tuple[dict, str]:
    _, front, body = corpus_file(prefix).read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


# ---------------------------------------------------------------- the real corpus


def test_seed_metadata_from_the_scraped_page():
    meta = load_file(corpus_file("00")).meta
    assert meta.title == "关于印发振兴东北科技成果转移转化专项行动实施方案的通知"
    assert meta.doc_number == "国科发创〔2018〕17号"
    assert meta.date == "2018-01-09"  # the signature date, not the page's 发布时间 2018-01-23
    assert meta.issuers == (
        "科技部", "国家发展改革委", "教育部", "工业和信息化部", "国务院国资委", "国家知识产权局",
        "中科院", "自然科学基金会", "国家开发银行",
    )  # fmt: skip
    assert (meta.effective, meta.expires, meta.repeals) == (None, None, ())


def test_seed_metadata_from_the_raw_text_alone():
    meta = extract_metadata(corpus_file("00").read_text(encoding="utf-8"))
    assert meta.title == "关于印发振兴东北科技成果转移转化专项行动实施方案的通知"
    assert (meta.doc_number, meta.date) == ("国科发创〔2018〕17号", "2018-01-09")
    assert "科技部" in meta.issuers


def test_08_repeals_three_announcements():
    meta = load_file(corpus_file("08")).meta
    assert meta.doc_number == "财政部 税务总局公告2023年第7号"
    assert (meta.date, meta.effective, meta.expires) == ("2023-03-26", "2023-01-01", None)
    assert meta.issuers == ("财政部", "税务总局")
    assert meta.repeals == (
        "财政部 税务总局公告2021年第13号",
        "财政部 税务总局 科技部公告2022年第16号",
        "财政部 税务总局 科技部公告2022年第28号",
    )
    for short in ("2021年第13号", "2022年第16号", "2022年第28号"):
        assert any(doc_number_matches(short, full) for full in meta.repeals), short


def test_08_from_text_without_front_matter():
    _, body = raw_markdown("08")
    meta = extract_metadata(body)
    assert meta.title == "财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告"
    assert (meta.doc_number, meta.date) == ("财政部 税务总局公告2023年第7号", "2023-03-26")
    assert len(meta.repeals) == 3


def test_07_number_and_date_and_no_expiry_from_a_rate_period():
    meta = load_file(corpus_file("07")).meta
    assert (meta.doc_number, meta.date) == ("财税〔2018〕99号", "2018-09-20")
    assert meta.issuers == ("财政部", "税务总局", "科技部")
    # "在2018年1月1日至2020年12月31日期间" is when a rate applies, not when the notice expires.
    assert (meta.effective, meta.expires, meta.repeals) == (None, None, ())
    _, body = raw_markdown("07")
    meta = extract_metadata(body)
    assert meta.title == "财政部 税务总局 科技部关于提高研究开发费用税前加计扣除比例的通知"
    assert (meta.doc_number, meta.date, meta.expires) == ("财税〔2018〕99号", "2018-09-20", None)


def test_11_front_matter_date_with_an_in_force_remark():
    meta = load_file(corpus_file("11")).meta
    assert (meta.date, meta.effective) == ("2015-11-02", "2016-01-01")
    assert meta.doc_number == "财税〔2015〕119号"
    assert meta.issuers == ("财政部", "国家税务总局", "科技部")


def test_13_repeals_the_2008_measures_and_has_no_exact_date():
    meta = load_file(corpus_file("13")).meta
    assert meta.doc_number == "国科发火〔2016〕32号"
    assert (meta.date, meta.effective) == (None, "2016-01-01")
    assert meta.repeals == ("国科发火〔2008〕172号",)


def test_03_decree_number_from_front_matter_and_text():
    assert load_file(corpus_file("03")).meta.doc_number == "国务院令第512号"
    _, body = raw_markdown("03")
    assert extract_metadata(body).doc_number == "国务院令第512号"


def test_law_front_matter_description_is_kept():
    meta = load_file(corpus_file("05")).meta
    assert meta.doc_number.startswith("法律（2020-10-17")
    assert (meta.title, meta.date, meta.effective) == (
        "中华人民共和国专利法",
        "2020-10-17",
        "1985-04-01",
    )


def test_10_is_not_mistaken_for_a_repealing_document():
    meta = load_file(corpus_file("10")).meta
    assert meta.doc_number == "财政部 税务总局公告2021年第13号"
    assert (meta.date, meta.repeals) == (None, ())


# ---------------------------------------------------------------- document numbers


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("国科发创〔2018〕17号", ["国科发创〔2018〕17号"]),
        ("财税〔2018〕99号", ["财税〔2018〕99号"]),
        ("财税[2018]99号", ["财税〔2018〕99号"]),
        ("财税［2018］99号", ["财税〔2018〕99号"]),
        ("财税【2018】99号", ["财税〔2018〕99号"]),
        ("财税(2018)99号", ["财税〔2018〕99号"]),
        ("财税〔２０１８〕９９号", ["财税〔2018〕99号"]),
        ("财税 〔2018〕 99 号", ["财税〔2018〕99号"]),
        ("国科发火〔2016〕32号", ["国科发火〔2016〕32号"]),
        ("厅字〔2016〕35号", ["厅字〔2016〕35号"]),
        ("财政部 税务总局公告2023年第7号", ["财政部 税务总局公告2023年第7号"]),
        ("财政部税务总局公告2021年第13号", ["财政部税务总局公告2021年第13号"]),
        ("国家税务总局公告2015年第97号", ["国家税务总局公告2015年第97号"]),
        ("财政部 税务总局 科技部公告2022年第16号", ["财政部 税务总局 科技部公告2022年第16号"]),
        ("2007年12月6日 中华人民共和国国务院令第512号公布", ["国务院令第512号"]),
        ("国务院令第512号", ["国务院令第512号"]),
        ("中华人民共和国主席令第三十四号", ["主席令第三十四号"]),
        ("根据财税〔2018〕99号规定执行", ["财税〔2018〕99号"]),
        ("按照国家税务总局公告2015年第97号执行", ["国家税务总局公告2015年第97号"]),
        ("《关于完善…的通知》(财税〔2015〕119号)", ["财税〔2015〕119号"]),
        (
            "财税〔2018〕99号和财税[2018]99号、国科发火〔2016〕32号",
            ["财税〔2018〕99号", "国科发火〔2016〕32号"],
        ),
        ("自2018年1月1日起执行", []),
        ("〔2018〕17号", []),
        ("公告2021年第13号", []),
        ("第3号文件", []),
        ("这是命令第5号", []),
    ],
)
def test_find_doc_numbers(text, numbers):
    assert find_doc_numbers(text) == numbers


def test_doc_number_key_unifies_brackets_spaces_and_width():
    key = doc_number_key("财税〔2018〕99号")
    for form in (
        "财税[2018]99号",
        "财税［2018］99号",
        "财税【2018】99号",
        "财税（2018）99号",
        "财税 (２０１８) 99号",
    ):
        assert doc_number_key(form) == key
    assert doc_number_key("财政部 税务总局公告2021年第13号") == doc_number_key(
        "财政部税务总局公告2021年第13号"
    )
    assert doc_number_key("财税〔2018〕99号") != doc_number_key("财税〔2018〕9号")


@pytest.mark.parametrize(
    ("short", "full", "match"),
    [
        ("2021年第13号", "财政部 税务总局公告2021年第13号", True),
        ("公告2021年第13号", "财政部 税务总局公告2021年第13号", True),
        ("税务总局公告2015年第97号", "国家税务总局公告2015年第97号", True),
        ("财政部税务总局公告2021年第13号", "财政部 税务总局公告2021年第13号", True),
        ("〔2018〕99号", "财税〔2018〕99号", True),
        ("财税[2018]99号", "财税〔2018〕99号", True),
        ("财政部 税务总局公告2021年第13号", "2021年第13号", True),
        ("2021年第13号", "财政部 税务总局公告2021年第113号", False),
        ("2021年第113号", "财政部 税务总局公告2021年第13号", False),
        ("2022年第13号", "财政部 税务总局公告2021年第13号", False),
        ("13号", "财政部 税务总局公告2021年第13号", False),
        ("财税〔2018〕99号", "财税〔2018〕9号", False),
        ("", "财税〔2018〕99号", False),
    ],
)
def test_doc_number_matches(short, full, match):
    assert doc_number_matches(short, full) is match


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018年1月9日", "2018-01-09"),
        ("2018 年 01 月 09 日", "2018-01-09"),
        ("二〇一八年一月九日", "2018-01-09"),
        ("二〇一六年十一月二十七日", "2016-11-27"),
        ("2018-1-9", "2018-01-09"),
        ("2018/01/09", "2018-01-09"),
        ("2018.1.9", "2018-01-09"),
        ("发布时间: 2018-01-23 11:22:48", "2018-01-23"),
        ("2018年2月30日", None),
        ("2018年底", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "effective"),
    [
        ("本公告自2023年1月1日起执行。", "2023-01-01"),
        ("本办法自2016年1月1日起实施。", "2016-01-01"),
        ("本法自1996年10月1日起施行。", "1996-10-01"),
        ("本通知从2019年7月1日起生效。", "2019-07-01"),
        ("自2021年1月1日起，再按照实际发生额的100%在税前加计扣除。", None),
        ("本通知自印发之日起施行。\n财政部\n2020年5月6日", "2020-05-06"),
    ],
)
def test_effective_date(text, effective):
    assert extract_metadata(text).effective == effective


@pytest.mark.parametrize(
    ("text", "expires"),
    [
        ("本通知执行至2027年12月31日。", "2027-12-31"),
        ("本办法有效期至2025年12月31日。", "2025-12-31"),
        ("执行期限为2019年1月1日至2021年12月31日。", "2021-12-31"),
        ("将政策执行期限延长至2023年12月31日。", "2023-12-31"),
        ("在2018年1月1日至2020年12月31日期间，再按照实际发生额的75%在税前加计扣除。", None),
        ("本办法有效期5年。", None),
    ],
)
def test_expiry_date(text, expires):
    assert extract_metadata(text).expires == expires


# ---------------------------------------------------------------- repeals


@pytest.mark.parametrize(
    ("text", "repeals"),
    [
        (
            "本公告自2023年1月1日起执行，《关于…的公告》(财政部 税务总局公告2021年第13号)同时废止。",
            ("财政部 税务总局公告2021年第13号",),
        ),
        ("财税〔2015〕119号第四条停止执行。", ("财税〔2015〕119号",)),
        ("《通知》(国税发〔2008〕116号)不再执行。", ("国税发〔2008〕116号",)),
        ("原《办法》(国科发火[2008]172号)予以废止。", ("国科发火〔2008〕172号",)),
        ("本公告已被财政部 税务总局公告2023年第7号废止。", ()),
        ("按照《通知》(财税〔2015〕119号)执行。其他文件同时废止。", ()),
    ],
)
def test_repeals(text, repeals):
    assert extract_metadata(text).repeals == repeals


def test_own_number_is_never_a_repeal():
    text = (
        "财税〔2020〕1号\n本通知印发后，财税〔2020〕1号此前的征求意见稿和财税〔2019〕8号同时废止。"
    )
    meta = extract_metadata(text)
    assert meta.doc_number == "财税〔2020〕1号"
    assert meta.repeals == ("财税〔2019〕8号",)


# ---------------------------------------------------------------- titles, issuers, labels


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (
            "锦州关于印发振兴东北科技成果转移转化专项行动实施方案的通知",
            "关于印发振兴东北科技成果转移转化专项行动实施方案的通知",
        ),
        (
            "财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告",
            "财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告",
        ),
        (
            "国务院办公厅关于推广支持创新相关改革举措的通知",
            "国务院办公厅关于推广支持创新相关改革举措的通知",
        ),
        ("《高新技术企业认定管理办法》", "高新技术企业认定管理办法"),
        ("中华人民共和国专利法", "中华人民共和国专利法"),
        ("为进一步激励企业加大研发投入，现就有关问题通知如下：", None),
        ("一、总体要求", None),
        ("相关文章推荐", None),
    ],
)
def test_title_from_line(line, title):
    assert title_from_line(line) == title


def test_title_split_over_issuer_and_subject_lines():
    meta = extract_metadata(
        "财政部 税务总局 科技部\n关于提高研究开发费用税前加计扣除比例的通知\n财税〔2018〕99号\n"
    )
    assert meta.title == "财政部 税务总局 科技部关于提高研究开发费用税前加计扣除比例的通知"
    assert meta.issuers == ("财政部", "税务总局", "科技部")  # from the title: no signature block


def test_title_falls_back_to_the_file_name():
    meta = extract_metadata("第一条 本办法适用于企业。", source_name="03_某某办法_摘录.txt")
    assert meta.title == "某某办法 摘录"


def test_doc_number_falls_back_to_the_file_name():
    meta = extract_metadata("第一条 本办法适用于企业。", source_name="财税〔2018〕99号_通知.txt")
    assert meta.doc_number == "财税〔2018〕99号"


def test_front_matter_wins_over_the_text():
    text = "关于甲的通知\n甲发〔2020〕1号\n甲局\n2020年1月2日\n"
    meta = extract_metadata(
        text,
        front_matter={
            "title": "正式标题",
            "doc_number": "乙发〔2021〕2号",
            "date": "2021-03-04",
            "note": "n",
        },
    )
    assert (meta.title, meta.doc_number, meta.date, meta.note) == (
        "正式标题",
        "乙发〔2021〕2号",
        "2021-03-04",
        "n",
    )
    assert meta.issuers == ("甲局",)


def test_front_matter_year_only_date_falls_back_to_the_text():
    meta = extract_metadata(
        "甲局\n2020年1月2日\n", front_matter={"date": "2020 (exact date UNCONFIRMED)"}
    )
    assert meta.date == "2020-01-02"


def test_labelled_page_fields_are_fallbacks():
    page = (
        "索 引 号：000014349/2018-00013\n发文机关：科技部\n发文字号：国科发创〔2018〕17号\n"
        "成文日期：2018年01月09日\n标　　题：关于印发某方案的通知\n发布日期：2018-01-23\n"
    )
    meta = extract_metadata("一、总体要求\n加快转化。", page_text=page)
    assert meta.title == "关于印发某方案的通知"
    assert (meta.doc_number, meta.date, meta.issuers) == (
        "国科发创〔2018〕17号",
        "2018-01-09",
        ("科技部",),
    )


def test_publish_time_is_the_last_resort_for_the_date():
    meta = extract_metadata(
        "关于某事的通知\n一、内容。", page_text="发布时间: 2018-01-23 11:22:48 访问人数:"
    )
    assert meta.date == "2018-01-23"


def test_label_value_on_the_next_line():
    meta = extract_metadata("一、内容。", page_text="发文字号：\n财税〔2018〕99号\n")
    assert meta.doc_number == "财税〔2018〕99号"


@pytest.mark.parametrize(
    ("line", "orgs"),
    [
        ("科 技 部    国家发展改革委    教 育 部", ["科技部", "国家发展改革委", "教育部"]),
        ("中 科 院 自然科学基金会 国家开发银行", ["中科院", "自然科学基金会", "国家开发银行"]),
        ("财政部 税务总局", ["财政部", "税务总局"]),
        ("中共中央办公厅 国务院办公厅", ["中共中央办公厅", "国务院办公厅"]),
        ("科技部火炬高技术产业开发中心", ["科技部火炬高技术产业开发中心"]),
        ("资讯中心", []),
        ("锦州", []),
        ("联系我们", []),
        ("2018年1月9日", []),
        ("财政部、税务总局负责解释。", []),
    ],
)
def test_split_orgs(line, orgs):
    assert split_orgs(line) == orgs
