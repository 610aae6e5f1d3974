"""End-to-end harness: the telegram-test-api emulator, a user client for it, a bot runner.

* :class:`Emulator` starts ``node tests/e2e/start_emulator.js`` on 127.0.0.1 and stops it.
* :class:`EmulatorClient` plays the user (messages, commands, button presses, documents) and
  reads what the bot sent, edits included, with :meth:`EmulatorClient.wait_for`.
* :class:`BotRunner` runs a PTB ``Application`` with polling in a background thread.

Emulator facts the client relies on (telegram-test-api 4.2.1): user messages are posted to
``/sendMessage``/``/sendCommand``/``/sendCallback`` and must carry ``botToken``; every field of
a posted message reaches the bot unchanged, except ``message_id``, which the emulator assigns
from one counter shared with the bot's messages. ``/getUpdatesHistory`` returns the stored
bot messages (the raw ``sendMessage`` form, edits merged in) and user updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.telegram.compat import use_emulator

log = logging.getLogger(__name__)

E2E_DIR = Path(__file__).resolve().parent
PACKAGE_DIR = E2E_DIR / "node_modules" / "telegram-test-api"
START_SCRIPT = E2E_DIR / "start_emulator.js"
# What the emulator's getMe says (plus is_bot, which EmulatorRequest adds).
EMULATOR_BOT = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}
# Fields of a stored bot message that the emulator keeps as the JSON strings of the form.
_JSON_FIELDS = (
    "reply_markup",
    "entities",
    "caption_entities",
    "link_preview_options",
    "reply_parameters",
    "document",
    "photo",
)

Reply = dict[str, Any]
Predicate = Callable[[Reply], bool] | str | None


def unavailable_reason() -> str | None:
    """Why the emulator cannot run here, or None when node and the package are installed."""
    if shutil.which("node") is None:
        return "Node.js (`node`) is not on PATH; install Node 20 to run the e2e tests"
    if not (PACKAGE_DIR / "package.json").is_file():
        return "telegram-test-api is not installed; run `npm ci --prefix tests/e2e`"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """A telegram-test-api server in a child process, on 127.0.0.1 at a free port."""

    def __init__(self, *, port: int | None = None, startup_timeout: float = 15.0) -> None:
        self._fixed_port = port
        self.port = 0
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_dir: Path | None = None

    @property
    def api_root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` for this emulator."""
        return f"{self.api_root}/bot"

    @property
    def log_path(self) -> Path:
        assert self._log_dir is not None, "the emulator was never started"
        return self._log_dir / "emulator.log"

    def start(self) -> Emulator:
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        self._log_dir = Path(tempfile.mkdtemp(prefix="tg-emulator-"))
        attempts = 1 if self._fixed_port else 5
        for attempt in range(attempts):
            self.port = self._fixed_port or _free_port()
            self._spawn()
            if self._wait_ready():
                return self
            self._kill()
            # Another process may have taken the free port between our probe and node's bind.
            if "EADDRINUSE" not in self.log_tail() or attempt == attempts - 1:
                break
        raise RuntimeError(
            f"telegram-test-api did not start on 127.0.0.1:{self.port} within "
            f"{self.startup_timeout}s; its output:\n{self.log_tail()}"
        )

    def _spawn(self) -> None:
        with self.log_path.open("ab") as out:
            # A new session makes the node process a group leader we can kill as a whole.
            self._proc = subprocess.Popen(
                ["node", str(START_SCRIPT), "--port", str(self.port), "--host", "127.0.0.1"],
                cwd=E2E_DIR,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(trust_env=False, timeout=1.0) as http:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    return False
                try:
                    answer = http.post(f"{self.api_root}/getUpdatesHistory", json={"token": "-"})
                    if answer.status_code == 200 and answer.json().get("ok"):
                        return True
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        return False

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        self._kill()
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        if self._log_dir is None or not self.log_path.exists():
            return "(no emulator output)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(no emulator output)"

    def application_builder(
        self, token: str, *, files_dir: Path | None = None
    ) -> ApplicationBuilder:
        """A PTB builder for ``token`` wired to this emulator, tuned for fast tests."""
        builder = Application.builder().token(token)
        return use_emulator(builder, self.base_url, files_dir=files_dir, empty_updates_delay=0.01)

    def client(
        self, token: str, *, files_dir: Path | None = None, **defaults: Any
    ) -> EmulatorClient:
        client = EmulatorClient(self.api_root, token, files_dir=files_dir, **defaults)
        client.diagnostics.append(lambda: "emulator output:\n" + self.log_tail(15))
        return client


class EmulatorClient:
    """The user side: send messages to the bot under test and read its replies.

    Replies are dicts: the fields the bot sent (``text``, ``reply_markup``, ``parse_mode``,
    ``document``...; JSON fields parsed), ``message_id``, ``chat_id`` and ``edited`` (the bot
    edited it at least once). :meth:`replies` and :meth:`wait_for` see the current state,
    edits merged in; :meth:`bot_replies` is the emulator's own "new messages" feed.
    """

    def __init__(
        self,
        api_root: str,
        token: str,
        *,
        files_dir: Path | None = None,
        user_id: int = 1001,
        first_name: str = "Tester",
        username: str = "tester",
        language_code: str = "en",
        timeout: float = 5.0,
    ) -> None:
        self.token = token
        self.files_dir = files_dir
        self.user_id = user_id
        self.first_name = first_name
        self.username = username
        self.language_code = language_code
        self.timeout = timeout
        self.diagnostics: list[Callable[[], str]] = []
        self._http = httpx.Client(base_url=api_root, trust_env=False, timeout=5.0)
        self._after: dict[int, int] = {}
        self._last_chat: int | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ talking to the bot

    def send_message(
        self,
        text: str | None = None,
        *,
        user_id: int | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        reply_to: int | Reply | None = None,
        document: Path | Reply | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Reply:
        """Send a user message (text, or a document with ``text`` as caption); returns it.

        ``document`` is a path (copied into ``files_dir``) or a ready ``document`` object;
        ``reply_to`` a message id or reply. The result carries the emulator's ``message_id``.
        """
        message = self._message(
            user_id, chat_id, chat_type, first_name, username, language_code, reply_to
        )
        if document is not None:
            message["document"] = (
                self.add_file(document) if isinstance(document, Path) else document
            )
            if text is not None:
                message["caption"] = text
        elif text is not None:
            message["text"] = text
        if entities:
            message["entities"] = entities
        # /sendCommand and /sendMessage store the same update; commands use the former.
        route = (
            "/sendCommand" if entities and entities[0]["type"] == "bot_command" else "/sendMessage"
        )
        return self._post_message(route, message)

    def send_command(self, command: str, **kwargs: Any) -> Reply:
        """Send ``/command args`` with its ``bot_command`` entity; keywords as send_message."""
        if not command.startswith("/"):
            raise ValueError(f"a command starts with '/', not {command!r}")
        entity = {"offset": 0, "length": len(command.split(" ", 1)[0]), "type": "bot_command"}
        return self.send_message(command, entities=[entity], **kwargs)

    def send_callback(
        self,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> Reply:
        """Press the inline button with ``data`` on the bot's message ``message_id``."""
        user = self._user(user_id, first_name, username, language_code)
        chat = self._chat(chat_id, chat_type, user)
        target = self.message(chat["id"], message_id)
        if target is None:
            raise ValueError(f"the bot sent no message {message_id} in chat {chat['id']}")
        offered = _callback_data(target)
        if data not in offered:
            raise ValueError(
                f"message {message_id} has no button with callback_data {data!r}; it offers "
                f"{offered}"
            )
        bot_message = {
            k: v
            for k, v in target.items()
            if k in ("message_id", "text", "caption", "reply_markup", "document", "photo")
        }
        bot_message.update(date=int(time.time()), chat=chat, **{"from": EMULATOR_BOT})
        query = {"botToken": self.token, "from": user, "message": bot_message, "data": data}
        self._post("/sendCallback", query)
        # An answer to a button usually edits that message, so watch it and what follows.
        self._after[chat["id"]] = message_id - 1
        self._last_chat = chat["id"]
        record = max(
            (r for r in self.history() if "callbackQuery" in r), key=lambda r: r["updateId"]
        )
        return {"id": str(record["callbackId"]), "from": user, "message": bot_message, "data": data}

    def press_button(self, reply: Reply | int, text: str, **kwargs: Any) -> Reply:
        """Press the inline button labelled ``text`` on a bot reply (or its message id)."""
        chat_id = kwargs.get("chat_id") or self._last_chat or self.user_id
        if isinstance(reply, int):
            found = self.message(chat_id, reply)
            if found is None:
                raise ValueError(f"the bot sent no message {reply} in chat {chat_id}")
            reply = found
        rows = (reply.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if button.get("text") == text and "callback_data" in button:
                    kwargs.setdefault("chat_id", reply["chat_id"])
                    return self.send_callback(
                        reply["message_id"], button["callback_data"], **kwargs
                    )
        labels = [button.get("text") for row in rows for button in row]
        raise ValueError(f"message {reply['message_id']} has no button {text!r}; it has {labels}")

    def add_file(
        self, source: Path | bytes, file_name: str | None = None, mime_type: str | None = None
    ) -> Reply:
        """Put a file where EmulatorRequest's getFile finds it; returns the ``document`` object."""
        if self.files_dir is None:
            raise ValueError("this client has no files_dir; pass files_dir= to Emulator.client()")
        if isinstance(source, Path):
            content, file_name = source.read_bytes(), file_name or source.name
        else:
            content = source
        if not file_name:
            raise ValueError("add_file(bytes) needs a file_name")
        file_id = f"doc-{uuid.uuid4().hex[:16]}"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        (self.files_dir / file_id).write_bytes(content)
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": mime_type
            or mimetypes.guess_type(file_name)[0]
            or "application/octet-stream",
            "file_size": len(content),
        }

    # ------------------------------------------------------------ reading what the bot sent

    def history(self) -> list[dict[str, Any]]:
        """The emulator's raw records for this token (bot messages and user updates)."""
        return self._post("/getUpdatesHistory", {"token": self.token})["result"]

    def replies(self, chat_id: int | None = None, *, after: int | None = None) -> list[Reply]:
        """The bot's messages in ``chat_id`` with an id above ``after``, as they are now."""
        chat_id = self._chat_id(chat_id)
        after = self._after.get(chat_id, 0) if after is None else after
        found = [_reply(r) for r in self.history() if _is_bot_record(r) and r["messageId"] > after]
        return sorted((r for r in found if r["chat_id"] == chat_id), key=lambda r: r["message_id"])

    def message(self, chat_id: int, message_id: int) -> Reply | None:
        """The bot's message ``message_id`` as it is now (edits applied), or None."""
        for reply in self.replies(chat_id, after=0):
            if reply["message_id"] == message_id:
                return reply
        return None

    def bot_replies(self, chat_id: int | None = None) -> list[Reply]:
        """Bot messages in ``chat_id`` not fetched before (the emulator's client getUpdates)."""
        chat_id = self._chat_id(chat_id)
        records = self._post("/getUpdates", {"token": self.token, "chatId": chat_id})["result"]
        return [_reply(r) for r in records]

    def wait_for(
        self,
        predicate: Predicate = None,
        *,
        chat_id: int | None = None,
        after: int | None = None,
        count: int = 1,
        timeout: float | None = None,
    ) -> list[Reply]:
        """Poll until ``count`` bot replies match; returns the matching ones.

        ``predicate`` is a function of a reply, an exact text, or None for any reply. By default
        only replies after the last message (or the pressed button's message) count.
        """
        chat_id = self._chat_id(chat_id)
        after = self._after.get(chat_id, 0) if after is None else after
        match = _as_function(predicate)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            replies = self.replies(chat_id, after=after)
            matching = [r for r in replies if match(r)]
            if len(matching) >= count:
                return matching
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        raise AssertionError(
            f"waited {self.timeout if timeout is None else timeout}s for {count} bot "
            f"repl{'y' if count == 1 else 'ies'} matching {_describe(predicate)} in chat "
            f"{chat_id} after message {after}; found {len(matching)}.\n"
            + self.describe(chat_id, after=after)
        )

    def describe(self, chat_id: int | None = None, *, after: int = 0) -> str:
        """What the bot sent in ``chat_id`` (and elsewhere), plus diagnostics, for failures."""
        chat_id = self._chat_id(chat_id)
        lines = [f"the bot sent in chat {chat_id} after message {after}:"]
        try:
            every = [_reply(r) for r in self.history() if _is_bot_record(r)]
        except (httpx.HTTPError, RuntimeError) as exc:
            every = []
            lines.append(f"  (could not read the emulator's history: {exc})")
        here = [r for r in every if r["chat_id"] == chat_id and r["message_id"] > after]
        lines += [f"  {_one_line(r)}" for r in here] or ["  (nothing)"]
        elsewhere = [r for r in every if r["chat_id"] != chat_id]
        if elsewhere:
            lines.append("in other chats:")
            lines += [f"  chat {r['chat_id']}: {_one_line(r)}" for r in elsewhere[-10:]]
        lines += [source() for source in self.diagnostics]
        return "\n".join(lines)

    # ------------------------------------------------------------ helpers

    def _post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._http.post(route, json=body)
        if answer.status_code != 200:
            raise RuntimeError(f"emulator {route} answered {answer.status_code}: {answer.text}")
        return answer.json()

    def _post_message(self, route: str, message: dict[str, Any]) -> Reply:
        self._post(route, message)
        chat_id = message["chat"]["id"]
        record = max(
            (
                r
                for r in self.history()
                if "message" in r
                and not _is_bot_record(r)
                and r["message"]["chat"]["id"] == chat_id
            ),
            key=lambda r: r["updateId"],
        )
        self._after[chat_id] = record["messageId"]
        self._last_chat = chat_id
        sent = {k: v for k, v in record["message"].items() if k != "botToken"}
        return {**sent, "message_id": record["messageId"]}

    def _user(
        self,
        user_id: int | None,
        first_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> dict[str, Any]:
        return {
            "id": self.user_id if user_id is None else user_id,
            "is_bot": False,
            "first_name": first_name or self.first_name,
            "username": username or self.username,
            "language_code": language_code or self.language_code,
        }

    @staticmethod
    def _chat(chat_id: int | None, chat_type: str, user: dict[str, Any]) -> dict[str, Any]:
        if chat_type == "private":
            return {
                "id": user["id"] if chat_id is None else chat_id,
                "type": "private",
                "first_name": user["first_name"],
                "username": user["username"],
            }
        if chat_id is None:
            raise ValueError(f"a {chat_type} chat needs an explicit chat_id")
        return {"id": chat_id, "type": chat_type, "title": f"Test {chat_type}"}

    def _message(
        self,
        user_id: int | None,
        chat_id: int | None,
        chat_type: str,
        first_name: str | None,
        username: str | None,
        language_code: str | None,
        reply_to: int | Reply | None,
    ) -> dict[str, Any]:
        user = self._user(user_id, first_name, username, language_code)
        chat = self._chat(chat_id, chat_type, user)
        # The emulator requires botToken on every user message (and passes it on; the
        # EmulatorRequest drops it before PTB sees the update).
        message: dict[str, Any] = {
            "botToken": self.token,
            "date": int(time.time()),
            "from": user,
            "chat": chat,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._reply_target(chat, reply_to)
        return message

    def _reply_target(self, chat: dict[str, Any], reply_to: int | Reply) -> dict[str, Any]:
        message_id = reply_to if isinstance(reply_to, int) else reply_to["message_id"]
        for record in self.history():
            if record.get("messageId") != message_id or "message" not in record:
                continue
            if _is_bot_record(record):
                reply = _reply(record)
                target = {
                    k: v for k, v in reply.items() if k in ("text", "caption", "document", "photo")
                }
                return {
                    **target,
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat,
                    "from": EMULATOR_BOT,
                }
            sent = {k: v for k, v in record["message"].items() if k != "botToken"}
            return {**sent, "message_id": message_id}
        raise ValueError(f"no message {message_id} to reply to")

    def _chat_id(self, chat_id: int | None) -> int:
        if chat_id is not None:
            return chat_id
        return self._last_chat if self._last_chat is not None else self.user_id


class BotRunner:
    """Run a PTB Application with polling in a background thread, as ``run_polling`` would.

    Errors that reach the application's error handlers, and getUpdates failures, are kept in
    :attr:`errors`; when built with a client, its failure messages list them.
    """

    def __init__(
        self,
        application: Application,
        *,
        client: EmulatorClient | None = None,
        poll_interval: float = 0.01,
        startup_timeout: float = 15.0,
    ) -> None:
        self.application = application
        self.poll_interval = poll_interval
        self.startup_timeout = startup_timeout
        self.errors: list[BaseException] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        application.add_error_handler(self._record_error)
        if client is not None:
            client.diagnostics.append(self.describe_errors)

    async def _record_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        self.errors.append(context.error)
        log.error("bot error while handling %r", update, exc_info=context.error)

    def _record_polling_error(self, error: Exception) -> None:
        self.errors.append(error)

    def describe_errors(self) -> str:
        if not self.errors:
            return "bot errors: none"
        parts = ["bot errors:"]
        for error in self.errors:
            parts.append("".join(traceback.format_exception(error)).rstrip())
        return "\n".join(parts)

    def start(self) -> BotRunner:
        self._thread = threading.Thread(target=self._run, name="ptb-bot-runner", daemon=True)
        self._thread.start()
        if not self._ready.wait(self.startup_timeout):
            raise RuntimeError(f"the bot did not start within {self.startup_timeout}s")
        if self._failure is not None:
            self._thread.join(timeout=5)
            raise RuntimeError(f"the bot failed to start: {self._failure!r}") from self._failure
        return self

    def stop(self, timeout: float = 15.0) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the bot did not stop within {timeout}s")
        self._thread = None
        if self._failure is not None:
            raise RuntimeError(f"the bot failed while stopping: {self._failure!r}") from (
                self._failure
            )

    def __enter__(self) -> BotRunner:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # surfaced in start()/stop() of the test thread
            self._failure = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        # The order of Application.run_polling: initialize, post_init, updater, start; and back.
        app = self.application
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await app.initialize()
            if app.post_init:
                await app.post_init(app)
            assert app.updater is not None, "build the application with an updater"
            await app.updater.start_polling(
                poll_interval=self.poll_interval,
                timeout=1,
                error_callback=self._record_polling_error,
            )
            await app.start()
            self._ready.set()
            await self._stop.wait()
        finally:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop:
                    await app.post_stop(app)
            await app.shutdown()
            if app.post_shutdown:
                await app.post_shutdown(app)


# ---------------------------------------------------------------- reply helpers


def _is_bot_record(record: dict[str, Any]) -> bool:
    # Stored bot messages are the raw sendMessage form (chat_id, no botToken); user messages
    # are what our client posted (chat, botToken).
    message = record.get("message")
    return isinstance(message, dict) and "chat_id" in message and "botToken" not in message


def _reply(record: dict[str, Any]) -> Reply:
    message = record["message"]
    reply: Reply = {}
    for key, value in message.items():
        if key in _JSON_FIELDS and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        reply[key] = value
    # An edit merges its form, message_id included, into the stored message.
    reply["edited"] = "message_id" in message
    reply["message_id"] = record["messageId"]
    reply["chat_id"] = int(message["chat_id"])
    return reply


def _callback_data(reply: Reply) -> list[str]:
    rows = (reply.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def _as_function(predicate: Predicate) -> Callable[[Reply], bool]:
    if predicate is None:
        return lambda reply: True
    if isinstance(predicate, str):
        return lambda reply: reply.get("text") == predicate
    return predicate


def _describe(predicate: Predicate) -> str:
    if predicate is None:
        return "anything"
    if isinstance(predicate, str):
        return f"text {predicate!r}"
    return getattr(predicate, "__name__", repr(predicate))


def _one_line(reply: Reply) -> str:
    shown = {k: v for k, v in reply.items() if k not in ("message_id", "chat_id", "edited")}
    mark = " (edited)" if reply["edited"] else ""
    return f"#{reply['message_id']}{mark} {json.dumps(shown, ensure_ascii=False)}"
