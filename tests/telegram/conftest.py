"""Fixtures for the end-to-end tests: the fake Bot API, a local SMTP server and the real bot.

The bot under test is the production application (``bot.telegram.app.build_application``),
started with the same lifecycle steps as ``run_polling`` and talking HTTP to the fake.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import html
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bot.assistant import Assistant, Brain, build
from bot.config import Settings
from bot.escalation import Escalation, OutboxWorker, TicketStore
from bot.i18n import gettext_for
from bot.store import Store
from bot.telegram.app import App, build_application
from bot.telegram.context import Services
from bot.telegram.lifecycle import running
from tests.fakebot import TOKEN, FakeTelegram, Pulse

FIXTURE_KB = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
STAFF = -1001000000001
INBOX = "zwk@example.org"


def t(lang: str, msgid: str, **placeholders: object) -> str:
    """An interface text as the bot says it in ``lang``: translated, placeholders filled in.

    Expectations come from the catalogs, never from English literals, so a test holds whether a
    string is translated yet or not.
    """
    text = gettext_for(lang)(msgid)
    return text.format(**placeholders) if placeholders else text


def t_html(lang: str, msgid: str, **placeholders: object) -> str:
    """``t`` as it appears in a message the bot sent with HTML parse mode (escaped)."""
    return html.escape(t(lang, msgid, **placeholders), quote=False)


def before_placeholder(template: str) -> str:
    """The part of a translated template before its first placeholder, e.g. to find a message
    whose ticket number is not known yet."""
    prefix = template.split("{", 1)[0]
    assert prefix.strip(), f"nothing to look for before the placeholder in {template!r}"
    return prefix


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailSink:
    """An aiosmtpd handler that keeps every message; runs in the controller's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = Pulse()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.loop.call_soon_threadsafe(self._add, message, envelope)
        return "250 Message accepted for delivery"

    def _add(self, message: EmailMessage, envelope: Any) -> None:
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self._arrived.fire()

    async def wait_count(self, count: int, within: float = 10) -> list[EmailMessage]:
        async with asyncio.timeout(within):
            await self._arrived.wait_for(lambda: len(self.messages) >= count)
        return self.messages


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be started late (to simulate an outage)."""

    def __init__(self, port: int, loop: asyncio.AbstractEventLoop) -> None:
        self.port = port
        self.sink = MailSink(loop)
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's documented opt-in to timedelta durations (its default for v23).

    Without it PTB 22 warns inside ``RetryAfter.__init__`` itself, and warnings are errors here.
    The bot handles both forms (``bot.telegram.delivery.send.retry_after_seconds``).
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture(scope="session")
def fixture_brain() -> Brain:
    return build(FIXTURE_KB)


@pytest.fixture
def assistant(fixture_brain: Brain) -> Assistant:
    return Assistant(fixture_brain, FIXTURE_KB)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    """A running SMTP server."""
    server = SmtpServer(free_port(), asyncio.get_running_loop())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def smtp_down() -> AsyncIterator[SmtpServer]:
    """An SMTP server that is not started yet: its port refuses connections."""
    server = SmtpServer(free_port(), asyncio.get_running_loop())
    yield server
    server.stop()


class RunningBot:
    """The real application, running; gives tests access to its services."""

    def __init__(self, app: App, fake: FakeTelegram) -> None:
        self.app = app
        self.fake = fake

    @property
    def services(self) -> Services:
        services: Services = self.app.bot_data["services"]
        return services

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def worker(self) -> OutboxWorker:
        return self.services.worker

    @property
    def escalation(self) -> Escalation:
        return self.services.escalation

    @property
    def tickets(self) -> TicketStore:
        return self.services.escalation.tickets

    async def settle(self) -> None:
        """Until every update pushed so far has been fetched and fully processed."""
        last = len(self.fake.updates) and self.fake.updates[-1]["update_id"]
        if last:
            await self.fake.wait_confirmed(last)
        async with asyncio.timeout(10):
            await self.app.update_queue.join()


StartBot = Callable[..., AbstractAsyncContextManager[RunningBot]]


@pytest.fixture
def settings(fake: FakeTelegram, tmp_path: Path) -> Settings:
    return Settings(
        telegram_token=TOKEN,
        telegram_base_url=fake.base_url,
        staff_chat_id=STAFF,
        zwk_inbox=INBOX,
        db_path=tmp_path / "bot.sqlite3",
        knowledge_dir=FIXTURE_KB,
        outbox_retry_seconds=0.2,
        flood_limit=50,
        flood_window_seconds=30,
    )


def with_smtp(settings: Settings, server: SmtpServer) -> Settings:
    return replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=False,
        smtp_from="bot@example.org",
    )


@pytest.fixture
def start_bot(fake: FakeTelegram, settings: Settings, assistant: Assistant) -> StartBot:
    """``async with start_bot(**setting_overrides) as bot:`` runs the real application."""

    @asynccontextmanager
    async def start(
        config: Settings | None = None, brain: Assistant | None = None, **overrides: Any
    ) -> AsyncIterator[RunningBot]:
        effective = replace(config or settings, **overrides)
        app = build_application(effective, brain or assistant)
        async with running(app) as started:
            yield RunningBot(started, fake)

    return start


@pytest.fixture
def chat_ids() -> Iterator[int]:
    """Distinct private chat ids (a chat id is the user id in private chats)."""
    return iter(range(5001, 6000))
