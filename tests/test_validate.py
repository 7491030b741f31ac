"""``validate``'s freshness report: old checks, unconfirmed events soon, unused contacts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from bot.clock import BERLIN
from bot.freshness import check_freshness
from bot.report_text import freshness_text
from bot.validation import load_knowledge
from tests.conftest import CONTACT, WriteKB, entry_yaml
from tests.test_cli import run

UNUSED_CONTACT = """
  - id: old-club
    name: Alter Verein
    website: https://example.org/club
    sources: [https://example.org/club]
    checked: 2026-11-26
"""


def event_yaml(eid: str, start: date, *, confirmed: bool, repeat: str | None = None) -> str:
    lines = [
        f"  - id: {eid}",
        f"    start: {start.isoformat()}",
        f"    confirmed: {'true' if confirmed else 'false'}",
        "    place: amt",
        "    sources: [https://example.org/event]",
        "    checked: 2026-11-26",
    ]
    if repeat:
        lines.append(f"    repeat: {repeat}")
    lines += [
        "    text:",
        f"      de: {{status: reviewed, updated: 2026-11-26, title: Fest {eid}}}",
    ]
    return "\n".join(lines) + "\n"


def freshness_kb(write_kb: WriteKB, today: date) -> Path:
    entries = "entries:\n" + entry_yaml("registration", ["Wo melde ich mich an?"], contacts="amt")
    entries += entry_yaml("childcare", ["Kita Platz"]).replace(
        "checked: 2026-11-26", f"checked: {today - timedelta(days=400)}"
    )
    events = "events:\n"
    events += event_yaml("soon-unconfirmed", today + timedelta(days=20), confirmed=False)
    events += event_yaml("soon-confirmed", today + timedelta(days=25), confirmed=True)
    events += event_yaml("later-unconfirmed", today + timedelta(days=120), confirmed=False)
    events += event_yaml("over", today - timedelta(days=30), confirmed=True)
    events += event_yaml(
        "yearly", today - timedelta(days=340), confirmed=False, repeat="FREQ=YEARLY"
    )
    contacts = (CONTACT + UNUSED_CONTACT).replace(
        "      first-sat: 09:00-12:00\n",
        f"      first-sat: 09:00-12:00\n    hours_checked: {today - timedelta(days=800)}\n",
    )
    return write_kb({"c.yaml": contacts, "e.yaml": entries, "events.yaml": events})


def test_freshness_lists_old_checks_unconfirmed_events_and_unused_contacts(
    write_kb: WriteKB,
) -> None:
    now = datetime.now(BERLIN)
    today = now.date()
    kb = load_knowledge(freshness_kb(write_kb, today))
    fresh = check_freshness(kb, now)
    assert [(s.kind, s.id) for s in fresh.unchecked] == [("entry", "childcare"), ("hours", "amt")]
    assert fresh.unchecked[0].origin.file == "knowledge/e.yaml"
    # Soon and unconfirmed: listed. Confirmed, or unconfirmed but months ahead: not. Over: listed.
    # A yearly event whose next date (in 25 days) is not confirmed: listed with that date.
    assert [(s.id, s.detail) for s in fresh.events] == [
        ("soon-unconfirmed", f"{today + timedelta(days=20)} not confirmed (confirmed: false)"),
        ("over", "no date ahead: over?"),
        ("yearly", f"{today + timedelta(days=25)} not confirmed (confirmed: false)"),
    ]
    assert [s.id for s in fresh.unused_contacts] == ["old-club"]
    assert not fresh.clean
    text = freshness_text(fresh)
    assert "  not checked for more than 12 months: 2" in text
    assert "knowledge/c.yaml:" in text and "hours amt: opening hours confirmed" in text


def test_twelve_months_are_calendar_months(write_kb: WriteKB) -> None:
    entries = "entries:\n" + entry_yaml("registration", ["Wo melde ich mich an?"], contacts="amt")
    entries += entry_yaml("childcare", ["Kita Platz"], contacts="amt")
    kb = load_knowledge(
        write_kb(
            {
                "c.yaml": CONTACT,
                "e.yaml": entries.replace("checked: 2026-11-26", "checked: 2025-11-26", 1).replace(
                    "checked: 2026-11-26", "checked: 2025-11-25", 1
                ),
            }
        )
    )
    fresh = check_freshness(kb, datetime(2026, 11, 26, 9, tzinfo=BERLIN))
    # Checked exactly twelve months ago is still fine; a day more is not.
    assert [s.id for s in fresh.unchecked] == ["childcare"]


def test_validate_prints_freshness_after_the_summary(write_kb: WriteKB) -> None:
    kb_dir = freshness_kb(write_kb, datetime.now(BERLIN).date())
    result = run(["validate"], kb_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK: 2 entries, 2 contacts, 5 events")
    assert any(line.startswith("Freshness on ") for line in lines)
    assert "    knowledge/c.yaml:" in result.stdout
    assert "contacts nothing uses: 1" in result.stdout
    quiet = run(["validate", "--quiet"], kb_dir)
    assert quiet.stdout.splitlines() == lines[:1]


def test_real_knowledge_base_has_every_contact_in_use() -> None:
    from tests.conftest import REAL_KB

    kb = load_knowledge(REAL_KB)
    assert check_freshness(kb, datetime.now(BERLIN)).unused_contacts == ()
