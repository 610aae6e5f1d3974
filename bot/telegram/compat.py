"""Let python-telegram-bot 22 talk to the ``telegram-test-api`` emulator (npm, 4.2.1).

The emulator speaks an older, partial Bot API. :class:`EmulatorRequest` sits where PTB sends
every HTTP request and mends the differences, so the bot's own code runs unchanged:

* ``getMe`` gains ``is_bot``; millisecond ``date``/``edit_date`` values become seconds;
  callback queries gain ``chat_instance``; updates lose the emulator's ``botToken`` field.
* methods the emulator answers with ``result: null`` get Telegram's answer (``true``, or the
  edited message for ``editMessageText``/``editMessageReplyMarkup``).
* methods it does not know get a fixed success answer from :data:`UNSUPPORTED_FALLBACKS`, but
  only when the emulator says "not supported"; every other error reaches PTB unchanged (with
  the emulator's message as ``description``).
* ``sendDocument``/``sendPhoto`` are recorded as a ``sendMessage`` carrying a ``document`` or
  ``photo`` object, so the test client sees them; uploaded bytes land in ``files_dir``.
* ``getFile`` and the file download are served from ``files_dir``: file id = file name there.
* an empty ``getUpdates`` waits ``empty_updates_delay`` seconds, because the emulator ignores
  the long-polling ``timeout`` and an idle bot would otherwise poll in a tight loop.

Build an application against the emulator (``base_url`` is PTB's, ending in ``/bot``)::

    builder = Application.builder().token(token)
    app = use_emulator(builder, "http://127.0.0.1:9000/bot", files_dir=tmp).build()

which is ``builder.base_url(url).base_file_url(file_url).request(EmulatorRequest(files_dir=...))
.get_updates_request(EmulatorRequest())``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from telegram.request import HTTPXRequest, RequestData

if TYPE_CHECKING:
    from telegram.ext import ApplicationBuilder

log = logging.getLogger(__name__)

# Until the year 5138 a timestamp in seconds stays below this; the emulator's milliseconds don't.
_MILLISECONDS_FROM = 10**11
_DATE_KEYS = ("date", "edit_date")
# Telegram refuses getFile for files above 20 MB (cloud Bot API).
GET_FILE_LIMIT = 20 * 1024 * 1024
# file_path prefix of files served from files_dir; the download URL is recognised by it.
FILE_PATH_PREFIX = "emulator-files"
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
# Request fields the emulator echoes into a sent message as JSON strings; PTB needs objects.
_JSON_ECHO_FIELDS = ("link_preview_options", "document", "photo")


def _true(_params: dict[str, Any]) -> bool:
    return True


def _edited_message(params: dict[str, Any]) -> dict[str, Any] | bool:
    """What Telegram returns for an edit: the message, or true for inline messages."""
    if "inline_message_id" in params:
        return True
    now = int(time.time())
    message: dict[str, Any] = {
        "message_id": int(params["message_id"]),
        "date": now,
        "edit_date": now,
        "chat": {"id": _int_or_str(params["chat_id"]), "type": "private"},
    }
    for key in ("text", "caption", "reply_markup"):
        if key in params:
            message[key] = params[key]
    return message


# Methods telegram-test-api 4.2.1 answers with "API method '...' is not supported" (HTTP 500).
UNSUPPORTED_FALLBACKS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "sendChatAction": _true,
    "setMyCommands": _true,
    "deleteMyCommands": _true,
    "setChatMenuButton": _true,
}
# Methods it knows but answers with ``result: null`` where Telegram answers something else.
NULL_RESULT_FIXES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "answerCallbackQuery": _true,
    "deleteMessage": _true,
    "setWebhook": _true,
    "editMessageText": _edited_message,
    "editMessageReplyMarkup": _edited_message,
}
# Media methods it does not know, recorded as a sendMessage with this field.
MEDIA_AS_MESSAGE = {"sendDocument": "document", "sendPhoto": "photo"}


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call the bot made (``getUpdates`` is not recorded)."""

    endpoint: str
    params: dict[str, Any]


class _Form(RequestData):
    """Plain form fields for a request the wrapper rewrites (no file parts)."""

    __slots__ = ("_fields",)

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__()
        self._fields = fields

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._fields)

    @property
    def json_parameters(self) -> dict[str, str]:
        return dict(self._fields)


