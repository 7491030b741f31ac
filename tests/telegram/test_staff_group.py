"""The staff group and other groups (issue 15): /close arguments, replies to any copy of a
ticket message, foreign groups that flood the bot."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import STAFF, StartBot, t_html
from tests.telegram.test_telegram_escalation import (
    OFFER,
    STAFF_CLOSED,
    STAFF_FOLLOW_UP,
    STAFF_TICKET,
    ask_and_consent,
)

ALICE = 5001
QUESTION = "Де купити квиток на автобус до Берліна?"
FOLLOW_UP = STAFF_FOLLOW_UP
ADDED = "✅ Added to your question {ticket}. The team will see it."
TOO_MANY = (
    "Your question {ticket} already has many additions. Please wait for the team's answer; it "
    "will come here."
)
DAILY = (
    "You have sent several questions to the city's team today. Please wait for their answers, "
    "or ask again tomorrow."
)
BAD_NUMBER = "Please write the ticket number in the digits 0–9, e.g. /close 12."


def staff(msgid: str, **placeholders: object) -> str:
    return t_html("de", msgid, **placeholders)


async def test_close_accepts_only_ascii_ticket_numbers_in_range(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        for argument in ("99999999999999999999999", "١٢", "١", "-1", "1e3"):
            mark = fake.mark()
            fake.send_group(STAFF, "/close " + argument)
            await fake.wait_message(STAFF, staff(BAD_NUMBER), after=mark)
        await bot.settle()
        assert (await bot.store.ticket(ticket)).status == "open"  # type: ignore[union-attr]
        fake.send_group(STAFF, f"/close #{ticket}")
        await fake.wait_message(STAFF, staff(STAFF_CLOSED, ticket=ticket))


async def consent(fake: FakeTelegram, chat_id: int, question: str, lang: str) -> str:
    """Ask, agree to forwarding; the bot's reply to the consent."""
    mark = fake.mark()
    fake.send_text(chat_id, question, lang=lang)
    offer = await fake.wait_message(chat_id, t_html(lang, OFFER), after=mark)
    mark = fake.mark()
    fake.press(chat_id, offer.button("✅")["callback_data"], offer.result["message_id"], lang=lang)
    reply = await fake.wait_message(chat_id, after=mark)
    return reply.text


async def test_one_open_ticket_per_person_with_caps(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot(max_follow_ups=2, tickets_per_day=2) as bot:
        first = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        for _ in range(2):  # a second and third question join the open ticket
            reply = await consent(fake, ALICE, QUESTION, "uk")
            assert t_html("uk", ADDED, ticket=first) in reply
        await fake.wait_until(
            lambda: (
                len([c for c in fake.sent(STAFF) if staff(FOLLOW_UP, ticket=first) in c.text]) == 2
            )
        )
        reply = await consent(fake, ALICE, QUESTION, "uk")  # the cap on additions
        assert t_html("uk", TOO_MANY, ticket=first) in reply
        assert await bot.store.count_rows("tickets") == 1
        await bot.escalation.close(first)
        second = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        assert second == first + 1
        await bot.escalation.close(second)
        reply = await consent(fake, ALICE, QUESTION, "uk")  # the daily cap on tickets
        assert t_html("uk", DAILY) in reply
        await bot.settle()
        assert await bot.store.count_rows("tickets") == 2
        assert len([c for c in fake.sent(STAFF) if "🎫" in c.text]) == 2


async def test_a_reply_to_a_copy_the_bot_never_recorded_reaches_the_resident(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings
) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        first = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
    # A crash between Telegram accepting the message and the bot recording it: no mapping, the
    # outbox row still pending.
    with sqlite3.connect(settings.db_path) as db:
        db.execute("DELETE FROM staff_messages")
        db.execute("UPDATE outbox SET status = 'pending', done_at = NULL WHERE channel = 'staff'")
    db.close()
    mark = fake.mark()
    async with start_bot() as bot:
        second = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket), after=mark)
        assert second.result["message_id"] != first.result["message_id"]
        fake.send_group(STAFF, "Antwort auf die erste Kopie", reply_to=first.result["message_id"])
        await fake.wait_message(ALICE, "Antwort auf die erste Kopie")
        fake.send_group(STAFF, "/close", reply_to=first.result["message_id"])
        await fake.wait_message(STAFF, staff(STAFF_CLOSED, ticket=ticket))
        await bot.settle()
        assert not [c for c in fake.sent(STAFF) if "I cannot find a ticket" in c.text]
