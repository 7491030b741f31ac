"""The Telegram bot's composition root: the application, its handlers and its services.

``build_application`` configures python-telegram-bot (transport, rate limiter, per-chat update
order, handlers); ``_post_init`` opens the Store and builds the services the handlers use;
``run`` starts it all through ``bot.telegram.lifecycle``. The pieces it wires live in their own
modules: ``transport`` (retrying Bot API requests), ``update_processor`` (per-chat order),
``lifecycle`` (start, signals, stop) and ``log_filters`` (no messages or token in the log).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.assistant import Assistant
from bot.config import Settings
from bot.conversation import FloodGate
from bot.escalation import build
from bot.i18n import N_, gettext_for, preload
from bot.language import LANGUAGES
from bot.letters import LetterDesk
from bot.store import Store
from bot.telegram import admin, context, jobs, staff
from bot.telegram import events as ev
from bot.telegram import handlers as h
from bot.telegram.context import App
from bot.telegram.delivery import telegram_channels
from bot.telegram.lifecycle import serve
from bot.telegram.log_filters import redact_token
from bot.telegram.transport import ResilientRequest, file_url
from bot.telegram.update_processor import PerChatUpdateProcessor
from bot.translate.connector import build_translator
from bot.web import server as web

log = logging.getLogger(__name__)
WEB_SERVER = "web_server"  # bot_data key of the web chat's server, when WEB_PORT is set


GET_UPDATES_READ_TIMEOUT = 5.0  # seconds beyond POLL_TIMEOUT before a getUpdates call times out
# httpx' default pool of 256 connections makes every request slow (encode/httpcore#1035);
# measured with benchmarks.throughput (3,000 updates, 2 cores): 8 ≈ 287/s, 16 ≈ 281/s,
# 32 ≈ 269/s.
CONNECTION_POOL = 8
MAX_CONCURRENT_UPDATES = 64
RETENTION_INTERVAL = timedelta(days=1)
HEALTH_INTERVAL = timedelta(minutes=5)  # how often the database file is checked
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start and main menu")),
    ("topics", N_("Browse all topics")),
    ("events", N_("Events in the coming weeks")),
    ("subscribe", N_("Weekly events every Monday")),
    ("language", N_("Choose your language")),
    ("human", N_("Ask a person")),
    ("privacy", N_("What the bot stores")),
    ("forget", N_("Delete your data")),
    ("help", N_("Help")),
)


def build_application(
    settings: Settings, assistant: Assistant, *, telegram_limits: bool = True
) -> App:
    """The configured application; the Store and the worker are opened in post_init.

    ``telegram_limits=False`` lifts the rate limiter's overall and per-group limits (it still
    honours a 429): for a local fake Bot API in load tests, which has no flood limits.
    """
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # Their INFO lines contain request URLs, and Telegram URLs contain the token.
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    app: App = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_base_url)
        .base_file_url(file_url(settings.telegram_base_url))
        .request(ResilientRequest(connection_pool_size=CONNECTION_POOL))
        # Not resilient: python-telegram-bot's polling loop retries getUpdates itself.
        .get_updates_request(
            HTTPXRequest(connection_pool_size=1, read_timeout=GET_UPDATES_READ_TIMEOUT)
        )
        # One automatic retry after a 429; the outbox handles longer waits itself.
        .rate_limiter(
            AIORateLimiter(max_retries=1)
            if telegram_limits
            else AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=1)
        )
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=context.BotContext))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["assistant"] = assistant
    _add_handlers(app, settings)
    return app


# A letter: a photo, or an image or PDF sent as a file.
LETTER_FILES = filters.PHOTO | filters.Document.IMAGE | filters.Document.PDF


def _add_handlers(app: App, settings: Settings) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    message = filters.UpdateType.MESSAGE
    admins = filters.User(user_id=settings.admin_ids)  # empty: nobody
    # One handler runs per group: the guards get a group each; groups other than the staff
    # group first, then flood control.
    app.add_handler(TypeHandler(Update, staff.group_guard), group=-3)
    app.add_handler(TypeHandler(Update, h.flood_guard), group=-2)
    app.add_handler(TypeHandler(Update, h.button_guard), group=-1)
    app.add_handlers(
        [
            CommandHandler("start", h.start, private),
            CommandHandler(["language", "lang"], h.language_command, private),
            CommandHandler("help", h.help_command, private),
            CommandHandler("topics", h.topics_command, private),
            CommandHandler("events", ev.events_command, private),
            CommandHandler("subscribe", ev.subscribe_command, private),
            CommandHandler("unsubscribe", ev.unsubscribe_command, private),
            CommandHandler("privacy", h.privacy_command, private),
            CommandHandler("forget", h.forget_command, private),
            CommandHandler("human", h.human_command, private),
            CommandHandler("reload", admin.reload_command, private & admins),
            CommandHandler("status", admin.status_command, private & admins),
            CommandHandler("stats", admin.stats_command, private & admins),
            CommandHandler("unanswered", admin.unanswered_command, private & admins),
            CommandHandler("report", admin.report_command, private & admins),
            MessageHandler(private & message & filters.COMMAND, h.unknown_command),
            MessageHandler(private & message & filters.TEXT, h.on_text),
            MessageHandler(private & message & LETTER_FILES, h.on_letter),
            MessageHandler(private & message, h.on_other),
            CallbackQueryHandler(ev.on_event_button, pattern=ev.is_event_button),
            CallbackQueryHandler(h.on_button),
            MessageHandler(filters.StatusUpdate.MIGRATE, staff.on_migration),
            CommandHandler("close", staff.close_command, groups),
            CommandHandler("chatid", staff.chat_id_command, groups),
            CommandHandler(["start", "help"], staff.group_help, groups),
            MessageHandler(groups & message & filters.REPLY & ~filters.COMMAND, staff.staff_reply),
            ChatMemberHandler(staff.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
    app.add_error_handler(h.on_error)


async def _post_init(app: App) -> None:
    settings: Settings = app.bot_data["settings"]
    assistant: Assistant = app.bot_data["assistant"]
    preload()
    store = await Store.open(settings.db_path)
    translator = build_translator(settings)
    if translator is not None:
        app.bot_data["translator"] = translator
        await translator.start()  # logs the service and its languages; never stops the bot
    escalation, worker = await build(
        settings, store, titles=assistant.title, translator=translator,
        staff_chat_id=settings.staff_chat_id, admin_ids=settings.admin_ids,
        # Staff answers to web chat questions (issue 19), also when this process serves no
        # web chat.
        channels=lambda escalation: {
            **telegram_channels(app.bot, escalation), **web.web_channels(settings, escalation)
        },
    )  # fmt: skip
    app.bot_data["services"] = context.Services(
        settings=settings,
        assistant=assistant,
        store=store,
        escalation=escalation,
        worker=worker,
        flood=FloodGate(settings.flood_limit, settings.flood_window_seconds),
        # A team answering many tickets writes more than one person: four times the limit.
        group_flood=FloodGate(settings.flood_limit * 4, settings.flood_window_seconds),
        letters=LetterDesk(
            settings.tessdata_dir, settings.ocr_workers, settings.ocr_timeout_seconds
        ),
    )
    if not app.bot_data["services"].letters.available:
        log.warning(
            "photos of letters cannot be read: %s", app.bot_data["services"].letters.missing
        )
    if not settings.forwarding_enabled:
        log.warning(
            "neither STAFF_CHAT_ID nor SMTP_HOST is set: questions cannot be forwarded to people"
        )
    elif settings.staff_chat_id is None:
        log.warning("STAFF_CHAT_ID is not set: the city's team cannot answer residents in Telegram")
    await _publish_commands(app)
    await _log_health(app)  # before the worker starts: the backlog left from the last run
    await worker.start()
    # Once at start (frequent restarts must not postpone it), then every day.
    await jobs.enforce_retention(app.bot_data["services"])
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            jobs.retention_job,
            interval=RETENTION_INTERVAL,
            first=RETENTION_INTERVAL,
            name="retention",
        )
        app.job_queue.run_repeating(
            jobs.health_job, interval=HEALTH_INTERVAL, first=HEALTH_INTERVAL, name="health"
        )
    await ev.schedule_jobs(app)  # weekly events digest; reminders pending from before
    if settings.web_port is not None:  # the web chat in the same process, same services
        chat = web.WebChat(assistant, store, escalation, settings)
        app.bot_data[WEB_SERVER] = await web.start_web(
            chat, settings, lambda: assistant.kb.version,
            letters=app.bot_data["services"].letters,  # one OCR pool for both channels
        )  # fmt: skip


async def _log_health(app: App) -> None:
    """One line that tells whoever reads the log that the bot is up, with what."""
    services: context.Services = app.bot_data["services"]
    settings, kb = services.settings, services.assistant.kb
    languages = sorted({lang for entry in kb.entries.values() for lang in entry.texts})
    counts = await services.escalation.tickets.outbox_counts()
    log.info(
        "bot @%s started (%s): knowledge base %s, %d entries in %d languages (%s); outbox %d "
        "pending, %d failed; staff group %s, e-mail %s, admins %d",
        app.bot.username, "webhook" if settings.webhook_url else "long polling", kb.version,
        len(kb.entries), len(languages), ",".join(languages), counts.get("pending", 0),
        counts.get("failed", 0), services.escalation.staff_chat_id,
        "on" if settings.mail_enabled else "off", len(settings.admin_ids),
    )  # fmt: skip


async def _publish_commands(app: App) -> None:
    """The command menu in every language (a failure here must not stop the bot)."""
    try:
        for lang in (None, *LANGUAGES):
            _ = gettext_for(lang or "en")
            commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
            await app.bot.set_my_commands(commands, language_code=lang)
    except TelegramError as exc:
        log.warning("could not publish the command menu: %s", exc)


async def _post_stop(app: App) -> None:
    server: web.WebServer | None = app.bot_data.pop(WEB_SERVER, None)
    if server is not None:
        await server.stop()
    services: context.Services | None = app.bot_data.get("services")
    if services is not None:
        await services.worker.stop()


async def _post_shutdown(app: App) -> None:
    server: web.WebServer | None = app.bot_data.pop(WEB_SERVER, None)
    if server is not None:  # post_stop did not run (start-up failed half-way)
        await server.stop()
    services: context.Services | None = app.bot_data.pop("services", None)
    if services is not None:
        await services.worker.stop()  # no-op if post_stop ran
        await services.store.close()
        if services.letters is not None:
            services.letters.close()
    translator = app.bot_data.pop("translator", None)
    if translator is not None:
        await translator.aclose()


def run(settings: Settings, assistant: Assistant) -> int:
    """Run the bot (long polling, or webhook mode) until SIGTERM/SIGINT; return the exit code."""
    if settings.telegram_token:
        redact_token(settings.telegram_token)  # before PTB logs its API URL while building
    app = build_application(settings, assistant)
    return asyncio.run(serve(app))


run_polling = run  # the name the benchmarks use
