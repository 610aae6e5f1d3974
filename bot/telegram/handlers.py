"""Handlers for researchers and firms: questions, sources, feedback, /start, /help, /lang.

Each handler parses the update, calls one service, formats the reply. The shared services
(:class:`Services`) reach handlers through the typed :class:`PolicyContext`; the answerer is
synchronous and CPU-bound, so it runs on the services' thread pool while the event loop
keeps serving other chats. Per chat, the conversation (turns, facts, language) lives in
``chat_data`` as ``Conversation.to_dict()`` and is persisted by the application.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Message, MessageEntity, ReplyParameters, Update, User
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext, ExtBot

from bot.answer import clean_question
from bot.answer_types import Answer
from bot.conversation import Conversation, context_for
from bot.render import doc_label
from retrieval.glossary import detect_language

from . import formatting as fmt
from .texts import EXAMPLES, Html, esc, norm_lang, t

if TYPE_CHECKING:
    from bot.analytics import Analytics
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
CONVERSATION_KEY = "conversation"
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about five
# An answer faster than this needs no "typing…": skipping it halves the API calls of a busy bot
# (python-telegram-bot's rate limiter counts every call against Telegram's ~30 per second).
TYPING_AFTER = 0.4
DOCS_IN_OVERVIEW = 25

# ---------------------------------------------------------------- services and context


class QuestionLimiter:
    """Per-user sliding window of questions per minute (``per_minute <= 0``: no limit)."""

    def __init__(
        self, per_minute: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._asked: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def acquire(self, user_id: int) -> float:
        """0 and the question is counted, or the seconds until the user may ask again."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        times = self._asked.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.per_minute:
            return max(self.window - (now - times[0]), 0.1)
        times.append(now)
        self._warned.pop(user_id, None)
        return 0.0

    def should_warn(self, user_id: int) -> bool:
        """True once per window of refusals, so a flood gets one reply, not one per message."""
        now = self.clock()
        last = self._warned.get(user_id)
        if last is not None and now - last < self.window:
            return False
        self._warned[user_id] = now
        return True


class ChatLocks:
    """One asyncio lock per chat: a chat's messages are answered in the order they came."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        async with lock:
            yield


@dataclass
class Services:
    """What handlers need, built once in ``application.build_application``."""

    app: App
    analytics: Analytics
    limiter: QuestionLimiter
    admin_ids: frozenset[int]
    executor: ThreadPoolExecutor
    locks: ChatLocks = field(default_factory=ChatLocks)
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. admin's pending uploads

    @property
    def settings(self) -> Settings:
        return self.app.settings

    def is_admin(self, user: User | None) -> bool:
        return user is not None and user.id in self.admin_ids

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking work (answering, reading files, SQLite scans) on the thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))


class BotData:
    """``bot_data``: the services (never persisted)."""

    def __init__(self) -> None:
        self.services: Services | None = None


class PolicyContext(CallbackContext[ExtBot[None], dict, dict, BotData]):
    """The callback context with typed access to the services."""

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("the application was built without services")
        return services


# ---------------------------------------------------------------- conversation and language


def load_conversation(context: PolicyContext) -> Conversation:
    data = context.chat_data if context.chat_data is not None else {}
    return Conversation.from_dict(data.get(CONVERSATION_KEY))


def save_conversation(context: PolicyContext, conversation: Conversation) -> None:
    if context.chat_data is not None:
        context.chat_data[CONVERSATION_KEY] = conversation.to_dict()


def user_lang(update: Update, conversation: Conversation | None = None) -> str:
    """/lang's choice, else the language of the last question, else the user's Telegram one."""
    if conversation is not None and conversation.lang:
        return norm_lang(conversation.lang)
    if conversation is not None and conversation.last is not None:
        return norm_lang(conversation.last.lang)
    user = update.effective_user
    return norm_lang(user.language_code if user else None)


def question_lang(text: str, update: Update, conversation: Conversation) -> str:
    """/lang's choice, else the language of the question (the user's for emoji and numbers)."""
    if conversation.lang:
        return norm_lang(conversation.lang)
    if re.search(r"[A-Za-z\u3400-\u9fff]", text):
        return detect_language(text)
    return user_lang(update, conversation)


def merge_facts(conversation: Conversation, text: str) -> None:
    """Facts stated in a question join the chat's facts, so /check does not ask them again."""
    try:
        from bot.incentives.extraction import extract_facts

        found = extract_facts(text)
    except Exception:  # the question is still answered without them
        log.exception("could not read facts from a question")
        return
    conversation.facts.update(found)


