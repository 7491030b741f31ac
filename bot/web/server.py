"""Running the web chat: on its own (``python run_bot.py web``) or inside the Telegram bot's
process (``WEB_PORT`` set; ``bot.telegram.app`` starts it next to the updates).

On its own there is no Telegram bot, so no staff group: questions are forwarded by e-mail
(``SMTP_HOST``), like the console chat, and the team cannot answer in the chat. Run the web chat
alongside the Telegram bot for answers from the staff group.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from bot import privatelog
from bot.assistant import Assistant
from bot.config import DEFAULT_WEB_PORT, Settings
from bot.escalation import WEB, WEB_MAIL, Channel, Escalation, build
from bot.letters import LetterDesk
from bot.retention import enforce_retention
from bot.store import Store
from bot.translate.connector import build_translator
from bot.web.app import DEFAULT_RATES, Rates, create_app
from bot.web.channel import WebChannel, WebMailChannel
from bot.web.chat import WebChat

__all__ = ["WebChat", "WebServer", "serve_web", "start_web", "web_channels"]

log = logging.getLogger(__name__)


RETENTION_INTERVAL = 3600.0  # seconds between two retention runs of the web chat on its own


def web_channels(settings: Settings, escalation: Escalation) -> dict[str, Channel]:
    """The outbox channels that deliver the team's answers to web sessions."""
    channels: dict[str, Channel] = {WEB: WebChannel(escalation.store, escalation.texts)}
    if settings.mail_enabled:
        channels[WEB_MAIL] = WebMailChannel(settings, escalation.tickets, escalation.texts)
    return channels


@dataclass(slots=True)
class WebServer:
    runner: web.AppRunner
    chat: WebChat
    host: str
    port: int

    async def stop(self) -> None:
        """Finish the requests in progress, then write what the chat still has queued."""
        await self.runner.cleanup()
        await self.chat.close()


async def start_web(
    chat: WebChat,
    settings: Settings,
    kb_version: Callable[[], str],
    *,
    port: int | None = None,
    rates: Rates = DEFAULT_RATES,
    letters: LetterDesk | None = None,
) -> WebServer:
    """Serve the web chat on ``WEB_HOST``:``port`` (``WEB_PORT``; 0 = any free port).
    The per-address limits are the defaults except in tests and the benchmark; ``letters``: a
    desk to share (the Telegram bot's), else the app opens its own."""
    app = create_app(chat, settings, kb_version, rates=rates, letters=letters)
    # access_log off: request lines would carry session ids (the path of the poll).
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    if port is None:
        port = settings.web_port if settings.web_port is not None else DEFAULT_WEB_PORT
    wanted = port
    site = web.TCPSite(runner, settings.web_host, wanted)
    await site.start()
    bound = wanted
    server = site._server  # aiohttp exposes the bound port only through the server's sockets
    if server is not None and getattr(server, "sockets", None):
        bound = server.sockets[0].getsockname()[1]
    log.info("web chat on http://%s:%d/", settings.web_host, bound)
    return WebServer(runner, chat, settings.web_host, bound)


async def serve_web(settings: Settings, assistant: Assistant) -> int:
    """The web chat on its own until SIGTERM/SIGINT (e-mail forwarding only)."""
    privatelog.install()  # aiosqlite logs SQL parameters at DEBUG
    store = await Store.open(settings.db_path)
    translator = build_translator(settings)  # the inbox gets German + the original
    if translator is not None:
        await translator.start()
    escalation, worker = await build(
        settings, store, titles=assistant.title, translator=translator,
        channels=lambda escalation: web_channels(settings, escalation),
    )  # fmt: skip
    retention = asyncio.create_task(_retention_rounds(store, settings), name="retention")
    chat = WebChat(assistant, store, escalation, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server: WebServer | None = None
    try:
        await worker.start()
        server = await start_web(chat, settings, lambda: assistant.kb.version)
        if not settings.forwarding_enabled:
            log.warning("SMTP_HOST is not set: questions from the web chat cannot be forwarded")
        await stop.wait()
        log.info("stopping the web chat")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if server is not None:
            await server.stop()
        retention.cancel()
        await asyncio.gather(retention, return_exceptions=True)
        await worker.stop()
        await store.close()
        if translator is not None:
            await translator.aclose()
    return 0


async def _retention_rounds(store: Store, settings: Settings) -> None:
    """Retention at start and then every hour (the Telegram bot runs it as a daily job)."""
    while True:
        try:
            await enforce_retention(store, settings)
        except Exception:  # the next round is in an hour; the error is for the log
            log.exception("retention failed")
        await asyncio.sleep(RETENTION_INTERVAL)
