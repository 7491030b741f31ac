"""Long texts and refusals (issue 15): Telegram counts UTF-16 units, the bot splits by them and
never inside an HTML entity; a refused text is not reported as a blocked person; a staff-group
message refused for good is reported to the admins."""

from __future__ import annotations

import html

from tests.fakebot import FakeTelegram
from tests.telegram.conftest import STAFF, StartBot, t_html
from tests.telegram.test_telegram_escalation import STAFF_TICKET, ask_and_consent

ALICE = 5001
ADMIN = 9001
EMOJI = "😀"
QUESTION = "Де купити квиток на автобус до Берліна?"  # out of scope: escalates
DELIVERED = "✅ Ticket {ticket}: your answer was delivered to the person."
UNREACHABLE = (
    "❌ Ticket {ticket}: the answer could not be delivered. The person has blocked the bot or "
    "deleted their account. The ticket stays open."
)
REJECTED = (
    "❌ Ticket {ticket}: Telegram refused your answer, so it was not delivered. Please send it "
    "again, shorter or in several messages. Telegram said: {error}"
)
STAFF_REJECTED = (
    "❌ Ticket {ticket}: Telegram refused the message to the staff group for good, so it will "
    "not be sent again. The question is in the inbox if e-mail is set up; otherwise please "
    "contact the person another way. Telegram said: {error}"
)


def staff(msgid: str, **placeholders: object) -> str:
    return t_html("de", msgid, **placeholders)


def before(template: str) -> str:
    return template.split("{error}", 1)[0]


def plain(fake: FakeTelegram, chat_id: int) -> str:
    return "".join(html.unescape(c.text) for c in fake.sent(chat_id))


async def test_a_question_of_2048_emoji_reaches_the_staff_group(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, EMOJI * 2048, "de")
        await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        await fake.wait_until(lambda: plain(fake, STAFF).count(EMOJI) == 2048)


async def test_4000_ampersands_arrive_whole(fake: FakeTelegram, start_bot: StartBot) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, "&" * 4000, "de")
        await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        await fake.wait_until(lambda: plain(fake, STAFF).count("&" * 4000) == 1)


async def test_a_staff_reply_of_2040_emoji_reaches_the_resident(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        fake.send_group(STAFF, EMOJI * 2040, reply_to=message.result["message_id"])
        await fake.wait_message(STAFF, staff(DELIVERED, ticket=ticket))
        assert plain(fake, ALICE).count(EMOJI) == 2040


async def test_a_refused_answer_is_not_reported_as_a_blocked_person(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        fake.fail(
            "sendMessage", status=400, description="Bad Request: message is too long",
            chat_id=ALICE,
        )  # fmt: skip
        fake.send_group(STAFF, "Die Antwort.", reply_to=message.result["message_id"])
        await fake.wait_message(STAFF, before(staff(REJECTED, ticket=ticket, error="{error}")))
        await bot.settle()
        assert not [c for c in fake.sent(STAFF) if staff(UNREACHABLE, ticket=ticket) in c.text]
        assert not (await bot.tickets.ticket(ticket)).resident_unreachable  # type: ignore[union-attr]


async def test_a_staff_message_refused_for_good_is_reported_to_the_admins(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})):
        fake.fail(
            "sendMessage", status=400, description="Bad Request: message is too long",
            chat_id=STAFF,
        )  # fmt: skip
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        notice = await fake.wait_message(
            ADMIN, before(staff(STAFF_REJECTED, ticket=ticket, error="{error}"))
        )
        assert "message is too long" in notice.text.lower()