_PROFILES = {
    "enterprise": "enterprise",
    "university": "university",
    "research_institute": "university",
    "researcher": "researcher",
    "investor": "investor",
}


def profile_of(conversation: Conversation) -> str | None:
    return _PROFILES.get(str(conversation.facts.get("entity_type", "")))


def addressed_text(message: Message, bot_id: int, bot_username: str | None) -> str | None:
    """In a group: the text when the bot is mentioned or replied to (mention removed), else None."""
    text = message.text or ""
    replied = message.reply_to_message
    to_bot = bool(replied and replied.from_user and replied.from_user.id == bot_id)
    handle = f"@{bot_username}".lower() if bot_username else None
    mentions = message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION])
    for entity, value in mentions.items():
        is_bot = (
            entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id
        ) or (handle is not None and value.lower() == handle)
        if is_bot:
            to_bot = True
            text = text.replace(value, " ", 1)
    return text if to_bot else None


# ---------------------------------------------------------------- sending


async def send_parts(
    bot: ExtBot[None],
    chat_id: int,
    parts: list[str],
    markup: Any = None,
    *,
    reply_to: int | None = None,
) -> list[Message]:
    """Send HTML parts in order; the keyboard goes under the last one."""
    sent: list[Message] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                part,
                reply_markup=markup if last else None,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to is not None and i == 0
                    else None
                ),
            )
        )
    return sent


class StreamingReply:
    """A growing draft shown in one message, edited at most every ``interval`` seconds.

    ``finish`` turns the draft into the final formatted answer (or sends it fresh when no
    draft was shown), so Telegram sees one message, a few edits, and the answer.
    """

    def __init__(
        self,
        bot: ExtBot[None],
        chat_id: int,
        *,
        interval: float,
        reply_to: int | None = None,
        on_first_message: Callable[[], None] | None = None,
    ):
        self.bot = bot
        self.chat_id = chat_id
        self.interval = max(interval, 0.0)
        self.reply_to = reply_to
        self.on_first_message = on_first_message
        self.message: Message | None = None
        self.edits = 0
        self._latest = ""
        self._shown = ""
        self._last_edit = 0.0
        self._flush: asyncio.Task[None] | None = None

    async def draft(self, text: str) -> None:
        self._latest = text
        if not text.strip():
            return
        if self.message is None:
            self._shown = text
            self.message = await self.bot.send_message(
                self.chat_id,
                fmt.truncate_html_text(text) + " …",
                reply_parameters=self._reply_parameters(),
            )
            self._last_edit = asyncio.get_running_loop().time()
            if self.on_first_message:
                self.on_first_message()
            return
        if self._flush is None or self._flush.done():
            wait = self._last_edit + self.interval - asyncio.get_running_loop().time()
            self._flush = asyncio.create_task(self._edit_after(max(wait, 0.0)))

    async def _edit_after(self, delay: float) -> None:
        await asyncio.sleep(delay)
        text = self._latest
        if text == self._shown or self.message is None:
            return
        self._shown = text
        self._last_edit = asyncio.get_running_loop().time()
        try:
            await self.message.edit_text(fmt.truncate_html_text(text) + " …")
            self.edits += 1
        except BadRequest as exc:  # "message is not modified" and the like: the next edit fixes it
            log.debug("draft edit refused: %s", exc)

    async def finish(self, parts: list[str], markup: Any = None) -> list[Message]:
        if self._flush is not None and not self._flush.done():
            self._flush.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await self._flush
        if self.message is None or not parts:
            return await send_parts(self.bot, self.chat_id, parts, markup, reply_to=self.reply_to)
        first_markup = markup if len(parts) == 1 else None
        try:
            edited = await self.message.edit_text(parts[0], reply_markup=first_markup)
            self.edits += 1
            first = edited if isinstance(edited, Message) else self.message
        except BadRequest as exc:
            log.warning("could not turn the draft into the answer (%s); sending it anew", exc)
            return await send_parts(self.bot, self.chat_id, parts, markup, reply_to=self.reply_to)
        rest = await send_parts(self.bot, self.chat_id, parts[1:], markup) if parts[1:] else []
        return [first, *rest]

    def _reply_parameters(self) -> ReplyParameters | None:
        if self.reply_to is None:
            return None
        return ReplyParameters(self.reply_to, allow_sending_without_reply=True)


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


