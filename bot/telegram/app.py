"""All Telegram wiring in one place: application, network, handlers, lifecycle.

Lifecycle (``running``: the same steps in production, ``run``, and in the tests):

- initialize: ``getMe``; while Telegram cannot be reached the bot waits and tries again (with
  backoff, logged), a rejected token stops it at once.
- post_init: open the Store (a corrupt or unwritable database stops start-up), follow a recorded
  staff-group migration, start the outbox worker (it delivers whatever is still pending from
  before a restart), schedule the daily retention job, publish the command menus, log the health
  line (knowledge-base version, entries, languages, outbox backlog).
- then long polling, or a webhook server when ``WEBHOOK_URL`` is set. Polling errors (5xx,
  timeouts, connection refused) are retried by python-telegram-bot with backoff; a 409 conflict
  (another instance polls with the same token) stops the bot with exit code 3.
- on SIGTERM/SIGINT: stop fetching, confirm what was fetched, finish every update in progress,
  then post_stop: stop the outbox worker while the bot can still send (a delivery in flight is
  finished or stays pending); post_shutdown: close the Store.

Updates in flight are never dropped (no ``drop_pending_updates``): Telegram keeps unconfirmed
updates for 24 hours, and the bot processes them when it is back. README "Operations" says what
happens to updates in flight on a crash.
"""

from __future__ import annotations

import asyncio
import html
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
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
from telegram.request import HTTPXRequest, RequestData

from bot.assistant import Assistant
from bot.config import Settings
from bot.conversation import FloodGate
from bot.escalation import STAFF_LANG, build
from bot.i18n import N_, gettext_for, preload
from bot.language import LANGUAGES
from bot.letters import LetterDesk
from bot.privatelog import PrivateLog
from bot.retention import enforce_retention
from bot.store import Store
from bot.telegram import admin, context, staff
from bot.telegram import events as ev
from bot.telegram import handlers as h
from bot.telegram.context import App
from bot.telegram.delivery import telegram_channels
from bot.telegram.delivery.send import retry_after_seconds
from bot.translate.connector import build_translator
from bot.web import server as web

log = logging.getLogger(__name__)
WEB_SERVER = "web_server"  # bot_data key of the web chat's server, when WEB_PORT is set


