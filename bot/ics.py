"""Events as iCalendar (RFC 5545) files, with the icalendar library: export and import.

Export: one VEVENT per event (its whole series: DTSTART is the first occurrence, RRULE the rule),
local times with ``TZID=Europe/Berlin`` and a matching VTIMEZONE, all-day events as
``VALUE=DATE`` with an exclusive DTEND as the standard wants. The UID is stable (the event id, or
the UID an imported event came with), so a calendar that subscribed to the file updates its
entries instead of duplicating them.

Import: VEVENTs of a file are appended to ``events.yaml`` with ruamel.yaml, which keeps the
curators' comments and layout. Duplicates (same UID, or same title and start) are skipped and
reported. The knowledge base is validated from a copy before anything is written; if it would
not validate, nothing is written.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard, vRecur
from icalendar import Event as VEvent
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.clock import BERLIN
from bot.errors import EventImportError, KnowledgeError, Problem
from bot.events import duration, next_occurrence, occurrences
from bot.i18n import gettext_for
from bot.kbfiles import NOT_VALID, check_copy, load_round_trip, replace_file
from bot.knowledge import TITLE_MAX, Event, KnowledgeBase
from bot.normalize import normalize
from bot.recurrence import rrule_problem
from bot.render import event_description, event_place
from bot.validation import load_knowledge

PRODID = "-//Stadt Dessau-Rosslau//Ankommen Dessau-Rosslau//DE"
UID_DOMAIN = "ankommen.dessau-rosslau.de"
TZID = "Europe/Berlin"
EVENTS_FILE = "events.yaml"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------ export


def event_uid(event: Event) -> str:
    return event.uid or f"{event.id}@{UID_DOMAIN}"


def _berlin_timezone() -> Timezone:
    """VTIMEZONE for Europe/Berlin as CET/CEST rules (EU rules since 1996, valid with no end
    date), the form most calendar programs write themselves."""
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def _export_rule(rule: str, all_day: bool) -> vRecur:
    """The event's RRULE; UNTIL in the form RFC 5545 requires next to its DTSTART (a date for
    all-day events, else UTC, while the knowledge base writes local times)."""
    recur = vRecur.from_ical(rule.strip().removeprefix("RRULE:"))
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if all_day:
            until = until.date() if isinstance(until, datetime) else until
        else:
            if not isinstance(until, datetime):
                until = datetime.combine(until, time(23, 59, 59))
            if until.tzinfo is None:
                until = until.replace(tzinfo=BERLIN)
            until = until.astimezone(UTC)
        recur["UNTIL"] = [until]
    return recur


def to_vevent(event: Event, kb: KnowledgeBase, lang: str, stamp: datetime) -> VEvent:
    """One event (its whole series) as a VEVENT, its texts in ``lang`` or its fallback."""
    _ = gettext_for(lang)
    used, text = event.text(lang)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("summary", text.title, parameters={"LANGUAGE": used})
    end = event.start + duration(event)  # exclusive, for all-day events too
    if event.all_day:
        vevent.add("dtstart", event.start)
        vevent.add("dtend", end)
    else:
        vevent.add("dtstart", event.start.replace(tzinfo=BERLIN))
        vevent.add("dtend", end.replace(tzinfo=BERLIN))  # type: ignore[union-attr]
    if event.repeat:
        vevent.add("rrule", _export_rule(event.repeat, event.all_day))
    place = event_place(event, kb)
    if place:
        vevent.add("location", place)
    if event.link:
        vevent.add("url", event.link)
    description = event_description(event, lang)
    notes = [description[1]] if description else []
    if not event.confirmed:
        notes.append(_("Date to be confirmed"))
    if event.link:
        notes.append(event.link)  # many programs do not show URL
    if notes:
        vevent.add("description", "\n\n".join(notes), parameters={"LANGUAGE": used})
    vevent.add("status", "CONFIRMED" if event.confirmed else "TENTATIVE")
    return vevent


def to_calendar(events: Iterable[Event], kb: KnowledgeBase, lang: str, now: datetime) -> Calendar:
    _ = gettext_for(lang)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Events in Dessau-Roßlau"))
    calendar.add("x-wr-timezone", TZID)
    vevents = [to_vevent(event, kb, lang, now) for event in events]
    if any("TZID" in v["dtstart"].params for v in vevents):
        calendar.add_component(_berlin_timezone())  # every TZID used needs its VTIMEZONE
    for vevent in vevents:
        calendar.add_component(vevent)
    return calendar


def event_ics(event: Event, kb: KnowledgeBase, lang: str, now: datetime) -> bytes:
    """One event as a complete .ics file."""
    return to_calendar([event], kb, lang, now).to_ical()


def calendar_ics(kb: KnowledgeBase, lang: str, now: datetime) -> bytes:
    """Every event that is not over, as one .ics file (for the city's website)."""
    current = [event for event in kb.events.values() if next_occurrence(event, now) is not None]
    return to_calendar(sorted(current, key=lambda e: e.id), kb, lang, now).to_ical()


# ------------------------------------------------------------------------------------ import


@dataclass(slots=True)
class ImportResult:
    added: list[tuple[str, str]] = field(default_factory=list)  # (id, "title, start")
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None
    written: bool = False


When = date | datetime


def _local(value: Any) -> When:
    """A DTSTART/DTEND value as the knowledge base writes it: a date, or a naive local time."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # UTC or another zone: Berlin wall-clock time
            value = value.astimezone(BERLIN).replace(tzinfo=None)
        return value.replace(second=0, microsecond=0)
    if isinstance(value, date):
        return value
    raise ValueError(f"not a date: {value!r}")


def _import_rule(recur: vRecur, start: When) -> str:
    """An RRULE as the knowledge base writes it: UNTIL in local time like DTSTART."""
    recur = vRecur(recur)
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if isinstance(start, datetime):
            if isinstance(until, datetime) and until.tzinfo is not None:
                until = until.astimezone(BERLIN).replace(tzinfo=None)
            elif not isinstance(until, datetime):
                until = datetime.combine(until, time(23, 59, 59))
        elif isinstance(until, datetime):
            until = _local(until).date()  # type: ignore[union-attr]
        recur["UNTIL"] = [until]
    return recur.to_ical().decode()


def _occurs_at(event: Event, start: When) -> bool:
    """Whether one of ``event``'s occurrences starts at ``start``."""
    if isinstance(start, datetime) != isinstance(event.start, datetime):
        return False
    naive = start if isinstance(start, datetime) else datetime.combine(start, time.min)
    at = naive.replace(tzinfo=BERLIN)
    return any(o.start == at for o in occurrences(event, at, at + timedelta(minutes=1)))


_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _slug(title: str, taken: set[str]) -> str:
    """A new event id from a title: "Dessauer Stadtfest 2027" → "dessauer-stadtfest-2027"."""
    folded = unicodedata.normalize("NFKD", title.lower().translate(_GERMAN))
    ascii_ = folded.encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:40].strip("-") or "event"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _title_key(title: str) -> str:
    return normalize(title)


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def _when_text(value: When) -> date | str:
    """A date stays a date (written unquoted); a date-time is written as "2027-07-02 18:00"."""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value


