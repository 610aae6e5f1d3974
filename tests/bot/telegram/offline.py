"""An offline Bot API for handler tests: answers every call locally and records it.

``RecordingRequest`` sits where PTB sends HTTP requests (like PTB's own
``tests/auxil/networking.py``): nothing leaves the process. ``OfflineBot`` builds the real
application with it and feeds updates through ``process_update``, so tests exercise the
same handlers, filters, persistence and error handler as production.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT = {
    "id": 4242,
    "is_bot": True,
    "first_name": "Policy",
    "username": "PolicyTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
TOKEN = "4242:offline-token-for-handler-tests"
USER = {"id": 1001, "is_bot": False, "first_name": "Tester", "language_code": "en"}


@dataclass(frozen=True)
class Call:
    endpoint: str
    params: dict[str, Any]
    result: Any = None
    at: float = 0.0  # time.monotonic() when the bot made the call


class RecordingRequest(BaseRequest):
    """Answers Bot API calls as Telegram would, records them, never touches the network."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_path → content, for getFile + download
        self.fail: dict[str, Exception] = {}  # endpoint → error to raise
        self._ids = itertools.count(5000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if method == "GET" and "/file/bot" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            return (200, self.files[path]) if path in self.files else (404, b"")
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None:
            for name, (file_name, content, _mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = {"file_name": file_name, "size": len(data)}
        if endpoint in self.fail:
            self.calls.append(Call(endpoint, params, None, time.monotonic()))
            raise self.fail[endpoint]
        result = self._result(endpoint, params)
        self.calls.append(Call(endpoint, params, result, time.monotonic()))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id or next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
        }
        for key in ("text", "caption", "reply_markup"):
            if key in params:
                message[key] = params[key]
        return message

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return BOT
        if endpoint in ("sendMessage", "sendDocument"):
            return self._message(params)
        if endpoint == "sendPhoto":
            message = self._message(params)
            message["photo"] = [
                {"file_id": "p1", "file_unique_id": "p1", "width": 640, "height": 320}
            ]
            return message
        if endpoint in ("editMessageText", "editMessageReplyMarkup"):
            return self._message(params, int(params["message_id"]))
        if endpoint == "getFile":
            file_id = str(params["file_id"])
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": file_id,
            }
        if endpoint == "getUpdates":
            return []
        return True

    # ------------------------------------------------------------ reading what was sent

    def sent(self, endpoint: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of each ``endpoint`` call, plus the message id Telegram gave it."""
        out = []
        for c in self.calls:
            if c.endpoint != endpoint:
                continue
            params = dict(c.params)
            if isinstance(c.result, dict) and "message_id" in c.result:
                params["message_id"] = c.result["message_id"]
            out.append(params)
        return out

    def texts(self) -> list[str]:
        """Texts of sent and edited messages, in order."""
        return [
            str(c.params.get("text"))
            for c in self.calls
            if c.endpoint in ("sendMessage", "editMessageText")
        ]

    def clear(self) -> None:
        self.calls.clear()


class OfflineBot:
    """The real application over a ``RecordingRequest``; feed it updates, read its calls."""

    def __init__(self, application: Application, request: RecordingRequest):
        self.application = application
        self.request = request
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self.startup: list[Call] = []  # calls made while starting (getMe, setMyCommands)

    @classmethod
    def build(cls, app: Any, **kwargs: Any) -> OfflineBot:
        from bot.telegram.application import build_application

        request = kwargs.pop("request", None) or RecordingRequest()
        application = build_application(
            app, TOKEN, request=request, get_updates_request=RecordingRequest(), **kwargs
        )
        return cls(application, request)

    async def start(self) -> None:
        await self.application.initialize()
        if self.application.post_init:
            await self.application.post_init(self.application)
        await self.application.start()
        self.startup = list(self.request.calls)
        self.request.clear()

    async def stop(self) -> None:
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        if self.application.post_shutdown:
            await self.application.post_shutdown(self.application)

    @property
    def services(self) -> Any:
        return self.application.bot_data.services

    async def feed(self, data: dict[str, Any]) -> None:
        """Process one update and wait for the handlers it started (block=False too)."""
        data = {"update_id": next(self._update_ids), **data}
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)
        await self.settle()

    async def settle(self, timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            pending = [
                task
                for task in asyncio.all_tasks()
                if task is not asyncio.current_task() and not task.done() and _is_handler(task)
            ]
            if not pending:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"handlers still running: {pending}")
            await asyncio.sleep(0.01)

    def _message(
        self,
        text: str | None,
        *,
        user: dict[str, Any] | None = None,
        chat: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        user = user or USER
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            **extra,
        }
        if text is not None:
            message["text"] = text
        return message

    async def send(self, text: str, **kwargs: Any) -> None:
        await self.feed({"message": self._message(text, **kwargs)})

    async def command(self, text: str, **kwargs: Any) -> None:
        name = text.split(" ", 1)[0]
        entities = [{"type": "bot_command", "offset": 0, "length": len(name)}]
        await self.feed({"message": self._message(text, entities=entities, **kwargs)})

    async def document(
        self, name: str, content: bytes, *, caption: str | None = None, **kwargs: Any
    ) -> None:
        file_id = f"f{next(self._message_ids)}"
        self.request.files[file_id] = content
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": name,
            "file_size": len(content),
        }
        extra = {"document": document}
        if caption is not None:
            extra["caption"] = caption
        await self.feed({"message": self._message(None, **extra, **kwargs)})

    async def press(
        self, data: str, *, on: dict[str, Any] | None = None, user: dict[str, Any] | None = None
    ) -> None:
        """Press an inline button with ``data`` on the bot message ``on`` (a sent message)."""
        user = user or USER
        chat_id = int(on["chat_id"]) if on else user["id"]
        message = {
            "message_id": int(on.get("message_id", 1)) if on else 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": BOT,
            "text": (on or {}).get("text", "…"),
        }
        if on and on.get("reply_markup"):
            message["reply_markup"] = on["reply_markup"]
        query = {
            "id": str(next(self._update_ids)),
            "from": user,
            "chat_instance": str(chat_id),
            "message": message,
            "data": data,
        }
        await self.feed({"callback_query": query})


def _is_handler(task: asyncio.Task[Any]) -> bool:
    """A handler PTB runs as a task (block=False), or the error handler it runs for one."""
    name = task.get_name()
    return ":process_update_non_blocking:" in name or ":process_error:" in name


def buttons(markup: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button."""
    rows = (markup or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def run(coro_fn: Callable[[], Any]) -> Any:
    return asyncio.run(coro_fn())


def data_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
