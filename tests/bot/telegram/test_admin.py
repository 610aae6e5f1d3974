"""Admin handlers — offline bot: uploads (hostile ones too), /docs, /remove, /stats, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram.error import BadRequest

from bot.telegram.admin import human_size, upload_problem
from tests import filegen
from tests.bot.telegram.conftest import ADMIN
from tests.bot.telegram.offline import USER, OfflineBot, buttons

REFUSAL = "Sorry, only administrators can do that. You are welcome to ask me questions."


def last(bot: OfflineBot) -> dict[str, Any]:
    return bot.request.sent()[-1]


def last_edit(bot: OfflineBot) -> str:
    return bot.request.sent("editMessageText")[-1]["text"]


def state(app: Any) -> tuple[list[str], list[str]]:
    """Document ids, and files under the data directory except the index's own."""
    data = app.settings.data_dir
    files = sorted(
        str(p.relative_to(data))
        for p in data.rglob("*")
        if p.is_file() and p.parts[len(data.parts)] in ("files", "uploads")
    )
    return [d.doc_id for d in app.index.registry.documents()], files


def audit(app: Any) -> list[dict[str, Any]]:
    """Audit entries written for Telegram users (indexing the fixture corpus wrote others)."""
    path = app.settings.data_dir / "audit.log"
    entries = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [e for e in entries if e["actor"].startswith("telegram:")]


def raw(data: bytes) -> Any:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


def test_upload_checks_before_download() -> None:
    mb = 2**20
    assert upload_problem("a.pdf", 10, mb) is None
    assert upload_problem("../../x.md", 10, mb) is None
    assert upload_problem("x.exe", 10, mb) == ("upload_wrong_type", {"name": "x.exe"})
    assert upload_problem("noext", 10, mb) == ("upload_wrong_type", {"name": "noext"})
    assert upload_problem("a.docx", 3 * mb, mb) == (
        "upload_too_big",
        {"name": "a.docx", "size": "3.0 MB", "limit": "1.0 MB"},
    )
    assert human_size(512) == "512 B" and human_size(1536) == "1.5 KB"


def test_non_admins_are_refused_politely_and_nothing_changes(drive, own_app) -> None:
    app = own_app()
    before = state(app)

    async def scenario(bot: OfflineBot) -> None:
        for command in ("/docs", "/remove d67f4a18ea", "/stats"):
            await bot.command(command)
            assert last(bot)["text"] == REFUSAL
        await bot.document("notice.md", filegen.MARKDOWN_NOTICE.encode())
        assert last(bot)["text"].startswith("Thank you! Only administrators can add files")
        assert not [c for c in bot.request.calls if c.endpoint == "getFile"]
        await bot.press("rm:ok:d67f4a18ea")
        await bot.press("up:add:0123456789ab")
        alerts = bot.request.sent("answerCallbackQuery")[-2:]
        assert [(a["text"], a["show_alert"]) for a in alerts] == [(REFUSAL, True)] * 2

    drive(scenario, app=app)
    assert state(app) == before
    assert audit(app) == []


def test_upload_preview_then_confirm_adds_and_audits(drive, own_app) -> None:
    app = own_app()

    async def scenario(bot: OfflineBot) -> None:
        await bot.document("科技成果转化奖励办法.md", filegen.MARKDOWN_NOTICE.encode(), user=ADMIN)
        (reading,) = [m for m in bot.request.sent() if m["text"].startswith("Reading")]
        assert reading["text"] == "Reading “科技成果转化奖励办法.md”…"
        edit = bot.request.sent("editMessageText")[-1]
        assert edit["text"] == (
            "<b>Preview</b>\n"
            "Title: 临江市科学技术局关于印发科技成果转化奖励办法的通知\n"
            "Document number: 临科发[2023]5号\n"
            "Date: 2023-02-10\n"
            "Chunks: 4\n"
            "File: 科技成果转化奖励办法.md\n"
            "First headings:\n• 第一章 总则\n• 第一条\n• 第三条\n• 第四条\n\n"
            "Add it to the corpus?"
        )
        [(ok, ok_data), (_, no_data)] = buttons(edit["reply_markup"])
        assert ok == "✅ Confirm" and ok_data.startswith("up:add:") and no_data.startswith("up:no:")
        assert len(ok_data.encode()) <= 64
        await bot.press(ok_data, on={**edit, "chat_id": ADMIN["id"]}, user=ADMIN)
        assert last_edit(bot).startswith(
            "Added: 临江市科学技术局关于印发科技成果转化奖励办法的通知 (d"
        )
        await bot.press(ok_data, user=ADMIN)  # a second tap: already used
        assert last_edit(bot).startswith("This upload has expired")

    drive(scenario, app=app)
    [entry] = audit(app)
    assert entry["actor"] == f"telegram:{ADMIN['id']}" and entry["action"] == "added"
    assert entry["source_name"] == "科技成果转化奖励办法.md" and len(entry["sha256"]) == 64
    ids, files = state(app)
    assert entry["doc_id"] in ids
    mine = [f for f in files if entry["doc_id"] in f or f.startswith("uploads/")]
    assert mine == [f"files/{entry['doc_id']}/{entry['sha256'][:12]}-科技成果转化奖励办法.md"]


