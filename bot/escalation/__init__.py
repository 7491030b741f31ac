"""Escalation to people: a question goes to the city's team, their answer comes back.

Nothing is ever lost. Read the modules in this order, the path of one escalation:

1. ``payloads``: what an outbox row carries (one typed payload per kind) and the channel names.
2. ``store``: on consent the ticket and one outbox row per channel (staff group, e-mail) are
   written in a single SQLite transaction; only then is the resident told the ticket number.
3. ``service``: ``Escalation`` creates tickets, follow-ups and staff replies, and reacts to
   deliveries (a confirmation in the staff group, a note that a person is unreachable).
4. ``texts``: each payload as the team or the resident reads it.
5. ``outbox``: the channel protocol, ``RetryLater``/``PermanentFailure`` and ``OutboxWorker``,
   which delivers each row once (at-least-once across a crash; see there).
6. ``translation``: machine translation stored in the row before its first send.
7. ``mail``: the e-mail channel to the inbox.
8. ``compose``: ``build``, the one place that puts service, channels and worker together.

This package knows nothing about Telegram: its channels live in ``bot.telegram.delivery``.
"""

from bot.escalation.compose import build
from bot.escalation.outbox import (
    Channel,
    DeliveryResult,
    OutboxWorker,
    PermanentFailure,
    RetryLater,
    bookkeeping,
)
from bot.escalation.payloads import (
    ADMIN,
    MAIL,
    RESIDENT,
    STAFF,
    WEB,
    WEB_MAIL,
    FollowUpPayload,
    Guess,
    Notice,
    NoticePayload,
    Payload,
    ReplyPayload,
    TicketPayload,
    payload_from_json,
)
from bot.escalation.service import (
    MAX_FOLLOW_UPS,
    TICKETS_PER_DAY,
    Escalation,
    Forwarded,
    LimitReached,
)
from bot.escalation.store import OutboxItem, OutboxRow, Ticket, TicketMessage, TicketStore
from bot.escalation.texts import STAFF_LANG, StaffTexts

__all__ = [
    "ADMIN", "MAIL", "MAX_FOLLOW_UPS", "RESIDENT", "STAFF", "STAFF_LANG", "TICKETS_PER_DAY",
    "WEB", "WEB_MAIL", "Channel", "DeliveryResult", "Escalation", "FollowUpPayload", "Forwarded",
    "Guess", "LimitReached", "Notice", "NoticePayload", "OutboxItem", "OutboxRow", "OutboxWorker",
    "Payload", "PermanentFailure", "ReplyPayload", "RetryLater", "StaffTexts", "Ticket",
    "TicketMessage", "TicketPayload", "TicketStore", "bookkeeping", "build", "payload_from_json",
]  # fmt: skip
