"""Outbox payloads: typed in the code, the same JSON keys on disk as ever."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.escalation import (
    FollowUpPayload,
    Guess,
    NoticePayload,
    Payload,
    ReplyPayload,
    TicketPayload,
    TicketStore,
    payload_from_json,
)
from bot.render import PLAIN
from bot.store import Store
from bot.translate.texts import MachineTranslation

PAYLOADS: list[Payload] = [
    TicketPayload(
        lang="uk", question="Де купити квиток?", guesses=(Guess("tickets", "Fahrkarten", 0.42),),
        asked="2026-11-26 10:00", answerable=False, ticket=7,
        mt=MachineTranslation(engine="LibreTranslate", source="uk", target="de", text="Wo?"),
        parts_sent=1,
    ),
    FollowUpPayload(lang="ar", text="سؤال", ticket=7,
                    mt=MachineTranslation(engine="DeepL", source="ar", target="de", failed="503")),
    ReplyPayload(text="!Am Automaten.", staff_chat=-100, staff_message=9, copy=True, ticket=7,
                 mt=MachineTranslation(verbatim=True)),
    NoticePayload(notice="unreachable", ref=7, reply_to=9, error="403", ticket=7),
    NoticePayload(notice="migrated", new=-1009),
    NoticePayload(notice="mail-rejected", admin=42, ref=3, error="550 no such user"),
]  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p.KIND}")
def test_payload_round_trips_through_json(payload: Payload) -> None:
    stored = json.loads(json.dumps(payload.to_json()))
    assert stored["kind"] == payload.KIND
    assert payload_from_json(stored) == payload


# Rows as the bot wrote them before payloads were typed (dicts with these keys).
OLD_ROWS = [
    ("staff", {"kind": "ticket", "lang": "uk", "question": "Де купити квиток?",
               "guesses": [["tickets", "Fahrkarten", 0.42]], "asked": "2026-11-26 10:00",
               "answerable": True, "ticket": 1,
               "mt": {"engine": "LibreTranslate", "source": "uk", "target": "de",
                      "text": "Wo kaufe ich eine Fahrkarte?"}, "parts_sent": 1}),
    ("staff", {"kind": "followup", "text": "noch was", "lang": "de", "ticket": 1}),
    ("resident", {"kind": "reply", "text": "Antwort", "staff_chat": -100,
                  "staff_message": 9, "ticket": 1, "mt": {"verbatim": True}}),
    ("staff", {"kind": "notice", "notice": "delivered", "reply_to": 9, "ref": 1, "error": "",
               "ticket": 1}),
    ("staff", {"kind": "notice", "notice": "migrated", "new": -1009, "ticket": None}),
    ("staff", {"kind": "something-newer", "text": "as it is", "ticket": None}),
]  # fmt: skip


async def test_rows_written_before_typed_payloads_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path)
    tickets = TicketStore(store)
    ticket = await tickets.create_ticket(
        chat_id=5, lang="uk", question="Де купити квиток?", candidates=[], channels=[]
    )
    assert ticket == 1
    with sqlite3.connect(path) as db:  # written as by an older version of the bot
        db.executemany(
            "INSERT INTO outbox (ticket_id, channel, payload, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            [(ticket, channel, json.dumps(payload)) for channel, payload in OLD_ROWS],
        )
    rows = await tickets.outbox_items(ticket)
    await store.close()
    first, follow_up, reply, delivered, migrated, unknown = (row.payload for row in rows)
    assert isinstance(first, TicketPayload) and first.ticket == 1 and first.parts_sent == 1
    assert first.guesses == (Guess("tickets", "Fahrkarten", 0.42),)
    assert first.mt is not None and first.mt.text == "Wo kaufe ich eine Fahrkarte?"
    assert isinstance(follow_up, FollowUpPayload) and follow_up.text == "noch was"
    assert isinstance(reply, ReplyPayload) and reply.staff_message == 9 and not reply.copy
    assert reply.mt == MachineTranslation(verbatim=True)
    assert isinstance(delivered, NoticePayload) and delivered.reply_to == 9
    assert isinstance(migrated, NoticePayload) and migrated.new == -1009
    assert isinstance(unknown, NoticePayload) and unknown.text == "as it is"
    # Written back, every key an older row had is still there with its value.
    for (_channel, old), row in zip(OLD_ROWS[:5], rows, strict=False):
        again = row.payload.to_json()
        assert {key: again.get(key) for key in old} == old
    # Shown as it is, never as a template.
    from bot.escalation import StaffTexts

    assert StaffTexts(lambda: True).staff_text(unknown, PLAIN) == "as it is"
