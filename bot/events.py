"""Events: expand recurrence rules and answer "what is on" for a time window.

All times are local Europe/Berlin wall-clock times; recurrence is expanded on naive local times so
that a festival at 18:00 stays at 18:00 across daylight-saving changes, then made aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bot.knowledge import Event, KnowledgeBase

BERLIN = ZoneInfo("Europe/Berlin")
_SUPPORTED_FREQ = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY")
_MAX_EXPANSION = 400  # occurrences looked at per event and query; weekly events over ~8 years


@dataclass(frozen=True, slots=True)
class Occurrence:
    event: Event
    start: datetime  # aware, Europe/Berlin
    end: datetime  # aware, Europe/Berlin; all-day events end at the end of their last day

    @property
    def all_day(self) -> bool:
        return self.event.all_day


def _as_naive(value: datetime | date) -> datetime:
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
        rrulestr(body, dtstart=_as_naive(start))
    except (ValueError, TypeError) as exc:
        return f"not a valid repeat rule ({exc}): {rule!r}"
    return None


def _duration(event: Event) -> timedelta:
    if event.end is None:
        return timedelta(days=1) if event.all_day else timedelta(hours=2)
    end = _as_naive(event.end)
    if event.all_day:
        end += timedelta(days=1)  # an all-day end date is inclusive
    return end - _as_naive(event.start)


def occurrences(event: Event, after: datetime, before: datetime) -> list[Occurrence]:
    """Occurrences of ``event`` that are not over at ``after`` and start before ``before``."""
    after_naive = after.astimezone(BERLIN).replace(tzinfo=None)
    before_naive = before.astimezone(BERLIN).replace(tzinfo=None)
    duration = _duration(event)
    start = _as_naive(event.start)
    if event.repeat:
        rule = rrulestr(event.repeat.removeprefix("RRULE:"), dtstart=start)
        starts: Iterable[datetime] = rule.xafter(
            after_naive - duration, count=_MAX_EXPANSION, inc=True
        )
    else:
        starts = [start]
    found = []
    for begin in starts:
        if begin >= before_naive:
            break
        end = begin + duration
        if end <= after_naive:
            continue
        found.append(Occurrence(event, begin.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN)))
    return found


def upcoming(kb: KnowledgeBase, now: datetime, days: int = 14) -> list[Occurrence]:
    """Every occurrence that is not over and starts within ``days`` days, soonest first."""
    until = now + timedelta(days=days)
    found = [occ for event in kb.events.values() for occ in occurrences(event, now, until)]
    return sorted(found, key=lambda o: (o.start, o.event.id))


def next_events(kb: KnowledgeBase, now: datetime, limit: int = 5) -> list[Occurrence]:
    """The next ``limit`` occurrences, however far ahead, soonest first (one per event)."""
    found = [occ for event in kb.events.values() if (occ := next_occurrence(event, now))]
    return sorted(found, key=lambda o: (o.start, o.event.id))[:limit]


def next_occurrence(event: Event, now: datetime, horizon_days: int = 800) -> Occurrence | None:
    """The next occurrence of ``event`` that is not over, within about two years."""
    found = occurrences(event, now, now + timedelta(days=horizon_days))
    return found[0] if found else None


def weekend_window(now: datetime) -> tuple[datetime, datetime]:
    """This weekend (Saturday 00:00 to Monday 00:00); on a weekend, the rest of it.

    From Friday evening on people mean the coming days, so Friday 17:00 starts the weekend too.
    """
    local = now.astimezone(BERLIN)
    saturday = local.date() + timedelta(days=(5 - local.weekday()) % 7)
    if local.weekday() == 6:
        saturday = local.date() - timedelta(days=1)
    start = datetime.combine(saturday, time.min, BERLIN)
    end = start + timedelta(days=2)
    if local.weekday() == 4 and local.time() >= time(17, 0):
        start = local
    return max(start, local), end
