"""All Telegram wiring in one place: application, network, handlers, lifecycle.

Lifecycle (the same for ``run_polling`` in production and ``running`` in tests):

- post_init: open the Store, follow a recorded staff-group migration, start the outbox worker
  (it delivers whatever is still pending from before a restart), publish the command menus.
- post_stop: stop the outbox worker while the bot can still send (a delivery in flight is
  finished or stays pending).
- post_shutdown: close the Store.

Updates in flight are never dropped (no ``drop_pending_updates``): Telegram keeps unconfirmed
updates for 24 hours, and the bot processes them when it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
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
from bot.channels.mail import MailChannel
from bot.channels.resident import ResidentChannel
from bot.channels.staff import StaffChannel
from bot.config import Settings
from bot.conversation import FloodGate
from bot.escalation import MAIL, RESIDENT, STAFF, Channel, Escalation, OutboxWorker
from bot.i18n import N_, gettext_for, preload
from bot.language import LANGUAGES
from bot.store import Store
from bot.telegram import handlers as h

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

POLL_TIMEOUT = 30  # seconds of long polling per getUpdates call
# httpx' default pool of 256 connections makes every request slow (encode/httpcore#1035).
CONNECTION_POOL = 16
MAX_CONCURRENT_UPDATES = 64
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start and main menu")),
    ("topics", N_("Browse all topics")),
    ("events", N_("Events in the coming weeks")),
    ("language", N_("Choose your language")),
    ("human", N_("Ask a person")),
    ("privacy", N_("What the bot stores")),
    ("forget", N_("Delete your data")),
    ("help", N_("Help")),
)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat strictly in order.

    Order matters within a chat (a follow-up after its button, a consent after its offer);
    across chats it does not, and one slow reply must not hold up everybody else.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody queued behind us: forget the chat's lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _file_url(base_url: str) -> str:
    """The file URL that belongs to a Bot API base URL (also for self-hosted servers)."""
    root, sep, _tail = base_url.rpartition("/bot")
    return f"{root}/file/bot" if sep else base_url


def build_application(settings: Settings, assistant: Assistant) -> App:
    """The configured application; the Store and the worker are opened in post_init."""
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
        .base_file_url(_file_url(settings.telegram_base_url))
        .request(HTTPXRequest(connection_pool_size=CONNECTION_POOL))
        .get_updates_request(HTTPXRequest(connection_pool_size=1))
        # One automatic retry after a 429; the outbox handles longer waits itself.
        .rate_limiter(AIORateLimiter(max_retries=1))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=h.BotContext))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .job_queue(None)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["assistant"] = assistant
    _add_handlers(app, settings)
    return app


def _add_handlers(app: App, settings: Settings) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    message = filters.UpdateType.MESSAGE
    admins = filters.User(user_id=settings.admin_ids)  # empty: nobody
    app.add_handler(TypeHandler(Update, h.flood_guard), group=-1)
    app.add_handlers(
        [
            CommandHandler("start", h.start, private),
            CommandHandler(["language", "lang"], h.language_command, private),
            CommandHandler("help", h.help_command, private),
            CommandHandler("topics", h.topics_command, private),
            CommandHandler("events", h.events_command, private),
            CommandHandler("privacy", h.privacy_command, private),
            CommandHandler("forget", h.forget_command, private),
            CommandHandler("human", h.human_command, private),
            CommandHandler("reload", h.reload_command, private & admins),
            CommandHandler("status", h.status_command, private & admins),
            CommandHandler("stats", h.stats_command, private & admins),
            CommandHandler("unanswered", h.unanswered_command, private & admins),
            CommandHandler("report", h.report_command, private & admins),
            MessageHandler(private & message & filters.COMMAND, h.unknown_command),
            MessageHandler(private & message & filters.TEXT, h.on_text),
            MessageHandler(private & message, h.on_other),
            CallbackQueryHandler(h.on_button),
            MessageHandler(filters.StatusUpdate.MIGRATE, h.on_migration),
            CommandHandler("close", h.close_command, groups),
            CommandHandler("chatid", h.chat_id_command, groups),
            CommandHandler(["start", "help"], h.group_help, groups),
            MessageHandler(groups & message & filters.REPLY & ~filters.COMMAND, h.staff_reply),
            ChatMemberHandler(h.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
        ]
    )
    app.add_error_handler(h.on_error)


async def _post_init(app: App) -> None:
    settings: Settings = app.bot_data["settings"]
    assistant: Assistant = app.bot_data["assistant"]
    preload()
    store = await Store.open(settings.db_path)
    escalation = Escalation(
        store,
        staff_chat_id=settings.staff_chat_id,
        mail_enabled=settings.mail_enabled,
        titles=assistant.title,
    )
    await escalation.load()
    channels: dict[str, Channel] = {RESIDENT: ResidentChannel(app.bot, escalation)}
    if settings.staff_chat_id is not None:
        channels[STAFF] = StaffChannel(app.bot, escalation)
    if settings.mail_enabled:
        channels[MAIL] = MailChannel(settings, escalation)
    worker = OutboxWorker(
        store,
        channels,
        base_delay=settings.outbox_retry_seconds,
        listener=escalation.after_delivery,
        housekeeping=escalation.housekeeping,
    )
    escalation.on_enqueue(worker.wake)
    app.bot_data["services"] = h.Services(
        settings=settings,
        assistant=assistant,
        store=store,
        escalation=escalation,
        worker=worker,
        flood=FloodGate(settings.flood_limit, settings.flood_window_seconds),
    )
    if not settings.forwarding_enabled:
        log.warning(
            "neither STAFF_CHAT_ID nor SMTP_HOST is set: questions cannot be forwarded to people"
        )
    elif settings.staff_chat_id is None:
        log.warning("STAFF_CHAT_ID is not set: the city's team cannot answer residents in Telegram")
    await _publish_commands(app)
    await worker.start()
    log.info(
        "bot @%s started: knowledge base %s, staff group %s, e-mail %s",
        app.bot.username, assistant.kb.version, escalation.staff_chat_id,
        "on" if settings.mail_enabled else "off",
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
    services: h.Services | None = app.bot_data.get("services")
    if services is not None:
        await services.worker.stop()


async def _post_shutdown(app: App) -> None:
    services: h.Services | None = app.bot_data.pop("services", None)
    if services is not None:
        await services.worker.stop()  # no-op if post_stop ran
        await services.store.close()


@asynccontextmanager
async def running(app: App, *, poll_timeout: float = POLL_TIMEOUT) -> AsyncIterator[App]:
    """Run ``app`` inside an existing event loop, with the same steps as ``run_polling``."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


class RedactToken(logging.Filter):
    """Replace the bot token in every log line: PTB's own DEBUG lines contain the API URL."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[TOKEN]"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[TOKEN]")
        return True


def redact_token(token: str) -> None:
    """Install ``RedactToken`` on every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))


def run_polling(settings: Settings, assistant: Assistant) -> None:
    """Run the bot with long polling until SIGINT/SIGTERM."""
    if settings.telegram_token:
        redact_token(settings.telegram_token)  # before PTB logs its API URL while building
    app = build_application(settings, assistant)
    app.run_polling(timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=3)
