"""The outbox channels that deliver through Telegram: the staff group (``to_staff``), the
resident's private chat (``to_resident``), the admins' private chats (``to_admins``), and the
send helpers they share (``send``). The escalation package knows nothing of these; the Telegram
app hands them to ``bot.escalation.build``."""

from __future__ import annotations

from telegram import Bot

from bot.escalation import ADMIN, RESIDENT, STAFF, Channel, Escalation
from bot.telegram.delivery.to_admins import AdminChannel
from bot.telegram.delivery.to_resident import ResidentChannel
from bot.telegram.delivery.to_staff import StaffChannel


def telegram_channels(bot: Bot, escalation: Escalation) -> dict[str, Channel]:
    """The outbox channels Telegram delivers: always the residents' chats; the staff group and
    the admins when they are configured. Each gets what it needs, not the service."""
    channels: dict[str, Channel] = {
        RESIDENT: ResidentChannel(bot, escalation.tickets, escalation.texts)
    }
    if escalation.staff_chat_id is not None:
        channels[STAFF] = StaffChannel(
            bot, escalation.tickets, escalation.texts,
            staff_chat=lambda: escalation.staff_chat_id,
            migrated=escalation.staff_chat_migrated,
        )  # fmt: skip
    if escalation.admin_ids:
        channels[ADMIN] = AdminChannel(bot, escalation.texts, escalation.admin_ids)
    return channels
