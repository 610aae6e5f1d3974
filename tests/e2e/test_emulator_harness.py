"""The emulator harness and EmulatorRequest, proven with a tiny PTB bot.

The bot: /start offers two inline buttons; a button press answers the query and edits the
message; text is echoed after a chat action; a document is downloaded and described;
/report sends a document and a photo; /dice calls a method the emulator lacks.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.telegram.compat import ApiCall, EmulatorRequest, use_emulator
from tests.e2e.emulator import BotRunner, Emulator, EmulatorClient

COMMANDS = [BotCommand("start", "Start the demo"), BotCommand("report", "Get a report")]
KEYBOARD = {
    "inline_keyboard": [
        [
            {"text": "Yes", "callback_data": "pick:yes"},
            {"text": "No", "callback_data": "pick:no"},
        ]
    ]
}
REPORT_CSV = b"col1,col2\n1,2\n"
# The 8-byte PNG signature is all the emulator path needs: nothing decodes the image.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands(COMMANDS)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(
        "Welcome! Pick one.",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Yes", callback_data="pick:yes"),
                    InlineKeyboardButton("No", callback_data="pick:no"),
                ]
            ]
        ),
    )


async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    choice = query.data.removeprefix("pick:")
    await query.answer(f"Got it: {choice}")
    edited = await query.edit_message_text(
        f"You picked {choice} (on: {query.message.text}; chat_instance {query.chat_instance})"
    )
    context.bot_data["edit_result"] = edited


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.text is not None
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    await message.reply_text(f"echo: {message.text}")


async def whoami(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.from_user is not None
    user, chat = message.from_user, message.chat
    replied = message.reply_to_message
    await message.reply_text(
        f"{user.first_name} {user.id} {user.language_code} in {chat.type} {chat.id}; "
        f"replying to {replied.message_id if replied else None} "
        f"{replied.text if replied else None!r}"
    )


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    doc = message.document
    try:
        file = await doc.get_file()
    except BadRequest as exc:
        await message.reply_text(f"could not fetch: {exc}")
        return
    data = await file.download_as_bytearray()
    await message.reply_text(
        f"{doc.file_name} ({doc.mime_type}, {doc.file_size}): {len(data)} bytes, "
        f"starts {bytes(data[:8])!r}, caption {message.caption!r}"
    )


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    sent = await message.reply_document(REPORT_CSV, filename="report.csv", caption="Your report")
    photo = await message.reply_photo(PNG, caption="Chart")
    assert sent.document is not None
    await message.reply_text(
        f"sent {sent.document.file_name} ({sent.document.file_size}) and "
        f"{len(photo.photo)} photo size(s)"
    )


async def dice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None
    try:
        await context.bot.send_dice(message.chat_id)
    except TelegramError as exc:
        await message.reply_text(f"failed: {type(exc).__name__}: {exc}")


def build_demo(emulator: Emulator, token: str, files_dir: Path) -> Application:
    app = emulator.application_builder(token, files_dir=files_dir).post_init(post_init).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("report", report))
    app.add_handler(CommandHandler("dice", dice))
    app.add_handler(CallbackQueryHandler(pick, pattern=r"^pick:"))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(MessageHandler(filters.Regex(r"^whoami"), whoami))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@dataclass
class Demo:
    client: EmulatorClient
    runner: BotRunner
    app: Application
    files: Path

    @property
    def calls(self) -> list[ApiCall]:
        request = self.app.bot.request
        assert isinstance(request, EmulatorRequest)
        return list(request.calls)


@pytest.fixture
def demo(
    emulator: Emulator, bot_token: str, telegram_client: EmulatorClient, telegram_files: Path
) -> Iterator[Demo]:
    app = build_demo(emulator, bot_token, telegram_files)
    with BotRunner(app, client=telegram_client) as runner:
        yield Demo(telegram_client, runner, app, telegram_files)
    assert runner.errors == []


# ---------------------------------------------------------------- against the emulator


def test_start_offers_inline_keyboard_after_post_init_set_commands(demo: Demo) -> None:
    sent = demo.client.send_command("/start")
    [reply] = demo.client.wait_for("Welcome! Pick one.")
    assert reply["reply_markup"] == KEYBOARD
    assert reply["chat_id"] == 1001
    assert reply["message_id"] > sent["message_id"]
    assert reply["edited"] is False
    assert sent["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    commands = [call.params for call in demo.calls if call.endpoint == "setMyCommands"]
    assert commands == [
        {
            "commands": [
                {"command": "start", "description": "Start the demo"},
                {"command": "report", "description": "Get a report"},
            ]
        }
    ]
    assert demo.app.bot.username == "TestNameBot"


def test_echo_sends_a_chat_action_first(demo: Demo) -> None:
    demo.client.send_message("hello there")
    demo.client.wait_for("echo: hello there")
    sent = [c for c in demo.calls if c.endpoint in ("sendChatAction", "sendMessage")]
    assert sent == [
        ApiCall("sendChatAction", {"chat_id": 1001, "action": "typing"}),
        ApiCall("sendMessage", {"chat_id": 1001, "text": "echo: hello there"}),
    ]


def test_button_press_answers_the_query_and_edits_the_message(demo: Demo) -> None:
    demo.client.send_command("/start")
    [welcome] = demo.client.wait_for("Welcome! Pick one.")
    query = demo.client.press_button(welcome, "Yes")
    assert query["data"] == "pick:yes"
    expected = "You picked yes (on: Welcome! Pick one.; chat_instance 1001)"
    [edited] = demo.client.wait_for(expected)
    assert edited["message_id"] == welcome["message_id"]
    assert edited["edited"] is True
    # telegram-test-api merges an edit into the stored message: an edit without reply_markup
    # keeps the old keyboard (real Telegram would remove it).
    assert edited["reply_markup"] == KEYBOARD
    answers = [c.params for c in demo.calls if c.endpoint == "answerCallbackQuery"]
    assert answers == [{"callback_query_id": query["id"], "text": "Got it: yes"}]
    # the emulator shows the edit before the bot's edit call has returned: wait for the handler
    deadline = time.monotonic() + 10
    while "edit_result" not in demo.app.bot_data and time.monotonic() < deadline:
        time.sleep(0.01)
    result = demo.app.bot_data["edit_result"]
    assert (result.message_id, result.chat_id, result.text) == (
        welcome["message_id"],
        1001,
        expected,
    )


def test_press_button_refuses_a_button_the_message_lacks(demo: Demo) -> None:
    demo.client.send_command("/start")
    [welcome] = demo.client.wait_for("Welcome! Pick one.")
    with pytest.raises(ValueError, match=r"has no button 'Maybe'; it has \['Yes', 'No'\]"):
        demo.client.press_button(welcome, "Maybe")
    with pytest.raises(ValueError, match="no button with callback_data 'pick:maybe'"):
        demo.client.send_callback(welcome["message_id"], "pick:maybe")


def test_uploaded_document_is_fetched_through_get_file(demo: Demo) -> None:
    doc = demo.client.add_file(b"%PDF-1.7\nhello policy", "policy.pdf")
    demo.client.send_message("please index", document=doc)
    demo.client.wait_for(
        "policy.pdf (application/pdf, 21): 21 bytes, starts b'%PDF-1.7', caption 'please index'"
    )
    fetched = [c.params for c in demo.calls if c.endpoint == "getFile"]
    assert fetched == [{"file_id": doc["file_id"]}]


def test_document_from_a_path(demo: Demo, tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_bytes("通知 text".encode())
    demo.client.send_message(document=path)
    demo.client.wait_for(
        "notice.txt (text/plain, 11): 11 bytes, starts b'\\xe9\\x80\\x9a\\xe7\\x9f\\xa5 t', caption None"
    )


def test_unknown_file_id_is_a_bad_request(demo: Demo) -> None:
    doc = {"file_id": "missing", "file_unique_id": "missing", "file_name": "x.pdf"}
    demo.client.send_message(document=doc)
    demo.client.wait_for("could not fetch: Invalid file_id")


def test_file_above_the_bot_api_limit_is_too_big(demo: Demo) -> None:
    doc = demo.client.add_file(b"\0" * (20 * 1024 * 1024 + 1), "big.pdf")
    demo.client.send_message(document=doc)
    demo.client.wait_for("could not fetch: File is too big")


def test_sent_document_and_photo_are_recorded_as_messages(demo: Demo) -> None:
    demo.client.send_command("/report")
    [summary] = demo.client.wait_for(lambda r: str(r.get("text")).startswith("sent "))
    assert summary["text"] == "sent report.csv (14) and 1 photo size(s)"
    [doc_reply, photo_reply, _] = demo.client.replies()
    file_id = doc_reply["document"]["file_id"]
    assert doc_reply["document"] == {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_size": 14,
        "file_name": "report.csv",
        "mime_type": "text/csv",
    }
    assert doc_reply["caption"] == "Your report"
    assert "text" not in doc_reply
    assert (demo.files / file_id).read_bytes() == REPORT_CSV
    [photo] = photo_reply["photo"]
    assert (photo["file_size"], photo["width"], photo["height"]) == (32, 0, 0)
    assert photo_reply["caption"] == "Chart"
    assert (demo.files / photo["file_id"]).read_bytes() == PNG


def test_method_the_emulator_lacks_fails_loudly(demo: Demo) -> None:
    demo.client.send_command("/dice")
    [reply] = demo.client.wait_for(lambda r: str(r.get("text")).startswith("failed: "))
    assert reply["text"].startswith(
        "failed: NetworkError: telegram-test-api: API method 'sendDice' is not supported."
    )


def test_user_group_language_and_reply_to_reach_the_bot(demo: Demo) -> None:
    demo.client.send_message("hi", chat_id=-100123, chat_type="supergroup", user_id=7)
    [hi] = demo.client.wait_for("echo: hi", chat_id=-100123)
    demo.client.send_message(
        "whoami",
        chat_id=-100123,
        chat_type="supergroup",
        user_id=7,
        first_name="Ann",
        language_code="zh-hans",
        reply_to=hi,
    )
    demo.client.wait_for(
        f"Ann 7 zh-hans in supergroup -100123; replying to {hi['message_id']} 'echo: hi'"
    )
    assert demo.client.replies(chat_id=1001, after=0) == []


def test_bot_replies_is_the_emulators_new_message_feed(demo: Demo) -> None:
    demo.client.send_message("one")
    demo.client.wait_for("echo: one")
    assert [r["text"] for r in demo.client.bot_replies()] == ["echo: one"]
    assert demo.client.bot_replies() == []
    # replies() reads the history, which keeps fetched messages.
    assert [r["text"] for r in demo.client.replies()] == ["echo: one"]


def test_wait_for_timeout_shows_what_the_bot_sent(demo: Demo) -> None:
    demo.client.send_message("hello")
    demo.client.wait_for("echo: hello")
    with pytest.raises(AssertionError) as failure:
        demo.client.wait_for("goodbye", timeout=0.2)
    text = str(failure.value)
    assert "waited 0.2s for 1 bot reply matching text 'goodbye' in chat 1001" in text
    assert '"text": "echo: hello"' in text
    assert "bot errors: none" in text
    assert "telegram-test-api listening on http://127.0.0.1:" in text


def test_emulator_stops_and_frees_its_port(emulator_installed: None) -> None:
    with Emulator() as server:
        port = server.port
        assert httpx.post(f"{server.api_root}/getUpdatesHistory", json={"token": "x"}).json() == {
            "ok": True,
            "result": [],
        }
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/getUpdatesHistory", json={"token": "x"}, timeout=1)


# ---------------------------------------------------------------- EmulatorRequest alone


def _mock_bot(
    answer: Callable[[str], tuple[int, dict]], *, empty_updates_delay: float = 0.0
) -> tuple[Bot, list[httpx.Request]]:
    """A Bot whose EmulatorRequests talk to ``answer(method) -> (status, body)``."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = answer(request.url.path.rsplit("/", 1)[-1])
        return httpx.Response(status, json=body)

    transport = httpx.MockTransport(handler)
    kwargs = {"httpx_kwargs": {"transport": transport}}
    bot = Bot(
        "1:t",
        base_url="http://emulator/bot",
        request=EmulatorRequest(**kwargs),
        get_updates_request=EmulatorRequest(empty_updates_delay=empty_updates_delay, **kwargs),
    )
    return bot, seen


