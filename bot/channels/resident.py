"""A staff member's answer, delivered to the resident's private chat through the outbox.

The chat id is read from the ticket at delivery time, not stored in the row: after /forget the
ticket is gone and nothing is sent. A resident who blocked the bot is a permanent failure; the
worker marks the ticket and tells the staff group, and the row is not retried.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.staff import chat_missing, send_html, temporary
from bot.escalation import Escalation, PermanentFailure, bookkeeping
from bot.render import HTML
from bot.store import OutboxItem
from bot.telegram.keyboards import reply_to_team
from bot.telegram.limits import split_message


class ResidentChannel:
    """Delivers ``resident`` outbox rows (staff replies) to the person who asked."""

    def __init__(self, bot: Bot, escalation: Escalation) -> None:
        self.bot = bot
        self.escalation = escalation

    async def deliver(self, item: OutboxItem) -> None:
        store = self.escalation.store
        ticket = await store.ticket(item.ticket_id) if item.ticket_id is not None else None
        if ticket is None:
            raise PermanentFailure("gone", "the ticket was deleted (/forget or retention)")
        if ticket.chat_id is None:
            raise PermanentFailure("no-chat", "the question was not asked on Telegram")
        payload = dict(item.payload)
        parts = split_message(self.escalation.resident_text(ticket, payload, HTML))
        for index in range(int(payload.get("parts_sent", 0)), len(parts)):
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
                store.map_resident_message(ticket.chat_id, message.message_id, ticket.id),
                f"resident message {message.message_id} of ticket {ticket.id}",
            )
            if not last:
                payload["parts_sent"] = index + 1
                await bookkeeping(
                    store.outbox_set_payload(item.id, payload), f"progress of outbox {item.id}"
                )