def test_cancel_changes_nothing(drive, own_app) -> None:
    app = own_app()
    before = state(app)

    async def scenario(bot: OfflineBot) -> None:
        await bot.document("x.md", filegen.MARKDOWN_NOTICE.encode(), user=ADMIN)
        edit = bot.request.sent("editMessageText")[-1]
        cancel = dict((t, d) for t, d in buttons(edit["reply_markup"]))["Cancel"]
        await bot.press(cancel, user=ADMIN)
        assert last_edit(bot) == "Cancelled; the corpus is unchanged."

    drive(scenario, app=app)
    assert state(app) == before


def test_new_version_offers_replace_and_identical_file_is_noticed(drive, own_app) -> None:
    app = own_app()
    first = filegen.MARKDOWN_NOTICE.encode()
    second = filegen.PLAIN_NOTICE.encode()

    async def scenario(bot: OfflineBot) -> None:
        await bot.document("办法.md", first, user=ADMIN)
        ok = buttons(bot.request.sent("editMessageText")[-1]["reply_markup"])[0][1]
        await bot.press(ok, user=ADMIN)
        old_id = last_edit(bot).split("(")[1].split(",")[0]

        await bot.document("办法.md", first, user=ADMIN)
        same = last_edit(bot)
        assert "The corpus already holds this exact file:" in same
        assert same.endswith(f"({old_id}); nothing to do.")
        assert bot.request.sent("editMessageText")[-1].get("reply_markup") is None

        await bot.document("办法-修订.txt", second, user=ADMIN)
        offer = bot.request.sent("editMessageText")[-1]
        assert (
            "This looks like a new version of" in offer["text"] and f"({old_id})" in offer["text"]
        )
        labels = [t for t, _ in buttons(offer["reply_markup"])]
        assert labels == ["♻️ Replace it", "➕ Add as a new document", "Cancel"]
        replace = buttons(offer["reply_markup"])[0][1]
        await bot.press(replace, user=ADMIN)
        assert last_edit(bot).startswith("Replaced: 关于印发科技成果转化奖励办法的通知 (d")

    drive(scenario, app=app)
    added, replaced = audit(app)
    assert replaced["action"] == "replaced" and replaced["replaces"] == added["doc_id"]
    ids, files = state(app)
    assert added["doc_id"] not in ids and replaced["doc_id"] in ids
    mine = [f for f in files if "办法" in f or f.startswith("uploads/")]
    assert mine == [f"files/{replaced['doc_id']}/{replaced['sha256'][:12]}-办法-修订.txt"]


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "setup.exe",
            raw(b"MZ\x90\x00"),
            "I cannot use “setup.exe”: send a PDF",
        ),
        ("no-extension", raw(b"text"), "I cannot use “no-extension”"),
        (
            "broken.pdf",
            filegen.corrupt_pdf,
            "I could not use this file; the corpus is unchanged.\nbroken.pdf",
        ),
        ("cut.pdf", filegen.truncated_pdf, "I could not use this file; the corpus is unchanged."),
        (
            "empty.txt",
            filegen.empty_file,
            "I could not use this file; the corpus is unchanged.\nempty.txt is empty",
        ),
        ("blob.txt", filegen.binary_blob, "blob.txt contains binary data"),
        ("bomb.docx", filegen.docx_zip_bomb, "I could not use this file; the corpus is unchanged."),
        (
            "fake.docx",
            filegen.not_a_zip_docx,
            "I could not use this file; the corpus is unchanged.",
        ),
        ("picture.pdf", filegen.png_named, "I could not use this file; the corpus is unchanged."),
    ],
    ids=lambda v: v if isinstance(v, str) and "." in v[:12] and len(v) < 14 else "",
)
def test_hostile_uploads_get_a_clear_message_and_change_nothing(
    drive, own_app, tmp_path: Path, name: str, make: Any, expected: str
) -> None:
    app = own_app()
    before = state(app)
    content = make(tmp_path / f"gen-{name}").read_bytes()

    async def scenario(bot: OfflineBot) -> None:
        await bot.document(name, content, user=ADMIN)
        texts = bot.request.texts()
        assert expected in texts[-1], texts

    drive(scenario, app=app)
    assert state(app) == before
    assert audit(app) == []


