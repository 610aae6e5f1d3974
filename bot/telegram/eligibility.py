"""The /check dialogue: ask only the facts still missing, then show the verdict per incentive.

A persistent ConversationHandler (name "check"). The facts live in the chat's
``Conversation.facts``, which plain questions fill too, so nothing told before is asked
again; the dialogue's own state (scope, pending question, skipped facts) is in
``chat_data["check"]``. Choices are inline buttons (``chk:a:<fact>:<n>``); numbers are typed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.incentives.engine import Outcome, Report, evaluate
from bot.incentives.extraction import extract_facts
from bot.incentives.registry import (
    AUDIENCE_OF_ENTITY,
    FACTS,
    FactError,
    FactSpec,
    FactType,
)
from bot.incentives.render import render_report

from . import formatting as fmt
from .handlers import (
    PolicyContext,
    answer_question,
    load_conversation,
    save_conversation,
    send_parts,
    user_lang,
)
from .texts import esc, t

log = logging.getLogger(__name__)

SCOPE, ASKING = range(2)
STATE_KEY = "check"
MAX_QUESTIONS = 30  # a safety net; the engine runs out of questions long before
_RESET_WORDS = {"new", "reset", "restart", "重新", "重新开始", "清除", "重置"}
_NUMBER_EXAMPLES = {FactType.INT: "300", FactType.NUMBER: "5000"}


def _state(context: PolicyContext) -> dict[str, Any]:
    data = context.chat_data if context.chat_data is not None else {}
    state = data.get(STATE_KEY)
    if not isinstance(state, dict):
        state = {"scope": None, "skipped": [], "pending": None, "asked": 0}
        data[STATE_KEY] = state
    return state


def known_facts_text(facts: dict[str, object], lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    colon = "：" if lang == "zh" else ": "
    items = [
        f"{FACTS[name].label.get(lang)}{colon}{FACTS[name].format(value, lang)}"  # type: ignore[arg-type]
        for name, value in usable_facts(facts).items()
    ]
    return sep.join(items)


def usable_facts(facts: dict[str, object]) -> dict[str, object]:
    """The facts the engine accepts (a stored fact may predate a change of the registry)."""
    usable: dict[str, object] = {}
    for name, value in facts.items():
        spec = FACTS.get(name)
        if spec is None:
            continue
        try:
            usable[name] = spec.coerce(value)
        except FactError:
            log.info("dropping stored fact %s=%r: no longer valid", name, value)
    return usable


def next_fact(report: Report, skipped: list[str]) -> FactSpec | None:
    """The engine's next question, passing over facts the user chose to skip."""
    for name in (*report.decisive, *report.missing):
        if name not in skipped and name in FACTS:
            return FACTS[name]
    return None


def _scope_args(facts: dict[str, object], scope: str | None) -> dict[str, Any]:
    """evaluate() arguments for a scope: one incentive id, or all that concern the asker."""
    if scope and scope != "*":
        return {"ids": [scope]}
    audience = AUDIENCE_OF_ENTITY.get(str(facts.get("entity_type", "")))
    return {"audience": audience} if audience else {}


async def _catalog(context: PolicyContext) -> Any:
    services = context.services
    return await services.run(lambda: services.app.catalog)


# ---------------------------------------------------------------- entry and steps


async def start_check(update: Update, context: PolicyContext) -> int:
    message = update.effective_message
    if message is None:
        return ConversationHandler.END
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    try:
        await _catalog(context)
    except Exception:
        log.exception("incentive catalog unavailable")
        await message.reply_text(t("check_unavailable", lang))
        return ConversationHandler.END
    words = " ".join(context.args or []).strip()
    notes = [t("check_intro", lang)]
    if words.lower() in _RESET_WORDS:
        conversation.facts.clear()
        notes.append(t("check_forgot", lang))
    elif words:
        try:
            conversation.facts.update(extract_facts(words))
        except Exception:
            log.exception("could not read facts from /check arguments")
    save_conversation(context, conversation)
    if context.chat_data is not None:
        context.chat_data.pop(STATE_KEY, None)
    _state(context)
    known = known_facts_text(conversation.facts, lang)
    if known:
        notes.append(t("check_known", lang, facts=known))
    await message.reply_text("\n\n".join(notes))
    return await advance(update, context)


