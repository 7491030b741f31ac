"""End to end, escalation: consent → staff group + e-mail → staff reply → resident.

Real application, fake Bot API over HTTP, real SMTP server (aiosmtpd), real SQLite file.
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

from bot.config import Settings
from bot.escalation import STAFF_LANG, DeliveryResult
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import (
    INBOX,
    STAFF,
    RunningBot,
    SmtpServer,
    StartBot,
    before_placeholder,
    t,
    t_html,
    with_smtp,
)

ALICE = 5001
QUESTION = "Де купити квиток на автобус до Берліна?"  # Ukrainian, out of scope for the fixture KB

# The interface texts these tests look for (the resident's language is an argument).
OFFER = "Shall I forward your question to the city's team?"
UNKNOWN = "I don't know that yet."
TICKET_NUMBER = "Your ticket number is {ticket}."
ADD_BUTTON = "➕ Add something"
WRITE_BACK_BUTTON = "↩️ Write back to the team"
ANSWER_HEADER = "Answer from the city team"
STAFF_TICKET = "Ticket {ticket}"
STAFF_FOLLOW_UP = "Ticket {ticket}: the person adds"
STAFF_CLOSED = "🔒 Ticket {ticket} is closed."


def staff(msgid: str, **placeholders: object) -> str:
    """A text for the city's team, as sent to the staff group (HTML)."""
    return t_html(STAFF_LANG, msgid, **placeholders)


def mail_subject(ticket: int, language: str) -> str:
    return t(
        STAFF_LANG, "[Ankommen] Ticket {ticket}: question in {language}",
        ticket=ticket, language=language,
    )  # fmt: skip


def ticket_number(lang: str, text: str) -> int:
    """The ticket number in the resident's confirmation, read through the translated sentence."""
    before, _placeholder, after = t_html(lang, TICKET_NUMBER).partition("{ticket}")
    found = re.search(re.escape(before) + r"(\d+)" + re.escape(after), text)
    assert found, f"no ticket number in {text!r}"
    return int(found.group(1))


async def ask_and_consent(fake: FakeTelegram, chat_id: int, question: str, lang: str) -> int:
    """The resident asks, is offered forwarding, agrees; returns the ticket number."""
    mark = fake.mark()
    fake.send_text(chat_id, question, lang=lang)
    offer = await fake.wait_message(chat_id, t_html(lang, OFFER), after=mark)
    fake.press(chat_id, offer.button("✅")["callback_data"], offer.result["message_id"], lang=lang)
    prefix = before_placeholder(t_html(lang, TICKET_NUMBER))
    confirmation = await fake.wait_message(chat_id, prefix, after=mark)
    return ticket_number(lang, confirmation.text)


def staff_ticket_messages(fake: FakeTelegram, ticket: int, chat_id: int = STAFF) -> list[str]:
    heading = "<b>" + staff(STAFF_TICKET, ticket=ticket) + "</b>"
    return [c.text for c in fake.sent(chat_id) if heading in c.text]


def sent_to(fake: FakeTelegram, chat_id: int, contains: str) -> list[str]:
    return [c.text for c in fake.sent(chat_id) if contains in c.text]


async def result(bot: RunningBot, channel: str, outcome: str) -> DeliveryResult:
    async with asyncio.timeout(10):
        return await bot.worker.wait_for_result(
            lambda r: r.item.channel == channel and r.outcome == outcome
        )


async def test_consent_sends_staff_message_and_mail(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, smtp: SmtpServer
) -> None:
    async with start_bot(with_smtp(settings, smtp)):
        mark = fake.mark()
        fake.send_text(ALICE, QUESTION, lang="uk")
        offer = await fake.wait_message(ALICE, t_html("uk", OFFER), after=mark)
        # What is sent, and to whom, before anything is sent: the question and its language,
        # not the name, to the Telegram group and by e-mail to the inbox.
        assert t_html("uk", UNKNOWN) in offer.text
        assert f"«{QUESTION}»" in offer.text
        whom = t_html(
            "uk",
            "The city's integration team (Integrationsbüro / ZWK) will get your question and its "
            "language — not your name or phone number — in their Telegram group and by e-mail "
            "to {inbox}.",
            inbox=INBOX,
        )
        assert whom in offer.text and INBOX in offer.text
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "uk")
        confirmation = await fake.wait_message(ALICE, t_html("uk", TICKET_NUMBER, ticket=1))
        assert confirmation.button(t("uk", ADD_BUTTON))
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=1))
        mails = await smtp.sink.wait_count(1)
    # Staff group: ticket number, language, question, best guesses, how to answer.
    assert "uk (Ukrainisch)" in staff_message.text
    assert QUESTION in staff_message.text
    assert staff("The bot's best guesses:") in staff_message.text
    assert "(childcare)" in staff_message.text
    how_to_answer = staff(
        '↩️ To answer, reply to this message. The person gets your reply as "Answer '
        'from the city team", without your name. Reply /close to close the ticket.'
    )
    assert how_to_answer in staff_message.text and "/close" in staff_message.text
    # Nobody's name or chat id leaves the bot.
    assert "Test" not in staff_message.text and str(ALICE) not in staff_message.text
    mail = mails[0]
    assert mail["Subject"] == mail_subject(1, "uk (Ukrainisch)")
    assert "Ukrainisch" in mail["Subject"]
    assert mail["To"] == INBOX and mail["From"] == "bot@example.org"
    assert smtp.sink.envelopes == [("bot@example.org", [INBOX])]
    body = mail.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    assert body.get_content_charset() == "utf-8"
    assert QUESTION in body.get_content()
    assert str(ALICE) not in body.get_content()
    # The offer's buttons are gone: it cannot be forwarded twice.
    assert await fake.wait_for(
        lambda c: c.method == "editMessageReplyMarkup" and c.params["chat_id"] == ALICE
    )


