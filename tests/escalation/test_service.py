"""The ticket service: follow-ups, ownership, channels, retention of tickets."""

from __future__ import annotations

from datetime import timedelta

from bot.escalation import Escalation, TicketStore
from bot.store import Store, utcnow


async def test_follow_up_never_overtakes_its_ticket_message(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    ticket = await escalation.escalate(chat_id=1, question="?", lang="de") or 0
    assert await escalation.follow_up(ticket, 1, "noch was") == "added"
    first = (await TicketStore(store).due_outbox_in_order())[0]
    await TicketStore(store).outbox_reschedule(first.id, "down", utcnow() + timedelta(hours=1))
    assert await TicketStore(store).due_outbox_in_order() == []  # the follow-up waits behind it
    assert await escalation.follow_up(ticket, 2, "not mine") == "not-yours"
    await escalation.close(ticket)
    assert await escalation.follow_up(ticket, 1, "late") == "closed"


async def test_forwarding_needs_a_channel(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=None, mail_enabled=False)
    assert not escalation.forwarding_enabled
    assert await escalation.escalate(chat_id=1, question="?", lang="de") is None


async def test_purge_keeps_recent_and_open_tickets(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=None, mail_enabled=True)
    keep = await escalation.escalate(chat_id=1, question="open", lang="de") or 0
    closed = await escalation.escalate(chat_id=1, question="closed", lang="de") or 0
    await escalation.close(closed)
    now = utcnow()
    assert await TicketStore(store).purge_tickets(closed_before=now - timedelta(days=1),
                                     created_before=now - timedelta(days=1)) == 0  # fmt: skip
    assert await TicketStore(store).purge_tickets(closed_before=now + timedelta(seconds=5),
                                     created_before=now - timedelta(days=1)) == 1  # fmt: skip
    assert (
        await TicketStore(store).ticket(keep) is not None
        and await TicketStore(store).ticket(closed) is None
    )