GET_ME = {"ok": True, "result": {"username": "TestNameBot", "first_name": "T", "id": 666}}


def _unsupported(method: str) -> tuple[int, dict]:
    return 500, {"message": f"API method '{method}' is not supported. Are you sure..."}


def test_request_fixes_get_me_dates_and_callback_queries() -> None:
    update = {
        "update_id": 3,
        "callback_query": {
            "id": "1",
            "from": {"id": 5, "is_bot": False, "first_name": "U"},
            "message": {
                "message_id": 2,
                "date": 1_700_000_000_123,
                "chat": {"id": 5, "type": "private"},
                "text": "x",
            },
            "data": "d",
        },
    }
    message = {
        "update_id": 4,
        "message": {
            "botToken": "1:t",
            "message_id": 9,
            "date": 1_700_000_000,
            "chat": {"id": 5, "type": "private"},
            "text": "hi",
        },
    }

    def answer(method: str) -> tuple[int, dict]:
        if method == "getMe":
            return 200, GET_ME
        return 200, {"ok": True, "result": [update, message]}

    bot, _ = _mock_bot(answer)

    async def run() -> tuple:
        async with bot:
            return await bot.get_me(), await bot.get_updates()

    me, (query_update, message_update) = asyncio.run(run())
    assert (me.is_bot, me.username) == (True, "TestNameBot")
    query = query_update.callback_query
    assert query.chat_instance == "5"
    assert query.message.date.timestamp() == 1_700_000_000
    assert message_update.message.date.timestamp() == 1_700_000_000
    assert message_update.message.api_kwargs == {}


