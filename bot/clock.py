"""The city's time zone and the current time there.

Opening hours, event times, reminders, digests and the days of a report are local wall-clock
times of Dessau-Roßlau (Europe/Berlin). Code that must be testable at a fixed moment takes a
``now`` callable or a ``now`` argument and falls back to ``now()`` below.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    """The current time, aware, in the city's time zone."""
    return datetime.now(BERLIN)
