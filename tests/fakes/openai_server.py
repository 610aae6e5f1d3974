"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests (standard library only).

    with FakeOpenAI() as fake:
        fake.reply("第三条规定……")
        llm = ChatOpenAI(base_url=fake.url, api_key="k", model="m", max_retries=0)
        assert llm.invoke("hi").content == "第三条规定……"
        assert fake.chat_requests[0].messages[-1]["content"] == "hi"

Each chat request consumes one scripted behaviour (`reply`, `reply_with`, `fail`, `hang`,
`garbage`, `stream_error`); when none are left it gets `default_reply`. Every request is recorded
in `requests`. Exceptions raised by callbacks (or by the fake itself) are answered with a 500 and
re-raised as `FakeServerError` when the `with` block ends, so a broken script cannot pass silently.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import logging
import math
import re
import socket
import struct
import sys
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

CREATED = 1_700_000_000  # fixed timestamp: responses are reproducible
_JOIN_TIMEOUT = 2.0  # seconds stop() waits for connection threads after closing their sockets

# status -> (error.type, error.code, default message), as OpenAI sends them
_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "permission_denied", "You are not allowed to do this."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached. Please try again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request."),
}


class FakeServerError(AssertionError):
    """A scripted callback or the fake itself failed while serving a request."""


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it."""

    method: str
    path: str
    headers: Mapping[str, str]  # names lower-cased
    body: Any  # parsed JSON; None when empty or not JSON
    raw: bytes = field(repr=False)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent (empty for other endpoints)."""
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("stream"))


# Scripted behaviours, one consumed per chat request.
@dataclass(frozen=True)
class _Reply:
    text: str | None = None  # None: the default reply at serving time
    fn: Callable[[dict[str, Any]], str] | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class _Fail:
    status: int
    body: str | dict[str, Any] | bytes | None
    headers: Mapping[str, str]


@dataclass(frozen=True)
class _Hang:
    seconds: float
    then: _Reply


@dataclass(frozen=True)
class _Garbage:
    raw: bytes
    content_type: str


@dataclass(frozen=True)
class _StreamError:
    message: str
    after_deltas: int
    then: _Reply


_Behaviour = _Reply | _Fail | _Hang | _Garbage | _StreamError


class _CallbackError(Exception):
    """Wraps an exception raised by a test's callback (kept apart from socket errors)."""


def hashed_char_embedding(text: str, dim: int = 64) -> list[float]:
    """A deterministic unit vector: signed hashed bag of (lower-cased, non-space) characters.

    Texts sharing characters get similar vectors, so retrieval tests can rank by overlap.
    An empty text maps to the first basis vector (never a zero vector, which breaks cosine).
    """
    if dim < 1:
        raise ValueError(f"dim must be positive, got {dim}")
    vector = [0.0] * dim
    for char in text.lower():
        if char.isspace():
            continue
        h = zlib.crc32(char.encode("utf-8"))
        vector[h % dim] += 1.0 if h & 0x8000_0000 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0.0:
        return [1.0] + [0.0] * (dim - 1)
    return [v / norm for v in vector]


def approx_tokens(text: str) -> int:
    """Rough token count for `usage`: one per ASCII word and per other non-space character."""
    return len(re.findall(r"[A-Za-z0-9]+|\S", text))


def split_for_stream(text: str) -> list[str]:
    """Split a reply into token-like deltas (ASCII words with trailing spaces, other chars alone)."""
    return re.findall(r"\s*[A-Za-z0-9]+\s*|\s*\S\s*", text) or [text]


