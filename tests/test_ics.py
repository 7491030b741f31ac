"""iCalendar export (parsed back by the icalendar library) and import of a sample file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from bot.clock import BERLIN
from bot.events import duration, next_occurrence, occurrences
from bot.ics import EventImportError, calendar_ics, event_ics, event_uid, import_ics
from bot.knowledge import Event, KnowledgeBase
from bot.render import event_place
from bot.validation import load_knowledge
from tests.conftest import CONTACT, WriteKB, entry_yaml
from tests.telegram.conftest import FIXTURE_KB

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).resolve().parent / "fixtures" / "events-import.ics"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)

EVENTS = """
events:
  - id: konzert
    start: 2027-03-21 18:00
    end: 2027-03-21 20:00
    repeat: FREQ=WEEKLY;BYDAY=SU;UNTIL=20270425T180000
    place: amt
    link: https://example.org/konzert
    sources: [https://example.org/konzert]
    checked: 2026-11-26
    text:
      de: {status: reviewed, updated: 2026-11-26, title: Konzert im Rathaus,
           description: "Eintritt frei; Anmeldung nicht nötig."}
      en: {status: machine, updated: 2026-11-26, title: Concert in the town hall}
  - id: stadtfest
    start: 2027-07-02
    end: 2027-07-04
    repeat: FREQ=YEARLY;BYMONTH=7;BYDAY=1FR
    confirmed: false
    place: Innenstadt Dessau
    sources: [https://example.org/stadtfest]
    checked: 2026-11-26
    text:
      de: {status: reviewed, updated: 2026-11-26, title: Dessauer Stadtfest}
  - id: vortrag
    start: 2027-01-12 19:30
    sources: [https://example.org/vortrag]
    checked: 2026-11-26
    text:
      de: {status: reviewed, updated: 2026-11-26, title: "Vortrag: Leben in Dessau"}
  - id: vorbei
    start: 2026-01-12
    sources: [https://example.org/vorbei]
    checked: 2026-11-26
    text:
      de: {status: reviewed, updated: 2026-11-26, title: Vorbei}
"""


@pytest.fixture
def kb(write_kb: WriteKB) -> KnowledgeBase:
    entries = "entries:\n" + entry_yaml("events", ["Was ist los?"])
    return load_knowledge(write_kb({"c.yaml": CONTACT, "e.yaml": entries, "ev.yaml": EVENTS}))


def parsed(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    return calendar


def source_start(event: Event) -> date | datetime:
    return event.start.replace(tzinfo=BERLIN) if isinstance(event.start, datetime) else event.start


@pytest.mark.parametrize("event_id", ["konzert", "stadtfest", "vortrag"])
def test_ics_parsed_back_equals_the_source(kb: KnowledgeBase, event_id: str) -> None:
    event = kb.events[event_id]
    calendar = parsed(event_ics(event, kb, "de", NOW))
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == event.texts["de"].title
    assert vevent.decoded("dtstart") == source_start(event)
    assert vevent.decoded("dtend") == source_start(event) + duration(event)
    assert str(vevent.get("location", "")) == (event_place(event, kb) or "")
    assert str(vevent["uid"]) == event_uid(event)
    assert vevent.decoded("dtstamp").tzinfo is not None
    if event.repeat:
        rule = vevent["rrule"].to_ical().decode()
        # The rule from the file expands to exactly our occurrences (UNTIL moved to UTC).
        start = vevent.decoded("dtstart")
        if event.all_day:  # dateutil expands dates as midnights
            theirs = [t.date() for t in rrulestr(rule, dtstart=datetime.combine(start, time()))]
            ours = [o.start.date() for o in occurrences(event, NOW, NOW + timedelta(days=1100))]
        else:
            theirs = [t.astimezone(BERLIN) for t in rrulestr(rule, dtstart=start)]
            ours = [o.start for o in occurrences(event, NOW, NOW + timedelta(days=1100))]
        assert ours == theirs[: len(ours)] and len(ours) >= 3
        assert {k: v for k, v in vevent["rrule"].items() if k != "UNTIL"} == {
            k: v for k, v in type(vevent["rrule"]).from_ical(event.repeat).items() if k != "UNTIL"
        }
    else:
        assert "rrule" not in vevent


def test_ics_is_standard_shaped(kb: KnowledgeBase) -> None:
    data = event_ics(kb.events["konzert"], kb, "en", NOW)
    text = data.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded lines
    assert "DTSTART;TZID=Europe/Berlin:20270321T180000" in text
    assert "UNTIL=20270425T160000Z" in text  # 18:00 CEST in UTC, as RFC 5545 wants
    calendar = parsed(data)
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["tzid"]) == "Europe/Berlin"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Concert in the town hall"  # the reader's language
    assert "Eintritt frei" in str(vevent["description"])  # falls back like entries
    assert str(vevent["url"]) == "https://example.org/konzert"
    assert str(vevent["status"]) == "CONFIRMED"
    all_day = event_ics(kb.events["stadtfest"], kb, "de", NOW).decode()
    assert "DTSTART;VALUE=DATE:20270702" in all_day
    assert "DTEND;VALUE=DATE:20270705" in all_day  # exclusive end: the 4th is included
    assert "STATUS:TENTATIVE" in all_day and "VTIMEZONE" not in all_day


def test_whole_calendar_leaves_out_events_that_are_over(kb: KnowledgeBase) -> None:
    calendar = parsed(calendar_ics(kb, "de", NOW))
    uids = sorted(str(v["uid"]) for v in calendar.walk("VEVENT"))
    assert uids == sorted(event_uid(kb.events[e]) for e in ("konzert", "stadtfest", "vortrag"))
    assert next_occurrence(kb.events["vorbei"], NOW) is None


def test_cli_writes_the_calendar_to_stdout_and_to_a_file(tmp_path: Path) -> None:
    env = {**os.environ, "KNOWLEDGE_DIR": str(FIXTURE_KB), "TELEGRAM_BOT_TOKEN": ""}
    command = [sys.executable, str(ROOT / "run_bot.py"), "events", "ics"]
    stdout = subprocess.run(command, capture_output=True, env=env, timeout=60, check=True).stdout
    out = tmp_path / "calendar.ics"
    subprocess.run([*command, "-o", str(out)], capture_output=True, env=env, timeout=60, check=True)

    def without_stamp(data: bytes) -> list[bytes]:  # DTSTAMP is the time of writing
        return [line for line in data.split(b"\r\n") if not line.startswith(b"DTSTAMP")]

    assert without_stamp(stdout) == without_stamp(out.read_bytes())
    (vevent,) = parsed(stdout).walk("VEVENT")
    assert str(vevent["summary"]) == "Sprachcafé"


# ------------------------------------------------------------------------------ import


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB, copy)
    events = copy / "events.yaml"
    events.write_text("# Curated by hand. This comment must survive imports.\n"
                      + events.read_text(encoding="utf-8"), encoding="utf-8")  # fmt: skip
    return copy


def test_import_adds_new_events_and_skips_duplicates(kb_copy: Path) -> None:
    today = date(2026, 11, 26)
    result = import_ics(kb_copy, SAMPLE, today=today)
    assert [eid for eid, _ in result.added] == [
        "repair-cafe-im-stadtteilzentrum", "flohmarkt-am-museum", "lesung-in-der-stadtbibliothek",
    ]  # fmt: skip
    reasons = dict(result.skipped)
    assert reasons["Repair-Café (zweimal im Feed)"].startswith("duplicate: same UID")
    assert reasons["Sprachcafé (aus unserem eigenen Export)"] == (
        "duplicate: same UID as sprachcafe"  # what our own export calls it
    )
    assert reasons["Sprachcafé"] == "duplicate: same title and start as sprachcafe"  # a series
    assert reasons["Lesung in der Stadtbibliothek"].startswith("duplicate: same title and start")
    assert reasons["no-title@example.org"] == "no SUMMARY (title)"
    assert "RECURRENCE-ID" in reasons["Repair-Café (diesmal später)"]
    assert result.written

    text = (kb_copy / "events.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Curated by hand. This comment must survive imports.\n")
    assert "&" not in text  # no YAML anchors for curators to puzzle over
    kb = load_knowledge(kb_copy)
    repair = kb.events["repair-cafe-im-stadtteilzentrum"]
    assert repair.start == datetime(2027, 3, 3, 16, 0)
    assert repair.end == datetime(2027, 3, 3, 19, 0)
    assert repair.repeat == "FREQ=MONTHLY;UNTIL=20280101T000000;BYDAY=1WE"  # UTC → local
    assert repair.confirmed and repair.uid == "repair-cafe-2027@example.org"
    assert repair.sources == ("https://example.org/repair-cafe",)
    assert repair.texts["de"].status == "machine" and set(repair.texts) == {"de"}
    assert (
        repair.texts["de"].description == "Kaputte Geräte gemeinsam reparieren.\nWerkzeug ist da."
    )
    assert repair.checked == today
    flohmarkt = kb.events["flohmarkt-am-museum"]
    assert (flohmarkt.start, flohmarkt.end) == (date(2027, 5, 15), date(2027, 5, 16))
    assert not flohmarkt.confirmed  # STATUS:TENTATIVE
    assert flohmarkt.place == "integrationsbuero"  # LOCATION named a known contact
    assert flohmarkt.sources == ("https://example.org/veranstaltungen",)  # the calendar's URL
    lesung = kb.events["lesung-in-der-stadtbibliothek"]
    assert (lesung.start, lesung.end) == (datetime(2027, 6, 10, 19), datetime(2027, 6, 10, 20, 30))

    again = import_ics(kb_copy, SAMPLE, today=today)
    assert again.added == [] and not again.written
    assert (kb_copy / "events.yaml").read_text(encoding="utf-8") == text


def test_import_writes_nothing_when_the_result_would_not_validate(
    kb_copy: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ics"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    bad.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a@example.org\r\nDTSTAMP:" + stamp + "\r\nSUMMARY:Turnen\r\n"
        "DTSTART;VALUE=DATE:20270601\r\nLOCATION:turnhalle\r\n"  # looks like an unknown contact id
        "URL:https://example.org/turnen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    before = (kb_copy / "events.yaml").read_bytes()
    with pytest.raises(EventImportError) as caught:
        import_ics(kb_copy, bad, today=date(2026, 11, 26))
    assert any("unknown contact 'turnhalle'" in str(p) for p in caught.value.problems)
    assert (kb_copy / "events.yaml").read_bytes() == before


def test_import_needs_a_source_for_events_without_url(kb_copy: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.ics"
    plain.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        "UID:b@example.org\r\nDTSTAMP:20261120T100000Z\r\nSUMMARY:Chor\r\n"
        "DTSTART;TZID=Europe/Berlin:20270601T180000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = import_ics(kb_copy, plain, today=date(2026, 11, 26), dry_run=True)
    assert result.added == [] and "--source" in result.skipped[0][1]
    result = import_ics(
        kb_copy, plain, today=date(2026, 11, 26), source_url="https://example.org/chor"
    )
    assert [eid for eid, _ in result.added] == ["chor"]
    assert load_knowledge(kb_copy).events["chor"].sources == ("https://example.org/chor",)


def test_cli_import_reports_added_and_skipped(kb_copy: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": ""}
    command = [sys.executable, str(ROOT / "run_bot.py"), "events", "import", str(SAMPLE)]
    done = subprocess.run(
        [*command, "--dir", str(kb_copy)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "added    flohmarkt-am-museum: Flohmarkt am Museum, 2027-05-15" in done.stdout
    assert "skipped  Sprachcafé: duplicate: same title and start as sprachcafe" in done.stdout
    assert "3 added, 6 skipped; written to" in done.stdout
    broken = subprocess.run(
        [*command[:-1], str(kb_copy / "missing.ics"), "--dir", str(kb_copy)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert broken.returncode == 1 and "nothing was imported" in broken.stderr
