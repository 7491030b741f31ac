"""Rendering: contacts with localized hours, open-now computed in Berlin time, safe HTML."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import HoursRule, OpeningHours, load_knowledge
from bot.render import (
    HTML,
    PLAIN,
    TELEGRAM_LIMIT,
    format_hours,
    open_state,
    render_entry,
    spans_on,
    split_message,
    utf16_len,
)
from tests.conftest import CONTACT, WriteKB, entry_yaml

BERLIN = ZoneInfo("Europe/Berlin")
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


def test_entry_renders_contact_hours_and_sources(write_kb: WriteKB) -> None:
    entries = "entries:\n" + entry_yaml(
        "registration", ["Anmeldung?"], ["Registration?"], contacts="amt"
    )
    kb = load_knowledge(write_kb({"c.yaml": CONTACT, "e.yaml": entries}))
    now = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    text = render_entry(kb.entries["registration"], kb, "de", now, PLAIN)
    assert "Zerbster Straße 4, 06844 Dessau-Roßlau" in text
    assert "0340 204-2133" in text
    assert "Mo.: 08:00–12:00, 13:30–16:00" in text
    assert "https://example.org/source" in text
    # Ukrainian is missing: English is shown, with a note in Ukrainian.
    uk = render_entry(kb.entries["registration"], kb, "uk", now, PLAIN)
    assert "Answer for registration in en." in uk


def test_html_escapes_knowledge_base_text(write_kb: WriteKB) -> None:
    entries = "entries:\n" + entry_yaml("x", ["Frage?"]).replace(
        "Answer for x in de.", "Use <b>tags</b> & ampersands"
    )
    kb = load_knowledge(write_kb({"c.yaml": CONTACT, "e.yaml": entries}))
    text = render_entry(kb.entries["x"], kb, "de", datetime.now(BERLIN), HTML)
    assert "Use &lt;b&gt;tags&lt;/b&gt; &amp; ampersands" in text


def test_rtl_keeps_phone_numbers_isolated(real_assistant) -> None:  # type: ignore[no-untyped-def]
    text = real_assistant.render("citizens-office", "ar", PLAIN)
    assert "\u2066" in text and "\u2069" in text


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=12000))
def test_split_message_respects_the_limit(text: str) -> None:
    parts = split_message(text)
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert (
        "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
        or not text.strip()
    )


def test_split_message_counts_utf16_units_like_telegram() -> None:
    emoji = "😀" * 2048  # 2,048 code points, 4,096 UTF-16 units
    parts = split_message("Frage:\n" + emoji)
    assert len(parts) == 2 and all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts).count("😀") == 2048


def test_split_message_never_cuts_inside_an_html_entity() -> None:
    text = "&amp;" * 4000  # 4,000 escaped ampersands on one line
    parts = split_message(text)
    assert len(parts) > 1
    assert all(p.startswith("&amp;") and p.endswith("&amp;") for p in parts)
    assert "".join(parts) == text
    tagged = "<b>x</b> " * 1000
    assert all(p.strip().endswith("</b>") for p in split_message(tagged))


def test_unknown_hours_suggest_only_what_the_contact_offers(write_kb: WriteKB) -> None:
    website_only = CONTACT.replace("    phone: 0340 204-2133\n", "").replace(
        "    hours:\n      mon: 08:00-12:00, 13:30-16:00\n      tue-thu: 08:00-12:00\n"
        "      first-sat: 09:00-12:00\n",
        "    website: https://example.org/amt\n",
    )
    entries = "entries:\n" + entry_yaml("x", ["Frage?"], contacts="amt")
    kb = load_knowledge(write_kb({"c.yaml": website_only, "e.yaml": entries}))
    text = render_entry(kb.entries["x"], kb, "en", datetime.now(BERLIN), PLAIN)
    assert "Please check the website." in text
    assert "Please call or write." not in text
