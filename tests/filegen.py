"""Generators of test files: good and hostile PDFs, Word files, web pages and texts.

Every function writes one file to the path it is given (any name, any extension: a PDF
named ``.txt`` is just ``chinese_pdf(tmp_path / "x.txt")``) and returns that path.
Nothing is read from outside the test; everything is generated in a few milliseconds.
The module-level constants hold the texts the files contain, for exact assertions.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

# ---------------------------------------------------------------- texts

NOTICE_TITLE = "关于印发科技成果转化奖励办法的通知"
NOTICE_NUMBER = "临科发〔2023〕5号"
NOTICE_ADDRESSEE = "各区县科技主管部门，各有关单位："
NOTICE_INTRO = (
    "为深入实施创新驱动发展战略，促进科技成果转移转化，激励科研人员创新创业，"
    "市科技局研究制定了《科技成果转化奖励办法》，现印发给你们，请结合实际认真贯彻落实。"
)
NOTICE_HEADING_1 = "一、奖励对象"
NOTICE_PARA_1 = (
    "在本市注册的企业、高等学校和科研院所，以技术转让、技术许可或者作价投资方式转化"
    "科技成果，且技术合同已在本市登记的，可以申请奖励；同一项成果只奖励一次。"
)
NOTICE_HEADING_2 = "二、奖励标准"
NOTICE_PARA_2 = (
    "按照技术合同实际成交额的百分之五给予奖励，单个项目最高不超过五十万元，"
    "同一单位每年累计最高不超过二百万元。本办法自2023年3月1日起施行，有效期至2025年12月31日。"
)
NOTICE_SIGNER = "临江市科学技术局"
NOTICE_DATE_LINE = "2023年2月10日"
RUNNING_HEADER = "临江市科学技术局文件"

# Paragraphs of the two-page notice PDF, in order; the second page starts in NOTICE_PARA_1.
NOTICE_BLOCKS = (
    NOTICE_TITLE,
    NOTICE_NUMBER,
    NOTICE_ADDRESSEE,
    NOTICE_INTRO,
    NOTICE_HEADING_1,
    NOTICE_PARA_1,
    NOTICE_HEADING_2,
    NOTICE_PARA_2,
    NOTICE_SIGNER,
    NOTICE_DATE_LINE,
)

# A plain-text notice used for the encoding fixtures (contains GBK-only and GB18030-only
# characters where the encoding needs them).
PLAIN_NOTICE = "\n".join(
    [NOTICE_TITLE, NOTICE_NUMBER, NOTICE_ADDRESSEE, NOTICE_INTRO, NOTICE_SIGNER, NOTICE_DATE_LINE]
)
GBK_ONLY = "喆"  # in GBK, not in GB2312
GB18030_ONLY = "䶮𠮷"  # outside GBK: GB18030 four-byte sequences

# ---------------------------------------------------------------- plain files


def write_text(path: Path, text: str = PLAIN_NOTICE, encoding: str = "utf-8") -> Path:
    """Text in any Python codec ("utf-8-sig" gives a UTF-8 BOM, "utf-16" a UTF-16 BOM)."""
    path.write_bytes(text.encode(encoding))
    return path


def gbk_text(path: Path) -> Path:
    return write_text(path, PLAIN_NOTICE + f"\n联系人：王{GBK_ONLY}。", "gbk")


def gb18030_text(path: Path) -> Path:
    return write_text(path, PLAIN_NOTICE + f"\n生僻字：{GB18030_ONLY}。", "gb18030")


def utf16_text(path: Path, byteorder: str = "le") -> Path:
    """UTF-16 with a byte-order mark, little- or big-endian."""
    bom = b"\xff\xfe" if byteorder == "le" else b"\xfe\xff"
    path.write_bytes(bom + PLAIN_NOTICE.encode(f"utf-16-{byteorder}"))
    return path


def wrapped_text(path: Path, width: int = 20) -> Path:
    """The notice hard-wrapped at ``width`` characters, as text copied out of a PDF."""
    lines = [NOTICE_TITLE, NOTICE_NUMBER, NOTICE_ADDRESSEE]
    for heading, para in ((NOTICE_HEADING_1, NOTICE_PARA_1), (NOTICE_HEADING_2, NOTICE_PARA_2)):
        lines += [heading, *_wrap(para, width)]
    lines += [NOTICE_SIGNER, NOTICE_DATE_LINE]
    return write_text(path, "\n".join(lines) + "\n")


WRAPPED_BLOCKS = (
    NOTICE_TITLE,
    NOTICE_NUMBER,
    NOTICE_ADDRESSEE,
    NOTICE_HEADING_1,
    NOTICE_PARA_1,
    NOTICE_HEADING_2,
    NOTICE_PARA_2,
    NOTICE_SIGNER,
    NOTICE_DATE_LINE,
)


def crlf_text(path: Path) -> Path:
    return write_text(path, PLAIN_NOTICE.replace("\n", "\r\n"))


def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def blank_file(path: Path) -> Path:
    """Only whitespace and newlines."""
    path.write_bytes(b" \n\t\r\n   \n")
    return path


def binary_blob(path: Path, size: int = 4096, seed: int = 7) -> Path:
    """Random bytes (with NULs), as any program or image would be."""
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def control_chars_blob(path: Path, size: int = 2048) -> Path:
    """No NUL bytes, but mostly control characters: binary data that decodes as ASCII."""
    path.write_bytes(bytes((i % 8) + 1 for i in range(size)) + "正文".encode())
    return path


def png_named(path: Path) -> Path:
    """A PNG image (any name)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


