"""The staff group on Telegram: ticket messages, follow-ups and notices for the city's team.

Every message sent here for a ticket is mapped to it (``staff_messages``), so a staff member's
Telegram reply to any of them is routed to the right resident. Long texts are sent in parts; the
number of parts already sent is saved in the outbox row, so a retry never repeats a part.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.escalation import Escalation, PermanentFailure, RetryLater, bookkeeping
from bot.render import HTML
from bot.store import OutboxItem
from bot.telegram.limits import split_message

log = logging.getLogger(__name__)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Telegram's wait time, without PTB's int-or-timedelta deprecation warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def reply_target_missing(exc: BadRequest) -> bool:
    """True when Telegram refused because the message to reply to was deleted."""
    text = exc.message.lower()
    return "replied" in text and "not found" in text


def chat_missing(exc: BadRequest) -> bool:
    return "chat not found" in exc.message.lower()


def temporary(exc: TelegramError) -> RetryLater:
    """The outbox view of a Telegram error that is worth retrying."""
    if isinstance(exc, RetryAfter):
        return RetryLater(f"Telegram flood control: {exc}", after=retry_after_seconds(exc))
    return RetryLater(f"Telegram: {exc!r}")


async def send_html(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_to: int | None = None,
    reply_markup: Any = None,
) -> Message:
    """Send one HTML message; if the message to reply to is gone, send it without the reply."""
    parameters = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True) if reply_to else None
    )
    try:
        return await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_parameters=parameters,
            reply_markup=reply_markup,
        )  # fmt: skip
    except BadRequest as exc:
        if parameters is None or not reply_target_missing(exc):
            raise
        log.info("message %s in chat %s is gone; sending without the reply", reply_to, chat_id)
        return await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )


class StaffChannel:
    """Delivers ``staff`` outbox rows to the staff group (``Escalation.staff_chat_id``)."""

    def __init__(self, bot: Bot, escalation: Escalation) -> None:
        self.bot = bot
        self.escalation = escalation

    async def deliver(self, item: OutboxItem) -> None:
        chat_id = self.escalation.staff_chat_id
        if chat_id is None:
            raise RetryLater("STAFF_CHAT_ID is not set")
        payload = dict(item.payload)
        parts = split_message(self.escalation.staff_text(payload, HTML))
        reply_to = await self._reply_target(item)
        store = self.escalation.store
        for index in range(int(payload.get("parts_sent", 0)), len(parts)):
            try:
                message = await send_html(
                    self.bot, chat_id, parts[index], reply_to=reply_to if index == 0 else None
                )
            except ChatMigrated as exc:
                await self.escalation.staff_chat_migrated(chat_id, exc.new_chat_id)
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
                    store.map_staff_message(message.chat_id, message.message_id, item.ticket_id),
                    f"staff message {message.message_id} of ticket {item.ticket_id}",
                )
            if index < len(parts) - 1:
                payload["parts_sent"] = index + 1
                await bookkeeping(
                    store.outbox_set_payload(item.id, payload), f"progress of outbox {item.id}"
                )

    async def _reply_target(self, item: OutboxItem) -> int | None:
        """Follow-ups thread under the ticket message; notices under the reply they confirm."""
        if item.payload.get("kind") == "followup" and item.ticket_id is not None:
            first = await self.escalation.store.staff_message_for_ticket(item.ticket_id)
            return first[1] if first and first[0] == self.escalation.staff_chat_id else None
        reply_to = item.payload.get("reply_to")
        return int(reply_to) if reply_to else None
