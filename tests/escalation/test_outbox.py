"""The outbox worker: backoff, Telegram's retry time, permanent failures and their notices."""

from __future__ import annotations

import asyncio

from bot.escalation import (
    RESIDENT,
    STAFF,
    Escalation,
    NoticePayload,
    OutboxWorker,
    PermanentFailure,
    RetryLater,
    TicketStore,
)
from bot.store import Store
from tests.escalation.recorder import Recorder, run_until


async def test_retry_with_backoff_then_delivered_once(store: Store) -> None:
    staff = Recorder([RetryLater("502"), RetryLater("502")])
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    worker = OutboxWorker(store, {STAFF: staff}, base_delay=0.05)
    escalation.on_enqueue(worker.wake)
    await worker.start()
    ticket = await escalation.escalate(chat_id=1, question="Frage?", lang="de")
    results = await run_until(worker, STAFF, "sent")
    await worker.stop()
    assert [r.outcome for r in results] == ["retry", "retry", "sent"]
    assert results[1].delay is not None and results[1].delay > results[0].delay  # type: ignore[operator]
    assert [i.ticket_id for i in staff.delivered] == [ticket]
    rows = await TicketStore(store).outbox_items(ticket or 0)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 3)]


async def test_retry_after_is_honoured_and_permanent_failures_stop(store: Store) -> None:
    resident = Recorder([PermanentFailure("blocked", "403")])
    staff = Recorder([RetryLater("429", after=0.3)])
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    worker = OutboxWorker(
        store, {STAFF: staff, RESIDENT: resident}, base_delay=5, listener=escalation.after_delivery
    )
    escalation.on_enqueue(worker.wake)
    ticket = await escalation.escalate(chat_id=1, question="?", lang="de") or 0
    await worker.start()
    started = asyncio.get_running_loop().time()
    await run_until(worker, STAFF, "sent")
    assert asyncio.get_running_loop().time() - started >= 0.25  # not before Telegram allowed
    await escalation.staff_reply(ticket_id=ticket, text="Antwort", staff_chat_id=-1,
                                 staff_message_id=9)  # fmt: skip
    await run_until(worker, RESIDENT, "failed")
    await run_until(worker, STAFF, "sent", count=2)  # the "could not deliver" notice
    await worker.stop()
    assert resident.attempts == 1
    stored = await TicketStore(store).ticket(ticket)
    assert stored is not None and stored.resident_unreachable
    notice = staff.delivered[-1].payload
    assert isinstance(notice, NoticePayload)
    assert notice.notice == "unreachable" and notice.reply_to == 9