async def run_answerer(
    services: Services,
    question: str,
    conversation: Conversation,
    *,
    lang: str,
    profile: str | None,
    on_draft: Callable[[str], Awaitable[None]],
) -> Answer:
    """Consume ``answerer.stream`` in a worker thread; partial texts go to ``on_draft``."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | Answer | _Failure] = asyncio.Queue()
    answerer = services.app.answerer

    def produce() -> None:
        try:
            for event in answerer.stream(question, conversation, lang=lang, profile=profile):
                loop.call_soon_threadsafe(queue.put_nowait, event)
        except BaseException as exc:  # handed to the event loop, raised there
            loop.call_soon_threadsafe(queue.put_nowait, _Failure(exc))

    worker = loop.run_in_executor(services.executor, produce)
    try:
        while True:
            event = await queue.get()
            if isinstance(event, _Failure):
                raise event.error
            if isinstance(event, Answer):
                return event
            while not queue.empty():  # only the newest draft matters
                nxt = queue.get_nowait()
                if not isinstance(nxt, str):
                    queue.put_nowait(nxt)
                    break
                event = nxt
            await on_draft(event)
    finally:
        # The conversation is mutated by the worker: let it finish before it is saved.
        with contextlib.suppress(BaseException):
            await worker


@asynccontextmanager
async def typing(bot: ExtBot[None], chat_id: int) -> AsyncIterator[asyncio.Event]:
    """Show "typing…" until the block ends or the returned event is set."""
    stop = asyncio.Event()

    async def keep() -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), TYPING_AFTER)
        while not stop.is_set():
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("chat action failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TYPING_EVERY)

    task = asyncio.create_task(keep())
    try:
        yield stop
    finally:
        stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TelegramError):
            await task


# ---------------------------------------------------------------- questions


async def answer_question(
    update: Update,
    context: PolicyContext,
    raw_text: str,
    *,
    reply_to: int | None = None,
    echo: bool = False,
) -> None:
    """The whole question flow: limit, clean, answer (streamed), format, record, keyboard."""
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    conversation = load_conversation(context)
    wait = services.limiter.acquire(user.id)
    if wait:
        if services.limiter.should_warn(user.id):
            lang = user_lang(update, conversation)
            await context.bot.send_message(
                chat.id,
                t(
                    "rate_limited",
                    lang,
                    seconds=max(int(wait + 0.999), 1),
                    n=services.limiter.per_minute,
                ),
            )
        return
    question, shortened = clean_question(raw_text, services.settings.limits.max_question_chars)
    if not question:
        lang = user_lang(update, conversation)
        await context.bot.send_message(
            chat.id, t("empty_question", lang, example=EXAMPLES[lang][0])
        )
        return

    async with services.locks.hold(chat.id):
        conversation = load_conversation(context)  # as the previous question left it
        lang = question_lang(question, update, conversation)
        merge_facts(conversation, question)
        follow_up = context_for(question, conversation)
        previous = conversation.last.question if follow_up and conversation.last else ""
        started = time.perf_counter()
        async with typing(context.bot, chat.id) as stop_typing:
            reply = StreamingReply(
                context.bot,
                chat.id,
                interval=services.settings.telegram.stream_edit_interval,
                reply_to=reply_to,
                on_first_message=stop_typing.set,
            )
            answer = await run_answerer(
                services,
                question,
                conversation,
                lang=lang,
                profile=profile_of(conversation),
                on_draft=reply.draft,
            )
        latency_ms = (time.perf_counter() - started) * 1000
        save_conversation(context, conversation)
        question_id = record_question(services, user.id, question, answer, latency_ms)
        rendered = fmt.render_answer(answer, follow_up=previous, shortened=shortened,
                                     admin=services.is_admin(user))
        html = rendered.html
        if echo:
            html = f"❓ <b>{esc(question)}</b>\n\n{html}"
        parts = fmt.split_html(html)
        if answer.abstained and answer.suggestions:
            # the nearest covered topics, as buttons that ask about them
            context.chat_data["topics"] = list(answer.suggestions[:4])
            keyboard = fmt.topics_keyboard(answer.suggestions, answer.lang, question_id)
        else:
            keyboard = fmt.answer_keyboard(rendered.sources, question_id)
        await reply.finish(parts, keyboard)
        log.info(
            "answered in %.0f ms (%s, %s, %d parts, %d edits)",
            latency_ms,
            answer.mode,
            "refused" if answer.abstained else f"{len(answer.citations)} citations",
            len(parts),
            reply.edits,
        )


def record_question(
    services: Services, user_id: int, question: str, answer: Answer, latency_ms: float
) -> int | None:
    try:
        return services.analytics.record_question(
            user_id,
            question,
            lang=answer.lang,
            abstained=answer.abstained,
            latency_ms=latency_ms,
            mode=answer.mode,
        )
    except Exception:  # analytics must never cost the user the answer
        log.exception("could not record the question")
        return None


async def on_text(update: Update, context: PolicyContext) -> None:
    """A plain message is a question (in groups only when the bot is addressed)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await answer_question(update, context, message.text)
        return
    text = addressed_text(message, context.bot.id, context.bot.username)
    if text is None:
        return
    await answer_question(update, context, text, reply_to=message.message_id)


