"""Building and running the application: URLs, emulator, persistence, webhook secret, logs."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest
from telegram.ext import AIORateLimiter, PicklePersistence

from bot.logsetup import SecretFilter
from bot.telegram.application import (
    BotSetupError,
    build_application,
    protect_secrets,
    run_bot,
    webhook_options,
    webhook_secret,
)
from bot.telegram.compat import EmulatorRequest
from tests.bot.telegram.offline import TOKEN, USER, OfflineBot, RecordingRequest


def test_base_url_rate_limiter_and_persistence(shared_app, tmp_path: Path) -> None:
    application = build_application(shared_app, TOKEN, base_url="http://127.0.0.1:8081/bot/")
    assert application.bot.base_url == f"http://127.0.0.1:8081/bot{TOKEN}"
    assert application.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{TOKEN}"
    assert isinstance(application.bot.rate_limiter, AIORateLimiter)
    persistence = application.persistence
    assert isinstance(persistence, PicklePersistence)
    assert Path(persistence.filepath) == shared_app.settings.data_dir / "telegram_state.pickle"
    assert persistence.store_data.chat_data and not persistence.store_data.bot_data
    services = application.bot_data.services
    assert services.admin_ids == frozenset({4001})
    services.executor.shutdown()
    services.analytics.close()


def test_emulator_mode_from_the_environment(shared_app, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("POLICYBOT_TELEGRAM_EMULATOR", "1")
    with pytest.raises(BotSetupError, match="emulator mode needs the emulator's address"):
        build_application(shared_app, TOKEN)
    application = build_application(
        shared_app, TOKEN, base_url="http://127.0.0.1:9000", emulator_files_dir=tmp_path
    )
    assert isinstance(application.bot.request, EmulatorRequest)
    assert application.bot.request.files_dir == tmp_path
    assert application.bot.base_url == f"http://127.0.0.1:9000/bot{TOKEN}"
    application.bot_data.services.executor.shutdown()
    application.bot_data.services.analytics.close()


def test_admin_menu_failure_does_not_stop_the_bot(drive, caplog) -> None:
    class NoAdminChat(RecordingRequest):
        def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
            if endpoint == "setMyCommands" and "scope" in params:
                raise BadRequest("Chat not found")
            return super()._result(endpoint, params)

    async def scenario(bot: OfflineBot) -> None:
        await bot.command("/start")
        assert bot.request.sent()[0]["text"].startswith("Hello, Tester!")

    with caplog.at_level(logging.WARNING, logger="bot.telegram.application"):
        drive(scenario, request=NoAdminChat())
    assert "admin menu for 4001 not set: Chat not found" in caplog.text


# ---------------------------------------------------------------- webhook settings


def test_webhook_options_join_the_url_and_path(settings) -> None:
    from dataclasses import replace

    tg = replace(settings.telegram, webhook_url="https://bot.example.org/", webhook_path="/tg/")
    opts = webhook_options(replace(settings, telegram=tg), "sekrit")
    assert opts["webhook_url"] == "https://bot.example.org/tg"
    assert (opts["listen"], opts["port"], opts["url_path"]) == ("127.0.0.1", 8443, "tg")
    assert opts["secret_token"] == "sekrit"
    tg = replace(tg, webhook_url="https://bot.example.org/tg")
    assert webhook_options(replace(settings, telegram=tg), "s")["webhook_url"] == (
        "https://bot.example.org/tg"
    )
    with pytest.raises(BotSetupError, match="webhook_url"):
        webhook_options(settings, "s")


def test_webhook_secret_from_env_or_generated() -> None:
    assert webhook_secret({"POLICYBOT_WEBHOOK_SECRET": "abc_DEF-123"}) == "abc_DEF-123"
    generated = {webhook_secret({}) for _ in range(3)}
    assert len(generated) == 3 and all(len(s) >= 40 for s in generated)
    with pytest.raises(BotSetupError, match="only letters, digits"):
        webhook_secret({"POLICYBOT_WEBHOOK_SECRET": "has space"})


def test_run_bot_refuses_a_webhook_without_url(shared_app, capsys) -> None:
    assert run_bot(shared_app, TOKEN, webhook=True) == 2
    assert "set [telegram] webhook_url in config.toml" in capsys.readouterr().err


# ---------------------------------------------------------------- secrets in logs


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """The root logger writing to a buffer, as setup_logging leaves it (restored after)."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(SecretFilter([]))
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    yield buffer
    root.handlers[:] = saved
    root.setLevel(level)


