"""Admin handlers: document uploads (preview, confirm, replace), /docs, /remove, /stats.

Admins are the Telegram user ids of ``[telegram] admin_ids`` and ``POLICYBOT_ADMIN_IDS``.
Everyone else gets a polite refusal and nothing changes. Every corpus change goes through
``app.corpus`` with ``actor="telegram:<user id>"``, which writes the audit log. An upload is
downloaded under ``<data_dir>/uploads`` with a sanitised name, read, and deleted again; the
corpus keeps its own copy of what it ingests.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import PurePath

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from bot.analytics import Stats, chart_png
from bot.render import doc_label
from retrieval.corpus import Prepared, safe_file_name
from retrieval.documents import CorpusError, DocumentRecord
from retrieval.loaders import SUPPORTED_SUFFIXES

from . import formatting as fmt
from .handlers import PolicyContext, Services, load_conversation, send_parts, user_lang
from .texts import esc, t

log = logging.getLogger(__name__)

UPLOADS_KEY = "pending_uploads"
UPLOAD_TTL = 30 * 60  # seconds a preview waits for Confirm
PREVIEW_HEADINGS = 5


@dataclass
class PendingUpload:
    prepared: Prepared
    previous: DocumentRecord | None
    admin_id: int
    created: float


class PendingUploads:
    """Previews waiting for Confirm / Cancel, in memory (a restart forgets them on purpose)."""

    def __init__(self, ttl: float = UPLOAD_TTL):
        self.ttl = ttl
        self._items: dict[str, PendingUpload] = {}

    def add(self, upload: PendingUpload) -> str:
        self._expire()
        token = secrets.token_hex(6)
        self._items[token] = upload
        return token

    def pop(self, token: str) -> PendingUpload | None:
        self._expire()
        return self._items.pop(token, None)

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [k for k, v in self._items.items() if now - v.created > self.ttl]:
            del self._items[token]


def pending_uploads(services: Services) -> PendingUploads:
    return services.extras.setdefault(UPLOADS_KEY, PendingUploads())


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


async def _refuse(update: Update, context: PolicyContext, key: str = "not_admin") -> None:
    lang = user_lang(update, load_conversation(context))
    query = update.callback_query
    if query is not None:
        await query.answer(t(key, lang), show_alert=True)
        return
    message = update.effective_message
    if message is not None:
        await message.reply_text(t(key, lang))


# ---------------------------------------------------------------- uploads


def upload_problem(file_name: str, size: int | None, limit_bytes: int) -> tuple[str, dict] | None:
    """Why an upload cannot be used before downloading it (text key and values), or None."""
    name = safe_file_name(file_name)
    if PurePath(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return "upload_wrong_type", {"name": name}
    if size is not None and size > limit_bytes:
        return "upload_too_big", {
            "name": name,
            "size": human_size(size),
            "limit": human_size(limit_bytes),
        }
    return None


async def on_document(update: Update, context: PolicyContext) -> None:
    """An admin's file: read it and reply with a preview and Confirm / Cancel."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.document is None:
        return
    services = context.services
    if not services.is_admin(user):
        await _refuse(update, context, "upload_not_admin")
        return
    assert user is not None
    lang = user_lang(update, load_conversation(context))
    document = message.document
    name = safe_file_name(document.file_name or "document")
    limit = int(services.settings.telegram.max_upload_mb * 2**20)
    problem = upload_problem(document.file_name or "", document.file_size, limit)
    if problem is not None:
        key, values = problem
        await message.reply_text(t(key, lang, **values))
        return

    status = await message.reply_text(t("upload_reading", lang, name=name))
    folder = services.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(6)}-{name}"
    corpus = services.app.corpus
    try:
        try:
            telegram_file = await document.get_file()
            await telegram_file.download_to_drive(path)
        except TelegramError as exc:
            await status.edit_text(
                t("upload_download_failed", lang, reason=fmt.shorten(str(exc), 300))
            )
            return
        size = path.stat().st_size
        if size > limit:
            await status.edit_text(
                t("upload_too_big", lang, name=name, size=human_size(size), limit=human_size(limit))
            )
            return
        prepared = await services.run(corpus.prepare, path, name)
        previous = await services.run(corpus.find_previous_version, prepared)
    except CorpusError as exc:
        await status.edit_text(t("upload_failed", lang, reason=fmt.shorten(str(exc), 1500)))
        return
    finally:
        path.unlink(missing_ok=True)

    html = preview_html(prepared, lang)
    if previous is not None and previous.sha256 == prepared.loaded.sha256:
        html += "\n\n" + t(
            "preview_same", lang, old=_doc_name(previous, lang), doc_id=previous.doc_id
        )
        await status.edit_text(html)
        return
    token = pending_uploads(services).add(
        PendingUpload(prepared, previous, user.id, time.monotonic())
    )
    rows: list[list[InlineKeyboardButton]]
    cancel = InlineKeyboardButton(t("btn_cancel", lang), callback_data=f"up:no:{token}")
    if previous is None:
        html += "\n\n" + t("preview_new", lang)
        rows = [
            [InlineKeyboardButton(t("btn_confirm", lang), callback_data=f"up:add:{token}"), cancel]
        ]
    else:
        html += "\n\n" + t(
            "preview_replaces", lang, old=_doc_name(previous, lang), doc_id=previous.doc_id
        )
        replace = InlineKeyboardButton(t("btn_replace", lang), callback_data=f"up:rep:{token}")
        rows = [[replace]]
        if previous.doc_id != prepared.doc_id:  # a different file: keeping both is possible
            add = t("btn_add_separately", lang)
            rows.append([InlineKeyboardButton(add, callback_data=f"up:add:{token}")])
        rows.append([cancel])
    await status.edit_text(html, reply_markup=InlineKeyboardMarkup(rows))