async def on_other_message(update: Update, context: PolicyContext) -> None:
    """Stickers, photos, voice… in a private chat: ask for words."""
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, load_conversation(context))
    await message.reply_text(t("empty_question", lang, example=EXAMPLES[lang][0]))


async def on_example(update: Update, context: PolicyContext) -> None:
    """A tapped example question (``ask:<lang>:<n>``) is asked as if typed."""
    await _ask_from_button(update, context, lambda lang: EXAMPLES.get(lang, ()), lambda q, lang: q)


async def on_topic(update: Update, context: PolicyContext) -> None:
    """A topic offered after a refusal (``topic:<lang>:<n>``) is asked about."""
    topics = (context.chat_data or {}).get("topics") or []
    await _ask_from_button(update, context, lambda lang: topics, fmt.topic_question)


async def _ask_from_button(
    update: Update,
    context: PolicyContext,
    choices: Callable[[str], Sequence[str]],
    question: Callable[[str, str], str],
) -> None:
    """Ask ``question(choice, lang)`` for the choice a ``<kind>:<lang>:<n>`` button names."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    _, lang, index = query.data.split(":")
    options = choices(lang)
    if not index.isdigit() or int(index) >= len(options):
        await query.answer(t("expired_button", lang))
        return
    await query.answer()
    message = query.message
    in_group = message is not None and message.chat.type != ChatType.PRIVATE
    await answer_question(
        update,
        context,
        question(options[int(index)], lang),
        reply_to=message.message_id if in_group and message else None,
        echo=True,
    )


# ---------------------------------------------------------------- sources and feedback


async def on_source(update: Update, context: PolicyContext) -> None:
    """A source button (``src:<chunk id>``): the full clause with its citation."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    services = context.services
    lang = user_lang(update, load_conversation(context))
    chunk_id = query.data.removeprefix("src:")
    snapshot = await services.run(services.app.index.snapshot)
    position = snapshot.position.get(chunk_id)
    if position is None:
        await query.answer(t("clause_gone", lang), show_alert=True)
        return
    chunk = snapshot.chunks[position]
    doc = snapshot.docs.get(chunk.doc_id)
    if doc is None:
        await query.answer(t("clause_gone", lang), show_alert=True)
        return
    validity = (await services.run(services.app.answerer.validity)).get(chunk.doc_id)
    await query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    parts = fmt.split_html(fmt.render_clause(chunk, doc, validity, lang))
    reply_to = query.message.message_id if query.message else None
    await send_parts(context.bot, chat.id, parts, reply_to=reply_to)