async def advance(update: Update, context: PolicyContext) -> int:
    """Ask the next question (or the scope), or show the result when nothing is left."""
    chat = update.effective_chat
    if chat is None:
        return ConversationHandler.END
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    state = _state(context)
    catalog = await _catalog(context)
    facts = conversation.facts

    if state["scope"] is None and "entity_type" in facts:
        audience = AUDIENCE_OF_ENTITY.get(str(facts["entity_type"]))
        options = [i for i in catalog if audience and audience in i.audience]
        if len(options) > 1:
            rows = [
                [
                    InlineKeyboardButton(
                        fmt.shorten(i.name.get(lang), 48), callback_data=f"chk:scope:{i.id}"
                    )
                ]
                for i in options
                if fmt.fits_callback(f"chk:scope:{i.id}")
            ]
            rows.append([InlineKeyboardButton(t("check_all", lang), callback_data="chk:scope:*")])
            await context.bot.send_message(
                chat.id, t("check_scope", lang), reply_markup=InlineKeyboardMarkup(rows)
            )
            state["pending"] = None
            return SCOPE
        state["scope"] = "*"

    report = await context.services.run(
        evaluate, catalog, usable_facts(facts), **_scope_args(facts, state["scope"])
    )
    spec = next_fact(report, state["skipped"])
    if spec is None or state["asked"] >= MAX_QUESTIONS:
        await show_result(update, context, report)
        return ConversationHandler.END
    state["pending"] = spec.name
    state["asked"] += 1
    await context.bot.send_message(
        chat.id,
        _question_html(spec, state["asked"], lang),
        reply_markup=_question_keyboard(spec, lang),
    )
    return ASKING


def _question_html(spec: FactSpec, n: int, lang: str) -> str:
    html = t("check_question", lang, n=n, question=spec.question.get(lang))
    return f"{html}\n<i>{_type_hint(spec, lang)}</i>"


def _type_hint(spec: FactSpec, lang: str) -> str:
    if spec.type in (FactType.ENUM, FactType.BOOL):
        return t("check_type_choice", lang)
    if spec.type is FactType.PERCENT:
        return t("check_type_percent", lang)
    if spec.type is FactType.YEAR:
        return t("check_type_year", lang)
    unit = ""
    if spec.unit is not None and lang == "zh":
        unit = f"（{spec.unit.zh}）"
    elif spec.unit is not None:
        unit = f" in {spec.unit.en}" if "(" in spec.unit.en else f" ({spec.unit.en})"
    example = _NUMBER_EXAMPLES.get(spec.type, "10")
    return t("check_type_number", lang, unit=unit, example=example)


