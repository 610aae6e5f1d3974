"""Reading files: every supported format, every way a file can be bad, and the real seed page."""

from __future__ import annotations

import hashlib
import random
import sys
import types
import zipfile
from pathlib import Path

import pytest

from retrieval import loaders
from retrieval.documents import CorpusError, UnreadableFile, UnsupportedFile
from retrieval.loaders import SUPPORTED_SUFFIXES, load_file, sniff_kind
from tests import filegen as g

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def texts(doc) -> list[str]:
    return [b.text for b in doc.blocks]


def refuse(path: Path, error: type[CorpusError] = UnreadableFile, **kw) -> str:
    """Load a file that must be refused; return the message (which must name the file)."""
    with pytest.raises(error) as info:
        load_file(path, **kw)
    assert type(info.value) is error
    message = str(info.value)
    assert (kw.get("source_name") and Path(kw["source_name"]).name or path.name) in message
    return message


def corpus_file(prefix: str) -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return next(CORPUS.glob(f"{prefix}_*"))


# ---------------------------------------------------------------- sniffing


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


@pytest.mark.parametrize(
    ("data", "suffix", "kind"),
    [
        (b"%PDF-1.7\n...", ".txt", "pdf"),
        (b"\r\n%PDF-1.4 junk before the header", ".pdf", "pdf"),
        (b"PK\x03\x04rest-of-zip", ".pdf", "docx"),
        (b"PK\x03\x04rest-of-zip", ".txt", "docx"),
        (b"\x89PNG\r\n\x1a\n....", ".txt", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", ".docx", "binary"),
        (b"<!DOCTYPE html><html></html>", ".txt", "html"),
        (b"\xef\xbb\xbf  <html><body>x</body></html>", ".md", "html"),
        (b"<p>fragment</p>", ".htm", "html"),
        (b"# title", ".MD", "md"),
        (b"# title", ".markdown", "md"),
        ("正文".encode(), ".txt", "txt"),
        (b"not a pdf at all", ".pdf", "pdf"),
        (b"not a zip", ".docx", "docx"),
    ],
)
def test_sniff_kind(data, suffix, kind):
    assert sniff_kind(data, suffix) == kind


# ---------------------------------------------------------------- PDF


def test_pdf_joins_wrapped_lines_keeps_pages_and_drops_headers(tmp_path):
    path = g.chinese_pdf(tmp_path / "notice.pdf")
    doc = load_file(path)
    assert doc.kind == "pdf"
    assert doc.source_name == "notice.pdf"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert texts(doc) == list(g.NOTICE_BLOCKS)
    # NOTICE_PARA_1 starts on page 1 and ends on page 2: a block keeps its first page.
    assert [b.page for b in doc.blocks] == [1, 1, 1, 1, 1, 1, 2, 2, 2, 2]
    assert g.RUNNING_HEADER not in doc.text
    assert "- 1 -" not in doc.text and "- 2 -" not in doc.text
    meta = doc.meta
    assert (meta.title, meta.doc_number, meta.date) == (
        g.NOTICE_TITLE,
        g.NOTICE_NUMBER,
        "2023-02-10",
    )
    assert (meta.effective, meta.expires, meta.issuers) == (
        "2023-03-01",
        "2025-12-31",
        (g.NOTICE_SIGNER,),
    )


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_pdf_encrypted_with_empty_password_is_read(tmp_path, algorithm):
    path = g.encrypted_pdf(tmp_path / "restricted.pdf", "", algorithm=algorithm)
    assert texts(load_file(path)) == list(g.NOTICE_BLOCKS)


def test_pdf_with_password_is_refused(tmp_path):
    path = g.encrypted_pdf(tmp_path / "secret.pdf", "s3cret")
    message = refuse(path)
    assert "secret.pdf is password-protected" in message
    assert "Remove the password" in message


@pytest.mark.parametrize("make", [g.corrupt_pdf, g.truncated_pdf])
def test_damaged_pdf_is_refused(tmp_path, make):
    message = refuse(make(tmp_path / "broken.pdf"))
    assert message.startswith("broken.pdf is a damaged or incomplete PDF")


def test_pdf_suffix_without_pdf_content_is_refused(tmp_path):
    path = g.write_text(tmp_path / "fake.pdf", "这只是文字。")
    assert "fake.pdf is not a PDF" in refuse(path)


def test_image_only_pdf_without_ocr_says_how_to_turn_it_on(tmp_path):
    message = refuse(g.image_only_pdf(tmp_path / "scan.pdf"))
    assert "scan.pdf has no text layer" in message
    assert "OCR is off" in message
    assert "pip install '.[ocr]'" in message and "ocr = true under [limits]" in message


def test_image_only_pdf_with_ocr_but_engine_missing(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import fails
    message = refuse(g.image_only_pdf(tmp_path / "scan.pdf"), ocr=True)
    assert "OCR engine is not installed" in message and "pip install '.[ocr]'" in message


def test_image_only_pdf_with_ocr_reads_the_images(tmp_path, monkeypatch):
    calls: list[bytes] = []

    class FakeRapidOCR:
        def __call__(self, image):
            calls.append(image)
            # Out of order on purpose: lines are put top to bottom by their boxes.
            lower = [[[10, 80], [200, 80], [200, 95], [10, 95]], "本办法自发布之日起施行。", 0.93]
            upper = [[[10, 20], [200, 20], [200, 35], [10, 35]], "第一条 扫描件中的条文。", 0.97]
            return [lower, upper], 0.01

    fake = types.ModuleType("rapidocr_onnxruntime")
    fake.RapidOCR = FakeRapidOCR
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", fake)
    doc = load_file(g.image_only_pdf(tmp_path / "scan.pdf"), ocr=True)
    assert texts(doc) == ["第一条 扫描件中的条文。", "本办法自发布之日起施行。"]
    assert [b.page for b in doc.blocks] == [1, 1]
    assert len(calls) == 1 and isinstance(calls[0], bytes) and len(calls[0]) > 0


def test_pdf_over_the_page_limit_is_refused(tmp_path):
    path = g.many_pages_pdf(tmp_path / "long.pdf", 12)
    message = refuse(path, max_pdf_pages=10)
    assert "long.pdf has 12 pages, more than the limit of 10" in message
    assert "max_pdf_pages" in message
    doc = load_file(path, max_pdf_pages=12)
    assert len(doc.blocks) == 12 and doc.blocks[-1].page == 12
    assert doc.blocks[0].text.startswith("第1条 ")


# ---------------------------------------------------------------- text encodings


@pytest.mark.parametrize(
    ("make", "extra"),
    [
        (g.gbk_text, f"联系人：王{g.GBK_ONLY}。"),
        (g.gb18030_text, f"生僻字：{g.GB18030_ONLY}。"),
        (g.utf16_text, None),
        (lambda p: g.utf16_text(p, "be"), None),
        (lambda p: g.write_text(p, encoding="utf-8-sig"), None),
        (lambda p: g.write_text(p, encoding="utf-8"), None),
        (g.crlf_text, None),
    ],
)
def test_text_encodings(tmp_path, make, extra):
    doc = load_file(make(tmp_path / "notice.txt"))
    expected = g.PLAIN_NOTICE.split("\n") + ([extra] if extra else [])
    assert doc.kind == "txt"
    assert texts(doc) == expected
    assert [b.page for b in doc.blocks] == [None] * len(expected)


def test_text_in_a_legacy_western_encoding_is_guessed(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Résumé de la politique, été 2018.\n".encode("cp1252"))
    assert "Résumé de la politique" in load_file(path).text


def test_utf16_without_bom_is_read(tmp_path):
    path = tmp_path / "nobom.txt"
    path.write_bytes("Policy 2024: 第一条 本办法适用于企业。".encode("utf-16-le"))
    assert texts(load_file(path)) == ["Policy 2024: 第一条 本办法适用于企业。"]


def test_hard_wrapped_text_is_joined_into_paragraphs(tmp_path):
    assert texts(load_file(g.wrapped_text(tmp_path / "wrapped.txt"))) == list(g.WRAPPED_BLOCKS)


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    "make", [g.binary_blob, g.control_chars_blob], ids=["random-bytes", "control-chars"]
)
def test_binary_data_named_txt_is_refused(tmp_path, make):
    message = refuse(make(tmp_path / "data.txt"))
    assert message.startswith("data.txt contains binary data, not text")
    assert ".docx" in message  # says what is accepted


def test_image_named_txt_is_refused_and_named(tmp_path):
    message = refuse(g.png_named(tmp_path / "photo.txt"))
    assert "photo.txt contains binary data (a PNG image)" in message


@pytest.mark.parametrize("make", [g.empty_file, g.blank_file], ids=["empty", "blank"])
def test_empty_file_is_refused(tmp_path, make):
    assert refuse(make(tmp_path / "nothing.txt")).startswith("nothing.txt is empty")


def test_markdown_with_only_remarks_has_no_text(tmp_path):
    path = g.write_text(tmp_path / "remarks.md", "---\ntitle: x\n---\n[excerpt ends here]\n")
    assert refuse(path) == "remarks.md contains no readable text"


def test_oversize_file_is_refused_before_reading(tmp_path):
    path = g.oversize_text(tmp_path / "big.txt", 500)
    message = refuse(path, max_bytes=100)
    assert message.startswith("big.txt is 500 bytes, more than the 100 bytes limit")
    assert "max_file_mb" in message
    assert load_file(path, max_bytes=500).text.startswith("科技政策。")


@pytest.mark.parametrize("name", ["policy.doc", "sheet.xlsx", "README", "notice.pdf.exe"])
def test_unsupported_extension_lists_accepted_types(tmp_path, name):
    path = g.write_text(tmp_path / name, "第一条 正文。")
    message = refuse(path, UnsupportedFile)
    for suffix in (".txt", ".md", ".html", ".pdf", ".docx"):
        assert suffix in message


def test_missing_file_is_unreadable(tmp_path):
    assert "gone.txt cannot be read" in refuse(tmp_path / "gone.txt")


def test_pdf_named_txt_is_read_as_pdf(tmp_path):
    doc = load_file(g.chinese_pdf(tmp_path / "notice.txt"))
    assert doc.kind == "pdf"
    assert texts(doc) == list(g.NOTICE_BLOCKS)


def test_docx_named_pdf_is_read_as_docx(tmp_path):
    doc = load_file(g.docx_notice(tmp_path / "notice.pdf"))
    assert doc.kind == "docx"
    assert texts(doc) == list(g.DOCX_BLOCKS)


def test_source_name_is_reduced_to_a_bare_file_name(tmp_path):
    path = g.write_text(tmp_path / "upload-1234", g.PLAIN_NOTICE)
    doc = load_file(path, source_name="../../x.txt")
    assert doc.source_name == "x.txt"
    assert load_file(path, source_name="..\\..\\dir\\y.md").source_name == "y.md"
    empty = g.empty_file(tmp_path / "upload-5678")
    with pytest.raises(UnreadableFile) as info:
        load_file(empty, source_name="../../etc/z.txt")
    assert str(info.value).startswith("z.txt is empty") and ".." not in str(info.value)


def test_source_name_decides_the_type(tmp_path):
    path = g.write_text(tmp_path / "upload.bin", g.PLAIN_NOTICE)
    assert load_file(path, source_name="notice.txt").kind == "txt"
    with pytest.raises(UnsupportedFile):
        load_file(g.write_text(tmp_path / "ok.txt", "x"), source_name="evil.exe")


# ---------------------------------------------------------------- DOCX


def test_docx_headings_paragraphs_and_table(tmp_path):
    doc = load_file(g.docx_notice(tmp_path / "measures.docx"))
    assert doc.kind == "docx"
    assert texts(doc) == list(g.DOCX_BLOCKS)
    assert g.DOCX_HEADER_TEXT not in doc.text  # page headers are not content
    meta = doc.meta
    assert (meta.doc_number, meta.date, meta.effective) == (
        "临科发〔2024〕7号",
        "2024-01-10",
        "2024-01-01",
    )


def test_docx_zip_bomb_is_refused_before_extracting(tmp_path):
    message = refuse(g.docx_zip_bomb(tmp_path / "bomb.docx", uncompressed_mb=20))
    assert message.startswith("bomb.docx is refused: it would unpack to 20.0 MB")
    assert "zip bomb" in message and "word/document.xml" in message


def test_docx_over_the_total_size_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_DOCX_UNCOMPRESSED", 4000)
    members = {"[Content_Types].xml": 100, "word/document.xml": 5000}
    message = refuse(g.zip_of_random(tmp_path / "large.docx", members))
    assert "it would unpack to 5.0 KB" in message


def test_zip_with_too_many_members_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_ZIP_MEMBERS", 3)
    members = {f"word/m{i}.xml": 10 for i in range(4)}
    assert "it would unpack to 4 files" in refuse(g.zip_of_random(tmp_path / "many.docx", members))


def test_docx_that_is_not_a_zip_is_refused(tmp_path):
    message = refuse(g.not_a_zip_docx(tmp_path / "fake.docx"))
    assert message.startswith("fake.docx is not a valid Word document")


@pytest.mark.parametrize(
    ("member", "what"),
    [("xl/workbook.xml", "an Excel workbook"), ("notes.txt", "a zip archive")],
)
def test_zip_that_is_not_a_word_document_is_refused(tmp_path, member, what):
    message = refuse(g.zip_of_random(tmp_path / "archive.docx", {member: 100}))
    assert message.startswith(f"archive.docx is {what}, not a Word document")


def test_docx_with_broken_xml_is_refused(tmp_path):
    path = tmp_path / "broken.docx"
    with (
        zipfile.ZipFile(g.docx_notice(tmp_path / "good.docx")) as src,
        zipfile.ZipFile(path, "w") as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data[: len(data) // 2]
            dst.writestr(info, data)
    assert "broken.docx could not be opened as a Word document" in refuse(path)


# ---------------------------------------------------------------- HTML


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_government_html_page_keeps_only_the_notice(tmp_path, encoding):
    doc = load_file(g.gov_html(tmp_path / "notice.html", encoding))
    assert doc.kind == "html"
    assert texts(doc) == list(g.HTML_BLOCKS)
    for furniture in g.HTML_FURNITURE:
        assert furniture not in doc.text, furniture
    meta = doc.meta
    assert meta.title == g.HTML_TITLE
    assert (meta.doc_number, meta.date) == ("临科发〔2024〕12号", "2024-03-01")
    assert (meta.effective, meta.expires) == ("2024-04-01", "2026-12-31")
    assert meta.issuers == ("临江市科学技术局",)
    assert meta.source == "https://kjj.example.gov.cn/tzgg/2024/0301.html"


def test_html_named_txt_is_read_as_html(tmp_path):
    doc = load_file(g.gov_html(tmp_path / "saved.txt", "utf-8"))
    assert doc.kind == "html" and texts(doc) == list(g.HTML_BLOCKS)


def test_html_without_a_content_container_uses_the_body(tmp_path):
    page = (
        "<html><body><nav>首页 | 政务公开 | 互动交流</nav><div>"
        "<p>第一条 为规范管理，制定本办法。</p><p>第二条 本办法自2024年1月1日起施行。</p>"
        "</div><footer>版权所有 © 2024</footer></body></html>"
    )
    doc = load_file(g.write_text(tmp_path / "plain.html", page))
    assert texts(doc) == ["第一条 为规范管理，制定本办法。", "第二条 本办法自2024年1月1日起施行。"]


# ---------------------------------------------------------------- scraped text and Markdown


def test_scraped_page_text_loses_its_furniture(tmp_path):
    doc = load_file(g.scraped_page_text(tmp_path / "page.txt"))
    assert texts(doc) == list(g.SCRAPED_BLOCKS)
    assert doc.meta.date == "2024-03-05"  # the signature date, not the page's 发布日期


def test_site_prefix_before_the_title_is_dropped(tmp_path):
    text = (
        "返回首页\n当前位置：首页 > 通知\n某站关于做好2024年度申报工作的通知\n第一条 请按时申报。\n"
    )
    doc = load_file(g.write_text(tmp_path / "p.txt", text))
    assert texts(doc) == ["关于做好2024年度申报工作的通知", "第一条 请按时申报。"]


def test_issuer_line_above_the_title_is_kept(tmp_path):
    text = "网站首页\n服务热线：0411-12345678\n财政部 税务总局\n关于延续实施有关政策的公告\n一、政策内容。\n"
    doc = load_file(g.write_text(tmp_path / "p.txt", text))
    assert texts(doc) == ["财政部 税务总局", "关于延续实施有关政策的公告", "一、政策内容。"]
    assert doc.meta.title == "财政部 税务总局关于延续实施有关政策的公告"
    assert doc.meta.issuers == ("财政部", "税务总局")


def test_plain_policy_text_is_left_alone(tmp_path):
    text = "专利法\n第一条 为了保护专利权人的合法权益，制定本法。\n附则\n"
    assert texts(load_file(g.write_text(tmp_path / "law.txt", text))) == text.split("\n")[:3]


def test_markdown_front_matter_headings_and_editorial_remarks(tmp_path):
    doc = load_file(g.markdown_notice(tmp_path / "notice.md"))
    assert doc.kind == "md"
    assert texts(doc) == list(g.MARKDOWN_BLOCKS)
    meta = doc.meta
    assert meta.title == "临江市科学技术局关于印发科技成果转化奖励办法的通知"
    assert meta.doc_number == "临科发[2023]5号"  # front matter wins, as written
    assert (meta.date, meta.effective) == ("2023-02-10", "2023-03-01")
    assert meta.source == "https://kjj.example.gov.cn/zcwj/2023/0210.html"
    assert meta.note == "excerpt"


def test_markdown_links_emphasis_and_lists(tmp_path):
    text = "- 见[《通知》](https://example.gov.cn/a.html)第*二*条和__第三条__\n* `第四条` 不变\n"
    assert texts(load_file(g.write_text(tmp_path / "x.md", text))) == [
        "见《通知》第二条和第三条",
        "第四条 不变",
    ]


def test_markdown_never_joins_lines_across_an_editorial_gap(tmp_path):
    wide = "企业开展研发活动中实际发生的研发费用未形成无形资产计入当期损益的"
    text = "\n".join(
        [wide, wide, wide + "[preview gap]", "[middle, per the repost:] " + wide + "。"]
    )
    assert texts(load_file(g.write_text(tmp_path / "gap.md", text))) == [
        wide + wide + wide,
        wide + "。",
    ]


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: [unclosed\n", "is not valid YAML"),
        ("- a\n- b\n", "must be 'key: value' lines"),
    ],
)
def test_markdown_bad_front_matter_is_refused(tmp_path, front, expected):
    path = g.write_text(tmp_path / "bad.md", f"---\n{front}---\n第一条 正文。\n")
    assert expected in refuse(path)


# ---------------------------------------------------------------- robustness


def _mutations(data: bytes, seed: int) -> bytes:
    rnd = random.Random(seed)
    out = bytearray(data)
    for _ in range(rnd.randint(1, 40)):
        out[rnd.randrange(len(out))] = rnd.randrange(256)
    if rnd.random() < 0.3:
        out = out[: rnd.randrange(len(out))]
    return bytes(out)


@pytest.mark.parametrize(
    ("make", "name"),
    [(g.chinese_pdf, "x.pdf"), (g.docx_notice, "x.docx"), (g.gov_html, "x.html")],
)
def test_damaged_files_only_raise_corpus_errors(tmp_path, make, name):
    good = make(tmp_path / name).read_bytes()
    outcomes = set()
    for seed in range(25):
        path = tmp_path / f"{seed}-{name}"
        path.write_bytes(_mutations(good, seed))
        try:
            load_file(path)
            outcomes.add("read")
        except CorpusError:
            outcomes.add("refused")
    assert outcomes  # reaching here means nothing but CorpusError escaped


# ---------------------------------------------------------------- the real seed page


def test_seed_page_keeps_the_policy_and_drops_the_furniture():
    doc = load_file(corpus_file("00"))
    blocks = texts(doc)
    assert blocks[0] == "关于印发振兴东北科技成果转移转化专项行动实施方案的通知"
    assert blocks[1] == "国科发创〔2018〕17号"
    assert blocks[2].startswith("辽宁省、吉林省、黑龙江省科技厅") and blocks[2].endswith(
        "有关分行:"
    )
    assert blocks[-1].endswith("形成总结报告并报送有关部门。")
    assert "一、总体要求" in blocks and "三、组织保障" in blocks
    i = blocks.index("2018年1月9日")
    assert blocks[i - 3 : i + 2] == [
        "科 技 部 国家发展改革委 教 育 部",
        "工业和信息化部 国务院国资委 国家知识产权局",
        "中 科 院 自然科学基金会 国家开发银行",
        "2018年1月9日",
        "振兴东北科技成果转移转化专项行动实施方案",
    ]
    for furniture in (
        "13274610375", "0451-58578842", "在线客服", "访问人数", "本图文来源于网络", "首页 >",
        "English", "证书查询", "联系我们", "7×24", "锦州关于", "选择阅读字号",
    ):  # fmt: skip
        assert furniture not in doc.text, furniture
    # No policy paragraph is lost or merged: one block per line of the original policy text.
    source = CORPUS.glob("00_*").__next__().read_text(encoding="utf-8").splitlines()
    start = next(i for i, s in enumerate(source) if s.startswith("锦州关于"))
    end = next(i for i, s in enumerate(source) if "本图文来源于网络" in s)
    policy = [s for s in source[start + 1 : end] if s.strip() and "发布时间" not in s]
    assert len(blocks) == len(policy) + 1


@pytest.mark.parametrize("prefix", ["07", "08", "11", "13", "14", "15", "18", "19"])
def test_corpus_excerpts_lose_editorial_remarks(prefix):
    doc = load_file(corpus_file(prefix))
    for remark in ("excerpt ends here", "Block ", "http", "per the news", "page ends", "Editor"):
        assert remark not in doc.text
    assert doc.text.count("[") == doc.text.count("]")


def test_corpus_keeps_chinese_text_in_ascii_brackets():
    assert "(国科发火[2008]172号)同时废止" in load_file(corpus_file("13")).text


def test_corpus_law_markdown():
    doc = load_file(corpus_file("01"))
    blocks = texts(doc)
    assert blocks[0] == "中华人民共和国促进科技成果转化法"
    assert "第一章 总则" in blocks and "第六章 附则" in blocks
    assert "INFO END" not in doc.text and "#" not in doc.text
    assert blocks[-1] == "第五十二条 本法自1996年10月1日起施行。"


def test_html_furniture_found_by_any_of_several_classes_and_title_box(tmp_path):
    page = (
        "<html><body><div class='box share-bar'>分享到：微信</div>"
        "<div class='detail-title'>临江市财政局关于下达2024年科技专项资金的通知</div>"
        "<div class='wrap' id='footer-links'>友情链接：某某网</div>"
        "<div id='zoom'><p>各区县财政局：</p><p>现将2024年科技专项资金下达给你们，请按规定使用。</p></div>"
        "<div>本站发布的信息仅供参考。</div>"
        "</body></html>"
    )
    doc = load_file(g.write_text(tmp_path / "funds.html", page))
    assert texts(doc) == [
        "临江市财政局关于下达2024年科技专项资金的通知",
        "各区县财政局：",
        "现将2024年科技专项资金下达给你们，请按规定使用。",
    ]
    assert doc.meta.title == "临江市财政局关于下达2024年科技专项资金的通知"


def test_a_few_damaged_bytes_in_utf8_text_are_tolerated(tmp_path):
    data = bytearray(("第一条 本办法适用于本市企业。\n" * 200).encode())
    data[100] = 0xFF
    path = tmp_path / "damaged.txt"
    path.write_bytes(bytes(data))
    doc = load_file(path)
    assert doc.text.count("\ufffd") == 2  # the broken character's two remaining bytes
    assert doc.text.count("第一条 本办法适用于本市企业。") == 199


def test_utf8_cut_in_the_middle_of_a_character_is_read(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes("第一条 本办法适用于企业。".encode()[:-2])
    assert texts(load_file(path)) == ["第一条 本办法适用于企业"]


def test_zip_of_an_unsupported_version_is_refused(tmp_path):
    data = bytearray(g.docx_notice(tmp_path / "good.docx").read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last central-directory entry
    data[central + 6] = 99  # "version needed to extract" 9.9
    path = tmp_path / "odd.docx"
    path.write_bytes(bytes(data))
    assert refuse(path).startswith("odd.docx is not a valid Word document")


def test_contact_lines_inside_the_notice_stay(tmp_path):
    text = (
        "当前位置：首页 > 通知\n关于开展申报工作的通知\n一、申报要求。\n"
        "二、开通在线咨询服务，及时解答企业问题。\n联系人：张三\n联系电话：0411-12345678\n"
        "临江市科学技术局\n2024年3月5日\n版权所有：临江市科学技术局\n"
    )
    doc = load_file(g.write_text(tmp_path / "p.txt", text))
    assert texts(doc) == text.split("\n")[1:8]