async def on_feedback(update: Update, context: PolicyContext) -> None:
    """👍 / 👎 (``fb:<question id>:up|down``): recorded; in private chats the row goes away."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    lang = user_lang(update, load_conversation(context))
    _, question_id, value = query.data.split(":")
    try:
        ok = question_id.isdigit() and context.services.analytics.record_feedback(
            int(question_id), user.id, value == "up"
        )
    except Exception:
        log.exception("could not record feedback")
        ok = False
    await query.answer(t("feedback_thanks" if ok else "feedback_gone", lang))
    message = query.message
    if ok and isinstance(message, Message) and message.chat.type == ChatType.PRIVATE:
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(fmt.without_feedback(message.reply_markup))


# ---------------------------------------------------------------- /start /help /lang


async def overview(services: Services, lang: str) -> str:
    """What the bot covers: the indexed documents and the incentives it can check."""
    docs = await services.run(services.app.index.registry.documents)
    lines = [t("covers_docs", lang, n=len(docs))]
    if not docs:
        lines.append(t("covers_none", lang))
    for d in docs[:DOCS_IN_OVERVIEW]:
        label = doc_label(d.meta.title or d.source_name, d.meta.doc_number, lang)
        lines.append(f"• {esc(label)}")
    if len(docs) > DOCS_IN_OVERVIEW:
        lines.append(t("covers_more", lang, n=len(docs) - DOCS_IN_OVERVIEW))
    try:
        catalog = await services.run(lambda: services.app.catalog)
        names = [i.name.get(lang) for i in catalog]
    except Exception:  # a broken catalog must not break /start
        log.exception("incentive catalog unavailable")
        names = []
    if names:
        lines.append("")
        lines.append(t("covers_incentives", lang, n=len(names)))
        lines.extend(f"• {esc(n)}" for n in names)
    return "\n".join(lines)


async def _welcome(update: Update, context: PolicyContext, intro: str, lang: str) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    covers = await overview(context.services, lang)
    html = f"{intro}\n\n{covers}\n\n{t('examples', lang)}"
    await send_parts(context.bot, chat.id, fmt.split_html(html), fmt.examples_keyboard(lang))


async def on_start(update: Update, context: PolicyContext) -> None:
    lang = user_lang(update, load_conversation(context))
    user = update.effective_user
    name = ""
    if user and user.first_name:
        name = ("，" if lang == "zh" else ", ") + user.first_name
    await _welcome(update, context, t("start", lang, name=name), lang)


async def on_help(update: Update, context: PolicyContext) -> None:
    lang = user_lang(update, load_conversation(context))
    await _welcome(update, context, t("help", lang), lang)


_LANG_WORDS = {
    "zh": "zh",
    "cn": "zh",
    "中文": "zh",
    "chinese": "zh",
    "en": "en",
    "english": "en",
    "英文": "en",
    "auto": "auto",
    "自动": "auto",
}


def _set_lang(context: PolicyContext, choice: str) -> str:
    conversation = load_conversation(context)
    conversation.lang = None if choice == "auto" else choice
    save_conversation(context, conversation)
    return {"zh": "lang_set_zh", "en": "lang_set_en"}.get(choice, "lang_set_auto")


async def on_lang(update: Update, context: PolicyContext) -> None:
    """/lang zh|en|auto sets the answer language; bare /lang offers buttons."""
    message = update.effective_message
    if message is None:
        return
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    if context.args:
        choice = _LANG_WORDS.get(context.args[0].lower())
        if choice is None:
            await message.reply_text(t("lang_usage", lang))
            return
        key = _set_lang(context, choice)
        await message.reply_text(t(key, choice if choice != "auto" else lang))
        return
    current = conversation.lang or t("lang_auto", lang)
    current = {"zh": "中文", "en": "English"}.get(current, current)
    await message.reply_text(
        t("lang_choose", lang, current=Html(esc(current))), reply_markup=fmt.language_keyboard()
    )


async def on_lang_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    choice = query.data.removeprefix("lang:")
    if choice not in ("zh", "en", "auto"):
        await query.answer()
        return
    key = _set_lang(context, choice)
    lang = choice if choice != "auto" else user_lang(update)
    await query.answer()
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(t(key, lang))


async def on_unknown_command(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is None:
        return
    lang = user_lang(update, load_conversation(context))
    await message.reply_text(t("unknown_command", lang))


# ---------------------------------------------------------------- errors


async def on_error(update: object, context: PolicyContext) -> None:
    """Log the traceback; tell the user, briefly, that it went wrong."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = user_lang(update)
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(update.effective_chat.id, t("apology", lang))
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)
