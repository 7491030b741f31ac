"""Recurrence rules of events (``repeat:`` in the knowledge base, RFC 5545 RRULE): which rules a
curator may write, checked while the knowledge base is read; ``bot.events`` expands them.

Rules run on naive local wall-clock times, so that a festival at 18:00 stays at 18:00 across
daylight-saving changes.
"""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.rrule import rrulestr

_SUPPORTED_FREQ = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")


def as_naive(value: datetime | date) -> datetime:
    """A date as its midnight, a datetime without its zone: the clock time on the wall."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return datetime.combine(value, time.min)


def rrule_problem(rule: str, start: datetime | date) -> str | None:
    """A curator-readable message if ``rule`` is not a usable RRULE, else None."""
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts = dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)
    if parts.get("FREQ") not in _SUPPORTED_FREQ:
        return f"repeat needs FREQ=YEARLY, MONTHLY, WEEKLY or DAILY: {rule!r}"
    try:
        rrulestr(body, dtstart=as_naive(start))
    except (ValueError, TypeError) as exc:
        return f"not a valid repeat rule ({exc}): {rule!r}"
    return None