class EmulatorRequest(HTTPXRequest):
    """An :class:`~telegram.request.HTTPXRequest` that mends telegram-test-api's answers.

    ``files_dir`` holds the files ``getFile`` can resolve (file id = file name) and receives
    the files the bot sends. Other keyword arguments go to ``HTTPXRequest``; environment
    proxies are ignored unless ``httpx_kwargs`` says otherwise (the emulator is local).
    """

    __slots__ = ("_empty_updates_delay", "_files_dir", "calls")

    def __init__(
        self,
        *,
        files_dir: str | Path | None = None,
        empty_updates_delay: float = 0.05,
        **kwargs: Any,
    ) -> None:
        kwargs["httpx_kwargs"] = {"trust_env": False, **(kwargs.get("httpx_kwargs") or {})}
        super().__init__(**kwargs)
        self._files_dir = Path(files_dir) if files_dir is not None else None
        self._empty_updates_delay = empty_updates_delay
        self.calls: deque[ApiCall] = deque(maxlen=1000)

    @property
    def files_dir(self) -> Path | None:
        return self._files_dir

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request to the emulator (or answer it here) and mend the answer."""
        path = urlsplit(url).path
        if method == "GET" and f"/{FILE_PATH_PREFIX}/" in path:
            return self._download(unquote(path.rsplit(f"/{FILE_PATH_PREFIX}/", 1)[1]))

        endpoint = path.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if endpoint != "getUpdates":
            self.calls.append(ApiCall(endpoint, params))
        if endpoint == "getFile":
            return self._get_file(str(params.get("file_id", "")))
        media_field = MEDIA_AS_MESSAGE.get(endpoint)
        if request_data is not None and media_field and _has_field(request_data, media_field):
            url = url[: -len(endpoint)] + "sendMessage"
            request_data = self._media_as_message(endpoint, request_data)

        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if not 200 <= code <= 299:
            return self._mend_error(endpoint, params, code, payload)

        try:
            data = json.loads(payload)
        except ValueError:
            return code, payload
        if not isinstance(data, dict) or "result" not in data:
            return code, payload
        result = self._mend_result(endpoint, params, data["result"])
        if endpoint == "getUpdates" and not result:
            await asyncio.sleep(min(self._empty_updates_delay, float(params.get("timeout", 0))))
        return code, _ok(result)

    def _mend_error(
        self, endpoint: str, params: dict[str, Any], code: int, payload: bytes
    ) -> tuple[int, bytes]:
        try:
            body = json.loads(payload)
        except ValueError:
            return code, payload
        message = body.get("message", "") if isinstance(body, dict) else ""
        unsupported = f"API method '{endpoint}' is not supported" in message
        if unsupported and endpoint in UNSUPPORTED_FALLBACKS:
            result = UNSUPPORTED_FALLBACKS[endpoint](params)
            log.debug("emulator does not know %s; answered %r", endpoint, result)
            return 200, _ok(result)
        if message and "description" not in body:
            # PTB shows `description`; the emulator only says `message`.
            body = {"ok": False, "error_code": code, "description": f"telegram-test-api: {message}"}
            return code, json.dumps(body).encode()
        return code, payload

    def _mend_result(self, endpoint: str, params: dict[str, Any], result: Any) -> Any:
        if endpoint == "getMe" and isinstance(result, dict) and "is_bot" not in result:
            log.debug("emulator getMe lacks is_bot; added is_bot=true")
            result = {**result, "is_bot": True}
        elif endpoint == "getUpdates" and isinstance(result, list):
            result = [_mend_update(update) for update in result]
        elif endpoint in NULL_RESULT_FIXES and result is None:
            result = NULL_RESULT_FIXES[endpoint](params)
            log.debug("emulator answered %s with null; answered %r", endpoint, result)
        if endpoint in ("sendMessage", *MEDIA_AS_MESSAGE) and isinstance(result, dict):
            result = _parse_json_fields(result)
        return _seconds(result)

    def _media_as_message(self, endpoint: str, request_data: RequestData) -> _Form:
        """Describe a sendDocument/sendPhoto as the form of a sendMessage the emulator records."""
        field = MEDIA_AS_MESSAGE[endpoint]
        form = {
            k: v for k, v in request_data.json_parameters.items() if not v.startswith("attach://")
        }
        upload = request_data.multipart_data.get(field)
        if upload is not None:
            file_name, content, mime_type = upload
            data = content if isinstance(content, bytes) else content.read()
            file_id = f"bot-{uuid.uuid4().hex[:12]}"
            if self._files_dir is not None:
                self._files_dir.mkdir(parents=True, exist_ok=True)
                (self._files_dir / file_id).write_bytes(data)
            described: dict[str, Any] = {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": len(data),
            }
            if field == "document":
                described.update(file_name=file_name, mime_type=mime_type)
        else:
            # Sent by file id or URL: the form holds that string as is.
            described = {"file_id": form[field], "file_unique_id": form[field]}
        if field == "photo":
            value: Any = [{**described, "width": 0, "height": 0}]
        else:
            value = {k: v for k, v in described.items() if v is not None}
        form[field] = json.dumps(value)
        log.debug("emulator does not know %s; recorded it as sendMessage with %s", endpoint, field)
        return _Form(form)

    def _resolve(self, file_id: str) -> Path | None:
        if self._files_dir is None or not _FILE_ID.fullmatch(file_id):
            return None
        path = self._files_dir / file_id
        return path if path.is_file() else None

    def _get_file(self, file_id: str) -> tuple[int, bytes]:
        path = self._resolve(file_id)
        if path is None:
            log.debug("getFile %r: not in files_dir %s", file_id, self._files_dir)
            return _error(400, "Bad Request: invalid file_id")
        size = path.stat().st_size
        if size > GET_FILE_LIMIT:
            return _error(400, "Bad Request: file is too big")
        log.debug("getFile %r answered from %s", file_id, path)
        file_path = f"{FILE_PATH_PREFIX}/{quote(file_id)}"
        result = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": size,
            "file_path": file_path,
        }
        return 200, _ok(result)

    def _download(self, file_id: str) -> tuple[int, bytes]:
        path = self._resolve(file_id)
        if path is None:
            return _error(404, "Not Found")
        log.debug("served download of %r from %s", file_id, path)
        return 200, path.read_bytes()


def use_emulator(
    builder: ApplicationBuilder,
    base_url: str,
    *,
    files_dir: str | Path | None = None,
    **request_kwargs: Any,
) -> ApplicationBuilder:
    """Point ``builder`` at the emulator at ``base_url`` (``http://host:port/bot`` or its root)."""
    root = base_url.rstrip("/").removesuffix("/bot")
    return (
        builder.base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(EmulatorRequest(files_dir=files_dir, **request_kwargs))
        .get_updates_request(EmulatorRequest(**request_kwargs))
    )


def _has_field(request_data: RequestData, name: str) -> bool:
    return name in request_data.json_parameters or name in request_data.multipart_data


def _ok(result: Any) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


def _error(code: int, description: str) -> tuple[int, bytes]:
    return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()


def _int_or_str(value: Any) -> int | str:
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else text


def _seconds(value: Any) -> Any:
    """Convert millisecond dates anywhere in ``value`` to seconds."""
    if isinstance(value, list):
        return [_seconds(item) for item in value]
    if not isinstance(value, dict):
        return value
    mended = {}
    for key, item in value.items():
        if key in _DATE_KEYS and isinstance(item, int) and item >= _MILLISECONDS_FROM:
            item //= 1000
        mended[key] = _seconds(item)
    return mended


def _parse_json_fields(message: dict[str, Any]) -> dict[str, Any]:
    mended = dict(message)
    for key in _JSON_ECHO_FIELDS:
        if isinstance(mended.get(key), str):
            mended[key] = json.loads(mended[key])
    return mended


def _mend_update(update: dict[str, Any]) -> dict[str, Any]:
    update = dict(update)
    if isinstance(update.get("message"), dict):
        update["message"] = {k: v for k, v in update["message"].items() if k != "botToken"}
    query = update.get("callback_query")
    if isinstance(query, dict) and "chat_instance" not in query:
        chat = (query.get("message") or {}).get("chat") or query.get("from") or {}
        update["callback_query"] = {**query, "chat_instance": str(chat.get("id", 0))}
        log.debug("emulator callback query lacks chat_instance; added %s", chat.get("id", 0))
    return update
