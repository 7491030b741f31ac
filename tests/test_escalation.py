"""The escalation domain without Telegram: outbox worker, e-mail, callback data, language rule."""

from __future__ import annotations

import asyncio
import email
import email.policy
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram.error import RetryAfter

from bot.channels.mail import MailChannel
from bot.channels.staff import retry_after_seconds
from bot.config import Settings
from bot.conversation import FloodGate, reply_language, ui_language
from bot.escalation import (
    MAIL,
    RESIDENT,
    STAFF,
    DeliveryResult,
    Escalation,
    OutboxWorker,
    PermanentFailure,
    RetryLater,
)
from bot.render import HTML, PLAIN
from bot.store import OutboxItem, Store, utcnow
from bot.telegram import callbacks as cb


class Recorder:
    """A channel that fails as scripted, then succeeds; records what it delivered."""

    def __init__(self, script: list[Exception] | None = None) -> None:
        self.script = list(script or [])
        self.delivered: list[OutboxItem] = []
        self.attempts = 0

    async def deliver(self, item: OutboxItem) -> None:
        self.attempts += 1
        if self.script:
            raise self.script.pop(0)
        self.delivered.append(item)


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened  # type: ignore[misc]
    await opened.close()


async def run_until(
    worker: OutboxWorker, channel: str, outcome: str, count: int = 1
) -> list[DeliveryResult]:
    async with asyncio.timeout(10):
        await worker.wait_for_result(
            lambda r: sum(x.item.channel == channel and x.outcome == outcome
                          for x in worker.results) >= count
        )  # fmt: skip
    return list(worker.results)


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
    rows = await store.outbox_items(ticket or 0)
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 3)]


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
    stored = await store.ticket(ticket)
    assert stored is not None and stored.resident_unreachable
    notice = staff.delivered[-1].payload
    assert notice["notice"] == "unreachable" and notice["reply_to"] == 9


async def test_follow_up_never_overtakes_its_ticket_message(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=-1, mail_enabled=False)
    ticket = await escalation.escalate(chat_id=1, question="?", lang="de") or 0
    assert await escalation.follow_up(ticket, 1, "noch was") == "added"
    first = (await store.due_outbox_in_order())[0]
    await store.outbox_reschedule(first.id, "down", utcnow() + timedelta(hours=1))
    assert await store.due_outbox_in_order() == []  # the follow-up waits behind it
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
    assert await store.purge_tickets(closed_before=now - timedelta(days=1),
                                     created_before=now - timedelta(days=1)) == 0  # fmt: skip
    assert await store.purge_tickets(closed_before=now + timedelta(seconds=5),
                                     created_before=now - timedelta(days=1)) == 1  # fmt: skip
    assert await store.ticket(keep) is not None and await store.ticket(closed) is None


# ------------------------------------------------------------------------------ e-mail

SCRIPTS = {
    "uk": "Де зареєструвати квартиру?",
    "ar": "أين أسجل شقتي؟",
    "fa": "کجا آپارتمانم را ثبت کنم؟",
    "vi": "Tôi đăng ký căn hộ ở đâu?",
    "tr": "Daireyi nerede kaydettiririm? ğış",
    "de": "Wo melde ich meine Wohnung an? äöüß",
}


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
async def test_mail_is_utf8_safe_for_every_script(store: Store, lang: str) -> None:
    settings = Settings(smtp_host="localhost", smtp_from="bot@dessau.example", zwk_inbox="z@x.de")
    escalation = Escalation(store, staff_chat_id=-5, mail_enabled=True)
    ticket = await escalation.escalate(
        chat_id=1, question=SCRIPTS[lang], lang=lang, candidates=["registration"], scores=[0.4]
    )
    item = next(i for i in await store.due_outbox_in_order() if i.channel == MAIL)
    message = MailChannel(settings, escalation).build(item)
    raw = message.as_bytes()
    assert max(raw) < 128  # 7-bit clean on the wire
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert f"Ticket {ticket}" in parsed["Subject"]
    body = parsed.get_body(("plain",))
    assert body is not None
    assert SCRIPTS[lang] in body.get_content()
    assert "registration" in body.get_content()
    assert "Telegram" in body.get_content()  # how to answer
    assert parsed["Message-ID"] == message["Message-ID"]
    assert message["Message-ID"] == MailChannel(settings, escalation).build(item)["Message-ID"]