async def test_no_means_nothing_is_forwarded(fake: FakeTelegram, start_bot: StartBot) -> None:
    async with start_bot() as bot:
        fake.send_text(ALICE, QUESTION, lang="uk")
        offer = await fake.wait_message(ALICE, t_html("uk", OFFER))
        fake.press(ALICE, offer.button("✖️")["callback_data"], offer.result["message_id"], "uk")
        await fake.wait_message(
            ALICE, t_html("uk", "OK, I will not forward it. Ask me anything else.")
        )
        # Pressing "Yes" on the same offer afterwards changes nothing either.
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "uk")
        await bot.settle()
        assert await bot.tickets.open_ticket_for(ALICE) is None
    assert fake.sent(STAFF) == []


async def test_staff_reply_reaches_the_resident_and_the_thread_continues(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        ticket_message = staff_message.result["message_id"]

        # A staff member replies to the ticket message.
        fake.send_group(STAFF, "Квитки продає DB: bahn.de <3 & so", reply_to=ticket_message)
        answer = await fake.wait_message(ALICE, t_html("uk", ANSWER_HEADER))
        assert "Квитки продає DB: bahn.de &lt;3 &amp; so" in answer.text
        assert "Staff" not in answer.text  # never the staff member's name
        delivered = await fake.wait_message(
            STAFF,
            staff("✅ Ticket {ticket}: your answer was delivered to the person.", ticket=ticket),
        )
        assert delivered.params["reply_parameters"]["message_id"] > ticket_message

        # An anonymous admin (sender_chat, GroupAnonymousBot) can answer too.
        fake.send_group(STAFF, "Second answer", reply_to=ticket_message, anonymous=True)
        await fake.wait_message(ALICE, "Second answer")

        # The resident writes back with the button: threaded under the ticket message.
        mark = fake.mark()
        fake.press(ALICE, answer.button(t("uk", WRITE_BACK_BUTTON))["callback_data"], lang="uk")
        add_prompt = "Please type what you want to add to your question {ticket}."
        await fake.wait_message(ALICE, t_html("uk", add_prompt, ticket=ticket), after=mark)
        fake.send_text(ALICE, "Дякую! А для дитини?", lang="uk")
        added = "✅ Added to your question {ticket}. The team will see it."
        await fake.wait_message(ALICE, t_html("uk", added, ticket=ticket), after=mark)
        follow = await fake.wait_message(STAFF, staff(STAFF_FOLLOW_UP, ticket=ticket), after=mark)
        assert "Дякую! А для дитини?" in follow.text
        assert follow.params["reply_parameters"]["message_id"] == ticket_message

        # …or with a Telegram reply to the team's answer.
        mark = fake.mark()
        fake.send_text(ALICE, "Ще одне питання", lang="uk", reply_to=answer.result["message_id"])
        follow2 = await fake.wait_message(STAFF, "Ще одне питання", after=mark)
        assert staff(STAFF_FOLLOW_UP, ticket=ticket) in follow2.text
        # Staff can answer the follow-up message directly.
        fake.send_group(STAFF, "Reply to the follow-up", reply_to=follow2.result["message_id"])
        await fake.wait_message(ALICE, "Reply to the follow-up")

        # Any other message is a new question, not a follow-up.
        mark = fake.mark()
        fake.send_text(ALICE, "kita", lang="uk")
        await fake.wait_message(ALICE, "Kita", after=mark)
        assert not sent_to(fake, STAFF, "kita")

        # /close as a reply closes the ticket; the follow-up button then refuses politely.
        fake.send_group(STAFF, "/close", reply_to=ticket_message)
        await fake.wait_message(STAFF, staff(STAFF_CLOSED, ticket=ticket))
        assert (await bot.tickets.ticket(ticket)).status == "closed"  # type: ignore[union-attr]
        mark = fake.mark()
        fake.press(ALICE, answer.button(t("uk", WRITE_BACK_BUTTON))["callback_data"], lang="uk")
        closed = t("uk", "This question is closed. Just ask me again.")
        refusal = await fake.wait_for(
            lambda c: c.method == "answerCallbackQuery" and closed in c.params.get("text", "")
        )
        assert refusal.ok
        kinds = [m.kind for m in await bot.tickets.ticket_messages(ticket)]
        assert kinds == ["question", "reply", "reply", "followup", "followup", "reply"]


async def test_staff_replies_from_other_chats_are_not_routed(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    other_group = -1009999
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        message_id = staff_message.result["message_id"]
        # The same message id in another group, and a private chat "reply".
        fake.send_group(other_group, "I am not staff", reply_to=message_id)
        fake.send_group(other_group, "/close", reply_to=message_id)
        fake.send_text(6666, "Fake staff answer", reply_to=message_id)
        # A staff member chatting (not a reply) is ignored as well.
        fake.send_group(STAFF, "Who takes this one?")
        await bot.settle()
        assert not sent_to(fake, ALICE, t_html("uk", ANSWER_HEADER))
        assert (await bot.tickets.ticket(ticket)).status == "open"  # type: ignore[union-attr]
        assert [m.kind for m in await bot.tickets.ticket_messages(ticket)] == ["question"]
        assert fake.sent(other_group) == []


async def test_smtp_down_then_up_after_restart_mail_arrives_once(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, smtp_down: SmtpServer
) -> None:
    config = with_smtp(settings, smtp_down)
    async with start_bot(config) as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        failed = await result(bot, "mail", "retry")
        assert "SMTP" in (failed.error or "")
        await result(bot, "staff", "sent")
    # The bot stops with the mail still pending; the mail server comes back; the bot restarts.
    smtp_down.start()
    async with start_bot(config) as bot:
        mails = await smtp_down.sink.wait_count(1)
        await result(bot, "mail", "sent")
        rows = await bot.tickets.outbox_items(ticket)
    assert mails[0]["Subject"] == mail_subject(ticket, "uk (Ukrainisch)")
    assert [(r.channel, r.status) for r in rows] == [("staff", "sent"), ("mail", "sent")]
    assert rows[1].attempts >= 2
    assert len(smtp_down.sink.messages) == 1
    assert len(staff_ticket_messages(fake, ticket)) == 1  # not sent again after the restart


async def test_telegram_502_and_429_on_the_staff_message_delivered_once(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    fake.fail("sendMessage", chat_id=STAFF, status=502)
    fake.fail(
        "sendMessage", chat_id=STAFF, times=2, status=429,
        description="Too Many Requests: retry after 1", retry_after=1,
    )  # fmt: skip
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        await result(bot, "staff", "sent")
        retries = [r for r in bot.worker.results if r.item.channel == "staff"]
        rows = await bot.tickets.outbox_items(ticket)
    failed_calls = [c for c in fake.calls if c.chat_id == STAFF and not c.ok]
    assert [c.error for c in failed_calls] == ["Bad Gateway"] + [
        "Too Many Requests: retry after 1"
    ] * 2
    # 502 → the request is tried again at once (ResilientRequest); 429 → the rate limiter waits
    # once, then the outbox honours retry_after.
    assert [r.outcome for r in retries] == ["retry", "sent"]
    assert retries[0].delay == 1.0
    assert len(staff_ticket_messages(fake, ticket)) == 1
    assert rows[0].status == "sent" and rows[0].attempts == 2


async def test_a_resident_who_blocked_the_bot_is_not_retried_forever(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        fake.fail(
            "sendMessage", chat_id=ALICE, times=100, status=403,
            description="Forbidden: bot was blocked by the user",
        )  # fmt: skip
        fake.send_group(STAFF, "Here is your answer", reply_to=staff_message.result["message_id"])
        unreachable = staff(
            "❌ Ticket {ticket}: the answer could not be delivered. The person has blocked "
            "the bot or deleted their account. The ticket stays open.",
            ticket=ticket,
        )
        notice = await fake.wait_message(STAFF, unreachable)
        failed = await result(bot, "resident", "failed")
        stored = await bot.tickets.ticket(ticket)
        rows = await bot.tickets.outbox_items(ticket)
    assert failed.code == "blocked"
    assert stored is not None and stored.resident_unreachable
    assert [c.ok for c in fake.calls if c.chat_id == ALICE and "Here is" in c.text] == [False]
    resident_rows = [r for r in rows if r.channel == "resident"]
    assert [(r.status, r.attempts) for r in resident_rows] == [("failed", 1)]
    assert notice.text == unreachable  # names the ticket


async def test_staff_group_upgraded_to_supergroup_is_followed(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    new = -1002000000002
    fake.fail(
        "sendMessage", chat_id=STAFF, status=400, migrate_to_chat_id=new,
        description="Bad Request: group chat was upgraded to a supergroup chat",
    )  # fmt: skip
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        moved = await fake.wait_message(new, staff(STAFF_TICKET, ticket=ticket))
        migrated = staff(
            "ℹ️ This group is now a supergroup with the id {new}. Please set "
            "STAFF_CHAT_ID={new} in the bot's settings. Until then the bot follows the new id "
            "by itself.",
            new=new,
        )
        notice = await fake.wait_message(new, migrated)
        assert f"STAFF_CHAT_ID={new}" in notice.text
        # Replies in the new group reach the resident; the old group no longer routes.
        fake.send_group(new, "Answer from the new group", reply_to=moved.result["message_id"])
        await fake.wait_message(ALICE, "Answer from the new group")
        assert bot.escalation.staff_chat_id == new
    # STAFF_CHAT_ID still names the old group after a restart: the bot remembers the move.
    async with start_bot() as bot:
        assert bot.escalation.staff_chat_id == new
        assert bot.escalation.is_staff_chat(new) and not bot.escalation.is_staff_chat(STAFF)
    assert sum(migrated in c.text for c in fake.sent(new)) == 1


async def test_deleted_ticket_message_follow_up_is_sent_without_reply(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        fake.delete_message(STAFF, staff_message.result["message_id"])
        # Telegram's error for a reply to a deleted message, if it comes anyway.
        fake.fail(
            "sendMessage", chat_id=STAFF, status=400,
            description="Bad Request: message to be replied not found",
        )  # fmt: skip
        confirmation = await fake.wait_message(ALICE, t_html("uk", TICKET_NUMBER, ticket=ticket))
        mark = fake.mark()
        fake.send_text(
            ALICE, "Noch eine Frage", lang="uk", reply_to=confirmation.result["message_id"]
        )
        follow = await fake.wait_message(STAFF, "Noch eine Frage", after=mark)
        assert "reply_parameters" not in follow.params
        # The follow-up message is a ticket message too: a reply to it is routed.
        fake.send_group(STAFF, "Antwort", reply_to=follow.result["message_id"])
        await fake.wait_message(ALICE, "Antwort")


async def test_staff_reply_after_forget_tells_the_staff(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        await bot.store.forget(ALICE)
        fake.send_group(STAFF, "Answer", reply_to=staff_message.result["message_id"])
        await fake.wait_message(
            STAFF, staff("I cannot find a ticket for that message (it may have been deleted).")
        )
        await bot.settle()
    assert not sent_to(fake, ALICE, t_html("uk", ANSWER_HEADER))


async def test_human_command_and_open_ticket(fake: FakeTelegram, start_bot: StartBot) -> None:
    async with start_bot():
        mark = fake.mark()
        fake.send_text(ALICE, "/human", lang="de")
        prompt = t_html("de", "Please type your question for the city's team in one message.")
        await fake.wait_message(ALICE, prompt, after=mark)
        fake.send_text(ALICE, "Kann ich meinen Hund ins Rathaus mitnehmen?", lang="de")
        offer = await fake.wait_message(ALICE, t_html("de", OFFER), after=mark)
        assert t_html("de", UNKNOWN) not in offer.text  # they asked for a person
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "de")
        await fake.wait_message(ALICE, t_html("de", TICKET_NUMBER, ticket=1), after=mark)
        staff_message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=1))
        assert "Hund" in staff_message.text and "de (Deutsch)" in staff_message.text
        mark = fake.mark()
        fake.send_text(ALICE, "/human", lang="de")
        already = t_html(
            "de",
            "Your question {ticket} is already with the city's team; the answer will come here. "
            "Do you want to add something?",
            ticket=1,
        )
        again = await fake.wait_message(ALICE, already, after=mark)
        assert again.button(t("de", ADD_BUTTON))
        # /close with a number works too.
        fake.send_group(STAFF, "/close 1")
        await fake.wait_message(STAFF, staff(STAFF_CLOSED, ticket=1))
