"""SQLite under contention: WAL, a busy timeout, one writer at a time inside the bot."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.escalation import TicketPayload, TicketStore
from bot.store import Store


async def test_wal_busy_timeout_and_foreign_keys_are_on(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    pragmas = {}
    for name in ("journal_mode", "busy_timeout", "foreign_keys", "secure_delete"):
        row = await (await store._db.execute(f"PRAGMA {name}")).fetchone()
        pragmas[name] = row[0] if row else None
    await store.close()
    assert pragmas == {
        "journal_mode": "wal",
        "busy_timeout": 10000,
        "foreign_keys": 1,
        "secure_delete": 1,
    }


async def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # e.g. `run_bot.py retention` or a backup holding the lock
    other.execute("INSERT INTO people VALUES (1, 'uk', '2026-01-01', '2026-01-01')")
    write = asyncio.create_task(store.set_language(2, "ar"))
    done, _pending = await asyncio.wait({write}, timeout=0.3)
    assert not done  # waiting in SQLite's busy handler, not failed with "database is locked"
    other.execute("COMMIT")
    async with asyncio.timeout(10):
        await write
    assert await store.language(1) == "uk" and await store.language(2) == "ar"
    await store.close()
    other.close()


async def test_concurrent_writes_from_many_tasks_are_serialised(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    tickets = await asyncio.gather(
        *(
            TicketStore(store).create_ticket(
                chat_id=n,
                lang="de",
                question=f"q{n}",
                candidates=[],
                channels=[("staff", TicketPayload(lang="de", question=f"q{n}"))],
            )
            for n in range(1, 101)
        ),
        *(store.set_language(n, "de") for n in range(1, 101)),
    )
    assert sorted(tickets[:100]) == list(range(1, 101))
    assert await store.count_rows("outbox") == 100 and await store.count_rows("people") == 100
    await store.close()
