"""The staff group and other groups (issue 15): /close arguments, replies to any copy of a
ticket message, foreign groups that flood the bot."""

from __future__ import annotations

from tests.fakebot import FakeTelegram
from tests.telegram.conftest import STAFF, StartBot, t_html
from tests.telegram.test_telegram_escalation import STAFF_CLOSED, STAFF_TICKET, ask_and_consent

ALICE = 5001
QUESTION = "Де купити квиток на автобус до Берліна?"
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