def oversize_text(path: Path, size: int) -> Path:
    """A valid text file of exactly ``size`` bytes."""
    unit = "科技政策。".encode()
    data = unit * (size // len(unit))
    path.write_bytes(data + b"." * (size - len(data)))
    return path


SCRAPED_PAGE = """\
网站首页
机构设置
政务公开
办事服务
互动交流
服务热线：400-123-4567  /  0411-87650000
当前位置：首页 > 政策文件 > 市级政策

临江市科学技术局关于开展2024年度企业研发投入后补助工作的通知

发布日期：2024-03-06 10:12   来源：本站   浏览次数：358   【大 中 小】

临科发〔2024〕9号

各区县科技主管部门，各有关企业：
   为引导企业加大研发投入，现就开展2024年度企业研发投入后补助工作通知如下：
   一、补助对象
   上年度研发费用加计扣除额在100万元以上的本市企业。
   二、补助标准
   按照企业上年度研发费用增量的10%给予补助，最高不超过100万元。

   临江市科学技术局
   2024年3月5日

【打印本页】【关闭窗口】
分享到：微信 微博 QQ空间
版权所有：临江市科学技术局  地址：临江市人民路1号
辽ICP备12345678号-1
"""
SCRAPED_BLOCKS = (
    "临江市科学技术局关于开展2024年度企业研发投入后补助工作的通知",
    "临科发〔2024〕9号",
    "各区县科技主管部门，各有关企业：",
    "为引导企业加大研发投入，现就开展2024年度企业研发投入后补助工作通知如下：",
    "一、补助对象",
    "上年度研发费用加计扣除额在100万元以上的本市企业。",
    "二、补助标准",
    "按照企业上年度研发费用增量的10%给予补助，最高不超过100万元。",
    "临江市科学技术局",
    "2024年3月5日",
)


def scraped_page_text(path: Path) -> Path:
    """A government web page saved as text: menus, phone line, breadcrumb, footer."""
    return write_text(path, SCRAPED_PAGE)


# ---------------------------------------------------------------- Markdown

MARKDOWN_NOTICE = """\
---
title: "临江市科学技术局关于印发科技成果转化奖励办法的通知"
doc_number: "临科发[2023]5号"
date: "2023-02-10 (in force 2023-03-01; signing date per the city's gazette)"
source: "https://kjj.example.gov.cn/zcwj/2023/0210.html"
note: "excerpt"
---
# 科技成果转化奖励办法

<!-- INFO END -->

## 第一章 总则

第一条 为了**促进**科技成果转化，制定本办法。[excerpt ends here]

[Block B — 第三条, from https://example.org/page]
第三条 奖励资金由市财政[2023]专项列支。[per https://example.org/x]

> 第四条 本办法由市科技局负责解释。

| 项目 | 比例 |
|---|---|
| 技术转让 | 5% |
"""
MARKDOWN_BLOCKS = (
    "科技成果转化奖励办法",
    "第一章 总则",
    "第一条 为了促进科技成果转化，制定本办法。",
    "第三条 奖励资金由市财政[2023]专项列支。",
    "第四条 本办法由市科技局负责解释。",
    "项目 | 比例",
    "技术转让 | 5%",
)


def markdown_notice(path: Path, text: str = MARKDOWN_NOTICE) -> Path:
    return write_text(path, text)


# ---------------------------------------------------------------- HTML

HTML_TITLE = "临江市科学技术局关于开展2024年度科技型企业培育工作的通知"
HTML_BLOCKS = (
    HTML_TITLE,
    "临科发〔2024〕12号",
    "各区县科技主管部门，各有关单位：",
    "为加快培育科技型企业，现就有关事项通知如下：",
    "一、培育对象",
    f"在本市注册的科技型中小企业，由市科技局高新处（王{GBK_ONLY}）负责受理。",
    "二、支持措施",
    "对首次认定的高新技术企业给予20万元奖励。",
    "本通知自2024年4月1日起施行，有效期至2026年12月31日。",
    "项目 | 奖励",
    "首次认定 | 20万元",
    "临江市科学技术局",
    "2024年3月1日",
)
HTML_FURNITURE = (
    "无障碍浏览", "机构概况", "当前位置", "浏览次数", "统计代码", "在线客服", "0411-88888888",
    "分享到", "打印本页", "版权所有", "ICP备", "相关文章", "nav{color", "document.write",
    "隐藏的广告",
)  # fmt: skip
HTML_PAGE = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{HTML_TITLE}_通知公告_临江市科学技术局</title>
<style>.nav{{color:red}}</style><script>var _hmt = "统计代码";</script>
<link rel="canonical" href="https://kjj.example.gov.cn/tzgg/2024/0301.html">
</head><body>
<div class="top-bar">无障碍浏览 | 长者模式 | 登录 | 注册</div>
<header><div class="logo">临江市科学技术局</div></header>
<nav><ul><li>首页</li><li>机构概况</li><li>政务公开</li><li>通知公告</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="main-wrap">
  <h1 class="article-title">{HTML_TITLE}</h1>
  <div class="info">发布时间：2024-03-05 09:30 来源：本站 浏览次数：1024</div>
  <table class="xxgk"><tr><td>发文字号：</td><td>临科发〔2024〕12号</td>
  <td>成文日期：</td><td>2024年03月01日</td></tr></table>
  <div class="TRS_Editor">
    <p style="text-align:center">临科发〔2024〕12号</p>
    <p>各区县科技主管部门，各有关单位：</p>
    <p>&nbsp;&nbsp;为加快培育科技型企业，现就有关事项
       通知如下：</p>
    <p>　　一、培育对象</p>
    <p>　　在本市注册的科技型中小企业，由市科技局高新处（王{GBK_ONLY}）负责受理。</p>
    <!-- 编辑：张三 -->
    <p><strong>二、支持措施</strong></p>
    <p>对首次认定的高新技术企业给予20万元奖励。<br>本通知自2024年4月1日起施行，有效期至2026年12月31日。</p>
    <table><tr><th>项目</th><th>奖励</th></tr><tr><td>首次认定</td><td>20万元</td></tr></table>
    <div style="display: none">隐藏的广告</div>
    <p style="text-align:right">临江市科学技术局</p>
    <p style="text-align:right">2024年3月1日</p>
  </div>
  <div class="share">分享到：<a>微信</a><a>微博</a></div>
  <div class="print-close"><a>【打印本页】</a><a>【关闭窗口】</a></div>
</div>
<div id="kefu" class="online-service"><p>在线客服</p><p>咨询热线：0411-88888888</p></div>
<aside>相关文章</aside>
<footer><p>版权所有：临江市科学技术局 地址：临江市人民路1号</p><p>辽ICP备12345678号-1</p></footer>
<script>document.write("统计");</script>
</body></html>
"""


def gov_html(path: Path, encoding: str = "gbk") -> Path:
    """A government notice page (GBK, declared gb2312) with every kind of page furniture."""
    return write_text(path, HTML_PAGE, encoding)


# ---------------------------------------------------------------- PDF


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def pdf_from_pages(
    path: Path,
    pages: list[list[str]],
    *,
    header: str | None = None,
    page_numbers: bool = False,
    font_size: int = 12,
) -> Path:
    """A PDF whose pages show the given lines (one drawString each), top to bottom."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    c = canvas.Canvas(str(path), pagesize=A4)
    _, height = A4
    for number, lines in enumerate(pages, start=1):
        c.setFont(font, font_size)
        y = height - 60
        if header:
            c.drawString(72, y, header)
            y -= 2 * font_size
        for line in lines:
            c.drawString(72, y, line)
            y -= font_size * 1.6
        if page_numbers:
            c.drawString(280, 40, f"- {number} -")
        c.showPage()
    c.save()
    return path


def notice_pdf_pages(wrap: int = 24) -> list[list[str]]:
    """The notice laid out as a printer would: paragraphs wrapped at ``wrap`` characters."""

    def para(text: str) -> list[str]:
        return _wrap(text, wrap)

    para1 = para(NOTICE_PARA_1)
    first = [
        NOTICE_TITLE,
        NOTICE_NUMBER,
        NOTICE_ADDRESSEE,
        *para(NOTICE_INTRO),
        NOTICE_HEADING_1,
        *para1[:2],
    ]
    second = [*para1[2:], NOTICE_HEADING_2, *para(NOTICE_PARA_2), NOTICE_SIGNER, NOTICE_DATE_LINE]
    return [first, second]


def chinese_pdf(path: Path) -> Path:
    """Two-page Chinese notice with a running header, page numbers and wrapped paragraphs."""
    return pdf_from_pages(path, notice_pdf_pages(), header=RUNNING_HEADER, page_numbers=True)


def many_pages_pdf(path: Path, n_pages: int) -> Path:
    """``n_pages`` pages, each with one different sentence ("第1条 …。")."""
    pool = "科技成果转化奖励企业研发投入补助高新技术认定评价税收优惠政策"
    pages = [
        [f"第{i}条 " + "".join(pool[(i * k) % len(pool)] for k in range(1, 9)) + "。"]
        for i in range(1, n_pages + 1)
    ]
    return pdf_from_pages(path, pages)


def encrypted_pdf(
    path: Path,
    user_password: str = "",
    *,
    owner_password: str = "owner",
    algorithm: str = "RC4-128",
) -> Path:
    """The notice PDF encrypted; with an empty user password anyone may open it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(_pdf_bytes(chinese_pdf))).pages:
        writer.add_page(page)
    writer.encrypt(user_password, owner_password, algorithm=algorithm)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def _pdf_bytes(make) -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = make(Path(d) / "x.pdf")
        return p.read_bytes()


def corrupt_pdf(path: Path) -> Path:
    """A PDF header followed by garbage."""
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + random.Random(3).randbytes(3000))
    return path


def truncated_pdf(path: Path, keep: float = 0.3) -> Path:
    """The first ``keep`` share of a real PDF, as an interrupted download leaves it."""
    data = _pdf_bytes(chinese_pdf)
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def image_only_pdf(path: Path) -> Path:
    """A scanned-looking page: an embedded image and a drawn shape, no text layer."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (64, 32), (255, 255, 255))
    for x in range(8, 56):
        img.putpixel((x, 16), (0, 0, 0))
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(img), 72, 500, width=256, height=128)
    c.rect(72, 300, 200, 100, fill=1)
    c.showPage()
    c.save()
    return path


