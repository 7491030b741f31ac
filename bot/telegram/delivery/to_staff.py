"""The staff group on Telegram: ticket messages, follow-ups and notices for the city's team.

Every message sent here for a ticket is mapped to it (``staff_messages``), so a staff member's
Telegram reply to any of them is routed to the right resident. Long texts are sent in parts; the
number of parts already sent is saved in the outbox row, so a retry never repeats a part.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.escalation.outbox import PermanentFailure, RetryLater, bookkeeping
from bot.escalation.payloads import FollowUpPayload, NoticePayload
from bot.escalation.store import OutboxItem, TicketStore
from bot.escalation.texts import StaffTexts
from bot.render import HTML
from bot.telegram.delivery.send import chat_missing, send_html, temporary
from bot.telegram.limits import split_message

log = logging.getLogger(__name__)


class StaffChannel:
    """Delivers ``staff`` outbox rows to the staff group (its id now: ``staff_chat()``).

    ``migrated(old, new)`` follows the group when Telegram says it became a supergroup."""

    def __init__(
        self,
        bot: Bot,
        tickets: TicketStore,
        texts: StaffTexts,
        staff_chat: Callable[[], int | None],
        migrated: Callable[[int, int], Awaitable[object]],
    ) -> None:
        self.bot = bot
        self.tickets = tickets
        self.texts = texts
        self.staff_chat = staff_chat
        self.migrated = migrated

    async def deliver(self, item: OutboxItem) -> None:
        chat_id = self.staff_chat()
        if chat_id is None:
            raise RetryLater("STAFF_CHAT_ID is not set")
        payload = item.payload
        parts = split_message(self.texts.staff_text(payload, HTML))
        reply_to = await self._reply_target(item)
        tickets = self.tickets
        for index in range(payload.parts_sent, len(parts)):
            try:
                message = await send_html(
                    self.bot, chat_id, parts[index], reply_to=reply_to if index == 0 else None
                )
            except ChatMigrated as exc:
                await self.migrated(chat_id, exc.new_chat_id)
                raise RetryLater("the staff group became a supergroup", after=0) from exc
            except Forbidden as exc:
                # The bot was removed from the group: fixable by an admin, so keep the row.
                log.error("cannot write to the staff group %s: %s", chat_id, exc)
                raise RetryLater(f"Telegram: {exc!r}") from exc
            except BadRequest as exc:
                if chat_missing(exc):
                    log.error("staff group %s not found; check STAFF_CHAT_ID", chat_id)
                    raise RetryLater(f"Telegram: {exc!r}") from exc
                raise PermanentFailure("rejected", f"Telegram: {exc!r}") from exc
            except (NetworkError, RetryAfter, TelegramError) as exc:
                raise temporary(exc) from exc
            # Delivered: a failed write below must not send the message again (the ticket
            # number in its text still routes replies to it).
            if item.ticket_id is not None:
                await bookkeeping(
                    tickets.map_staff_message(message.chat_id, message.message_id, item.ticket_id),
                    f"staff message {message.message_id} of ticket {item.ticket_id}",
                )
            if index < len(parts) - 1:
                payload = replace(payload, parts_sent=index + 1)
                await bookkeeping(
                    tickets.outbox_set_payload(item.id, payload), f"progress of outbox {item.id}"
                )

    async def _reply_target(self, item: OutboxItem) -> int | None:
        """Follow-ups thread under the ticket message; notices under the reply they confirm."""
        if isinstance(item.payload, FollowUpPayload) and item.ticket_id is not None:
            first = await self.tickets.staff_message_for_ticket(item.ticket_id)
            return first[1] if first and first[0] == self.staff_chat() else None
        if isinstance(item.payload, NoticePayload):
            return item.payload.reply_to or None
        return None