def _doc_name(rec: DocumentRecord, lang: str) -> str:
    return doc_label(rec.meta.title or rec.source_name, rec.meta.doc_number, lang)


def preview_html(prepared: Prepared, lang: str) -> str:
    meta = prepared.loaded.meta
    none = t("preview_none", lang)
    html = t(
        "preview",
        lang,
        title=meta.title or none,
        number=meta.doc_number or none,
        date=meta.date or none,
        chunks=len(prepared.chunks),
        name=prepared.loaded.source_name,
    )
    headings = prepared.headings[:PREVIEW_HEADINGS]
    if headings:
        html += "\n" + t("preview_headings", lang)
        html += "".join(f"\n• {esc(fmt.shorten(h, 60))}" for h in headings)
    return html


async def _admin_callback(
    update: Update, context: PolicyContext
) -> tuple[CallbackQuery, str, str] | None:
    """An admin's button press: (query, its data, the admin's language); others are refused."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return None
    if not context.services.is_admin(user):
        await _refuse(update, context)
        return None
    return query, query.data, user_lang(update, load_conversation(context))


async def on_upload_choice(update: Update, context: PolicyContext) -> None:
    """``up:add|rep|no:<token>``: ingest (adding or replacing) or drop a previewed upload."""
    pressed = await _admin_callback(update, context)
    if pressed is None:
        return
    query, data, lang = pressed
    services = context.services
    _, action, token = data.split(":")
    pending = pending_uploads(services).pop(token)
    if pending is None:
        await query.answer()
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t("upload_expired", lang))
        return
    await query.answer()
    if action == "no":
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t("upload_cancelled", lang))
        return
    replaces = pending.previous.doc_id if action == "rep" and pending.previous else None
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(t("upload_working", lang))
    try:
        change = await services.run(
            services.app.corpus.ingest,
            pending.prepared,
            actor=f"telegram:{query.from_user.id}",
            replaces=replaces,
        )
    except CorpusError as exc:
        await query.edit_message_text(t("upload_failed", lang, reason=fmt.shorten(str(exc), 1500)))
        return
    log.info("admin %s: %s %s", query.from_user.id, change.action, change.doc_id)
    await query.edit_message_text(
        t(
            "upload_done",
            lang,
            action=t(f"action_{change.action}", lang),
            title=change.title or change.source_name,
            doc_id=change.doc_id,
            chunks=change.n_chunks,
        )
    )


# ---------------------------------------------------------------- /docs /remove


async def on_docs(update: Update, context: PolicyContext) -> None:
    services = context.services
    chat = update.effective_chat
    if not services.is_admin(update.effective_user):
        await _refuse(update, context)
        return
    if chat is None:
        return
    lang = user_lang(update, load_conversation(context))
    docs = await services.run(services.app.index.registry.documents)
    if not docs:
        await context.bot.send_message(chat.id, t("docs_empty", lang))
        return
    lines = [t("docs_header", lang, n=len(docs))]
    for d in docs:
        number = f" · {esc(d.meta.doc_number)}" if d.meta.doc_number else ""
        date = esc(d.meta.date or "—")
        title = esc(d.meta.title or d.source_name)
        lines.append(f"<code>{esc(d.doc_id)}</code> {date}{number}\n{title} ({d.n_chunks})")
    lines.append(t("docs_footer", lang))
    await send_parts(context.bot, chat.id, fmt.split_html("\n\n".join(lines)))


async def on_remove(update: Update, context: PolicyContext) -> None:
    services = context.services
    message = update.effective_message
    if not services.is_admin(update.effective_user):
        await _refuse(update, context)
        return
    if message is None:
        return
    lang = user_lang(update, load_conversation(context))
    if not context.args:
        await message.reply_text(t("remove_usage", lang))
        return
    doc_id = context.args[0].strip()
    rec = await services.run(services.app.index.registry.document, doc_id)
    if rec is None:
        await message.reply_text(t("remove_unknown", lang, doc_id=fmt.shorten(doc_id, 40)))
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("btn_remove", lang), callback_data=f"rm:ok:{rec.doc_id}"),
                InlineKeyboardButton(t("btn_cancel", lang), callback_data=f"rm:no:{rec.doc_id}"),
            ]
        ]
    )
    await message.reply_text(
        t(
            "remove_confirm",
            lang,
            title=_doc_name(rec, lang),
            doc_id=rec.doc_id,
            chunks=rec.n_chunks,
        ),
        reply_markup=keyboard,
    )


async def on_remove_choice(update: Update, context: PolicyContext) -> None:
    pressed = await _admin_callback(update, context)
    if pressed is None:
        return
    query, data, lang = pressed
    services = context.services
    _, action, doc_id = data.split(":", 2)
    await query.answer()
    if action != "ok":
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(t("remove_cancelled", lang))
        return
    try:
        change = await services.run(services.app.corpus.remove, doc_id, actor=f"telegram:{query.from_user.id}")
    except CorpusError as exc:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(
                t("remove_failed", lang, reason=fmt.shorten(str(exc), 1500))
            )
        return
    log.info("admin %s: removed %s", query.from_user.id, change.doc_id)
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(
            t(
                "upload_done",
                lang,
                action=t("action_removed", lang),
                title=change.title or change.source_name,
                doc_id=change.doc_id,
                chunks=change.n_chunks,
            )
        )


# ---------------------------------------------------------------- /stats


def stats_html(stats: Stats, lang: str) -> str:
    lines = [t("stats_header", lang)]
    if not stats.total:
        lines.append(t("stats_none", lang))
    lines.append(
        t(
            "stats_totals",
            lang,
            today=stats.today,
            week=stats.last_7_days,
            month=stats.last_30_days,
            total=stats.total,
        )
    )
    lines.append(
        t(
            "stats_refusals",
            lang,
            rate=f"{stats.refusal_rate:.0%}",
            refused=stats.refused,
            total=stats.total,
        )
    )
    lines.append(t("stats_latency", lang, ms=f"{stats.avg_latency_ms:.0f}"))
    lines.append(t("stats_feedback", lang, up=stats.feedback_up, down=stats.feedback_down))
    lines.append("")
    lines.append(t("stats_days", lang))
    lines.extend(f"{esc(day)}: {n}" + (f" ({r}✗)" if r else "") for day, n, r in stats.days)
    lines.append("")
    lines.append(t("stats_weeks", lang))
    lines.extend(f"{esc(week)}: {n}" + (f" ({r}✗)" if r else "") for week, n, r in stats.weeks)
    if stats.top_questions:
        lines.append("")
        lines.append(t("stats_top", lang))
        lines.extend(
            f"{i}. {esc(fmt.shorten(text, 80))} ×{n}"
            for i, (text, n) in enumerate(stats.top_questions, 1)
        )
    return "\n".join(lines)


async def on_stats(update: Update, context: PolicyContext) -> None:
    services = context.services
    chat = update.effective_chat
    if not services.is_admin(update.effective_user):
        await _refuse(update, context)
        return
    if chat is None:
        return
    lang = user_lang(update, load_conversation(context))
    stats = await services.run(services.analytics.stats)
    await send_parts(context.bot, chat.id, fmt.split_html(stats_html(stats, lang)))
    png = await services.run(chart_png, stats)
    await context.bot.send_photo(chat.id, png, caption=t("stats_chart", lang))
