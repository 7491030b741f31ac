"""Retention and its settings: what is deleted when, by the job and by ``run_bot.py retention``."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.escalation import ReplyPayload, TicketPayload, TicketStore
from bot.questionlog import QuestionLog
from bot.retention import enforce_retention
from bot.store import Store, utcnow

ROOT = Path(__file__).resolve().parent.parent
DAY = timedelta(days=1)


async def fill(path: Path) -> dict[str, int]:
    """Old and recent questions, ratings and tickets (closed, open) with all their rows."""
    store = await Store.open(path)
    now = utcnow()
    for age in (200, 179, 1):
        await QuestionLog(store).log_question(
            channel="telegram", lang="de", text=f"asked {age} days ago", decision="answer",
            entry="registration", candidates=[], score=0.9, reason="", at=now - age * DAY,
        )  # fmt: skip
    await QuestionLog(store).add_feedback("registration", "de", True)
    tickets = {}
    for name in ("closed-old", "closed-recent", "open-old", "open-recent"):
        ticket = await TicketStore(store).create_ticket(
            chat_id=7,
            lang="de",
            question=name,
            candidates=[],
            channels=[("staff", TicketPayload(lang="de", question=name))],
        )
        await TicketStore(store).add_ticket_message(
            ticket, "reply", "answer", [("resident", ReplyPayload(text="answer"))]
        )
        await TicketStore(store).map_staff_message(-100, ticket * 10, ticket)
        await TicketStore(store).map_resident_message(7, ticket * 10, ticket)
        tickets[name] = ticket
        if name.startswith("closed"):
            await TicketStore(store).close_ticket(ticket)
    await store.close()
    with sqlite3.connect(path) as db:
        old = (now - 200 * DAY).isoformat(timespec="seconds")
        db.execute("UPDATE feedback SET at = ?", (old,))
        db.execute("UPDATE tickets SET closed_at = ? WHERE question = 'closed-old'",
                   ((now - 31 * DAY).isoformat(timespec="seconds"),))  # fmt: skip
        db.execute("UPDATE tickets SET created_at = ? WHERE question = 'open-old'", (old,))
    return tickets


def counts(path: Path, ticket: int) -> list[int]:
    with sqlite3.connect(path) as db:
        return [
            db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (ticket,)).fetchone()[0]
            for table, column in (
                ("tickets", "id"), ("ticket_messages", "ticket_id"), ("outbox", "ticket_id"),
                ("staff_messages", "ticket_id"), ("resident_messages", "ticket_id"),
            )
        ]  # fmt: skip


async def test_retention_deletes_exactly_what_is_past_its_time(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    tickets = await fill(path)
    store = await Store.open(path)
    result = await enforce_retention(store, Settings(db_path=path))
    questions = [row.text for row in await QuestionLog(store).questions_since(utcnow() - 400 * DAY)]
    feedback = await QuestionLog(store).feedback_counts()
    await store.close()
    assert (result.questions, result.tickets) == (1, 2)
    assert questions == ["asked 179 days ago", "asked 1 days ago"]
    assert feedback == {}  # ratings older than QUESTION_LOG_DAYS go with the questions
    for gone in ("closed-old", "open-old"):  # with every row that belongs to them
        assert counts(path, tickets[gone]) == [0, 0, 0, 0, 0]
    for kept in ("closed-recent", "open-recent"):
        assert counts(path, tickets[kept]) == [1, 2, 2, 1, 1]


async def test_retention_days_are_configurable(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await fill(path)
    store = await Store.open(path)
    settings = Settings(
        db_path=path, question_log_days=365, ticket_retention_days=60, open_ticket_days=365
    )
    result = await enforce_retention(store, settings)
    await store.close()
    assert (result.questions, result.tickets) == (0, 0)


def test_retention_command_line(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    tickets = asyncio.run(fill(path))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SMTP_"))}
    env.update(BOT_DB_PATH=str(path), TELEGRAM_BOT_TOKEN="", SMTP_HOST="", WEBHOOK_URL="")
    done = subprocess.run(
        [sys.executable, "run_bot.py", "retention"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "deleted 1 logged questions" in done.stdout and "2 forwarded questions" in done.stdout
    assert counts(path, tickets["closed-old"])[0] == 0
    missing = subprocess.run(
        [sys.executable, "run_bot.py", "retention"], cwd=ROOT, timeout=60, check=False,
        env={**env, "BOT_DB_PATH": str(tmp_path / "nothing.sqlite3")}, capture_output=True,
        text=True,
    )  # fmt: skip
    assert missing.returncode == 0 and "nothing to delete" in missing.stderr


def test_settings_repr_keeps_secrets_out() -> None:
    settings = replace(Settings(), telegram_token="1:" + "x" * 30, webhook_secret="y" * 20)
    assert "x" * 30 not in repr(settings) and "y" * 20 not in repr(settings)