POLL_TIMEOUT = 30  # seconds of long polling per getUpdates call
GET_UPDATES_READ_TIMEOUT = 5.0  # seconds beyond POLL_TIMEOUT before a getUpdates call times out
# httpx' default pool of 256 connections makes every request slow (encode/httpcore#1035);
# measured with benchmarks.throughput (3,000 updates, 2 cores): 8 ≈ 287/s, 16 ≈ 281/s,
# 32 ≈ 269/s.
CONNECTION_POOL = 8
MAX_CONCURRENT_UPDATES = 64
UNBOUNDED_UPDATES = 1 << 30  # PTB's semaphore; PerChatUpdateProcessor bounds the updates itself
START_RETRY_MAX = 30.0  # seconds between getMe attempts while Telegram cannot be reached
REQUEST_RETRIES = 3  # extra attempts for a Bot API call that did not reach Telegram (or 5xx)
REQUEST_RETRY_DELAY = 0.5  # seconds before the first of them; doubles
RETENTION_INTERVAL = timedelta(days=1)
HEALTH_INTERVAL = timedelta(minutes=5)  # how often the database file is checked
EXIT_CODE = "exit_code"  # bot_data key: why the bot stopped, if not by a signal
EXIT_CONFLICT = 3
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
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


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat strictly in order.

    Order matters within a chat (a follow-up after its button, a consent after its offer);
    across chats it does not, and one slow reply must not hold up everybody else.

    An update first waits for its chat's lock and only then takes one of the
    ``max_concurrent_updates`` slots: a chat that floods the bot (100 × /chatid in a group
    whose replies are rate-limited) holds one slot, never all of them. PTB's own semaphore,
    which it takes before ``do_process_update``, is therefore made unbounded.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(UNBOUNDED_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
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


class ResilientRequest(HTTPXRequest):
    """HTTPXRequest that retries a few times when a call cannot have been processed.

    Connection refused, connect and pool timeouts and a dropped keep-alive connection mean that
    Telegram did not get the call; a 5xx means its front end could not pass it on. Retrying such a
    call for a few seconds keeps a reply from being lost in a short outage (a rare duplicate is
    better than a question without an answer). Read timeouts are not retried: the call may have
    been carried out. Long outages are the outbox's business (escalations, staff answers).
    """

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
        delay = REQUEST_RETRY_DELAY
        for attempt in range(REQUEST_RETRIES + 1):
            last = attempt == REQUEST_RETRIES
            try:
                code, payload = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout,
                )  # fmt: skip
            except NetworkError as exc:
                if last or not isinstance(exc.__cause__, _NOT_SENT):
                    raise
                reason = f"{type(exc.__cause__).__name__}"
            else:
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            log.warning("Bot API call failed (%s); trying again in %.1f s", reason, delay)
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # the loop returns or raises


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError)


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
        .base_file_url(_file_url(settings.telegram_base_url))
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
    await _enforce_retention(app.bot_data["services"])
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            _retention_job, interval=RETENTION_INTERVAL, first=RETENTION_INTERVAL, name="retention"
        )
        app.job_queue.run_repeating(
            _health_job, interval=HEALTH_INTERVAL, first=HEALTH_INTERVAL, name="health"
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


async def _retention_job(context: context.BotContext) -> None:
    await _check_database_file(context)
    await _enforce_retention(context.services)


async def _health_job(context: context.BotContext) -> None:
    await _check_database_file(context)


async def _check_database_file(context: context.BotContext) -> None:
    """Notice a database file deleted or replaced under the running bot: log it and tell the
    admins (directly, not through the outbox: its rows would go to the lost file)."""
    services = context.services
    problem = services.store.file_problem()
    if problem is None or context.bot_data.get("database_problem") == problem:
        return
    context.bot_data["database_problem"] = problem  # once per problem, not every 5 minutes
    path = services.store.path
    log.error(
        "the database file %s was %s while the bot runs: new data is lost at the next restart. "
        "Restore it from a backup or stop the bot, then start it again", path, problem,
    )  # fmt: skip
    _ = gettext_for(STAFF_LANG)
    text = _(
        "⚠️ The bot's database file {path} was deleted or replaced while the bot runs. What it "
        "stores now is lost at the next restart. Please restore the file from a backup (or stop "
        "the bot), then start the bot again."
    ).format(path=path)
    for admin_id in services.settings.admin_ids:
        try:
            await context.bot.send_message(
                admin_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.warning("could not tell admin %s about the database file: %r", admin_id, exc)


async def _enforce_retention(services: context.Services) -> None:
    try:
        await enforce_retention(services.store, services.settings)
    except Exception:  # the next run is tomorrow; the error is for the admins' log
        log.exception("retention failed")


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


@asynccontextmanager
async def running(
    app: App, *, poll_timeout: float = POLL_TIMEOUT, stop: asyncio.Event | None = None
) -> AsyncIterator[App]:
    """Run ``app`` inside an existing event loop: the steps of the module docstring.

    ``stop`` is set when the bot must stop by itself (a 409 conflict); setting it while the bot
    still waits for Telegram at start-up ends the wait (the body then runs with a stopped app).
    """
    stop = stop if stop is not None else asyncio.Event()
    try:
        if await _initialize(app, stop):
            if app.post_init is not None:
                await app.post_init(app)
            await _start_updates(app, poll_timeout, stop)
            await app.start()
        yield app
    finally:
        try:
            if app.updater is not None and app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
                if app.post_stop is not None:
                    await app.post_stop(app)
        finally:
            await app.shutdown()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)


async def _initialize(app: App, stop: asyncio.Event) -> bool:
    """``app.initialize()`` (getMe), waiting for Telegram as long as it takes; False if stopped.

    A network problem or a 5xx is waited out; a rejected token (InvalidToken) is raised at once.
    """
    delay = 1.0
    while not stop.is_set():
        try:
            await app.initialize()
            return True
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
        except NetworkError as exc:
            wait, delay = delay, min(delay * 2, START_RETRY_MAX)
            log.warning("Telegram cannot be reached (%s); trying again in %.0f s", exc, wait)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)
    return False


