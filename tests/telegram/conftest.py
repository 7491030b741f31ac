"""Fixtures for the end-to-end tests: the fake Bot API, a local SMTP server and the real bot.

The bot under test is the production application (``bot.telegram.app.build_application``),
started with the same lifecycle steps as ``run_polling`` and talking HTTP to the fake.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.assistant import Assistant, Brain, build
from bot.config import Settings
from bot.escalation import Escalation, OutboxWorker, TicketStore
from bot.i18n import gettext_for
from bot.store import Store
from bot.telegram.app import App, build_application
from bot.telegram.context import Services
from bot.telegram.lifecycle import running
from tests.fakebot import TOKEN, FakeTelegram
from tests.smtpserver import SmtpServer

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
