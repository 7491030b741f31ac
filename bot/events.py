"""Events: expand recurrence rules and answer "what is on" for a time window.

All times are local Europe/Berlin wall-clock times; recurrence is expanded on naive local times so
that a festival at 18:00 stays at 18:00 across daylight-saving changes, then made aware.

Questions: the matcher decides whether a question is about events (the "events" entry) or about
one event (``event:<id>``, when the question names it); ``event_question`` then reads the time
window from the text (``TIME_WORDS``: today, tomorrow, this weekend, this week, in ten
languages; else the next 14 days) and returns the occurrences. Nothing here knows Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from dateutil.rrule import rrulestr

from bot.clock import BERLIN
from bot.knowledge import Event, KnowledgeBase
from bot.matching import Decision, event_of
from bot.normalize import normalize
from bot.recurrence import as_naive

_MAX_EXPANSION = 400  # occurrences looked at per event and query; weekly events over ~8 years


@dataclass(frozen=True, slots=True)
class Occurrence:
    event: Event
    start: datetime  # aware, Europe/Berlin
    end: datetime  # aware, Europe/Berlin; all-day events end at the end of their last day

    @property
    def all_day(self) -> bool:
        return self.event.all_day


def duration(event: Event) -> timedelta:
    """How long one occurrence lasts: to ``end``, else a whole day or two hours."""
    if event.end is None:
        return timedelta(days=1) if event.all_day else timedelta(hours=2)
    end = as_naive(event.end)
    if event.all_day:
        end += timedelta(days=1)  # an all-day end date is inclusive
    return end - as_naive(event.start)


def occurrences(event: Event, after: datetime, before: datetime) -> list[Occurrence]:
    """Occurrences of ``event`` that are not over at ``after`` and start before ``before``."""
    after_naive = after.astimezone(BERLIN).replace(tzinfo=None)
    before_naive = before.astimezone(BERLIN).replace(tzinfo=None)
    length = duration(event)
    start = as_naive(event.start)
    if event.repeat:
        rule = rrulestr(event.repeat.removeprefix("RRULE:"), dtstart=start)
        starts: Iterable[datetime] = rule.xafter(
            after_naive - length, count=_MAX_EXPANSION, inc=True
        )
    else:
        starts = [start]
    found = []
    for begin in starts:
        if begin >= before_naive:
            break
        end = begin + length
        if end <= after_naive:
            continue
        found.append(Occurrence(event, begin.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN)))
    return found


def upcoming(kb: KnowledgeBase, now: datetime, days: int = 14) -> list[Occurrence]:
    """Every occurrence that is not over and starts within ``days`` days, soonest first."""
    return between(kb, now, now + timedelta(days=days))


def next_events(kb: KnowledgeBase, now: datetime, limit: int = 5) -> list[Occurrence]:
    """The next ``limit`` occurrences, however far ahead, soonest first (one per event)."""
    found = [occ for event in kb.events.values() if (occ := next_occurrence(event, now))]
    return sorted(found, key=lambda o: (o.start, o.event.id))[:limit]


def next_occurrence(event: Event, now: datetime, horizon_days: int = 800) -> Occurrence | None:
    """The next occurrence of ``event`` that is not over, within about two years."""
    found = occurrences(event, now, now + timedelta(days=horizon_days))
    return found[0] if found else None


def weekend_window(now: datetime) -> tuple[datetime, datetime]:
    """This weekend: Friday 17:00 to Monday 00:00 of the current week, from ``now`` on.

    Monday to Friday it is the coming weekend (Friday evening counts: festivals start then);
    from Friday 17:00 and on Saturday and Sunday it is the rest of the weekend under way.
    """
    local = now.astimezone(BERLIN)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday + timedelta(days=4), time(17, 0), BERLIN)
    end = datetime.combine(monday + timedelta(days=7), time.min, BERLIN)
    return max(start, local), end


# ------------------------------------------------------------------ questions about events

Window = Literal["today", "tomorrow", "weekend", "week", "soon", "all", "event"]
WINDOWS: tuple[Window, ...] = ("today", "tomorrow", "weekend", "week", "soon", "all")
EVENTS_ENTRY = "events"  # the knowledge-base entry about events in general
SOON_DAYS = 14  # "what's on?" without a time word
WEEK_DAYS = 7
LIST_DAYS = 90  # /events expands recurring events this far; later events show their next date
LIST_LIMIT = 50
PAGE_SIZE = 5
LATER_LIMIT = 3  # an empty window still shows the next few dates after it
REMINDER_TIME = time(9, 0)  # reminders go out the day before, at this local time

# Time words people use in event questions, per language, compared after ``normalize`` (so
# without accents and case). A phrase matches consecutive words; a trailing "*" matches any
# ending (inflected forms: "вихідних", "weekendul"). The first window in WINDOWS order wins, so
# "hafta sonu" (weekend) beats "hafta" (week). Words are only looked at once the matcher has
# decided that a question is about events, so "morgen" in "Guten Morgen" does no harm.
TIME_WORDS: dict[str, dict[Window, tuple[str, ...]]] = {
    "de": {
        "today": ("heute*", "heut", "heute abend", "jetzt"),
        "tomorrow": ("morgen",),
        "weekend": ("wochenend*",),
        "week": ("woche", "diese woche"),
    },
    "en": {
        "today": ("today", "tonight", "this evening", "now"),
        "tomorrow": ("tomorrow", "tmrw"),
        "weekend": ("weekend*", "week end", "saturday and sunday"),
        "week": ("week", "this week", "next 7 days"),
    },
    "uk": {
        "today": ("сьогодні", "сьогодня", "ввечері", "зараз"),
        "tomorrow": ("завтра",),
        "weekend": ("вихідн*", "уікенд*", "уїкенд*"),
        "week": ("тиждень", "тижня", "тижні"),
    },
    "ru": {
        "today": ("сегодня", "сейчас", "вечером"),
        "tomorrow": ("завтра",),
        "weekend": ("выходн*", "уикенд*"),
        "week": ("недел*",),
    },
    "ar": {
        "today": ("اليوم", "الليلة", "هالليلة", "هلق", "الآن"),
        "tomorrow": ("غدا", "غداً", "بكرة", "بكرا"),
        "weekend": ("نهاية الأسبوع", "الويكند", "ويكند", "هالويكند", "السبت والأحد"),
        "week": ("الأسبوع", "هالاسبوع", "هذا الأسبوع", "اسبوع"),
    },
    "fa": {
        "today": ("امروز", "امشب", "الان"),
        "tomorrow": ("فردا",),
        "weekend": ("آخر هفته", "ویکند"),
        "week": ("هفته", "این هفته"),
    },
    "tr": {
        "today": ("bugün", "bu akşam", "bu gece", "şimdi"),
        "tomorrow": ("yarın",),
        "weekend": ("hafta sonu*", "haftasonu*"),
        "week": ("bu hafta", "hafta"),
    },
    "ro": {
        "today": ("azi", "astăzi", "diseară", "acum"),
        "tomorrow": ("mâine",),
        "weekend": ("weekend*", "sfârșit de săptămână"),
        "week": ("săptămân*",),
    },
    "pl": {
        "today": ("dziś", "dzisiaj", "wieczorem", "teraz"),
        "tomorrow": ("jutro",),
        "weekend": ("weekend*", "łikend*"),
        "week": ("tydzień", "tygodni*"),
    },
    "vi": {
        "today": ("hôm nay", "tối nay", "bây giờ"),
        "tomorrow": ("ngày mai",),
        "weekend": ("cuối tuần",),
        "week": ("tuần này", "tuần"),
    },
}


def _compile_words() -> dict[Window, re.Pattern[str]]:
    """One pattern per window over the normalised text (words joined by single spaces): whole
    words, in a row; a phrase written with "*" lets its last word go on."""
    compiled: dict[Window, list[str]] = {window: [] for window in WINDOWS}
    for words in TIME_WORDS.values():
        for window, phrases in words.items():
            for phrase in phrases:
                tail = r"\S*" if phrase.endswith("*") else ""
                tokens = normalize(phrase.rstrip("*")).split()
                if tokens:
                    compiled[window].append(" ".join(map(re.escape, tokens)) + tail)
    return {
        window: re.compile(rf"(?<!\S)(?:{'|'.join(phrases)})(?!\S)")
        for window, phrases in compiled.items()
        if phrases
    }


_TIME_WORDS = _compile_words()


def time_window(text: str) -> Window | None:
    """The time window a question names ("this weekend" → "weekend"), in any of the languages.

    All languages at once: the detected language of a three-word question is often wrong, and
    the lists hardly overlap. One regular expression per window: a message costs a few scans
    in C, not a comparison per phrase and word.
    """
    normalized = normalize(text)
    for window, pattern in _TIME_WORDS.items():
        if pattern.search(normalized):
            return window
    return None


def window_bounds(window: Window, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of a window at ``now`` (aware, Europe/Berlin)."""
    local = now.astimezone(BERLIN)
    midnight = datetime.combine(local.date() + timedelta(days=1), time.min, BERLIN)
    if window == "today":
        return local, midnight
    if window == "tomorrow":
        return midnight, datetime.combine(local.date() + timedelta(days=2), time.min, BERLIN)
    if window == "weekend":
        return weekend_window(local)
    if window == "week":
        return local, local + timedelta(days=WEEK_DAYS)
    if window == "all":
        return local, local + timedelta(days=LIST_DAYS)
    return local, local + timedelta(days=SOON_DAYS)


