"""The escalation's tables: tickets, their messages, message ↔ ticket mappings, the outbox.

``TicketStore`` runs on the bot's one ``Store`` connection (its lock, its transactions, its
migrations in ``bot.store.MIGRATIONS``): a ticket and its outbox rows are written in the same
transaction, so a ticket the resident was told about always has its deliveries queued.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from bot.escalation.payloads import Payload, payload_from_json, with_ticket
from bot.store import Store, timestamp, timestamp_precise, utcnow

MAX_ERROR_CHARS = 500  # of a delivery error kept in its outbox row


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    chat_id: int | None
    lang: str
    question: str
    candidates: tuple[str, ...]
    created_at: str
    status: str
    resident_unreachable: bool
    web_session: int | None = None  # asked in the web chat (then ``chat_id`` is None)
    email: str | None = None  # web only: where the person also wants the answer


@dataclass(frozen=True, slots=True)
class TicketMessage:
    """The question, a follow-up or a staff reply, as recorded with its ticket."""

    kind: str  # "question", "followup", "reply"
    text: str
    at: str


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A pending row as the worker delivers it."""

    id: int
    ticket_id: int | None
    channel: str
    payload: Payload
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A row with its bookkeeping, for status views and tests."""

    id: int
    ticket_id: int | None
    channel: str
    payload: Payload
    status: str  # "pending", "sent", "failed"
    attempts: int
    next_attempt_at: str
    last_error: str | None
    created_at: str
    done_at: str | None


class TicketStore:
    """The escalation's queries on the bot's database (``Store``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---------------------------------------------------------------------- tickets

    async def create_ticket(
        self,
        *,
        chat_id: int | None,
        lang: str,
        question: str,
        candidates: Sequence[str],
        channels: Sequence[tuple[str, Payload]],
        web_session: int | None = None,
        email: str | None = None,
    ) -> int:
        """Write a ticket and its outbox rows in one transaction; return the ticket number.

        The ticket number is set in each payload (it is not known before the insert)."""
        now = timestamp(utcnow())
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO tickets (chat_id, lang, question, candidates, created_at, "
                "web_session, email) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (chat_id, lang, question, json.dumps(list(candidates)), now, web_session, email),
            )
            ticket_id = int(cursor.lastrowid or 0)
            await db.execute(
                "INSERT INTO ticket_messages (ticket_id, kind, text, at) VALUES (?, ?, ?, ?)",
                (ticket_id, "question", question, now),
            )
            for channel, payload in channels:
                await _enqueue(db, ticket_id, channel, payload, now)
        return ticket_id

    async def add_ticket_message(
        self, ticket_id: int, kind: str, text: str, outbox: Sequence[tuple[str, Payload]]
    ) -> None:
        """Record a follow-up or a staff reply and queue its deliveries atomically."""
        now = timestamp(utcnow())
        async with self.store.transaction() as db:
            await db.execute(
                "INSERT INTO ticket_messages (ticket_id, kind, text, at) VALUES (?, ?, ?, ?)",
                (ticket_id, kind, text, now),
            )
            if kind == "reply":
                await db.execute(
                    "UPDATE tickets SET answered_at = COALESCE(answered_at, ?) WHERE id = ?",
                    (now, ticket_id),
                )
            for channel, payload in outbox:
                await _enqueue(db, ticket_id, channel, payload, now)

    async def ticket(self, ticket_id: int) -> Ticket | None:
        row = await self.store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(row) if row else None

    async def open_ticket_for(self, chat_id: int) -> Ticket | None:
        row = await self.store.one(
            "SELECT * FROM tickets WHERE chat_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1",
            (chat_id,),
        )
        return _ticket(row) if row else None

    async def open_web_ticket(self, session_id: int) -> Ticket | None:
        row = await self.store.one(
            "SELECT * FROM tickets WHERE web_session = ? AND status = 'open' "
            "ORDER BY id DESC LIMIT 1",
            (session_id,),
        )
        return _ticket(row) if row else None

    async def ticket_messages(self, ticket_id: int) -> list[TicketMessage]:
        rows = await self.store.rows(
            "SELECT kind, text, at FROM ticket_messages WHERE ticket_id = ? ORDER BY id",
            (ticket_id,),
        )
        return [TicketMessage(str(row[0]), str(row[1]), str(row[2])) for row in rows]

    async def count_follow_ups(self, ticket_id: int) -> int:
        row = await self.store.one(
            "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = ? AND kind = 'followup'",
            (ticket_id,),
        )
        return int(row[0]) if row else 0

    async def tickets_since(
        self, chat_id: int | None, since: datetime, *, web_session: int | None = None
    ) -> int:
        """How many tickets ``chat_id`` (or a web chat's ``web_session``) has opened since
        ``since`` (for the daily cap)."""
        column, key = ("web_session", web_session) if web_session is not None else (
            "chat_id", chat_id)  # fmt: skip
        row = await self.store.one(
            f"SELECT COUNT(*) FROM tickets WHERE {column} = ? AND created_at >= ?",
            (key, timestamp(since)),
        )
        return int(row[0]) if row else 0

    async def close_ticket(self, ticket_id: int) -> bool:
        cursor = await self.store.write(
            "UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
            (timestamp(utcnow()), ticket_id),
        )
        return cursor.rowcount > 0

    async def mark_unreachable(self, ticket_id: int) -> None:
        await self.store.write(
            "UPDATE tickets SET resident_unreachable = 1 WHERE id = ?", (ticket_id,)
        )

    async def purge_tickets(self, *, closed_before: datetime, created_before: datetime) -> int:
        """Delete tickets closed before ``closed_before`` or created before ``created_before``
        (with their messages, mappings and outbox rows), and finished ticket-less outbox rows."""
        async with self.store.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM tickets WHERE (status = 'closed' AND closed_at < ?) OR created_at < ?",
                (timestamp(closed_before), timestamp(created_before)),
            )
            removed = max(cursor.rowcount, 0)
            await db.execute(
                "DELETE FROM outbox WHERE ticket_id IS NULL AND status != 'pending' "
                "AND done_at < ?",
                (timestamp(closed_before),),
            )
        return removed

    # ------------------------------------------------------- messages ↔ tickets

    async def map_staff_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        # A ticket deleted meanwhile (/forget while its message was in flight) maps nothing.
        await self.store.write(
            "INSERT OR REPLACE INTO staff_messages (chat_id, message_id, ticket_id) "
            "SELECT ?, ?, id FROM tickets WHERE id = ?",
            (chat_id, message_id, ticket_id),
        )

    async def ticket_for_staff_message(self, chat_id: int, message_id: int) -> int | None:
        row = await self.store.one(
            "SELECT ticket_id FROM staff_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return int(row[0]) if row else None

    async def staff_message_for_ticket(self, ticket_id: int) -> tuple[int, int] | None:
        """The first staff-group message of a ticket (what follow-ups reply to)."""
        row = await self.store.one(
            "SELECT chat_id, message_id FROM staff_messages WHERE ticket_id = ? "
            "ORDER BY rowid LIMIT 1",
            (ticket_id,),
        )
        return (int(row[0]), int(row[1])) if row else None

    async def migrate_staff_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        await self.store.write(
            "UPDATE staff_messages SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
        )

    async def map_resident_message(self, chat_id: int, message_id: int, ticket_id: int) -> None:
        await self.store.write(
            "INSERT OR REPLACE INTO resident_messages (chat_id, message_id, ticket_id) "
            "SELECT ?, ?, id FROM tickets WHERE id = ?",
            (chat_id, message_id, ticket_id),
        )

    async def ticket_for_resident_message(self, chat_id: int, message_id: int) -> int | None:
        row = await self.store.one(
            "SELECT ticket_id FROM resident_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        return int(row[0]) if row else None

    # ------------------------------------------------------------------------ outbox

    async def enqueue(self, ticket_id: int | None, channel: str, payload: Payload) -> int:
        async with self.store.transaction() as db:
            return await _enqueue(db, ticket_id, channel, payload, timestamp(utcnow()))

    async def due_outbox_in_order(
        self, now: datetime | None = None, limit: int = 50
    ) -> list[OutboxItem]:
        """Due items, except those queued behind an earlier pending item of the same ticket
        and channel: a follow-up must not overtake the ticket message it replies to."""
        rows = await self.store.rows(
            "SELECT o.id, o.ticket_id, o.channel, o.payload, o.attempts FROM outbox o "
            "WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND NOT EXISTS ("
            "  SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.id < o.id "
            "  AND p.ticket_id = o.ticket_id AND p.channel = o.channel"
            ") ORDER BY o.id LIMIT ?",
            (timestamp_precise(now or utcnow()), limit),
        )
        return [
            OutboxItem(row[0], row[1], row[2], payload_from_json(json.loads(row[3])), row[4])
            for row in rows
        ]

    async def next_outbox_due(self) -> datetime | None:
        row = await self.store.one(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'"
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def outbox_done(self, item_id: int) -> None:
        await self.store.write(
            "UPDATE outbox SET status = 'sent', done_at = ?, attempts = attempts + 1 "
            "WHERE id = ? AND status = 'pending'",
            (timestamp(utcnow()), item_id),
        )

    async def outbox_reschedule(self, item_id: int, error: str, at: datetime) -> None:
        """Count a failed attempt and try again at ``at`` (sub-second precision)."""
        await self.store.write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ? AND status = 'pending'",
            (error[:MAX_ERROR_CHARS], timestamp_precise(at), item_id),
        )

    async def outbox_failed(self, item_id: int, error: str) -> None:
        """Give up on an item for good (permanent rejection); it stays visible to admins."""
        await self.store.write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?, "
            "done_at = ? WHERE id = ? AND status = 'pending'",
            (error[:MAX_ERROR_CHARS], timestamp(utcnow()), item_id),
        )

    async def outbox_set_payload(self, item_id: int, payload: Payload) -> None:
        """Record progress inside a delivery (e.g. parts already sent) so a retry resumes."""
        await self.store.write(
            "UPDATE outbox SET payload = ? WHERE id = ? AND status = 'pending'",
            (json.dumps(payload.to_json()), item_id),
        )

    async def outbox_counts(self) -> dict[str, int]:
        rows = await self.store.rows("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        return {row[0]: int(row[1]) for row in rows}

    async def outbox_items(self, ticket_id: int) -> list[OutboxRow]:
        rows = await self.store.rows(
            "SELECT * FROM outbox WHERE ticket_id = ? ORDER BY id", (ticket_id,)
        )
        return [
            OutboxRow(
                id=row["id"], ticket_id=row["ticket_id"], channel=row["channel"],
                payload=payload_from_json(json.loads(row["payload"])), status=row["status"],
                attempts=row["attempts"], next_attempt_at=row["next_attempt_at"],
                last_error=row["last_error"], created_at=row["created_at"],
                done_at=row["done_at"],
            )
            for row in rows
        ]  # fmt: skip


async def _enqueue(
    db: aiosqlite.Connection, ticket_id: int | None, channel: str, payload: Payload, now: str
) -> int:
    cursor = await db.execute(
        "INSERT INTO outbox (ticket_id, channel, payload, next_attempt_at, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (ticket_id, channel, json.dumps(with_ticket(payload, ticket_id).to_json()), now, now),
    )
    return int(cursor.lastrowid or 0)


def _ticket(row: Any) -> Ticket:
    return Ticket(
        id=row["id"],
        chat_id=row["chat_id"],
        lang=row["lang"],
        question=row["question"],
        candidates=tuple(json.loads(row["candidates"])),
        created_at=row["created_at"],
        status=row["status"],
        resident_unreachable=bool(row["resident_unreachable"]),
        web_session=row["web_session"],
        email=row["email"],
    )
