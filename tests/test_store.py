"""SQLite storage on a real database file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.escalation import TicketPayload, TicketStore
from bot.questionlog import QuestionLog
from bot.store import MIGRATIONS, Store, StoreError


async def test_migrations_run_once_and_persist(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    assert await store.schema_version == len(MIGRATIONS)
    await store.set_language(1, "uk")
    await store.close()
    again = await Store.open(path)
    assert await again.language(1) == "uk"
    assert await again.schema_version == len(MIGRATIONS)
    await again.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_question_log_has_no_chat_id(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await QuestionLog(store).log_question(
        channel="telegram", lang="de", text="Wo ist das Amt?", decision="escalate", entry=None,
        candidates=["citizens-office"], score=0.2, reason="no-match",
    )  # fmt: skip
    rows = await QuestionLog(store).questions_since(datetime.now(UTC) - timedelta(minutes=1))
    await store.close()
    assert rows[0].text == "Wo ist das Amt?"
    assert not hasattr(rows[0], "chat_id")


async def test_forget_removes_person_and_tickets(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.set_language(5, "de")
    ticket = await TicketStore(store).create_ticket(
        chat_id=5,
        lang="de",
        question="?",
        candidates=[],
        channels=[("mail", TicketPayload(lang="de", question="?"))],
    )
    assert await store.forget(5) >= 3
    assert await store.language(5) is None
    assert await TicketStore(store).ticket(ticket) is None
    assert await TicketStore(store).due_outbox_in_order() == []
    await store.close()


async def test_corrupt_database_stops_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"cannot be used|damaged"):
        await Store.open(path)


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (999)")
    with pytest.raises(StoreError, match="newer than this bot"):
        await Store.open(path)