def between(kb: KnowledgeBase, start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence that is not over at ``start`` and starts before ``end``, soonest first."""
    found = [occ for event in kb.events.values() for occ in occurrences(event, start, end)]
    return sorted(found, key=lambda o: (o.start, o.event.id))


def event_list(kb: KnowledgeBase, now: datetime) -> list[Occurrence]:
    """What /events lists: everything in the next LIST_DAYS days, recurring events expanded,
    plus the next date of every event further ahead (so that no event is hidden by distance)."""
    start, end = window_bounds("all", now)
    found = between(kb, start, end)
    listed = {occ.event.id for occ in found}
    for event in kb.events.values():
        if event.id not in listed and (occ := next_occurrence(event, now)) is not None:
            found.append(occ)
    return sorted(found, key=lambda o: (o.start, o.event.id))[:LIST_LIMIT]


@dataclass(frozen=True, slots=True)
class EventAnswer:
    """The answer to an event question: the occurrences in the window asked for.

    ``later`` holds the next dates after an empty window, so that the answer is never just "no".
    For a named event (window "event") ``occurrences`` is its next date, if it has one.
    """

    window: Window
    occurrences: tuple[Occurrence, ...]
    later: tuple[Occurrence, ...] = ()
    event_id: str | None = None

    @property
    def shown(self) -> tuple[Occurrence, ...]:
        return self.occurrences or self.later

    def page(self, number: int) -> tuple[int, int, tuple[Occurrence, ...]]:
        """(page actually shown, number of pages, its occurrences); pages count from 0."""
        items = self.shown
        pages = max(1, -(-len(items) // PAGE_SIZE))
        number = min(max(number, 0), pages - 1)
        return number, pages, items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]


def answer_window(kb: KnowledgeBase, window: Window, now: datetime) -> EventAnswer:
    """The events of ``window`` at ``now``; when there are none, the next ones after it."""
    if window == "all":
        return EventAnswer("all", tuple(event_list(kb, now)))
    start, end = window_bounds(window, now)
    found = tuple(between(kb, start, end))
    later: tuple[Occurrence, ...] = ()
    if not found:
        later = tuple(next_events(kb, end, limit=LATER_LIMIT))
    return EventAnswer(window, found, later)


def answer_event(kb: KnowledgeBase, event_id: str, now: datetime) -> EventAnswer | None:
    """A named event's next date (none when it is over); None for an unknown id."""
    event = kb.events.get(event_id)
    if event is None:
        return None
    occurrence = next_occurrence(event, now)
    return EventAnswer("event", (occurrence,) if occurrence else (), event_id=event_id)


def event_question(
    kb: KnowledgeBase, text: str, decision: Decision, now: datetime
) -> EventAnswer | None:
    """What an event question asks for, given the matcher's decision; None for other questions.

    A named event (target ``event:<id>``) answers with its next date; the "events" entry answers
    with the window the text names (default: the next SOON_DAYS days). When the matcher
    hesitates but its first guess is about events and the text names a time ("events today"),
    that is clear enough: people do not ask other topics with "today" or "this weekend".
    """
    target = decision.entry if decision.decision == "answer" else None
    window = time_window(text)
    if decision.decision == "clarify" and window and decision.candidates:
        first = decision.candidates[0]
        if first == EVENTS_ENTRY or event_of(first) is not None:
            target = first
    if target is None:
        return None
    event_id = event_of(target)
    if event_id is not None:
        return answer_event(kb, event_id, now)
    if target != EVENTS_ENTRY:
        return None
    return answer_window(kb, window or "soon", now)


# ------------------------------------------------------------- digests and reminders


def digest_window(now: datetime) -> tuple[datetime, datetime]:
    """The coming week as the Monday digest shows it: the next seven days from ``now``."""
    local = now.astimezone(BERLIN)
    return local, local + timedelta(days=WEEK_DAYS)


def iso_week(now: datetime) -> str:
    """The ISO week of ``now`` in Berlin, e.g. "2027-W27": a digest goes out once per week."""
    year, week, _day = now.astimezone(BERLIN).isocalendar()
    return f"{year}-W{week:02d}"


def reminder_time(occurrence: Occurrence) -> datetime:
    """When to remind of an occurrence: the day before it starts, at 09:00 in Berlin."""
    day = occurrence.start.astimezone(BERLIN).date() - timedelta(days=1)
    return datetime.combine(day, REMINDER_TIME, BERLIN)


def occurrence_on(event: Event, day: date) -> Occurrence | None:
    """The occurrence of ``event`` that starts on local ``day`` (the first one that day)."""
    start = datetime.combine(day, time.min, BERLIN)
    for occurrence in occurrences(event, start, start + timedelta(days=1)):
        if occurrence.start.date() == day:
            return occurrence
    return None
