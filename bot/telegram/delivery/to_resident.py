"""A staff member's answer, delivered to the resident's private chat through the outbox.

The chat id is read from the ticket at delivery time, not stored in the row: after /forget the
ticket is gone and nothing is sent. A resident who blocked the bot is a permanent failure; the
worker marks the ticket and tells the staff group, and the row is not retried.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.escalation.outbox import PermanentFailure, bookkeeping
from bot.escalation.payloads import ReplyPayload
from bot.escalation.store import OutboxItem, TicketStore
from bot.escalation.texts import StaffTexts
from bot.render import HTML
from bot.telegram.delivery.send import chat_missing, send_html, temporary
from bot.telegram.keyboards import reply_to_team
from bot.telegram.limits import split_message


class ResidentChannel:
    """Delivers ``resident`` outbox rows (staff replies) to the person who asked."""

    def __init__(self, bot: Bot, tickets: TicketStore, texts: StaffTexts) -> None:
        self.bot = bot
        self.tickets = tickets
        self.texts = texts

    async def deliver(self, item: OutboxItem) -> None:
        tickets = self.tickets
        ticket = await tickets.ticket(item.ticket_id) if item.ticket_id is not None else None
        if ticket is None:
            raise PermanentFailure("gone", "the ticket was deleted (/forget or retention)")
        if ticket.chat_id is None:
            raise PermanentFailure("no-chat", "the question was not asked on Telegram")
        payload = item.payload
        if not isinstance(payload, ReplyPayload):
            raise PermanentFailure("not-a-reply", f"a {payload.KIND} is not for the resident")
        parts = split_message(self.texts.resident_text(ticket, payload, HTML))
        for index in range(payload.parts_sent, len(parts)):
            last = index == len(parts) - 1
            try:
                message = await send_html(
                    self.bot, ticket.chat_id, parts[index],
                    reply_markup=reply_to_team(ticket.id, ticket.lang) if last else None,
                )  # fmt: skip
            except Forbidden as exc:
                raise PermanentFailure("blocked", f"Telegram: {exc!r}") from exc
            except BadRequest as exc:
                code = "blocked" if chat_missing(exc) else "rejected"
                raise PermanentFailure(code, f"Telegram: {exc!r}") from exc
            except (NetworkError, RetryAfter, TelegramError) as exc:
                raise temporary(exc) from exc
            # Delivered: a failed write below must not send the message again.
            await bookkeeping(
                tickets.map_resident_message(ticket.chat_id, message.message_id, ticket.id),
                f"resident message {message.message_id} of ticket {ticket.id}",
            )
            if not last:
                payload = replace(payload, parts_sent=index + 1)
                await bookkeeping(
                    tickets.outbox_set_payload(item.id, payload), f"progress of outbox {item.id}"
                )