class FakeOpenAI:
    """An OpenAI-compatible server in a background thread; use as a context manager."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_reply: str = "This is a scripted reply.",
        embedding_dim: int = 64,
        models: Sequence[str] = ("fake-chat", "fake-embedding"),
    ) -> None:
        self.host = host
        self.port = port
        self.default_reply = default_reply
        self.embedding_dim = embedding_dim
        self.models = tuple(models)
        self.requests: list[RecordedRequest] = []
        self.errors: list[BaseException] = []
        self._script: deque[_Behaviour] = deque()
        self._embed_fn: Callable[[str], list[float]] | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None
        self._ids = itertools.count(1)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The `base_url` for clients, e.g. ``http://127.0.0.1:PORT/v1``."""
        if self._url is None:
            raise RuntimeError("FakeOpenAI is not started; use `with FakeOpenAI() as fake:`")
        return self._url

    def start(self) -> FakeOpenAI:
        if self._server is not None or self._stopping.is_set():
            raise RuntimeError("FakeOpenAI can be started only once")
        self._server = _Server((self.host, self.port), self)
        host, port = self._server.server_address[:2]
        self._url = f"http://{host}:{port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeOpenAI:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving at once: in-progress hangs are abandoned, open connections closed."""
        server = self._server
        if server is None:
            self._stopping.set()
            return
        self._server = None
        self._stopping.set()  # wakes every `hang`
        server.shutdown()
        server.close_connections()
        server.server_close()
        server.join_handlers(_JOIN_TIMEOUT)
        if self._thread is not None:
            self._thread.join(_JOIN_TIMEOUT)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.errors:
            raise FakeServerError(
                f"FakeOpenAI failed while serving: {self.errors[0]!r}"
            ) from self.errors[0]

    # -- scripting -------------------------------------------------------------------------

    def reply(self, text: str, *, finish_reason: str = "stop") -> None:
        """Answer the next chat request with `text` (streamed as several deltas if asked)."""
        self._push(_Reply(text=text, finish_reason=finish_reason))

    def reply_with(self, fn: Callable[[dict[str, Any]], str]) -> None:
        """Answer the next chat request with `fn(request_body)`."""
        self._push(_Reply(fn=fn))

    def fail(
        self,
        status: int,
        body: str | dict[str, Any] | bytes | None = None,
        *,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the next chat request with an HTTP error.

        `body`: None or a str gives OpenAI's error envelope (the str as its message); a dict is
        sent as JSON; bytes are sent raw as text/plain (a proxy's error page). A 429 carries
        ``Retry-After: 1`` unless `retry_after` says otherwise.
        """
        extra = dict(headers or {})
        if retry_after is None and status == 429:
            retry_after = 1
        if retry_after is not None:
            extra["Retry-After"] = f"{retry_after:g}"
        self._push(_Fail(status=status, body=body, headers=extra))

    def hang(self, seconds: float, text: str | None = None) -> None:
        """Sleep `seconds` before answering the next chat request (with `text` or the default).

        `stop()` interrupts the sleep; the request then gets no answer.
        """
        self._push(_Hang(seconds=seconds, then=_Reply(text=text)))

    def garbage(self, raw: bytes = b"not json", *, content_type: str = "application/json") -> None:
        """Answer the next chat request with 200 and a malformed body (or malformed SSE)."""
        self._push(_Garbage(raw=raw, content_type=content_type))

    def stream_error(
        self,
        message: str = "upstream overloaded",
        *,
        after_deltas: int = 1,
        text: str | None = None,
    ) -> None:
        """Send an ``{"error": ...}`` event after `after_deltas` deltas of `text`, as providers do.

        A non-streaming request gets 200 with an ``{"error": ...}`` body instead.
        """
        self._push(_StreamError(message=message, after_deltas=after_deltas, then=_Reply(text=text)))

    def embed_with(self, fn: Callable[[str], list[float]]) -> None:
        """Compute every `/v1/embeddings` vector with `fn(text)` (token-id inputs arrive as
        their ids joined by spaces)."""
        self._embed_fn = fn

    def reset(self) -> None:
        """Forget recorded requests, errors and unused behaviours."""
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.errors.clear()

    @property
    def pending(self) -> int:
        """Scripted behaviours not yet consumed."""
        with self._lock:
            return len(self._script)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return self._requests_to("/v1/chat/completions")

    @property
    def embedding_requests(self) -> list[RecordedRequest]:
        return self._requests_to("/v1/embeddings")

    # -- internals used by the handler -----------------------------------------------------

    def _push(self, behaviour: _Behaviour) -> None:
        with self._lock:
            self._script.append(behaviour)

    def _next(self) -> _Behaviour:
        with self._lock:
            return self._script.popleft() if self._script else _Reply()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _record_error(self, error: BaseException) -> None:
        with self._lock:
            self.errors.append(error)

    def _requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids)}"

    def _text_for(self, reply: _Reply, body: dict[str, Any]) -> str:
        if reply.fn is None:
            return self.default_reply if reply.text is None else reply.text
        try:
            text = reply.fn(body)
        except Exception as exc:
            raise _CallbackError(f"reply_with callback raised {exc!r}") from exc
        if not isinstance(text, str):
            raise _CallbackError(f"reply_with callback returned {type(text).__name__}, not str")
        return text

    def _embed(self, text: str, dim: int) -> list[float]:
        if self._embed_fn is None:
            return hashed_char_embedding(text, dim)
        try:
            vector = [float(v) for v in self._embed_fn(text)]
        except Exception as exc:
            raise _CallbackError(f"embed_with callback raised {exc!r}") from exc
        return vector


class _Server(ThreadingHTTPServer):
    """Tracks its connections so `stop()` can close them instead of waiting for them."""

    daemon_threads = True
    block_on_close = False  # stop() closes sockets itself, then joins with a timeout

    def __init__(self, address: tuple[str, int], fake: FakeOpenAI) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        # every handler thread still running: a thread leaves `_connections` in
        # shutdown_request() a moment before it ends, so join() needs its own list
        self._handlers: list[threading.Thread] = []
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="FakeOpenAI-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections.add(request)
            self._handlers = [t for t in self._handlers if t.is_alive()]
            self._handlers.append(thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            sockets = list(self._connections)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)  # unblocks a thread waiting in recv()

    def join_handlers(self, timeout: float) -> None:
        with self._connections_lock:
            threads = list(self._handlers)
        for thread in threads:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the client went away (timeout, stop()): expected
            logger.debug("connection from %s ended: %r", client_address, error)
            return
        if error is not None:
            logger.error("FakeOpenAI handler failed", exc_info=error)
            self.fake._record_error(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like the real API
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    # -- routing ---------------------------------------------------------------------------

    def _dispatch(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        path = urlsplit(self.path).path
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake._record(RecordedRequest(self.command, path, headers, body, raw))
        try:
            route = (self.command, path)
            if route in {("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings")} and (
                not isinstance(body, dict)
            ):
                self._send_error(400, "We could not parse the JSON body of your request.")
            elif route == ("POST", "/v1/chat/completions"):
                self._chat(body)
            elif route == ("POST", "/v1/embeddings"):
                self._embeddings(body)
            elif route == ("GET", "/v1/models"):
                self._models()
            else:
                self._send_error(404, f"Unknown request URL: {self.command} {path}.", code=None)
        except OSError:
            raise  # the client went away; _Server.handle_error expects this
        except Exception as exc:
            cause = exc.__cause__ if isinstance(exc, _CallbackError) and exc.__cause__ else exc
            logger.error("FakeOpenAI: %s", exc, exc_info=cause)
            fake._record_error(exc)
            self._send_error(500, f"FakeOpenAI: {exc}")

    def _chat(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        behaviour = fake._next()
        if isinstance(behaviour, _Hang):
            if fake._stopping.wait(behaviour.seconds):
                self.close_connection = True  # stopping: abandon the request unanswered
                return
            behaviour = behaviour.then
        stream = bool(body.get("stream"))
        if isinstance(behaviour, _Fail):
            self._send_failure(behaviour)
        elif isinstance(behaviour, _Garbage):
            if stream:
                self._send_sse([b"data: " + behaviour.raw + b"\n\n"])
            else:
                self._send(200, behaviour.raw, behaviour.content_type)
        elif isinstance(behaviour, _StreamError):
            self._send_stream_error(body, behaviour, stream)
        else:
            text = fake._text_for(behaviour, body)
            if stream:
                self._send_stream(body, text, behaviour.finish_reason)
            else:
                self._send_json(200, self._completion(body, text, behaviour.finish_reason))

    def _embeddings(self, body: dict[str, Any]) -> None:
        fake = self.server.fake
        texts = _embedding_inputs(body.get("input"))
        if not texts:
            self._send_error(400, "'input' must be a non-empty string or array.", param="input")
            return
        dim = body.get("dimensions") or fake.embedding_dim
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = fake._embed(text, dim)
            encoded: list[float] | str = vector
            if as_base64:  # the openai SDK asks for this by default: little-endian float32
                encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(approx_tokens(t) for t in texts)
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", ""),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _models(self) -> None:
        models = [
            {"id": m, "object": "model", "created": CREATED, "owned_by": "fake"}
            for m in self.server.fake.models
        ]
        self._send_json(200, {"object": "list", "data": models})

    # -- chat responses --------------------------------------------------------------------

    def _completion(self, body: dict[str, Any], text: str, finish_reason: str) -> dict[str, Any]:
        prompt_tokens = _prompt_tokens(body)
        completion_tokens = approx_tokens(text)
        return {
            "id": self.server.fake._new_id("chatcmpl"),
            "object": "chat.completion",
            "created": CREATED,
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _chunks(
        self, body: dict[str, Any], deltas: Iterable[str], finish_reason: str | None
    ) -> list[dict[str, Any]]:
        """chat.completion.chunk objects: a role delta, content deltas, a finish delta."""
        chunk_id = self.server.fake._new_id("chatcmpl")
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
            out: dict[str, Any] = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": CREATED,
                "model": body.get("model", ""),
                "choices": [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                out["usage"] = None
            return out

        chunks = [chunk({"role": "assistant", "content": ""}, None)]
        chunks += [chunk({"content": d}, None) for d in deltas]
        if finish_reason is not None:
            chunks.append(chunk({}, finish_reason))
        return chunks

    def _send_stream(self, body: dict[str, Any], text: str, finish_reason: str) -> None:
        chunks = self._chunks(body, split_for_stream(text), finish_reason)
        if (body.get("stream_options") or {}).get("include_usage"):
            prompt_tokens, completion_tokens = _prompt_tokens(body), approx_tokens(text)
            chunks.append(
                {
                    **chunks[-1],
                    "choices": [],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
            )
        events = [_sse(c) for c in chunks] + [b"data: [DONE]\n\n"]
        self._send_sse(events)

    def _send_stream_error(
        self, body: dict[str, Any], behaviour: _StreamError, stream: bool
    ) -> None:
        error = {"message": behaviour.message, "type": "server_error", "param": None, "code": None}
        if not stream:
            self._send_json(200, {"error": error})
            return
        text = self.server.fake._text_for(behaviour.then, body)
        deltas = split_for_stream(text)[: behaviour.after_deltas]
        events = [_sse(c) for c in self._chunks(body, deltas, None)]
        self._send_sse([*events, _sse({"error": error})])

    def _send_failure(self, failure: _Fail) -> None:
        if isinstance(failure.body, bytes):
            self._send(failure.status, failure.body, "text/plain; charset=utf-8", failure.headers)
        elif isinstance(failure.body, dict):
            self._send_json(failure.status, failure.body, failure.headers)
        else:
            self._send_error(failure.status, failure.body, headers=failure.headers)

    # -- HTTP plumbing ---------------------------------------------------------------------

    def _send_error(
        self,
        status: int,
        message: str | None = None,
        *,
        code: str | None = "",
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """OpenAI's error envelope; `code=""` means the usual code for `status`."""
        default_type = "server_error" if status >= 500 else "invalid_request_error"
        error_type, default_code, default_message = _ERRORS.get(
            status, (default_type, None, _phrase(status))
        )
        error = {
            "message": default_message if message is None else message,
            "type": error_type,
            "param": param,
            "code": default_code if code == "" else code,
        }
        self._send_json(status, {"error": error}, headers)

    def _send_json(self, status: int, obj: Any, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(status, payload, "application/json", headers)

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-request-id", self.server.fake._new_id("req"))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _send_sse(self, events: Iterable[bytes]) -> None:
        """200 text/event-stream in chunked encoding, one HTTP chunk per event."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", self.server.fake._new_id("req"))
        self.end_headers()
        for event in events:
            self.wfile.write(b"%X\r\n%s\r\n" % (len(event), event))
        self.wfile.write(b"0\r\n\r\n")


def _sse(obj: Any) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode("utf-8") + b"\n\n"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _content_text(content: Any) -> str:
    """Text of a message's content: a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _prompt_tokens(body: dict[str, Any]) -> int:
    messages = body.get("messages") or []
    return sum(
        approx_tokens(_content_text(m.get("content"))) for m in messages if isinstance(m, dict)
    )


def _embedding_inputs(value: Any) -> list[str]:
    """`input` as texts: a string, strings, token ids or lists of token ids (ids joined by spaces)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        return []
    if all(isinstance(v, int) for v in value):
        return [" ".join(map(str, value))]
    texts = []
    for item in value:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, list) and all(isinstance(v, int) for v in item):
            texts.append(" ".join(map(str, item)))
        else:
            return []
    return texts