def _question_keyboard(spec: FactSpec, lang: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(fmt.shorten(label, 40), callback_data=f"chk:a:{spec.name}:{i}")
        for i, (_, label) in enumerate(spec.buttons(lang))
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        [
            InlineKeyboardButton(t("check_skip", lang), callback_data=f"chk:skip:{spec.name}"),
            InlineKeyboardButton(t("check_done_button", lang), callback_data="chk:done"),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _close_question(update: Update, spec: FactSpec, answer: str, lang: str) -> None:
    """Replace the answered question's buttons with the answer given."""
    query = update.callback_query
    if query is None:
        return
    text = t("check_answered", lang, question=spec.question.get(lang), answer=answer)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text)


async def on_scope(update: Update, context: PolicyContext) -> int | None:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    state = _state(context)
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    choice = query.data.removeprefix("chk:scope:")
    catalog = await _catalog(context)
    if choice != "*" and choice not in catalog.ids:
        await query.answer(t("expired_button", lang))
        return None
    await query.answer()
    state["scope"] = choice
    label = t("check_all", lang) if choice == "*" else catalog.get(choice).name.get(lang)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(f"{t('check_scope', lang)} → {esc(label)}")
    return await advance(update, context)


async def on_choice(update: Update, context: PolicyContext) -> int | None:
    """A choice button ``chk:a:<fact>:<n>`` answers the pending question."""
    query = update.callback_query
    if query is None or query.data is None:
        return None
    _, _, fact, index = query.data.split(":")
    state = _state(context)
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    spec = FACTS.get(fact)
    buttons = spec.buttons(lang) if spec else []
    if (
        spec is None
        or state["pending"] != fact
        or not index.isdigit()
        or int(index) >= len(buttons)
    ):
        await query.answer(t("check_stale", lang))
        return None
    value, label = buttons[int(index)]
    conversation.facts[fact] = spec.parse(value)
    save_conversation(context, conversation)
    state["pending"] = None
    await query.answer()
    await _close_question(update, spec, label, lang)
    return await advance(update, context)


async def on_skip(update: Update, context: PolicyContext) -> int | None:
    query = update.callback_query
    if query is None or query.data is None:
        return None
    fact = query.data.removeprefix("chk:skip:")
    state = _state(context)
    lang = user_lang(update, load_conversation(context))
    if state["pending"] != fact or fact not in FACTS:
        await query.answer(t("check_stale", lang))
        return None
    state["skipped"].append(fact)
    state["pending"] = None
    await query.answer()
    await _close_question(update, FACTS[fact], t("check_skipped", lang), lang)
    return await advance(update, context)


async def on_done(update: Update, context: PolicyContext) -> int:
    query = update.callback_query
    if query is not None:
        await query.answer()
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
    conversation = load_conversation(context)
    state = _state(context)
    catalog = await _catalog(context)
    facts = conversation.facts
    report = await context.services.run(
        evaluate, catalog, usable_facts(facts), **_scope_args(facts, state["scope"])
    )
    await show_result(update, context, report)
    return ConversationHandler.END


_QUESTION_MARK = re.compile(r"[?？]")
_LOOKS_LIKE_QUESTION = re.compile(
    r"[?？]|吗|呢|是否|如何|怎么|多少|what|how|which|can |does |is ", re.I
)


async def on_typed_answer(update: Update, context: PolicyContext) -> int | None:
    """A typed answer to the pending question; a real question leaves the dialogue."""
    message = update.effective_message
    if message is None or message.text is None:
        return None
    state = _state(context)
    conversation = load_conversation(context)
    lang = user_lang(update, conversation)
    fact = state.get("pending")
    spec = FACTS.get(fact) if isinstance(fact, str) else None
    if spec is None:
        return None
    text = message.text.strip()
    try:
        value = spec.parse(text)
    except FactError:
        if _QUESTION_MARK.search(text) or (len(text) > 12 and _LOOKS_LIKE_QUESTION.search(text)):
            state["pending"] = None
            await answer_question(update, context, text)
            return ConversationHandler.END
        hint = _type_hint(spec, lang)
        await message.reply_text(
            t("check_bad_answer", lang, answer=fmt.shorten(text, 40), hint=hint)
        )
        return None
    conversation.facts[spec.name] = value
    save_conversation(context, conversation)
    state["pending"] = None
    return await advance(update, context)


async def on_cancel(update: Update, context: PolicyContext) -> int:
    message = update.effective_message
    lang = user_lang(update, load_conversation(context))
    if context.chat_data is not None:
        context.chat_data.pop(STATE_KEY, None)
    if message is not None:
        await message.reply_text(t("check_cancelled", lang))
    return ConversationHandler.END


# ---------------------------------------------------------------- the result


async def show_result(update: Update, context: PolicyContext, report: Report) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    lang = user_lang(update, load_conversation(context))
    if context.chat_data is not None:
        context.chat_data.pop(STATE_KEY, None)
    text = render_report(report, lang, next_question=False)
    blocks = [t("check_result", lang), fmt.report_html(text)]
    if any(v.verdict is Outcome.UNKNOWN for v in report.relevant):
        blocks.append(f"<i>{t('check_result_partial', lang)}</i>")
    blocks.append(f"<i>{t('check_disclaimer', lang)}</i>")
    await send_parts(context.bot, chat.id, fmt.split_html("\n\n".join(blocks)))


# ---------------------------------------------------------------- outside the dialogue


async def on_check_in_group(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(t("check_groups", user_lang(update, load_conversation(context))))


async def on_cancel_outside(update: Update, context: PolicyContext) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(
            t("check_not_running", user_lang(update, load_conversation(context)))
        )


async def on_stale_button(update: Update, context: PolicyContext) -> None:
    query = update.callback_query
    if query is not None:
        await query.answer(t("check_not_running", user_lang(update, load_conversation(context))))


def conversation_handler() -> ConversationHandler:
    """The persistent /check dialogue (private chats only)."""
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # Tracking per chat and user, not per message, is intended: one dialogue per person.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=[CommandHandler("check", start_check, filters=private)],
            states={
                SCOPE: [CallbackQueryHandler(on_scope, pattern=r"^chk:scope:")],
                ASKING: [
                    CallbackQueryHandler(on_choice, pattern=r"^chk:a:"),
                    CallbackQueryHandler(on_skip, pattern=r"^chk:skip:"),
                    MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_typed_answer),
                ],
            },
            fallbacks=[
                CallbackQueryHandler(on_done, pattern=r"^chk:done$"),
                CommandHandler("cancel", on_cancel),
            ],
            allow_reentry=True,
            name="check",
            persistent=True,
        )


def outside_handlers() -> list[Any]:
    """Handlers for /check in groups, /cancel with no dialogue and stale dialogue buttons."""
    return [
        CommandHandler("check", on_check_in_group, filters=~filters.ChatType.PRIVATE),
        CommandHandler("cancel", on_cancel_outside),
        CallbackQueryHandler(on_stale_button, pattern=r"^chk:"),
    ]


__all__ = ["ASKING", "SCOPE", "conversation_handler", "known_facts_text", "outside_handlers"]
