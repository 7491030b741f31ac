"""Translation inside the outbox: stored before the first send, reused by retries and restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.escalation import (
    MAIL,
    RESIDENT,
    STAFF,
    Escalation,
    OutboxItem,
    OutboxWorker,
    RetryLater,
    TicketStore,
)
from bot.escalation.translation import with_translation
from bot.render import PLAIN
from bot.store import Store
from bot.translate.connector import LibreTranslate, Translator
from bot.translate.texts import MachineTranslation
from tests.faketranslate import FakeTranslator


class Recorder:
    """A channel that fails as scripted, then succeeds; records what it delivered."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.delivered: list[OutboxItem] = []

    async def deliver(self, item: OutboxItem) -> None:
        if self.failures:
            self.failures -= 1
            raise RetryLater("scripted")
        self.delivered.append(item)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened
    await opened.close()


@pytest.fixture
async def libre() -> AsyncIterator[FakeTranslator]:
    server = FakeTranslator("libre")
    server.dictionary[("uk", "de", "Де купити квиток?")] = "Wo kaufe ich eine Fahrkarte?"
    await server.start()
    yield server
    await server.close()


async def deliver_all(worker: OutboxWorker, channel: str, count: int = 1) -> None:
    async with asyncio.timeout(10):
        await worker.wait_for_result(
            lambda r: sum(x.item.channel == channel and x.outcome == "sent"
                          for x in worker.results) >= count
        )  # fmt: skip


async def test_translated_once_and_the_same_text_after_a_restart(
    store: Store, libre: FakeTranslator
) -> None:
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=True)
    staff, mail = Recorder(failures=1), Recorder(failures=100)
    translator = Translator(LibreTranslate(libre.url), timeout=2)
    worker = OutboxWorker(
        store, with_translation({STAFF: staff, MAIL: mail}, translator, store), base_delay=0.05
    )
    escalation.on_enqueue(worker.wake)
    await worker.start()
    await escalation.escalate(chat_id=1, question="Де купити квиток?", lang="uk")
    await deliver_all(worker, STAFF)
    await worker.stop()
    await translator.aclose()
    assert staff.delivered[0].payload.mt.text == "Wo kaufe ich eine Fahrkarte?"
    assert len(libre.translations()) == 1  # staff and mail share the request; retries reuse it

    # "Restart": a new worker and a new translator (empty cache); the mail row is still pending.
    mail.failures = 0
    fresh = Translator(LibreTranslate(libre.url), timeout=2)
    worker = OutboxWorker(store, with_translation({MAIL: mail}, fresh, store), base_delay=0.05)
    await worker.start()
    await deliver_all(worker, MAIL)
    await worker.stop()
    await fresh.aclose()
    assert mail.delivered[0].payload.mt.text == "Wo kaufe ich eine Fahrkarte?"
    assert len(libre.translations()) == 1
    body = escalation.texts.staff_text(mail.delivered[0].payload, PLAIN, for_mail=True)
    assert body.index("Wo kaufe ich eine Fahrkarte?") < body.index("Де купити квиток?")


async def test_what_is_not_translated(store: Store, libre: FakeTranslator) -> None:
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    staff, resident = Recorder(), Recorder()
    translator = Translator(LibreTranslate(libre.url), timeout=2)
    channels = with_translation({STAFF: staff, RESIDENT: resident}, translator, store)
    worker = OutboxWorker(store, channels, base_delay=0.05, listener=escalation.after_delivery)
    escalation.on_enqueue(worker.wake)
    await worker.start()
    # A German question; a verbatim reply ("!"); the delivery notice.
    de_ticket = await escalation.escalate(chat_id=1, question="Wo ist das Rathaus?", lang="de")
    uk_ticket = await escalation.escalate(chat_id=2, question="Де купити квиток?", lang="uk")
    await escalation.staff_reply(ticket_id=uk_ticket or 0, text="!Квитки в автоматі.",
                                 staff_chat_id=-1, staff_message_id=5)  # fmt: skip
    await deliver_all(worker, RESIDENT)
    await deliver_all(worker, STAFF, count=3)  # two tickets and the "delivered" notice
    await worker.stop()
    await translator.aclose()
    by_ticket = {i.ticket_id: i.payload for i in staff.delivered if i.payload.KIND == "ticket"}
    assert by_ticket[de_ticket].mt is None
    notice = next(i.payload for i in staff.delivered if i.payload.KIND == "notice")
    assert notice.mt is None
    reply = resident.delivered[0]
    assert reply.payload.mt == MachineTranslation(verbatim=True)
    ticket = await TicketStore(store).ticket(uk_ticket or 0)
    assert ticket is not None
    shown = escalation.texts.resident_text(ticket, reply.payload, PLAIN)
    assert shown.endswith("\n\nКвитки в автоматі.")
    assert [r.body["q"] for r in libre.translations()] == ["Де купити квиток?"]


async def test_a_row_partly_sent_before_translation_was_on_stays_as_it_is(
    store: Store, libre: FakeTranslator
) -> None:
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    ticket = await escalation.escalate(chat_id=1, question="Де купити квиток?", lang="uk") or 0
    (row,) = await TicketStore(store).due_outbox_in_order()
    await TicketStore(store).outbox_set_payload(row.id, replace(row.payload, parts_sent=1))
    staff = Recorder()
    translator = Translator(LibreTranslate(libre.url), timeout=2)
    worker = OutboxWorker(store, with_translation({STAFF: staff}, translator, store), base_delay=1)
    assert await worker.run_once() == 1
    await translator.aclose()
    assert staff.delivered[0].ticket_id == ticket and staff.delivered[0].payload.mt is None
    assert libre.translations() == []


async def test_web_chat_answers_are_translated_too(store: Store, libre: FakeTranslator) -> None:
    from bot.escalation import WEB
    from bot.web.channel import WebChannel

    libre.dictionary[("de", "uk", "Am Automaten.")] = "В автоматі."
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    session = await store.create_web_session("0" * 64, "uk")
    staff = Recorder()
    translator = Translator(LibreTranslate(libre.url), timeout=2)
    web = WebChannel(store, escalation.texts)
    channels = with_translation({STAFF: staff, WEB: web}, translator, store)
    worker = OutboxWorker(store, channels, base_delay=0.05, listener=escalation.after_delivery)
    escalation.on_enqueue(worker.wake)
    await worker.start()
    ticket = await escalation.escalate(
        chat_id=None, question="Де купити квиток?", lang="uk", web_session=session.id
    )
    await deliver_all(worker, STAFF)
    await escalation.staff_reply(ticket_id=ticket or 0, text="Am Automaten.", staff_chat_id=-1,
                                 staff_message_id=5)  # fmt: skip
    await deliver_all(worker, WEB)
    await worker.stop()
    await translator.aclose()
    ((_id, text),) = await store.web_inbox(session.id)
    assert text.index("В автоматі.") < text.index("Am Automaten.")
    assert staff.delivered[0].payload.mt.text == "Wo kaufe ich eine Fahrkarte?"
