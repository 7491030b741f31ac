"""The web chat running inside the Telegram bot's process (WEB_PORT set): a question from the
web is forwarded with consent, the staff answer by replying in their group (fake Bot API), and
the answer reaches the web session — on the page and, if the person asked, by e-mail."""

from __future__ import annotations

import asyncio

import aiohttp

from bot.config import Settings
from bot.escalation import STAFF_LANG, WEB, WEB_MAIL, DeliveryResult
from bot.telegram.app import WEB_SERVER
from bot.web.server import WebServer
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import (
    INBOX,
    STAFF,
    RunningBot,
    SmtpServer,
    StartBot,
    t_html,
    with_smtp,
)
from tests.web.client import Api, t

QUESTION = "Де купити квиток на автобус до Берліна?"  # Ukrainian, out of scope for the fixture KB
YES = "✅ Yes, forward it"
HEADER = "Answer from the city team"


def web_api(bot: RunningBot, http: aiohttp.ClientSession) -> Api:
    server: WebServer = bot.app.bot_data[WEB_SERVER]
    return Api(http, f"http://127.0.0.1:{server.port}")


async def result(bot: RunningBot, channel: str, outcome: str) -> DeliveryResult:
    async with asyncio.timeout(10):
        return await bot.worker.wait_for_result(
            lambda r: r.item.channel == channel and r.outcome == outcome
        )


async def test_web_question_staff_reply_reaches_the_page_and_the_mail(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, smtp: SmtpServer
) -> None:
    config = with_smtp(settings, smtp)
    async with start_bot(config, web_port=0) as bot, aiohttp.ClientSession() as http:
        api = web_api(bot, http)
        offer = (await api.message(QUESTION, lang="uk"))["replies"][0]
        # Consent first, saying what goes where; the e-mail field is offered (mail is on).
        assert t("uk", "Shall I forward your question to the city's team?") in offer["text"]
        assert f"«{QUESTION}»" in offer["text"] and INBOX in offer["text"]
        assert offer["ask_email"] is True
        assert not fake.sent(STAFF)

        confirmation = await api.press(offer, t("uk", YES), email="olena@example.net")
        reply = confirmation["replies"][0]
        ticket = reply["ticket"]
        assert t("uk", "Your ticket number is {ticket}.", ticket=ticket) in reply["text"]
        staff_message = await fake.wait_message(
            STAFF, t_html(STAFF_LANG, "Ticket {ticket}", ticket=ticket)
        )
        assert QUESTION in staff_message.text
        assert "olena@example.net" not in staff_message.text  # the address stays with the ticket
        inbox = await smtp.sink.wait_count(1)
        assert inbox[0]["To"] == INBOX and "olena@example.net" not in inbox[0].as_string()
        stored = await bot.tickets.ticket(ticket)
        assert stored is not None and stored.email == "olena@example.net"
        assert stored.chat_id is None and stored.web_session is not None

        # Nothing yet on the page; then the staff reply in the group, as for Telegram.
        assert await api.poll() == []
        ticket_message = staff_message.result["message_id"]
        fake.send_group(STAFF, "Квитки продає DB: bahn.de <3", reply_to=ticket_message)
        await result(bot, WEB, "sent")
        delivered = await fake.wait_message(
            STAFF,
            t_html(STAFF_LANG, "✅ Ticket {ticket}: your answer was delivered to the person.",
                   ticket=ticket),
        )  # fmt: skip
        assert delivered
        answers = await api.poll()
        assert len(answers) == 1
        assert t("uk", HEADER) in answers[0]["text"]
        assert "Квитки продає DB: bahn.de <3" in answers[0]["text"]  # plain text, not HTML
        assert answers[0]["kind"] == "team"
        assert "Staff" not in answers[0]["text"]
        # Shown once: the next poll acknowledges it and finds nothing new.
        assert await api.poll() == []
        assert await bot.store.count_rows("web_inbox") == 0

        # The copy by e-mail goes to the address the person left, in their language.
        await result(bot, WEB_MAIL, "sent")
        mails = await smtp.sink.wait_count(2)
        copy = mails[1]
        assert copy["To"] == "olena@example.net"
        body = copy.get_body(("plain",))
        assert body is not None and "Квитки продає DB" in body.get_content()
        assert str(ticket) in copy["Subject"]

        # Writing back: the "write back" button threads the follow-up under the ticket.
        mark = fake.mark()
        prompt = await api.press(answers[0], t("uk", "↩️ Write back to the team"))
        assert str(ticket) in prompt["replies"][0]["text"]
        added = await api.message("Дякую! А для дитини?", lang="uk")
        assert t("uk", "✅ Added to your question {ticket}. The team will see it.",
                 ticket=ticket) in added["replies"][0]["text"]  # fmt: skip
        follow = await fake.wait_message(STAFF, "Дякую! А для дитини?", after=mark)
        assert follow.params["reply_parameters"]["message_id"] == staff_message.result["message_id"]


async def test_delete_my_data_then_a_staff_reply_is_not_delivered(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot(web_port=0) as bot, aiohttp.ClientSession() as http:
        api = web_api(bot, http)
        offer = (await api.message(QUESTION, lang="uk"))["replies"][0]
        assert "ask_email" in offer and offer["ask_email"] is False  # no mail server here
        ticket = (await api.press(offer, t("uk", YES)))["replies"][0]["ticket"]
        staff_message = await fake.wait_message(
            STAFF, t_html(STAFF_LANG, "Ticket {ticket}", ticket=ticket)
        )
        ask = (await api.message("/forget", lang="uk"))["replies"][0]
        done = await api.press(ask, t("uk", "🗑 Yes, delete"))
        assert done["forgotten"] is True
        assert await bot.tickets.ticket(ticket) is None
        assert await bot.store.count_rows("web_sessions") == 0
        fake.send_group(STAFF, "Too late", reply_to=staff_message.result["message_id"])
        await fake.wait_message(
            STAFF,
            t_html(STAFF_LANG, "I cannot find a ticket for that message (it may have been "
                   "deleted)."),
        )  # fmt: skip
        # The old session id is gone for good: a poll is refused, a message starts afresh.
        status, body, _headers = await api.raw("GET", f"/api/v1/session/{api.session}")
        assert (status, body) == (404, {"error": "unknown-session"})
        old = api.session
        await api.message("kita", lang="de")
        assert api.session != old
