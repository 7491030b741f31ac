"""Notices for the admins (``ADMIN_IDS``) in their private chats, e.g. a rejected e-mail.

An admin who never pressed Start cannot be written to (Telegram's 403): that row is given up, the
others are delivered; the worker's log line says which.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.staff import send_html, temporary
from bot.escalation import Escalation, PermanentFailure
from bot.render import HTML
from bot.store import OutboxItem
from bot.telegram.limits import split_message


class AdminChannel:
    """Delivers ``admin`` outbox rows to the admin named in the row."""

    def __init__(self, bot: Bot, escalation: Escalation) -> None:
        self.bot = bot
        self.escalation = escalation

    async def deliver(self, item: OutboxItem) -> None:
        admin = int(item.payload["admin"])
        if admin not in self.escalation.admin_ids:
            raise PermanentFailure("not-admin", f"{admin} is no longer in ADMIN_IDS")
        for part in split_message(self.escalation.staff_text(item.payload, HTML)):
            try:
                await send_html(self.bot, admin, part)
            except (Forbidden, BadRequest) as exc:
                raise PermanentFailure("blocked", f"Telegram: {exc!r}") from exc
            except (NetworkError, RetryAfter, TelegramError) as exc:
                raise temporary(exc) from exc
