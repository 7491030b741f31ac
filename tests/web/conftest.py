"""Fixtures for the web chat tests: the real server on a free port of 127.0.0.1, real SQLite,
the fixture knowledge base (the real one where a test says so)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.assistant import Assistant, Brain
from bot.config import Settings
from bot.escalation import Escalation
from bot.store import Store
from bot.web.chat import WebChat
from bot.web.server import WebServer, start_web
from tests.web.client import Api

FIXTURE_KB = Path(__file__).resolve().parent.parent / "fixtures" / "kb"
STAFF = -1001000000001


@dataclass
class RunningWeb:
    server: WebServer
    chat: WebChat
    store: Store
    escalation: Escalation
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def api(self) -> Api:
        return Api(self.http, self.base)


StartWeb = Callable[..., AbstractAsyncContextManager[RunningWeb]]


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    return Settings(
        db_path=tmp_path / "web.sqlite3",
        knowledge_dir=FIXTURE_KB,
        web_port=0,
        flood_limit=50,
        flood_window_seconds=30,
    )


@pytest.fixture
def start_web_chat(web_settings: Settings, fixture_kb_brain: Brain) -> StartWeb:
    """``async with start_web_chat(staff=True, **settings) as web:`` — the server running."""

    @asynccontextmanager
    async def start(
        *,
        staff: bool = True,
        brain: Brain | None = None,
        kb: Path = FIXTURE_KB,
        app_options: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> AsyncIterator[RunningWeb]:
        settings = replace(web_settings, **overrides)
        assistant = Assistant(brain or fixture_kb_brain, kb)
        store = await Store.open(settings.db_path)
        # A staff group id without Telegram: tickets are queued (nobody delivers them here).
        escalation = Escalation(
            store, staff_chat_id=STAFF if staff else None, mail_enabled=False,
            titles=assistant.title,
        )  # fmt: skip
        chat = WebChat(assistant, store, escalation, settings)
        version = lambda: assistant.kb.version  # noqa: E731
        server = await start_web(chat, settings, version, **(app_options or {}))
        try:
            async with aiohttp.ClientSession() as http:
                yield RunningWeb(server, chat, store, escalation, http)
        finally:
            await server.stop()
            await store.close()

    return start
