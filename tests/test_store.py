"""SQLite storage on a real database file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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


async def test_ticket_and_outbox_are_written_together(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    ticket = await store.create_ticket(
        chat_id=7, lang="ar", question="سؤال", candidates=["housing"],
        channels=[("staff", {}), ("mail", {})],
    )  # fmt: skip
    due = await store.due_outbox()
    assert [(i.channel, i.payload["ticket"]) for i in due] == [("staff", ticket), ("mail", ticket)]
    await store.outbox_done(due[0].id)
    await store.outbox_retry(due[1].id, "SMTP down", timedelta(hours=1))
    assert await store.due_outbox() == []
    assert await store.outbox_counts() == {"sent": 1, "pending": 1}
    # Delivered stays delivered: a second "done" for the same item changes nothing.
    await store.outbox_done(due[0].id)
    assert (await store.outbox_items(ticket))[0]["attempts"] == 1
    await store.close()


async def test_forget_removes_person_and_tickets(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    await store.set_language(5, "de")
    ticket = await store.create_ticket(
        chat_id=5, lang="de", question="?", candidates=[], channels=[("mail", {})]
    )
    assert await store.forget(5) >= 3
    assert await store.language(5) is None
    assert await store.ticket(ticket) is None
    assert await store.due_outbox() == []
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