def test_names_with_paths_are_reduced_to_a_safe_file_name(drive, own_app, tmp_path: Path) -> None:
    app = own_app()
    data = app.settings.data_dir

    async def scenario(bot: OfflineBot) -> None:
        await bot.document(
            "../../../etc/evil\x00name.md", filegen.MARKDOWN_NOTICE.encode(), user=ADMIN
        )
        preview = bot.request.sent("editMessageText")[-1]
        assert "File: evil_name.md" in preview["text"]
        await bot.press(buttons(preview["reply_markup"])[0][1], user=ADMIN)

    drive(scenario, app=app)
    ids, files = state(app)
    mine = [f for f in files if "evil" in f or f.startswith("uploads/")]
    assert len(mine) == 1 and mine[0].endswith("-evil_name.md")
    assert all((data / f).resolve().is_relative_to(data.resolve()) for f in files)
    outside = [p for p in tmp_path.rglob("*evil*") if not p.is_relative_to(data)]
    assert outside == []


def test_too_big_is_refused_before_and_after_download(drive, own_app) -> None:
    app = own_app(telegram="max_upload_mb = 1")
    before = state(app)

    async def scenario(bot: OfflineBot) -> None:
        await bot.document("big.txt", b"x" * (2**20 + 1), user=ADMIN)
        assert (
            last(bot)["text"]
            == "“big.txt” is too big (1.0 MB); the limit is 1.0 MB. Send a smaller file or split it."
        )
        assert not [c for c in bot.request.calls if c.endpoint == "getFile"]
        # Telegram did not say the size: the download is measured instead.
        file_id = "no-size"
        bot.request.files[file_id] = b"y" * (2**20 + 10)
        doc = {"file_id": file_id, "file_unique_id": file_id, "file_name": "big2.txt"}
        await bot.feed({"message": bot._message(None, user=ADMIN, document=doc)})
        assert last_edit(bot).startswith("“big2.txt” is too big (1.0 MB)")

    drive(scenario, app=app)
    assert state(app) == before


def test_download_failure_is_reported(drive, own_app) -> None:
    app = own_app()

    async def scenario(bot: OfflineBot) -> None:
        bot.request.fail["getFile"] = BadRequest("File is too big")
        await bot.document("x.md", b"# x", user=ADMIN)
        assert last_edit(bot) == (
            "I could not download the file from Telegram (File is too big). Please send it again."
        )

    drive(scenario, app=app)


def test_docs_remove_and_stats(drive, own_app) -> None:
    app = own_app()

    async def scenario(bot: OfflineBot) -> None:
        await bot.send("研发费用加计扣除的比例是多少？", user=ADMIN)
        await bot.command("/docs", user={**ADMIN, "language_code": "en"})
        docs = [m for m in bot.request.sent() if m["text"].startswith("<b>")][-1]["text"]
        assert "<code>d67f4a18ea</code> 2018-09-20 · 财税〔2018〕99号\n" in docs
        await bot.command("/remove", user=ADMIN)
        assert last(bot)["text"] == "用法：/remove &lt;id&gt;（/docs 列出 id）"
        await bot.command("/remove nope", user=ADMIN)
        assert last(bot)["text"] == "没有 id 为“nope”的文档。/docs 列出所有 id。"
        await bot.command("/remove d67f4a18ea", user=ADMIN)
        confirm = last(bot)
        assert confirm["text"].startswith(
            "确定要删除 《财政部 税务总局 科技部关于提高研究开发费用税前加计扣除比例的通知》"
        )
        assert [d for _, d in buttons(confirm["reply_markup"])] == [
            "rm:ok:d67f4a18ea",
            "rm:no:d67f4a18ea",
        ]
        await bot.press("rm:no:d67f4a18ea", user=ADMIN)
        assert last_edit(bot) == "已取消，没有删除任何文件。"
        assert app.index.registry.document("d67f4a18ea") is not None
        await bot.press("rm:ok:d67f4a18ea", user=ADMIN)
        assert last_edit(bot).startswith(
            "已删除：财政部 税务总局 科技部关于提高研究开发费用税前加计扣除比例的通知（d67f4a18ea，3 个分块）"
        )
        await bot.press("rm:ok:d67f4a18ea", user=ADMIN)
        assert last_edit(bot).startswith("删除失败，资料库没有变化：no document with id")
        bot.request.clear()
        await bot.command("/stats", user=ADMIN)
        text = bot.request.sent()[0]["text"]
        assert text.startswith("<b>使用统计</b>\n问题：今天 1，近 7 天 1，近 30 天 1，共 1")
        assert "1. 研发费用加计扣除的比例是多少？ ×1" in text
        [photo] = bot.request.sent("sendPhoto")
        assert photo["caption"] == "近 14 天的问题数" and photo["photo"]["size"] > 2000

    drive(scenario, app=app)
    assert app.index.registry.document("d67f4a18ea") is None
    [entry] = audit(app)
    assert (entry["actor"], entry["action"], entry["doc_id"]) == (
        f"telegram:{ADMIN['id']}",
        "removed",
        "d67f4a18ea",
    )


def test_non_admin_upload_in_a_group_is_ignored(drive, own_app) -> None:
    app = own_app()

    async def scenario(bot: OfflineBot) -> None:
        group = {"id": -1002, "type": "group", "title": "g"}
        await bot.document("x.md", b"# x", chat=group, user=USER)
        assert bot.request.calls == []

    drive(scenario, app=app)
