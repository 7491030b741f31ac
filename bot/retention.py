"""Retention: delete what the bot no longer needs, as /privacy promises (DSGVO Art. 5 (1) e).

- The question log (never with a chat id) and the 👍/👎 ratings: ``QUESTION_LOG_DAYS``.
- Forwarded questions (tickets), their follow-ups, replies, message mappings and outbox rows:
  ``TICKET_RETENTION_DAYS`` after the team closed them, and ``OPEN_TICKET_DAYS`` after they were
  asked even if nobody closed them.
- Web chat conversations (``bot.web``): ``TICKET_RETENTION_DAYS`` after the last message, unless
  a forwarded question of theirs is still kept (then they go with it).

The Telegram bot runs this once at start and then daily (JobQueue); ``python run_bot.py
retention`` runs it by hand (e.g. from cron when the bot runs in webhook mode elsewhere).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.escalation.store import TicketStore
from bot.questionlog import QuestionLog
from bot.store import Store, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetentionResult:
    questions: int
    tickets: int
    web_sessions: int = 0


async def enforce_retention(
    store: Store, settings: Settings, now: datetime | None = None
) -> RetentionResult:
    """Delete everything past its retention time; return how much was deleted."""
    now = now or utcnow()
    questions = await QuestionLog(store).purge(
        before=now - timedelta(days=settings.question_log_days)
    )
    tickets = await TicketStore(store).purge_tickets(
        closed_before=now - timedelta(days=settings.ticket_retention_days),
        created_before=now - timedelta(days=settings.open_ticket_days),
    )
    web_sessions = await store.purge_web_sessions(
        idle_before=now - timedelta(days=settings.ticket_retention_days)
    )
    result = RetentionResult(questions=questions, tickets=tickets, web_sessions=web_sessions)
    log.info(
        "retention: deleted %d logged questions older than %d days and %d tickets "
        "(closed more than %d days ago or asked more than %d days ago)",
        questions, settings.question_log_days, tickets, settings.ticket_retention_days,
        settings.open_ticket_days,
    )  # fmt: skip
    return result