def test_protect_secrets_masks_them_in_every_logger(root_log: io.StringIO) -> None:
    token = "123:short-token-not-token-shaped"
    protect_secrets(token, "webhook-secret-xyz", "")
    logging.getLogger("httpx").warning("POST https://api.telegram.org/bot%s/getMe", token)
    logging.getLogger("telegram.ext").debug("setWebhook secret_token=webhook-secret-xyz")
    try:
        raise RuntimeError(f"failed with {token}")
    except RuntimeError:
        logging.getLogger("x").exception("boom")
    out = root_log.getvalue()
    assert token not in out and "webhook-secret-xyz" not in out
    assert out.count("***") == 3  # the URL, the secret, the exception message
    filters = [f for f in logging.getLogger().handlers[0].filters if isinstance(f, SecretFilter)]
    assert len(filters) == 1 and "" not in filters[0].secrets


# ---------------------------------------------------------------- the webhook server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_rejects_updates_without_the_right_secret(shared_app, tmp_path, settings) -> None:
    from dataclasses import replace

    port = _free_port()
    tg = replace(settings.telegram, webhook_url="https://bot.example.org", webhook_port=port)
    opts = webhook_options(replace(settings, telegram=tg), "right-secret")

    async def main() -> tuple[list[int], list[Any]]:
        request = RecordingRequest()
        application = build_application(
            shared_app,
            TOKEN,
            request=request,
            get_updates_request=RecordingRequest(),
            persistence_path=tmp_path / "state.pickle",
        )
        await application.initialize()
        await application.updater.start_webhook(**opts)
        await application.start()
        codes = []
        try:
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient(trust_env=False) as http:
                for n, header in enumerate([None, "wrong", "right-secret"], 1):
                    text = "/start" if header == "right-secret" else "/help"
                    update = {
                        "update_id": n,
                        "message": {
                            "message_id": n,
                            "date": int(time.time()),
                            "chat": {"id": 1001, "type": "private"},
                            "from": USER,
                            "text": text,
                            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
                        },
                    }
                    headers = {"X-Telegram-Bot-Api-Secret-Token": header} if header else {}
                    answer = await http.post(url, json=update, headers=headers)
                    codes.append(answer.status_code)
            for _ in range(100):
                if request.sent():
                    break
                await asyncio.sleep(0.05)
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            await application.post_shutdown(application)
        set_webhook = [c.params for c in request.calls if c.endpoint == "setWebhook"]
        return codes, [set_webhook, request.sent()]

    codes, (set_webhook, sent) = asyncio.run(main())
    assert codes == [403, 403, 200]
    assert set_webhook[0]["url"] == "https://bot.example.org/telegram"
    assert set_webhook[0]["secret_token"] == "right-secret"
    assert [m["text"].split("!")[0] for m in sent] == ["Hello, Tester"]


def test_log_records_go_to_the_stderr_of_the_moment(monkeypatch) -> None:
    # a test harness (or a daemon) swaps and closes stderr; a record logged afterwards by a
    # background thread must reach the current stream, not fail on the closed one
    import sys

    from bot.logsetup import _StderrHandler

    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    handler = _StderrHandler()
    handler.emit(logging.LogRecord("x", logging.WARNING, __file__, 1, "one", None, None))
    assert first.getvalue() == "one\n"
    first.close()
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    handler.emit(logging.LogRecord("x", logging.WARNING, __file__, 1, "two", None, None))
    assert second.getvalue() == "two\n"
