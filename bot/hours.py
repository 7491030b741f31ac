"""Opening hours: which spans apply on a day, whether a place is open now and when it opens next,
and the week's hours as lines in the reader's locale (Babel's day and month names).

"Now" is read in the city's time zone (``bot.clock``); the spans are the curated ones of
``bot.knowledge.OpeningHours`` (weekday rules, "first Saturday" rules, seasons, closed days).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.dates import format_date, format_time, get_day_names, get_month_names

from bot.clock import BERLIN
from bot.i18n import gettext_for
from bot.knowledge import HoursRule, OpeningHours, Season


def _nth_of_month(day: date) -> tuple[int, bool]:
    """Which occurrence of its weekday ``day`` is (1-based), and whether it is the last one."""
    return (day.day - 1) // 7 + 1, (day + timedelta(days=7)).month != day.month


def spans_on(hours: OpeningHours, day: date) -> tuple[tuple[time, time], ...]:
    """The open spans on ``day``: a rule for "first-sat" wins over a rule for every "sat"."""
    if day in hours.closed:
        return ()
    nth, is_last = _nth_of_month(day)
    general: tuple[tuple[time, time], ...] = ()
    for rule in hours.rules_on(day):
        if rule.weekday != day.weekday():
            continue
        if rule.nth is None:
            general = rule.spans
        elif rule.nth == nth or (rule.nth == -1 and is_last):
            return rule.spans
    return general


@dataclass(frozen=True, slots=True)
class OpenState:
    open_now: bool
    until: time | None = None  # when open: closing time
    next_day: date | None = None  # when closed: the day it opens next
    next_time: time | None = None


def open_state(hours: OpeningHours, now: datetime) -> OpenState:
    """Whether a place is open at ``now`` (any time zone) and, if not, when it opens next."""
    local = now.astimezone(BERLIN)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    for start, end in spans_on(hours, today):
        if start <= clock < end:
            return OpenState(True, until=end)
    for offset in range(35):
        day = today + timedelta(days=offset)
        for start, _end in spans_on(hours, day):
            if offset == 0 and start <= clock:
                continue
            return OpenState(False, next_day=day, next_time=start)
    return OpenState(False)


_MIDNIGHT = time(23, 59)  # how the loader stores a span that ends at 24:00
_ALL_DAY = ((time(0), _MIDNIGHT),)


def format_hm(value: time, lang: str) -> str:
    # A span that runs to midnight ends at 24:00, not at the stored 23:59.
    return "24:00" if value == _MIDNIGHT else format_time(value, "HH:mm", locale=lang)


def round_the_clock(hours: OpeningHours, day: date) -> bool:
    """Whether the place is open day and night all week (an emergency department)."""
    week = hours.rules_on(day)
    return {r.weekday for r in week if r.nth is None and r.spans == _ALL_DAY} == set(range(7))


def _day_label(weekdays: list[int], days: Mapping[int, str]) -> str:
    """ "Mon", "Mon, Thu" or, for three days or more in a row, "Tue–Sun"."""
    ordered = sorted(set(weekdays))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{days[run[0]]}–{days[run[-1]]}")
        else:
            parts.extend(days[d] for d in run)
    return ", ".join(parts)


def _season_label(season: Season, lang: str) -> str:
    _ = gettext_for(lang)
    months = get_month_names("wide", locale=lang, context="stand-alone")
    label = ""
    if season.months and len(season.months) < 12:
        first, last = months[season.first_month], months[season.last_month]
        label = first if first == last else f"{first}–{last}"
    if season.start is not None:
        since = _("from {date}").format(date=format_day(season.start, lang))
        label = f"{label}, {since}" if label else since
    return label


def format_hours(hours: OpeningHours, lang: str, today: date | None = None) -> list[str]:
    """One line per weekday group with the same hours, e.g. "Mon, Wed: 08:00–12:00"; seasonal
    hours as a heading per season (the one in force on ``today`` first) with its lines."""
    if not hours.seasons:
        return _format_week(hours.rules, lang)
    _ = gettext_for(lang)
    current = hours.season_on(today) if today is not None else None
    ordered = sorted(hours.seasons, key=lambda season: season is not current)
    lines: list[str] = []
    for season in ordered:
        week = _format_week(season.rules, lang) or [_("closed")]
        lines.append(_season_label(season, lang) + ":")
        lines.extend(f"  {line}" for line in week)
    return lines


def _format_week(rules: tuple[HoursRule, ...], lang: str) -> list[str]:
    _ = gettext_for(lang)
    days = get_day_names("abbreviated", locale=lang)
    lines: list[str] = []
    grouped: dict[tuple[tuple[time, time], ...], list[int]] = {}
    for rule in rules:
        if rule.nth is None and rule.spans:
            grouped.setdefault(rule.spans, []).append(rule.weekday)
    for spans, weekdays in sorted(grouped.items(), key=lambda kv: min(kv[1])):
        label = _day_label(weekdays, days)
        times = ", ".join(f"{format_hm(a, lang)}–{format_hm(b, lang)}" for a, b in spans)
        lines.append(f"{label}: {times}")
    ordinal = {
        1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), -1: _("last"),
    }  # fmt: skip
    wide = get_day_names("wide", locale=lang)
    for rule in rules:
        if rule.nth is None:
            continue
        which = _("{ordinal} {weekday} of the month").format(
            ordinal=ordinal[rule.nth], weekday=wide[rule.weekday]
        )
        if rule.spans:
            times = ", ".join(f"{format_hm(a, lang)}–{format_hm(b, lang)}" for a, b in rule.spans)
        else:
            times = _("closed")
        lines.append(f"{which}: {times}")
    return lines


def format_open_state(state: OpenState, lang: str, today: date) -> str:
    _ = gettext_for(lang)
    if state.open_now and state.until:
        return _("Open now, until {time}").format(time=format_hm(state.until, lang))
    if state.next_day and state.next_time:
        if state.next_day == today:
            day = _("today")
        elif state.next_day == today + timedelta(days=1):
            day = _("tomorrow")
        else:
            day = get_day_names("wide", locale=lang)[state.next_day.weekday()]
        return _("Closed now, opens {day} at {time}").format(
            day=day, time=format_hm(state.next_time, lang)
        )
    return _("Closed now")


def format_day(value: date, lang: str) -> str:
    return format_date(value, "long", locale=lang)
