"""Opening hours: open now and next opening in the city's time, nth-weekday rules, Babel labels."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.clock import BERLIN
from bot.hours import format_hours, open_state, spans_on
from bot.knowledge import HoursRule, OpeningHours

HOURS = OpeningHours(
    rules=(
        HoursRule(0, ((time(8), time(12)), (time(13, 30), time(16)))),
        HoursRule(1, ((time(8), time(12)),)),
        HoursRule(5, ((time(9), time(12)),), nth=1),
        HoursRule(4, (), nth=-1),
        HoursRule(4, ((time(8), time(12)),)),
    ),
    closed=frozenset({date(2026, 12, 1)}),
)


def test_open_now_and_next_opening() -> None:
    monday_morning = datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
    state = open_state(HOURS, monday_morning)
    assert state.open_now and state.until == time(12)
    lunch = datetime(2026, 11, 23, 12, 30, tzinfo=BERLIN)
    state = open_state(HOURS, lunch)
    assert (state.open_now, state.next_day, state.next_time) == (
        False,
        date(2026, 11, 23),
        time(13, 30),
    )
    # Tuesday 1 December is a closed day: the next opening is Friday 4 December.
    monday_evening = datetime(2026, 11, 30, 18, 0, tzinfo=BERLIN)
    assert open_state(HOURS, monday_evening).next_day == date(2026, 12, 4)


def test_open_state_uses_berlin_time_whatever_the_input_zone() -> None:
    utc = datetime(2026, 11, 23, 7, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Berlin (CET)
    assert open_state(HOURS, utc).open_now
    summer_utc = datetime(2026, 7, 6, 6, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 CEST
    assert open_state(HOURS, summer_utc).open_now


def test_nth_weekday_rules() -> None:
    assert spans_on(HOURS, date(2026, 12, 5)) == ((time(9), time(12)),)  # first Saturday
    assert spans_on(HOURS, date(2026, 12, 12)) == ()  # second Saturday
    assert spans_on(HOURS, date(2026, 11, 27)) == ()  # last Friday of November: closed
    assert spans_on(HOURS, date(2026, 11, 20)) == ((time(8), time(12)),)


def test_hours_are_localized() -> None:
    assert format_hours(HOURS, "de")[0] == "Mo.: 08:00–12:00, 13:30–16:00"
    assert format_hours(HOURS, "en")[0] == "Mon: 08:00–12:00, 13:30–16:00"
    assert format_hours(HOURS, "uk")[0].startswith("пн:")
