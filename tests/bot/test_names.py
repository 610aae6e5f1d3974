"""Documents and clauses named in English from corpus/doc_names.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.names import BUNDLED, DocNames, NamesError, english_article


@pytest.fixture(scope="module")
def names() -> DocNames:
    return DocNames.load(BUNDLED)


def test_the_examples_of_issue_11(names: DocNames) -> None:
    assert names.english_name("中华人民共和国企业所得税法", "法律（2007-03-16通过）", "第九十条") == (
        "Enterprise Income Tax Law, Art. 90"
    )
    assert names.english_name(
        "财政部 税务总局关于进一步完善研发费用税前加计扣除政策的公告", "财政部 税务总局公告2023年第7号"
    ) == "MOF/STA Announcement No. 7 of 2023 (财政部 税务总局公告2023年第7号)"
    assert names.english_name(
        "财政部 税务总局 科技部关于提高研究开发费用税前加计扣除比例的通知", "财税〔2018〕99号"
    ) == "Notice Caishui [2018] No. 99 (财税〔2018〕99号)"
    assert names.english_name("中华人民共和国促进科技成果转化法", None, "第四十五条第一款") == (
        "Law on Promoting the Transformation of Scientific and Technological Achievements, Art. 45(1)"
    )


def test_names_of_the_corpus_documents(names: DocNames) -> None:
    # a regulation with a decree number keeps it in brackets, the article after it
    assert names.english_name("中华人民共和国企业所得税法实施条例", "国务院令第512号", "第九十条") == (
        "Implementing Regulations of the Enterprise Income Tax Law (国务院令第512号), Art. 90"
    )
    # a notice that issues measures is named by the measures it issues
    assert names.english_name(
        "科技部 财政部 国家税务总局关于修订印发《高新技术企业认定管理办法》的通知 — 附《高新技术企业认定管理办法》",
        "国科发火〔2016〕32号", "第十一条 (五)",
    ) == "Administrative Measures for the Recognition of High-tech Enterprises (国科发火〔2016〕32号), Art. 11(5)"
    assert names.english_name(
        "关于印发振兴东北科技成果转移转化专项行动实施方案的通知", "国科发创〔2018〕17号", "二、(一)3"
    ) == "Notice Guokefachuang [2018] No. 17 (国科发创〔2018〕17号), item 2(1), point 3"
    # a closing note in the title does not hide its kind; several issuers by their short forms
    assert names.english_name(None, "财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号", "一") == (
        "MOF/STA/NDRC/MIIT Announcement No. 44 of 2023 "
        "(财政部 税务总局 国家发展改革委 工业和信息化部公告2023年第44号), item 1"
    )
    assert names.english_name(None, "国家税务总局公告2015年第97号") == (
        "STA Announcement No. 97 of 2015 (国家税务总局公告2015年第97号)"
    )
    assert names.english_name(None, "人社部发〔2021〕14号", "五(四)") == (
        "Renshebufa [2021] No. 14 (人社部发〔2021〕14号), item 5(4)"
    )


def test_documents_without_an_english_title_are_built_from_kind_and_issuer(names: DocNames) -> None:
    assert names.english_name("四川省促进科技成果转化条例", None, "第五条") == (
        "Sichuan Province Regulations (四川省促进科技成果转化条例), Art. 5"
    )
    # an unknown 文号 code is not guessed: the kind, and the number as written
    assert names.english_name("某市关于某事的通知", "临科发〔2023〕5号") == "Notice (临科发〔2023〕5号)"
    assert names.english_name("某个文件", None) == "某个文件"
    assert names.english_name("", None) == "(untitled)"


@pytest.mark.parametrize(
    ("label", "english"),
    [
        ("第九十条", "Art. 90"),
        ("第一百零二条", "Art. 102"),
        ("第四十五条第一款", "Art. 45(1)"),
        ("第二十七条第(四)项", "Art. 27(4)"),
        ("第四十五条第三款第(二)项", "Art. 45(3)(2)"),
        ("第二十七条 （三）", "Art. 27(3)"),
        ("一", "item 1"),
        ("一(二)", "item 1(2)"),
        ("一、(二)", "item 1(2)"),
        ("二、(一)3", "item 2(1), point 3"),
        ("(三)", "item (3)"),
        ("第一段", "para. 1"),
        ("第四章 第四十五条", "Ch. 4, Art. 45"),
        ("【享受条件】一", "Conditions, item 1"),
        ("", ""),
        ("附则说明", "附则说明"),  # what it cannot read comes back as it was
    ],
)
def test_clause_labels_in_english(names: DocNames, label: str, english: str) -> None:
    assert english_article(label, names.labels) == english


def test_the_names_are_data(tmp_path: Path) -> None:
    path = tmp_path / "doc_names.toml"
    path.write_text(
        '[titles]\n"测试法" = "Test Law"\n[kinds]\n"通知" = "Notice"\n'
        '[issuers]\n"某某部" = { en = "Ministry of Something", short = "MOS" }\n[codes]\n"某发" = "Moufa"\n',
        encoding="utf-8",
    )
    names = DocNames.load(path)
    assert names.english_name("中华人民共和国测试法", None, "第三条") == "Test Law, Art. 3"
    assert names.english_name("某某部关于某事的通知", "某发〔2020〕3号") == "Notice Moufa [2020] No. 3 (某发〔2020〕3号)"
    assert names.english_name(None, "某某部公告2020年第3号") == "MOS Announcement No. 3 of 2020 (某某部公告2020年第3号)"
    # an issuer the data does not know is not guessed
    assert names.english_name(None, "别别部公告2020年第3号") == "Document (别别部公告2020年第3号)"


def test_a_malformed_file_says_what_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "doc_names.toml"
    path.write_text('[title]\n"专利法" = "Patent Law"\n', encoding="utf-8")
    with pytest.raises(NamesError, match=r"unknown table\(s\) title; known: titles"):
        DocNames.load(path)
    path.write_text('[issuers]\n"财政部" = 3\n', encoding="utf-8")
    with pytest.raises(NamesError, match='"财政部" must be a string or'):
        DocNames.load(path)