def _place(location: str, kb: KnowledgeBase) -> str:
    """A known contact's id when LOCATION is its name, else the text (an address). Not by
    address: another office in the same building is not that contact."""
    for contact in kb.contacts.values():
        if location.casefold() == contact.name.casefold():
            return contact.id
    return location


def _read_calendar(source: Path) -> Calendar:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise EventImportError([Problem.general(f"cannot read {source}: {exc.strerror}")]) from exc
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as exc:
        problem = Problem.general(f"{source}: not an iCalendar file ({exc})")
        raise EventImportError([problem]) from exc
    if not isinstance(calendar, Calendar):
        raise EventImportError([Problem.general(f"{source}: not an iCalendar file (no VCALENDAR)")])
    return calendar


def _new_event(
    vevent: Any,
    kb: KnowledgeBase,
    *,
    taken: set[str],
    fallback_source: str | None,
    today: date,
) -> tuple[CommentedMap | None, str, list[str]]:
    """(YAML node or None, why it was skipped, warnings) for one VEVENT."""
    summary = _text(vevent, "summary")
    if not summary:
        return None, "no SUMMARY (title)", []
    if vevent.get("dtstart") is None:
        return None, "no DTSTART (start)", []
    try:
        start = _local(vevent.decoded("dtstart"))
    except ValueError as exc:
        return None, f"DTSTART: {exc}", []
    end: When | None = None
    try:
        if vevent.get("dtend") is not None:
            end = _local(vevent.decoded("dtend"))
        elif vevent.get("duration") is not None:
            end = start + vevent.decoded("duration")
    except (ValueError, TypeError):
        end = None
    if end is not None and isinstance(end, datetime) != isinstance(start, datetime):
        end = None
    if end is not None and not isinstance(start, datetime):
        end = end - timedelta(days=1)  # DTEND of an all-day event is exclusive; ours inclusive
    if end is not None and end <= start:  # type: ignore[operator]
        end = None
    rules = vevent.get("rrule")
    repeat: str | None = None
    if isinstance(rules, list):
        return None, "more than one RRULE; not supported", []
    if rules is not None:
        repeat = _import_rule(rules, start)
        problem = rrule_problem(repeat, start)
        if problem:
            return None, problem, []
    link = _text(vevent, "url")
    link = link if _URL.match(link) else ""
    source = link or fallback_source
    if not source:
        return None, "no web address to name as source (URL); give one with --source", []
    eid = _slug(summary, taken)
    warnings = [
        f"{eid}: {name.upper()} (single dates added or left out) is not imported"
        for name in ("rdate", "exdate")
        if vevent.get(name) is not None
    ]
    title = summary if len(summary) <= 2 * TITLE_MAX else summary[: 2 * TITLE_MAX - 1] + "…"
    node = CommentedMap()
    node["id"] = eid
    node["start"] = _when_text(start)
    if end is not None:
        node["end"] = _when_text(end)
    if repeat:
        node["repeat"] = repeat
    # A DTSTART that parsed is a real date; only the source itself can call it tentative.
    node["confirmed"] = _text(vevent, "status").upper() != "TENTATIVE"
    location = _text(vevent, "location")
    if location:
        node["place"] = _place(location, kb)
    if link:
        node["link"] = link
    node["sources"] = CommentedSeq([source])
    node["checked"] = date.fromordinal(today.toordinal())  # own object: no YAML &anchor
    uid = _text(vevent, "uid")
    if uid:
        node["uid"] = uid
    german = CommentedMap()
    german["status"] = "machine"  # nobody has read it yet
    german["updated"] = date.fromordinal(today.toordinal())
    german["title"] = title
    description = _text(vevent, "description")
    if description:
        german["description"] = (
            LiteralScalarString(description + "\n") if "\n" in description else description
        )
    node["text"] = CommentedMap(de=german)
    return node, "", warnings