def test_request_falls_back_only_when_the_emulator_says_not_supported() -> None:
    def answer(method: str) -> tuple[int, dict]:
        if method == "getMe":
            return 200, GET_ME
        if method == "sendChatAction":
            return _unsupported(method)
        if method == "setMyCommands":
            return 500, {"message": "Something went wrong. Error: boom"}
        return _unsupported(method)

    bot, seen = _mock_bot(answer)

    async def run() -> tuple:
        async with bot:
            action = await bot.send_chat_action(1, ChatAction.TYPING)
            with pytest.raises(NetworkError) as broken:
                await bot.set_my_commands(COMMANDS)
            with pytest.raises(NetworkError) as unknown:
                await bot.send_dice(1)
            return action, str(broken.value), str(unknown.value)

    action, broken, unknown = asyncio.run(run())
    assert action is True
    assert broken == "telegram-test-api: Something went wrong. Error: boom"
    assert unknown.startswith("telegram-test-api: API method 'sendDice' is not supported.")
    # The fallback is only used after asking the emulator.
    assert [r.url.path.rsplit("/", 1)[-1] for r in seen] == [
        "getMe",
        "sendChatAction",
        "setMyCommands",
        "sendDice",
    ]


def test_request_turns_null_results_into_telegram_answers() -> None:
    def answer(method: str) -> tuple[int, dict]:
        if method == "getMe":
            return 200, GET_ME
        return 200, {"ok": True, "result": None}

    bot, _ = _mock_bot(answer)

    async def run() -> tuple:
        async with bot:
            answered = await bot.answer_callback_query("7", text="ok")
            deleted = await bot.delete_message(5, 9)
            edited = await bot.edit_message_text("new", chat_id=5, message_id=9)
            inline = await bot.edit_message_text("new", inline_message_id="abc")
            return answered, deleted, edited, inline

    answered, deleted, edited, inline = asyncio.run(run())
    assert (answered, deleted, inline) == (True, True, True)
    assert (edited.message_id, edited.chat_id, edited.text) == (9, 5, "new")
    assert edited.edit_date is not None


