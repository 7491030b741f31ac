"""Notices for the admins (``ADMIN_IDS``) in their private chats, e.g. a rejected e-mail.

An admin who never pressed Start cannot be written to (Telegram's 403): that row is given up, the
others are delivered; the worker's log line says which.
"""

from __future__ import annotations

from collections.abc import Collection

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.escalation.outbox import PermanentFailure
from bot.escalation.payloads import NoticePayload
from bot.escalation.store import OutboxItem
from bot.escalation.texts import StaffTexts
from bot.render import HTML
from bot.telegram.delivery.send import send_html, temporary
from bot.telegram.limits import split_message


class AdminChannel:
    """Delivers ``admin`` outbox rows to the admin named in the row."""

    def __init__(self, bot: Bot, texts: StaffTexts, admin_ids: Collection[int]) -> None:
        self.bot = bot
        self.texts = texts
        self.admin_ids = frozenset(admin_ids)

    async def deliver(self, item: OutboxItem) -> None:
        admin = item.payload.admin if isinstance(item.payload, NoticePayload) else None
        if admin is None or admin not in self.admin_ids:
            raise PermanentFailure("not-admin", f"{admin} is no longer in ADMIN_IDS")
        for part in split_message(self.texts.staff_text(item.payload, HTML)):
            try:
                await send_html(self.bot, admin, part)
            except (Forbidden, BadRequest) as exc:
                raise PermanentFailure("blocked", f"Telegram: {exc!r}") from exc
            except (NetworkError, RetryAfter, TelegramError) as exc:
                raise temporary(exc) from exc