def _not_valid(exc: KnowledgeError) -> EventImportError:
    return EventImportError.because(NOT_VALID, exc)


def import_ics(
    directory: Path,
    source: Path,
    *,
    today: date,
    source_url: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Append the VEVENTs of ``source`` to ``directory/events.yaml``; all or nothing."""
    try:
        kb = load_knowledge(directory)
    except KnowledgeError as exc:
        raise EventImportError.because(
            "the knowledge base has problems; fix them first:", exc
        ) from exc
    if source_url is not None and not _URL.match(source_url):
        problem = Problem.general(f"--source must be a web address, not {source_url!r}")
        raise EventImportError([problem])
    calendar = _read_calendar(source)
    fallback = source_url
    for name in ("source", "url", "x-original-url"):
        value = _text(calendar, name)
        if fallback is None and _URL.match(value):
            fallback = value
    result = ImportResult(path=directory / EVENTS_FILE)
    uids = {event_uid(e): e.id for e in kb.events.values()}
    # (title, id, first start) of every event, in every language, and of those added here
    known: list[tuple[str, str, When]] = [
        (_title_key(t.title), e.id, e.start) for e in kb.events.values() for t in e.texts.values()
    ]
    taken = set(kb.events)
    nodes: list[CommentedMap] = []
    for number, vevent in enumerate(calendar.walk("VEVENT"), start=1):
        summary, uid = _text(vevent, "summary"), _text(vevent, "uid")
        what = summary or uid or f"VEVENT {number}"
        if vevent.get("recurrence-id") is not None:  # it shares the UID of its series
            result.skipped.append((what, "changes one date of a series (RECURRENCE-ID)"))
            continue
        if uid and uid in uids:
            result.skipped.append((what, f"duplicate: same UID as {uids[uid]}"))
            continue
        node, why, warnings = _new_event(
            vevent, kb, taken=taken, fallback_source=fallback, today=today
        )
        if node is None:
            result.skipped.append((what, why))
            continue
        start = _local(vevent.decoded("dtstart"))
        key = _title_key(summary)
        twin = next((eid for name, eid, first in known if name == key and (
            _occurs_at(kb.events[eid], start) if eid in kb.events else first == start
        )), None)  # fmt: skip
        if twin is not None:
            result.skipped.append((what, f"duplicate: same title and start as {twin}"))
            continue
        nodes.append(node)
        taken.add(node["id"])
        known.append((key, node["id"], start))
        if uid:
            uids[uid] = node["id"]
        result.added.append((node["id"], f"{summary}, {_when_text(start)}"))
        result.warnings.extend(warnings)
    if not nodes:
        return result
    path = directory / EVENTS_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if text.strip():
        yaml, data, _faithful = load_round_trip(text)
    else:
        yaml, data, _faithful = load_round_trip("events: []\n")
    events = data.get("events")
    if not isinstance(events, CommentedSeq):
        events = CommentedSeq()
        data["events"] = events
    events.fa.set_block_style()
    for node in nodes:
        events.append(node)
        if len(events) > 1:  # a blank line between events, as curators write them
            events.yaml_set_comment_before_after_key(len(events) - 1, before="\n")
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    check_copy(directory, {path: buffer.getvalue()}, _not_valid)
    if not dry_run:
        if path.exists():
            replace_file(path, buffer.getvalue())
        else:
            path.write_text(buffer.getvalue(), encoding="utf-8")
        result.written = True
    return result