def test_request_parses_echoed_json_fields_of_sent_messages() -> None:
    sent = {
        "chat_id": "5",
        "text": "hi",
        "link_preview_options": json.dumps({"is_disabled": True}),
        "message_id": 3,
        "date": 1_700_000_000_999,
        "chat": {"id": 5, "first_name": "Bot", "type": "private"},
    }

    def answer(method: str) -> tuple[int, dict]:
        return 200, GET_ME if method == "getMe" else {"ok": True, "result": sent}

    bot, _ = _mock_bot(answer)

    async def run():
        async with bot:
            return await bot.send_message(5, "hi", disable_web_page_preview=True)

    message = asyncio.run(run())
    assert message.link_preview_options.is_disabled is True
    assert message.date.timestamp() == 1_700_000_000


def test_use_emulator_sets_urls_and_requests(tmp_path: Path) -> None:
    builder = Application.builder().token("1:t")
    app = use_emulator(builder, "http://127.0.0.1:9000/bot/", files_dir=tmp_path).build()
    assert app.bot.base_url == "http://127.0.0.1:9000/bot1:t"
    assert app.bot.base_file_url == "http://127.0.0.1:9000/file/bot1:t"
    assert isinstance(app.bot.request, EmulatorRequest)
    assert app.bot.request.files_dir == tmp_path
    assert isinstance(app.updater.bot.request, EmulatorRequest)


def test_empty_get_updates_waits_instead_of_spinning() -> None:
    def answer(method: str) -> tuple[int, dict]:
        return 200, GET_ME if method == "getMe" else {"ok": True, "result": []}

    bot, _ = _mock_bot(answer, empty_updates_delay=1.0)

    async def run() -> tuple[float, float]:
        async with bot:
            began = time.monotonic()
            await bot.get_updates(timeout=10)
            long_poll = time.monotonic() - began
            began = time.monotonic()
            await bot.get_updates(timeout=0)
            return long_poll, time.monotonic() - began

    long_poll, short_poll = asyncio.run(run())
    # bounds far from the host's speed: it waits the delay, not the 10 s timeout,
    # and a zero-timeout poll does not wait the delay at all
    assert 1.0 <= long_poll < 6.0
    assert short_poll < 1.0
