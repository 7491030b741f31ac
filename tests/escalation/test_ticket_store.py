"""The escalation's tables on a real SQLite file: tickets and their outbox rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.escalation import TicketPayload, TicketStore
from bot.store import Store, utcnow


async def test_ticket_and_outbox_are_written_together(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    tickets = TicketStore(store)
    question = TicketPayload(lang="ar", question="سؤال")
    ticket = await tickets.create_ticket(
        chat_id=7, lang="ar", question="سؤال", candidates=["housing"],
        channels=[("staff", question), ("mail", question)],
    )  # fmt: skip
    due = await tickets.due_outbox_in_order()
    assert [(i.channel, i.payload.ticket) for i in due] == [("staff", ticket), ("mail", ticket)]
    await tickets.outbox_done(due[0].id)
    await tickets.outbox_reschedule(due[1].id, "SMTP down", utcnow() + timedelta(hours=1))
    assert await tickets.due_outbox_in_order() == []
    assert await tickets.outbox_counts() == {"sent": 1, "pending": 1}
    # Delivered stays delivered: a second "done" for the same item changes nothing.
    await tickets.outbox_done(due[0].id)
    assert (await tickets.outbox_items(ticket))[0].attempts == 1
    await store.close()
