"""End to end, escalation: consent → staff group + e-mail → staff reply → resident.

Real application, fake Bot API over HTTP, real SMTP server (aiosmtpd), real SQLite file.
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

from bot.config import Settings
from bot.escalation import DeliveryResult
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import (
    INBOX,
    STAFF,
    RunningBot,
    SmtpServer,
    StartBot,
    with_smtp,
)

ALICE = 5001
QUESTION = "Де купити квиток на автобус до Берліна?"  # Ukrainian, out of scope for the fixture KB


async def ask_and_consent(fake: FakeTelegram, chat_id: int, question: str, lang: str) -> int:
    """The resident asks, is offered forwarding, agrees; returns the ticket number."""
    mark = fake.mark()
    fake.send_text(chat_id, question, lang=lang)
    offer = await fake.wait_message(chat_id, "forward", after=mark)
    fake.press(chat_id, offer.button("✅")["callback_data"], offer.result["message_id"], lang=lang)
    confirmation = await fake.wait_message(chat_id, "ticket number", after=mark)
    return int(confirmation.text.split("ticket number is ")[1].split(".")[0])


def staff_ticket_messages(fake: FakeTelegram, ticket: int, chat_id: int = STAFF) -> list[str]:
    return [c.text for c in fake.sent(chat_id) if f"Ticket {ticket}</b>" in c.text]


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
        offer = await fake.wait_message(ALICE, "forward", after=mark)
        # What is sent, and to whom, before anything is sent.
        assert "I don't know that yet" in offer.text
        assert f"«{QUESTION}»" in offer.text
        assert "Telegram group" in offer.text and INBOX in offer.text
        assert "not your name" in offer.text
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "uk")
        confirmation = await fake.wait_message(ALICE, "ticket number is 1.")
        assert confirmation.button("Add something")
        staff = await fake.wait_message(STAFF, "Ticket 1")
        mails = await smtp.sink.wait_count(1)
    # Staff group: ticket number, language, question, best guesses, how to answer.
    assert "uk (Ukrainisch)" in staff.text
    assert QUESTION in staff.text
    assert "best guesses" in staff.text and "(childcare)" in staff.text
    assert "reply to this message" in staff.text and "/close" in staff.text
    # Nobody's name or chat id leaves the bot.
    assert "Test" not in staff.text and str(ALICE) not in staff.text
    mail = mails[0]
    assert "Ticket 1" in mail["Subject"] and "Ukrainisch" in mail["Subject"]
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
        offer = await fake.wait_message(ALICE, "forward")
        fake.press(ALICE, offer.button("✖️")["callback_data"], offer.result["message_id"], "uk")
        await fake.wait_message(ALICE, "will not forward")
        # Pressing "Yes" on the same offer afterwards changes nothing either.
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "uk")
        await bot.settle()
        assert await bot.store.open_ticket_for(ALICE) is None
    assert fake.sent(STAFF) == []


async def test_staff_reply_reaches_the_resident_and_the_thread_continues(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff = await fake.wait_message(STAFF, f"Ticket {ticket}")
        ticket_message = staff.result["message_id"]

        # A staff member replies to the ticket message.
        fake.send_group(STAFF, "Квитки продає DB: bahn.de <3 & so", reply_to=ticket_message)
        answer = await fake.wait_message(ALICE, "Answer from the city team")
        assert "Квитки продає DB: bahn.de &lt;3 &amp; so" in answer.text
        assert "Staff" not in answer.text  # never the staff member's name
        delivered = await fake.wait_message(STAFF, "delivered")
        assert delivered.params["reply_parameters"]["message_id"] > ticket_message

        # An anonymous admin (sender_chat, GroupAnonymousBot) can answer too.
        fake.send_group(STAFF, "Second answer", reply_to=ticket_message, anonymous=True)
        await fake.wait_message(ALICE, "Second answer")

        # The resident writes back with the button: threaded under the ticket message.
        mark = fake.mark()
        fake.press(ALICE, answer.button("Write back")["callback_data"], lang="uk")
        await fake.wait_message(ALICE, "Please type what you want to add", after=mark)
        fake.send_text(ALICE, "Дякую! А для дитини?", lang="uk")
        await fake.wait_message(ALICE, "Added to your question", after=mark)
        follow = await fake.wait_message(STAFF, "the person adds", after=mark)
        assert "Дякую! А для дитини?" in follow.text
        assert follow.params["reply_parameters"]["message_id"] == ticket_message

        # …or with a Telegram reply to the team's answer.
        mark = fake.mark()
        fake.send_text(ALICE, "Ще одне питання", lang="uk", reply_to=answer.result["message_id"])
        follow2 = await fake.wait_message(STAFF, "Ще одне питання", after=mark)
        assert "the person adds" in follow2.text
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
        await fake.wait_message(STAFF, f"Ticket {ticket} is closed")
        assert (await bot.store.ticket(ticket)).status == "closed"  # type: ignore[union-attr]
        mark = fake.mark()
        fake.press(ALICE, answer.button("Write back")["callback_data"], lang="uk")
        refusal = await fake.wait_for(
            lambda c: c.method == "answerCallbackQuery" and "closed" in c.params.get("text", "")
        )
        assert refusal.ok
        kinds = [m["kind"] for m in await bot.store.ticket_messages(ticket)]
        assert kinds == ["question", "reply", "reply", "followup", "followup", "reply"]


async def test_staff_replies_from_other_chats_are_not_routed(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    other_group = -1009999
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff = await fake.wait_message(STAFF, f"Ticket {ticket}")
        message_id = staff.result["message_id"]
        # The same message id in another group, and a private chat "reply".
        fake.send_group(other_group, "I am not staff", reply_to=message_id)
        fake.send_group(other_group, "/close", reply_to=message_id)
        fake.send_text(6666, "Fake staff answer", reply_to=message_id)
        # A staff member chatting (not a reply) is ignored as well.
        fake.send_group(STAFF, "Who takes this one?")
        await bot.settle()
        assert not sent_to(fake, ALICE, "Answer from the city team")
        assert (await bot.store.ticket(ticket)).status == "open"  # type: ignore[union-attr]
        assert [m["kind"] for m in await bot.store.ticket_messages(ticket)] == ["question"]
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
        rows = await bot.store.outbox_items(ticket)
    assert f"Ticket {ticket}" in mails[0]["Subject"]
    assert [(r["channel"], r["status"]) for r in rows] == [("staff", "sent"), ("mail", "sent")]
    assert rows[1]["attempts"] >= 2
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
        await fake.wait_message(STAFF, f"Ticket {ticket}")
        await result(bot, "staff", "sent")
        retries = [r for r in bot.worker.results if r.item.channel == "staff"]
        rows = await bot.store.outbox_items(ticket)
    failed_calls = [c for c in fake.calls if c.chat_id == STAFF and not c.ok]
    assert [c.error for c in failed_calls] == ["Bad Gateway"] + [
        "Too Many Requests: retry after 1"
    ] * 2
    # 502 → the request is tried again at once (ResilientRequest); 429 → the rate limiter waits
    # once, then the outbox honours retry_after.
    assert [r.outcome for r in retries] == ["retry", "sent"]
    assert retries[0].delay == 1.0
    assert len(staff_ticket_messages(fake, ticket)) == 1
    assert rows[0]["status"] == "sent" and rows[0]["attempts"] == 2


async def test_a_resident_who_blocked_the_bot_is_not_retried_forever(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff = await fake.wait_message(STAFF, f"Ticket {ticket}")
        fake.fail(
            "sendMessage", chat_id=ALICE, times=100, status=403,
            description="Forbidden: bot was blocked by the user",
        )  # fmt: skip
        fake.send_group(STAFF, "Here is your answer", reply_to=staff.result["message_id"])
        notice = await fake.wait_message(STAFF, "could not be delivered")
        failed = await result(bot, "resident", "failed")
        stored = await bot.store.ticket(ticket)
        rows = await bot.store.outbox_items(ticket)
    assert failed.code == "blocked"
    assert stored is not None and stored.resident_unreachable
    assert [c.ok for c in fake.calls if c.chat_id == ALICE and "Here is" in c.text] == [False]
    resident_rows = [r for r in rows if r["channel"] == "resident"]
    assert [(r["status"], r["attempts"]) for r in resident_rows] == [("failed", 1)]
    assert "Ticket" in notice.text


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
        moved = await fake.wait_message(new, f"Ticket {ticket}")
        notice = await fake.wait_message(new, f"STAFF_CHAT_ID={new}")
        assert "supergroup" in notice.text
        # Replies in the new group reach the resident; the old group no longer routes.
        fake.send_group(new, "Answer from the new group", reply_to=moved.result["message_id"])
        await fake.wait_message(ALICE, "Answer from the new group")
        assert bot.escalation.staff_chat_id == new
    # STAFF_CHAT_ID still names the old group after a restart: the bot remembers the move.
    async with start_bot() as bot:
        assert bot.escalation.staff_chat_id == new
        assert bot.escalation.is_staff_chat(new) and not bot.escalation.is_staff_chat(STAFF)
    assert sum(f"STAFF_CHAT_ID={new}" in c.text for c in fake.sent(new)) == 1


async def test_deleted_ticket_message_follow_up_is_sent_without_reply(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        ticket = await ask_and_consent(fake, ALICE, QUESTION, "uk")
        staff = await fake.wait_message(STAFF, f"Ticket {ticket}")
        fake.delete_message(STAFF, staff.result["message_id"])
        # Telegram's error for a reply to a deleted message, if it comes anyway.
        fake.fail(
            "sendMessage", chat_id=STAFF, status=400,
            description="Bad Request: message to be replied not found",
        )  # fmt: skip
        confirmation = await fake.wait_message(ALICE, "ticket number")
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
        staff = await fake.wait_message(STAFF, f"Ticket {ticket}")
        await bot.store.forget(ALICE)
        fake.send_group(STAFF, "Answer", reply_to=staff.result["message_id"])
        await fake.wait_message(STAFF, "cannot find a ticket")
        await bot.settle()
    assert not sent_to(fake, ALICE, "Answer from the city team")


async def test_human_command_and_open_ticket(fake: FakeTelegram, start_bot: StartBot) -> None:
    async with start_bot():
        mark = fake.mark()
        fake.send_text(ALICE, "/human", lang="de")
        await fake.wait_message(ALICE, "Please type your question", after=mark)
        fake.send_text(ALICE, "Kann ich meinen Hund ins Rathaus mitnehmen?", lang="de")
        offer = await fake.wait_message(ALICE, "Shall I forward", after=mark)
        assert "I don't know that yet" not in offer.text  # they asked for a person
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "de")
        await fake.wait_message(ALICE, "ticket number is 1", after=mark)
        staff = await fake.wait_message(STAFF, "Ticket 1")
        assert "Hund" in staff.text and "de (Deutsch)" in staff.text
        mark = fake.mark()
        fake.send_text(ALICE, "/human", lang="de")
        again = await fake.wait_message(ALICE, "already with the city's team", after=mark)
        assert again.button("Add something")
        # /close with a number works too.
        fake.send_group(STAFF, "/close 1")
        await fake.wait_message(STAFF, "Ticket 1 is closed")