async def test_staff_text_escapes_html(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=-5, mail_enabled=False)
    payload = {"kind": "ticket", "ticket": 3, "lang": "de", "question": "<b>x</b> & <a>",
               "guesses": [["a-b", "Title <i>", 0.5]], "asked": "2026-11-26 10:00"}  # fmt: skip
    text = escalation.staff_text(payload, HTML)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a&gt;" in text
    assert "Title &lt;i&gt;" in text
    assert "<b>x</b>" in escalation.staff_text(payload, PLAIN)


def test_retry_after_is_read_in_both_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    assert retry_after_seconds(RetryAfter(timedelta(seconds=7))) == 7.0
    monkeypatch.delenv("PTB_TIMEDELTA")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns while constructing it
        exc = RetryAfter(3)
    assert retry_after_seconds(exc) == 3.0


# ---------------------------------------------------------------------- callback data

ALL_CALLBACKS = [
    cb.SetLanguage("fa"), cb.ShowEntry("a" * 48, "uk"), cb.ShowEntry("event:" + "b" * 42, "ar"),
    cb.ShowDetails("d" * 48, "fa"), cb.Rate(True, "c" * 48, "vi", "0123abcd"),
    cb.ShowCategory("family"), cb.ShowTopic("work"),
    cb.ShowMenu("topics"), cb.Consent(True, 10**11), cb.NoneOfThese(7), cb.AskPerson(),
    cb.AddToTicket(10**11), cb.Forget(False),
]  # fmt: skip


@pytest.mark.parametrize("callback", ALL_CALLBACKS, ids=lambda c: type(c).__name__)
def test_callback_data_round_trips_within_64_bytes(callback: cb.Callback) -> None:
    data = callback.data()
    assert len(data.encode()) <= 64
    parsed = cb.parse(data)
    assert parsed is not None and parsed.data() == data


@given(st.text(max_size=80))
def test_parse_never_raises_and_accepts_only_what_it_produces(data: str) -> None:
    parsed = cb.parse(data)
    assert parsed is None or parsed.data() == data


@given(st.from_regex(r"v1\|[a-z]\|[a-z0-9|+:-]{0,70}", fullmatch=True))
def test_parse_on_near_misses(data: str) -> None:
    parsed = cb.parse(data)
    assert parsed is None or parsed.data() == data


def test_callback_data_longer_than_telegram_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        cb.ShowEntry("x" * 60, "de").data()


# ------------------------------------------------------------------ language and floods


@pytest.mark.parametrize(
    ("text", "chosen", "client", "expected"),
    [
        ("kita", "uk", None, "uk"),  # German office word typed by a Ukrainian
        ("anmeldung wohnung dessau", "uk", "de", "uk"),  # keywords only: no evidence
        ("Wo melde ich meine Wohnung an?", "uk", None, "de"),  # a German sentence
        ("Як отримати місце в дитсадку?", "de", None, "uk"),  # another script
        ("прописка", "en", None, "ru"),  # Cyrillic, no Ukrainian letters
        ("Where do I register my flat?", "ar", None, "en"),
        ("kita", None, "ar", "ar"),  # the client's language when nothing was chosen
        ("kita", None, "pt-BR", None),  # unsupported client language: detect
        ("😀👍", "fa", None, "fa"),
    ],
)
def test_reply_language_rule(
    text: str, chosen: str | None, client: str | None, expected: str | None
) -> None:
    assert reply_language(text, chosen, client) == expected


def test_ui_language_falls_back_to_english() -> None:
    assert ui_language(None, "pt-BR") == "en"
    assert ui_language(None, "uk-UA") == "uk"
    assert ui_language("ar", "uk") == "ar"


def test_flood_gate_warns_once_per_burst() -> None:
    gate = FloodGate(limit=2, window=10)
    verdicts = [gate.check(1, now=t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == ["ok", "ok", "warn", "drop", "drop"]
    assert gate.check(2, now=4) == "ok"  # per person
    assert [gate.check(1, now=t) for t in (11.5, 11.6)] == ["ok", "ok"]  # the window moved on
    assert gate.check(1, now=11.7) == "warn"  # a new burst warns again