# ---------------------------------------------------------------- DOCX

DOCX_BLOCKS = (
    "关于支持企业研发投入的若干措施",
    "临科发〔2024〕7号",
    "一、支持对象",
    "在本市注册并依法纳税的企业。",
    "企业类型 | 补助比例",
    "高新技术企业 | 10%",
    "科技型中小企业 | 8%",
    "二、附则",
    "本措施自2024年1月1日起施行。",
    "临江市科学技术局",
    "2024年1月10日",
)
DOCX_HEADER_TEXT = "内部资料 注意保存"


def docx_notice(path: Path) -> Path:
    """A Word file with heading styles, a table (with a merged cell) and a page header."""
    import docx

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = DOCX_HEADER_TEXT
    d.add_heading(DOCX_BLOCKS[0], level=1)
    d.add_paragraph(DOCX_BLOCKS[1])
    d.add_heading(DOCX_BLOCKS[2], level=2)
    d.add_paragraph(DOCX_BLOCKS[3])
    d.add_paragraph("")
    table = d.add_table(rows=3, cols=3)
    rows = [("企业类型", "补助比例"), ("高新技术企业", "10%"), ("科技型中小企业", "8%")]
    for r, (a, b) in enumerate(rows):
        table.cell(r, 0).text = a
        table.cell(r, 1).text = b
        merged = table.cell(r, 1).merge(table.cell(r, 2))  # one cell spanning two columns
        merged.text = b
    d.add_heading(DOCX_BLOCKS[7], level=2)
    d.add_paragraph(DOCX_BLOCKS[8])
    d.add_paragraph(DOCX_BLOCKS[9])
    d.add_paragraph(DOCX_BLOCKS[10])
    d.save(str(path))
    return path


def docx_zip_bomb(path: Path, uncompressed_mb: int = 20) -> Path:
    """A .docx-shaped zip whose document.xml inflates ~1000:1 (written in well under a second)."""
    chunk = b"\0" * 2**20
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w") as fh:
            for _ in range(uncompressed_mb):
                fh.write(chunk)
    return path


def zip_of_random(path: Path, members: dict[str, int]) -> Path:
    """A zip holding incompressible members of the given sizes (bytes)."""
    rnd = random.Random(11)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, size in members.items():
            zf.writestr(name, rnd.randbytes(size))
    return path


def not_a_zip_docx(path: Path) -> Path:
    """Text pretending to be a .docx."""
    return write_text(path, "这不是一个Word文件。")