async def _start_updates(app: App, poll_timeout: float, stop: asyncio.Event) -> None:
    """Long polling, or the webhook server when WEBHOOK_URL is set; never drops pending updates."""
    settings: Settings = app.bot_data["settings"]
    assert app.updater is not None
    if settings.webhook_url:
        await app.updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            bootstrap_retries=-1,
        )
        log.info(
            "receiving updates by webhook on %s:%d for %s",
            settings.webhook_listen, settings.webhook_port, settings.webhook_url,
        )  # fmt: skip
        return
    await app.updater.start_polling(
        timeout=poll_timeout,
        allowed_updates=ALLOWED_UPDATES,
        bootstrap_retries=-1,  # deleteWebhook at start: wait for Telegram like getMe
        error_callback=_polling_error(app, stop),
    )
    log.info("receiving updates by long polling")


def _polling_error(app: App, stop: asyncio.Event) -> Callable[[TelegramError], None]:
    """What to do when getUpdates fails (python-telegram-bot retries it with backoff)."""

    def on_error(exc: TelegramError) -> None:
        if not isinstance(exc, Conflict):
            log.warning("cannot fetch updates from Telegram (%s); trying again", exc)
            return
        if app.bot_data.get(EXIT_CODE) != EXIT_CONFLICT:
            log.critical(
                "Telegram says another program is fetching this bot's updates (409 Conflict: "
                "%s). Only one instance may run per token: stop the other one (or the webhook), "
                "then start this one again. Stopping.", exc,
            )  # fmt: skip
        app.bot_data[EXIT_CODE] = EXIT_CONFLICT
        stop.set()

    return on_error


async def reload_on_signal(app: App) -> None:
    """SIGHUP: reload the knowledge base like /reload; tell the admins what happened."""
    services: context.Services | None = app.bot_data.get("services")
    if services is None:
        return
    ok, text = await admin.reload_knowledge(services.assistant, STAFF_LANG)
    if ok:
        log.info("SIGHUP: knowledge base reloaded, version %s", services.assistant.kb.version)
    else:
        log.error("SIGHUP: the new knowledge base was rejected; the old one keeps serving")
    for admin_id in services.settings.admin_ids:
        try:
            await app.bot.send_message(admin_id, text, parse_mode=ParseMode.HTML)
        except TelegramError as exc:  # an admin who never pressed Start cannot be written to
            log.warning("could not tell admin %s about the reload: %r", admin_id, exc)


async def serve(app: App, *, poll_timeout: float = POLL_TIMEOUT) -> int:
    """Run until SIGTERM/SIGINT or a conflict; the process exit code (0: stopped by a signal)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    reloads: set[asyncio.Task[None]] = set()  # strong references until each reload is done

    def on_sighup() -> None:
        task = asyncio.create_task(reload_on_signal(app))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, on_sighup)
    signals += (signal.SIGHUP,)
    try:
        async with running(app, poll_timeout=poll_timeout, stop=stop):
            await stop.wait()
            log.info("stopping: finishing the updates in progress and the outbox delivery")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
    code: int = app.bot_data.get(EXIT_CODE, 0)
    return code


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
    """Install ``PrivateLog`` and ``RedactToken`` (in this order) on the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PrivateLog) for f in handler.filters):
            handler.addFilter(PrivateLog())
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))


def run(settings: Settings, assistant: Assistant) -> int:
    """Run the bot (long polling, or webhook mode) until SIGTERM/SIGINT; return the exit code."""
    if settings.telegram_token:
        redact_token(settings.telegram_token)  # before PTB logs its API URL while building
    app = build_application(settings, assistant)
    return asyncio.run(serve(app))


run_polling = run  # the name the benchmarks use
