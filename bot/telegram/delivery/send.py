"""Sending to Telegram for the outbox channels: HTML messages that survive a deleted reply
target, and Telegram's errors in the outbox's terms (``RetryLater`` with flood control's wait)."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.escalation.outbox import RetryLater

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
