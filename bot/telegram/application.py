"""Builds the python-telegram-bot Application — every handler, service and setting wired here.

``build_application`` gives the real application (tests build it too, against an offline
request or the emulator); ``run_bot`` adds polling or the webhook server and runs it until
stopped. Outgoing calls go through PTB's ``AIORateLimiter``; chat data and the /check
dialogue persist in ``<data_dir>/telegram_state.pickle``.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)
from telegram.request import BaseRequest

from bot.analytics import Analytics
from bot.logsetup import SecretFilter

from . import admin, eligibility, handlers
from .compat import use_emulator
from .handlers import BotData, PolicyContext, QuestionLimiter, Services
from .texts import ADMIN_COMMANDS, COMMANDS

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)

EMULATOR_ENV = "POLICYBOT_TELEGRAM_EMULATOR"
WEBHOOK_SECRET_ENV = "POLICYBOT_WEBHOOK_SECRET"
STATE_FILE = "telegram_state.pickle"
ANALYTICS_FILE = "analytics.sqlite3"
PERSIST_EVERY = 10.0  # seconds between writes of the persistence file (and at shutdown)
WORKERS = 4  # threads answering questions and reading uploads
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotSetupError(Exception):
    """The bot cannot start with these settings; the message says what to change."""


def _api_root(base_url: str) -> str:
    return base_url.rstrip("/").removesuffix("/bot")


def build_application(
    app: App,
    token: str,
    *,
    base_url: str | None = None,
    emulator: bool | None = None,
    persistence_path: Path | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    emulator_files_dir: Path | None = None,
) -> Application:
    """The bot with all handlers; ``request``s replace the HTTP layer (offline tests)."""
    settings = app.settings
    tg = settings.telegram
    if emulator is None:
        emulator = os.environ.get(EMULATOR_ENV) == "1"
    base_url = base_url or tg.base_url or None

    persistence = PicklePersistence(
        persistence_path or settings.data_dir / STATE_FILE,
        store_data=PersistenceInput(
            bot_data=False, user_data=False, chat_data=True, callback_data=False
        ),
        update_interval=PERSIST_EVERY,
    )
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=PolicyContext, bot_data=BotData))
        .persistence(persistence)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if emulator:
        if not base_url:
            raise BotSetupError(
                "emulator mode needs the emulator's address: --base-url "
                "http://127.0.0.1:PORT/bot or [telegram] base_url"
            )
        files = emulator_files_dir or settings.data_dir / "emulator-files"
        builder = use_emulator(builder, base_url, files_dir=files)
    elif base_url:
        root = _api_root(base_url)
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()

    application.bot_data.services = Services(
        app=app,
        analytics=Analytics(settings.data_dir / ANALYTICS_FILE),
        limiter=QuestionLimiter(tg.questions_per_minute),
        admin_ids=frozenset(tg.admin_ids),
        executor=ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="policybot"),
    )
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    """Every handler, in the order they get a chance at an update."""
    private = filters.ChatType.PRIVATE
    application.add_handler(eligibility.conversation_handler())
    for handler in eligibility.outside_handlers():
        application.add_handler(handler)
    application.add_handler(CommandHandler("start", handlers.on_start))
    application.add_handler(CommandHandler("help", handlers.on_help))
    application.add_handler(CommandHandler("lang", handlers.on_lang))
    application.add_handler(CommandHandler("docs", admin.on_docs))
    application.add_handler(CommandHandler("remove", admin.on_remove))
    application.add_handler(CommandHandler("stats", admin.on_stats, block=False))
    # Answering and ingesting take a while: they run as tasks, so other chats are served.
    callbacks: list[tuple[str, Any, bool]] = [
        (r"^src:", handlers.on_source, False),
        (r"^fb:\d+:(up|down)$", handlers.on_feedback, True),
        (r"^ask:(zh|en):\d+$", handlers.on_example, False),
        (r"^topic:(zh|en):\d+$", handlers.on_topic, False),
        (r"^lang:", handlers.on_lang_button, True),
        (r"^up:(add|rep|no):\w+$", admin.on_upload_choice, False),
        (r"^rm:(ok|no):", admin.on_remove_choice, False),
    ]
    for pattern, callback, block in callbacks:
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern, block=block))
    application.add_handler(
        MessageHandler(filters.Document.ALL & private, admin.on_document, block=False)
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE,
            handlers.on_text,
            block=False,
        )
    )
    application.add_handler(MessageHandler(filters.COMMAND & private, handlers.on_unknown_command))
    other = (
        filters.Sticker.ALL
        | filters.PHOTO
        | filters.VOICE
        | filters.VIDEO
        | filters.AUDIO
        | filters.ANIMATION
        | filters.LOCATION
        | filters.CONTACT
    )
    application.add_handler(
        MessageHandler(other & private & filters.UpdateType.MESSAGE, handlers.on_other_message)
    )
    application.add_error_handler(handlers.on_error)


def _commands(lang: str, *, with_admin: bool = False) -> list[BotCommand]:
    items = COMMANDS + (ADMIN_COMMANDS if with_admin else ())
    return [BotCommand(name, zh if lang == "zh" else en) for name, zh, en in items]


async def _post_init(application: Application) -> None:
    """Register the command menu (English default, Chinese for zh clients, admin extras)."""
    bot = application.bot
    await bot.set_my_commands(_commands("en"))
    await bot.set_my_commands(_commands("zh"), language_code="zh")
    services: Services = application.bot_data.services
    for admin_id in sorted(services.admin_ids):
        # An admin who never opened a chat with the bot cannot get a chat-scoped menu yet.
        try:
            await bot.set_my_commands(
                _commands("en", with_admin=True), scope=BotCommandScopeChat(admin_id)
            )
            await bot.set_my_commands(
                _commands("zh", with_admin=True),
                scope=BotCommandScopeChat(admin_id),
                language_code="zh",
            )
        except TelegramError as exc:
            log.warning("admin menu for %s not set: %s", admin_id, exc)
    log.info("bot @%s is up (%d admins)", bot.username, len(services.admin_ids))


async def _post_shutdown(application: Application) -> None:
    services: Services | None = application.bot_data.services
    if services is None:
        return
    services.executor.shutdown(wait=True, cancel_futures=True)
    services.analytics.close()


# ---------------------------------------------------------------- running


def protect_secrets(*secrets_: str) -> None:
    """Mask these strings in every log record the root handlers write."""
    for handler in logging.getLogger().handlers:
        found = [f for f in handler.filters if isinstance(f, SecretFilter)]
        if found:
            for f in found:
                f.secrets.extend(s for s in secrets_ if len(s) >= 6 and s not in f.secrets)
        else:
            handler.addFilter(SecretFilter(list(secrets_)))


def webhook_secret(env: dict[str, str] | None = None) -> str:
    """POLICYBOT_WEBHOOK_SECRET, or a fresh random one (Telegram then sends it back to us)."""
    env = os.environ if env is None else env
    secret = env.get(WEBHOOK_SECRET_ENV, "").strip()
    if not secret:
        return secrets.token_urlsafe(32)
    if not _SECRET_TOKEN.fullmatch(secret):
        raise BotSetupError(
            f"{WEBHOOK_SECRET_ENV} may hold only letters, digits, '_' and '-' (1-256 characters)"
        )
    return secret


def webhook_options(settings: Settings, secret: str) -> dict[str, Any]:
    """Arguments for ``run_webhook`` / ``Updater.start_webhook`` from ``[telegram]``."""
    tg = settings.telegram
    if not tg.webhook_url:
        raise BotSetupError(
            "webhook mode needs the public HTTPS URL Telegram should post to: set "
            "[telegram] webhook_url in config.toml"
        )
    path = tg.webhook_path.strip("/")
    url = tg.webhook_url.rstrip("/")
    if path and not url.endswith(f"/{path}"):
        url = f"{url}/{path}"
    return {
        "listen": tg.webhook_listen,
        "port": tg.webhook_port,
        "url_path": path,
        "webhook_url": url,
        "secret_token": secret,
        "allowed_updates": Update.ALL_TYPES,
    }


def run_bot(
    app: App,
    token: str,
    *,
    webhook: bool = False,
    base_url: str | None = None,
    emulator: bool = False,
) -> int:
    """Run the bot until Ctrl-C / SIGTERM (polling, or the webhook server); the exit code."""
    protect_secrets(token)
    try:
        secret = webhook_secret() if webhook else ""
        protect_secrets(secret)
        options = webhook_options(app.settings, secret) if webhook else {}
        application = build_application(app, token, base_url=base_url, emulator=emulator or None)
    except BotSetupError as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 2
    app.answerer.warm()  # one-time loads before the first question, not during the first burst
    # Signal handlers can only be installed from the main thread.
    main = threading.current_thread() is threading.main_thread()
    stop = {} if main else {"stop_signals": None}
    if webhook:
        log.info(
            "serving the webhook on %s:%s/%s",
            options["listen"],
            options["port"],
            options["url_path"],
        )
        application.run_webhook(**options, **stop)
    else:
        log.info("polling for updates")
        application.run_polling(allowed_updates=Update.ALL_TYPES, **stop)
    return 0
