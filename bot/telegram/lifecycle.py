"""The bot's lifecycle: start, receive updates, stop on a signal or a conflict, reload.

``running`` takes the same steps in production (``serve``) and in the tests:

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
- on SIGHUP (``serve``): reload the knowledge base like /reload and tell the admins.

Updates in flight are never dropped (no ``drop_pending_updates``): Telegram keeps unconfirmed
updates for 24 hours, and the bot processes them when it is back. README "Operations" says what
happens to updates in flight on a crash.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.config import Settings
from bot.escalation import STAFF_LANG
from bot.telegram import admin, context
from bot.telegram.context import App
from bot.telegram.delivery.send import retry_after_seconds

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds of long polling per getUpdates call
START_RETRY_MAX = 30.0  # seconds between getMe attempts while Telegram cannot be reached
EXIT_CODE = "exit_code"  # bot_data key: why the bot stopped, if not by a signal
EXIT_CONFLICT = 3
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]


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
