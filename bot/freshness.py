"""Freshness: what in a valid knowledge base may be out of date (old ``checked`` dates,
unconfirmed or past events, contacts nothing uses). Never an error: facts age slowly.
``python run_bot.py validate`` prints it (``bot.report_text``), the HTML report shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from bot.clock import BERLIN
from bot.events import next_occurrence, occurrences
from bot.knowledge import INTEGRATION_CONTACT, KnowledgeBase, Origin


@dataclass(frozen=True, slots=True)
class Stale:
    """One thing a curator should look at, located like a validation problem."""

    kind: str  # entry, contact, hours, event
    id: str
    origin: Origin
    detail: str

    def __str__(self) -> str:
        return f"{self.origin.file}:{self.origin.line} {self.kind} {self.id}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Freshness:
    today: date
    unchecked: tuple[Stale, ...]  # facts last checked more than ``months`` ago
    events: tuple[Stale, ...]  # unconfirmed dates soon, or no date ahead at all
    unused_contacts: tuple[Stale, ...]
    months: int = 12
    event_days: int = 60

    @property
    def clean(self) -> bool:
        return not (self.unchecked or self.events or self.unused_contacts)


def check_freshness(
    kb: KnowledgeBase, now: datetime, *, months: int = 12, event_days: int = 60
) -> Freshness:
    """What in a valid knowledge base may be out of date (never an error: facts age slowly)."""
    today = now.astimezone(BERLIN).date()
    limit = today - relativedelta(months=months)
    unchecked: list[Stale] = []
    for entry in kb.entries.values():
        if entry.checked < limit:
            unchecked.append(Stale("entry", entry.id, entry.origin, f"checked {entry.checked}"))
    for contact in kb.contacts.values():
        if contact.checked < limit:
            unchecked.append(
                Stale("contact", contact.id, contact.origin, f"checked {contact.checked}")
            )
        hours = contact.hours
        if hours is not None and hours.checked is not None and hours.checked < limit:
            unchecked.append(
                Stale(
                    "hours",
                    contact.id,
                    contact.origin,
                    f"opening hours confirmed {hours.checked} (hours_checked)",
                )
            )
    for event in kb.events.values():
        if event.checked < limit:
            unchecked.append(Stale("event", event.id, event.origin, f"checked {event.checked}"))
    events: list[Stale] = []
    for event in kb.events.values():
        soon = occurrences(event, now, now + timedelta(days=event_days))
        if soon and not event.confirmed:
            when = soon[0].start.date().isoformat()
            events.append(
                Stale("event", event.id, event.origin, f"{when} not confirmed (confirmed: false)")
            )
        elif not soon and next_occurrence(event, now) is None:
            events.append(Stale("event", event.id, event.origin, "no date ahead: over?"))
    used = {cid for entry in kb.entries.values() for cid in entry.contacts}
    used |= {event.place for event in kb.events.values() if event.place}
    used.add(INTEGRATION_CONTACT)  # the bot's own fallback contact counts as used
    unused = [
        Stale("contact", c.id, c.origin, "no entry or event uses it")
        for c in kb.contacts.values()
        if c.id not in used
    ]
    return Freshness(today, tuple(unchecked), tuple(events), tuple(unused), months, event_days)
