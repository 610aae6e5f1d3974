"""FakeOpenAI against the real clients (langchain-openai, openai) and raw HTTP."""

from __future__ import annotations

import asyncio
import json
import math
import re
import threading
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from langchain_openai.chat_models.base import (
    OpenAIAPIError,
    OpenAIAuthenticationError,
    OpenAIInvalidRequestError,
    OpenAIModelNotFoundError,
    OpenAIPermissionDeniedError,
    OpenAIRateLimitError,
    OpenAITimeoutError,
)

from tests.fakes.openai_server import (
    FakeOpenAI,
    FakeServerError,
    hashed_char_embedding,
    split_for_stream,
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def chat(fake: FakeOpenAI, timeout: float = 5.0) -> ChatOpenAI:
    return ChatOpenAI(base_url=fake.url, api_key="k", model="m", max_retries=0, timeout=timeout)


def sse_events(body: str) -> list[str]:
    return [line.removeprefix("data: ") for line in body.split("\n\n") if line]


# -- chat completions through langchain ----------------------------------------------------


def test_invoke_gets_scripted_reply_and_request_is_recorded(fake: FakeOpenAI) -> None:
    fake.reply("第三条规定研发费用加计扣除。")

    answer = chat(fake).invoke([SystemMessage("Cite clauses."), HumanMessage("加计扣除?")])

    assert answer.content == "第三条规定研发费用加计扣除。"
    assert answer.response_metadata["finish_reason"] == "stop"
    [request] = fake.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.authorization == "Bearer k"
    assert request.body["model"] == "m"
    assert request.stream is False
    assert request.messages == [
        {"role": "system", "content": "Cite clauses."},
        {"role": "user", "content": "加计扣除?"},
    ]
    assert fake.pending == 0


def test_script_is_consumed_in_order_then_default_reply() -> None:
    with FakeOpenAI(default_reply="fallback") as fake:
        fake.reply("one")
        fake.reply("two", finish_reason="length")
        llm = chat(fake)

        first, second, third = (llm.invoke("q") for _ in range(3))

    assert [first.content, second.content, third.content] == ["one", "two", "fallback"]
    assert second.response_metadata["finish_reason"] == "length"
    assert len(fake.chat_requests) == 3


def test_stream_yields_several_chunks_that_join_to_reply(fake: FakeOpenAI) -> None:
    fake.reply("Eligible firms get 100% deduction 按规定.")

    pieces = [chunk.content for chunk in chat(fake).stream("q")]

    assert "".join(pieces) == "Eligible firms get 100% deduction 按规定."
    assert len([p for p in pieces if p]) == len(
        split_for_stream("Eligible firms get 100% deduction 按规定.")
    )
    assert len([p for p in pieces if p]) >= 5
    assert fake.chat_requests[0].stream is True


def test_async_invoke_and_stream(fake: FakeOpenAI) -> None:
    fake.reply("async one")
    fake.reply("async two")
    llm = chat(fake)

    async def run() -> tuple[str, list[str]]:
        answer = await llm.ainvoke("q")
        pieces = [chunk.content async for chunk in llm.astream("q")]
        return answer.content, pieces

    content, pieces = asyncio.run(run())

    assert content == "async one"
    assert "".join(pieces) == "async two"
    assert len([p for p in pieces if p]) == 2


def test_reply_with_computes_reply_from_request(fake: FakeOpenAI) -> None:
    def cite_clauses(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        return "Cited: " + ", ".join(re.findall(r"\[(C\d+)\]", prompt))

    fake.reply_with(cite_clauses)

    answer = chat(fake).invoke("[C2] tax text\n[C7] subsidy text\nQuestion?")

    assert answer.content == "Cited: C2, C7"


def test_failing_callback_answers_500_and_fails_the_with_block() -> None:
    def broken(body: dict) -> str:
        raise KeyError("clauses")

    with (
        pytest.raises(FakeServerError, match="reply_with callback raised KeyError") as info,
        FakeOpenAI() as fake,
    ):
        fake.reply_with(broken)
        with pytest.raises(OpenAIAPIError) as error:
            chat(fake).invoke("q")
        assert error.value.status_code == 500

    assert isinstance(info.value.__cause__.__cause__, KeyError)


# -- failures: the exception each one raises in langchain-openai 1.7.4 ---------------------


@pytest.mark.parametrize(
    ("status", "exception", "openai_base"),
    [
        (400, OpenAIInvalidRequestError, openai.BadRequestError),
        (401, OpenAIAuthenticationError, openai.AuthenticationError),
        (403, OpenAIPermissionDeniedError, openai.PermissionDeniedError),
        (404, OpenAIModelNotFoundError, openai.NotFoundError),
        (429, OpenAIRateLimitError, openai.RateLimitError),
        (500, OpenAIAPIError, openai.InternalServerError),
        (502, OpenAIAPIError, openai.InternalServerError),
        (503, OpenAIAPIError, openai.InternalServerError),
    ],
)
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_http_errors_raise_langchain_openai_exceptions(
    fake: FakeOpenAI, status: int, exception: type, openai_base: type, mode: str
) -> None:
    fake.fail(status)
    llm = chat(fake)

    with pytest.raises(exception) as error:
        llm.invoke("q") if mode == "invoke" else list(llm.stream("q"))

    assert type(error.value) is exception
    assert isinstance(error.value, openai_base)
    assert error.value.status_code == status
    assert error.value.message.startswith(f"Error code: {status} - ")


def test_429_carries_retry_after_and_custom_message(fake: FakeOpenAI) -> None:
    fake.fail(429)
    fake.fail(429, "quota exhausted", retry_after=0.5)
    llm = chat(fake)

    with pytest.raises(OpenAIRateLimitError) as default:
        llm.invoke("q")
    with pytest.raises(OpenAIRateLimitError) as custom:
        llm.invoke("q")

    assert default.value.response.headers["retry-after"] == "1"
    assert default.value.body == {
        "message": "Rate limit reached. Please try again in 1s.",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    assert custom.value.response.headers["retry-after"] == "0.5"
    assert custom.value.message == "Error code: 429 - quota exhausted"


def test_fail_with_dict_or_raw_body(fake: FakeOpenAI) -> None:
    fake.fail(401, {"error": {"message": "bad key", "type": "auth", "code": "k"}})
    fake.fail(502, b"<html>Bad Gateway</html>")
    llm = chat(fake)

    with pytest.raises(OpenAIAuthenticationError) as auth:
        llm.invoke("q")
    with pytest.raises(OpenAIAPIError) as gateway:
        llm.invoke("q")

    assert auth.value.body == {"message": "bad key", "type": "auth", "code": "k"}
    assert gateway.value.response.headers["content-type"].startswith("text/plain")
    assert gateway.value.response.text == "<html>Bad Gateway</html>"


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_hang_beyond_client_timeout_raises_timeout_quickly(mode: str) -> None:
    fake = FakeOpenAI().start()
    try:
        fake.hang(30)
        llm = chat(fake, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(OpenAITimeoutError) as error:
            llm.invoke("q") if mode == "invoke" else list(llm.stream("q"))
        # far below the 30 s hang: the client gave up on its own timeout
        assert time.monotonic() - started < 10.0
        assert isinstance(error.value, openai.APITimeoutError)
    finally:
        started = time.monotonic()
        fake.stop()  # the hang is still sleeping server-side
        assert time.monotonic() - started < 10.0  # abandoned, not waited for


def test_short_hang_then_answers(fake: FakeOpenAI) -> None:
    fake.hang(0.2, "late but fine")

    started = time.monotonic()
    answer = chat(fake).invoke("q")

    assert answer.content == "late but fine"
    assert time.monotonic() - started >= 0.2


def test_stop_during_hang_is_quick_and_drops_the_waiting_client() -> None:
    fake = FakeOpenAI().start()
    fake.hang(30)
    outcome: dict[str, BaseException] = {}

    def client() -> None:
        try:
            httpx.post(f"{fake.url}/chat/completions", json={"messages": []}, timeout=20)
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 5
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(fake.requests) == 1

    started = time.monotonic()
    fake.stop()
    thread.join(10)

    assert time.monotonic() - started < 10.0  # the 30 s hang was abandoned
    assert not thread.is_alive()
    assert isinstance(outcome["error"], httpx.RemoteProtocolError)


def test_garbage_raises_json_decode_error_or_value_error(fake: FakeOpenAI) -> None:
    fake.garbage()
    fake.garbage()
    fake.garbage(b"<html>login</html>", content_type="text/html")
    llm = chat(fake)

    with pytest.raises(json.JSONDecodeError):
        llm.invoke("q")
    with pytest.raises(json.JSONDecodeError):
        list(llm.stream("q"))
    with pytest.raises(ValueError, match="Unexpected response type from OpenAI-compatible"):
        llm.invoke("q")


def test_stream_error_raises_plain_api_error_after_partial_output(fake: FakeOpenAI) -> None:
    fake.stream_error("upstream overloaded", after_deltas=2, text="alpha beta gamma")
    fake.stream_error("upstream overloaded")
    llm = chat(fake)
    received: list[str] = []

    with pytest.raises(openai.APIError) as error:
        for chunk in llm.stream("q"):
            received.append(chunk.content)
    with pytest.raises(ValueError, match="upstream overloaded"):
        llm.invoke("q")

    assert type(error.value) is openai.APIError
    assert error.value.message == "upstream overloaded"
    assert "".join(received) == "alpha beta "


# -- the wire format -----------------------------------------------------------------------


def test_completion_json_is_shaped_like_openai(fake: FakeOpenAI) -> None:
    fake.reply("ok then")

    response = httpx.post(
        f"{fake.url}/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "two words"}]},
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "id": "chatcmpl-fake1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "ok then"},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4},
    }


def test_stream_is_chunked_sse_ending_with_done_and_usage(fake: FakeOpenAI) -> None:
    fake.reply("a b")
    body = {
        "model": "m",
        "stream": True,
        "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "q"}],
    }

    response = httpx.post(f"{fake.url}/chat/completions", json=body)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["transfer-encoding"] == "chunked"
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert [c["choices"][0]["delta"] for c in chunks[:-1]] == [
        {"role": "assistant", "content": ""},
        {"content": "a "},
        {"content": "b"},
        {},
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None, None, None, "stop"]
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}


def test_invalid_json_and_unknown_paths_get_openai_errors(fake: FakeOpenAI) -> None:
    bad = httpx.post(
        f"{fake.url}/chat/completions",
        content=b"{nope",
        headers={"content-type": "application/json"},
    )
    missing = httpx.get(f"{fake.url}/nothing")

    assert bad.status_code == 400
    assert bad.json()["error"]["type"] == "invalid_request_error"
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Unknown request URL: GET /v1/nothing."
    assert [(r.path, r.body, r.raw) for r in fake.requests] == [
        ("/v1/chat/completions", None, b"{nope"),
        ("/v1/nothing", None, b""),
    ]
    assert fake.pending == 0  # a rejected request consumes no scripted behaviour


# -- embeddings and models -----------------------------------------------------------------


def test_embeddings_default_vectors_with_openai_client(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.url, api_key="k", max_retries=0, timeout=5)

    result = client.embeddings.create(model="e", input=["研发费用", "tax credit"])

    assert [d.index for d in result.data] == [0, 1]
    assert result.model == "e"
    assert result.usage.prompt_tokens == 6
    for item, text in zip(result.data, ["研发费用", "tax credit"], strict=True):
        assert item.embedding == pytest.approx(hashed_char_embedding(text, 64), abs=1e-6)
    # the SDK asks for base64 unless told otherwise; the fake must answer in kind
    assert fake.embedding_requests[0].body == {
        "model": "e",
        "input": ["研发费用", "tax credit"],
        "encoding_format": "base64",
    }
    assert fake.embedding_requests[0].authorization == "Bearer k"


def test_embed_with_and_dimensions(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.url, api_key="k", max_retries=0, timeout=5)

    sized = client.embeddings.create(model="e", input="abc", dimensions=8, encoding_format="float")
    fake.embed_with(lambda text: [float(len(text)), 0.5, -2.0])
    scripted = client.embeddings.create(model="e", input=["ab", "abcd"])

    assert sized.data[0].embedding == hashed_char_embedding("abc", 8)
    assert [d.embedding for d in scripted.data] == [[2.0, 0.5, -2.0], [4.0, 0.5, -2.0]]


def test_embeddings_reject_bad_input(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.url, api_key="k", max_retries=0, timeout=5)

    with pytest.raises(openai.BadRequestError) as error:
        client.embeddings.create(model="e", input=[], encoding_format="float")

    assert error.value.body["param"] == "input"


def test_models_list(fake: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=fake.url, api_key="k", max_retries=0, timeout=5)

    assert [m.id for m in client.models.list()] == ["fake-chat", "fake-embedding"]


def test_hashed_char_embedding_is_a_deterministic_bag_of_characters() -> None:
    policy = hashed_char_embedding("高新技术企业认定")

    assert policy == hashed_char_embedding("高新技术企业认定")
    assert policy == hashed_char_embedding("定认业企术技新高")  # order does not matter
    assert hashed_char_embedding("Tax Credit") == hashed_char_embedding("tax credit")
    assert math.isclose(sum(v * v for v in policy), 1.0)
    close = sum(a * b for a, b in zip(policy, hashed_char_embedding("高新技术企业"), strict=True))
    far = sum(a * b for a, b in zip(policy, hashed_char_embedding("room booking"), strict=True))
    assert close > 0.8 > far
    assert hashed_char_embedding("   ", 4) == [1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError):
        hashed_char_embedding("x", 0)


@pytest.mark.parametrize("text", ["", "word", "two words  here ", "第三条规定", "Mixed 中文 text!"])
def test_split_for_stream_loses_nothing(text: str) -> None:
    assert "".join(split_for_stream(text)) == text


# -- lifecycle -----------------------------------------------------------------------------


def test_lifecycle_errors_and_no_leftover_threads() -> None:
    fake = FakeOpenAI()
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.url

    with httpx.Client() as client:
        with fake:
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", fake.url)
            assert client.get(f"{fake.url}/models").status_code == 200
            with pytest.raises(RuntimeError, match="only once"):
                fake.start()
        fake.stop()  # idempotent
        # checked while the client still holds its keep-alive connection open
        assert not [t for t in threading.enumerate() if t.name.startswith("FakeOpenAI")]

    with pytest.raises(RuntimeError, match="only once"):
        fake.start()
