"""Rendering: contacts with localized hours, open-now computed in Berlin time, safe HTML."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.clock import BERLIN
from bot.errors import KnowledgeError
from bot.hours import OpenState, open_state, spans_on
from bot.knowledge import KnowledgeBase
from bot.render import HTML, PLAIN, has_details, render_entry
from bot.validation import FIRST_PART_LIMIT, first_part_length, knowledge_warnings, load_knowledge
from tests.conftest import CONTACT, WriteKB, entry_yaml
from tests.test_cli import run


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


def details_kb(write_kb: WriteKB, answer_de: str = "Melden Sie sich in 2 Wochen an.") -> Path:
    entries = "entries:\n" + entry_yaml(
        "registration", ["Anmeldung?"], ["Registration?"], contacts="amt"
    ).replace("          Answer for registration in de.", f"          {answer_de}").replace(
        "          Answer for registration in en.\n",
        "          Answer for registration in en.\n"
        "        details: |\n"
        "          Bring your passport.\n",
    )
    # German details after the German answer (the first text block).
    entries = entries.replace(
        f"          {answer_de}\n",
        f"          {answer_de}\n        details: |\n          Mitbringen: Pass.\n",
        1,
    )
    return write_kb({"c.yaml": CONTACT, "e.yaml": entries})


def test_first_part_is_short_and_details_are_one_tap_away(write_kb: WriteKB) -> None:
    kb = load_knowledge(details_kb(write_kb))
    entry = kb.entries["registration"]
    now = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    first = render_entry(entry, kb, "de", now, PLAIN)
    assert "Melden Sie sich in 2 Wochen an." in first
    assert "Mitbringen" not in first
    # The contact as short lines: where, phone with open now; not the week's hours.
    assert "📍 Bürgeramt Dessau, Zerbster Straße 4, 06844 Dessau-Roßlau" in first
    assert "☎️ 0340 204-2133 · 🟢 Jetzt geöffnet, bis 12:00 Uhr" in first
    assert "Mo.: 08:00–12:00" not in first and "https://example.org/source" not in first
    details = render_entry(entry, kb, "de", now, PLAIN, "details")
    assert "Mitbringen: Pass." in details and "Melden Sie sich" not in details
    assert "Mo.: 08:00–12:00, 13:30–16:00" in details  # the full contact block
    assert "https://example.org/source" in details
    assert has_details(entry, "de") and has_details(entry, "en")
    assert "Bring your passport." in render_entry(entry, kb, "en", now, HTML, "details")
    with pytest.raises(ValueError):
        render_entry(entry, kb, "de", now, PLAIN, "more")  # type: ignore[arg-type]


def test_without_details_the_first_part_is_the_whole_answer(write_kb: WriteKB) -> None:
    entries = "entries:\n" + entry_yaml("x", ["Frage?"], contacts="amt")
    kb = load_knowledge(write_kb({"c.yaml": CONTACT, "e.yaml": entries}))
    now = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    first = render_entry(kb.entries["x"], kb, "de", now, PLAIN)
    assert "Mo.: 08:00–12:00, 13:30–16:00" in first and "https://example.org/source" in first
    assert not has_details(kb.entries["x"], "de")


def test_assistant_renders_parts_and_says_whether_there_are_details(write_kb: WriteKB) -> None:
    directory = details_kb(write_kb)
    assistant = Assistant.from_directory(directory)
    assert assistant.has_details("registration", "uk")  # falls back to English, which has them
    assert not assistant.has_details("nothing-like-this", "de")
    assert "Mitbringen: Pass." in assistant.render("registration", "de", part="details")
    assert "Mitbringen: Pass." not in assistant.render("registration", "de")


def test_long_first_parts_are_warned_about_not_refused(write_kb: WriteKB) -> None:
    directory = details_kb(write_kb, "Ein sehr langer erster Teil. " * 30)
    kb = load_knowledge(directory)  # a warning, not an error: the bot still loads it
    warnings = [str(w) for w in knowledge_warnings(kb)]
    assert len(warnings) == 1
    assert warnings[0].startswith("knowledge/e.yaml:14: entries.registration.text.de.answer: ")
    assert "aim for at most 700" in warnings[0]
    assert first_part_length(kb.entries["registration"], kb, "de") > FIRST_PART_LIMIT
    result = run(["validate", "--quiet"], directory)
    assert result.returncode == 0
    assert "warning: knowledge/e.yaml:14: entries.registration.text.de.answer" in result.stdout
    assert "1 warning(s)" in result.stdout


def test_real_first_parts_within_the_limit_are_not_warned(write_kb: WriteKB) -> None:
    kb = load_knowledge(details_kb(write_kb))
    assert knowledge_warnings(kb) == []


def test_details_must_be_text(write_kb: WriteKB) -> None:
    directory = details_kb(write_kb)
    path = directory / "e.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "        details: |\n          Mitbringen: Pass.\n", "        details: [a, b]\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    assert "knowledge/e.yaml:16: entries.registration.text.de.details: expected text" in (
        info.value.report()
    )


SEASONAL = """
contacts:
  - id: bauhaus
    name: Bauhausgebäude
    email: service@example.org
    hours:
      - months: mar-oct
        mon-sun: 10:00-17:00
      - months: nov-feb
        tue-sun: 10:00-17:00
    sources: [https://example.org/bauhaus]
    checked: 2026-11-26
  - id: klinik
    name: Klinikum
    phone: 0340 501-0
    hours:
      mon-sun: 00:00-24:00
    sources: [https://example.org/klinik]
    checked: 2026-11-26
  - id: verein
    name: Verein ohne Kontakt
    address: Markt 1, Dessau-Roßlau
    sources: [https://example.org/verein]
    checked: 2026-11-26
"""


def seasonal_kb(write_kb: WriteKB) -> KnowledgeBase:
    entries = "entries:\n" + entry_yaml("x", ["Frage?"], contacts="bauhaus, klinik, verein")
    return load_knowledge(write_kb({"c.yaml": SEASONAL, "e.yaml": entries}))


def test_seasonal_hours_on_a_summer_monday_and_a_winter_day(write_kb: WriteKB) -> None:
    kb = seasonal_kb(write_kb)
    hours = kb.contacts["bauhaus"].hours
    assert hours is not None
    summer_monday = datetime(2026, 7, 6, 11, 0, tzinfo=BERLIN)
    assert open_state(hours, summer_monday) == OpenState(True, until=time(17))
    winter_monday = datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)
    state = open_state(hours, winter_monday)
    assert (state.open_now, state.next_day) == (False, date(2026, 12, 8))
    # The last day of October is summer, the first of November winter (both Sundays/Mondays).
    assert spans_on(hours, date(2027, 11, 1)) == ()  # a Monday in November
    assert spans_on(hours, date(2027, 3, 1)) == ((time(10), time(17)),)  # a Monday in March
    text = render_entry(kb.entries["x"], kb, "de", summer_monday, PLAIN)
    assert "März–Oktober:\n  Mo.–So.: 10:00–17:00" in text
    assert "November–Februar:\n  Di.–So.: 10:00–17:00" in text
    assert "Jetzt geöffnet, bis 17:00 Uhr" in text
    winter = render_entry(kb.entries["x"], kb, "en", winter_monday, PLAIN)
    assert winter.index("November–February:") < winter.index("March–October:")  # now first
    assert "Closed now, opens tomorrow at 10:00" in winter


def test_round_the_clock_places_say_open_24_hours(write_kb: WriteKB) -> None:
    kb = seasonal_kb(write_kb)
    late = datetime(2026, 12, 7, 23, 30, tzinfo=BERLIN)
    text = render_entry(kb.entries["x"], kb, "de", late, PLAIN)
    assert "Rund um die Uhr geöffnet" in text
    assert "23:59" not in text
    assert "Open 24 hours" in render_entry(kb.entries["x"], kb, "en", late, PLAIN)


def test_a_contact_without_phone_mail_or_website_is_warned_about(write_kb: WriteKB) -> None:
    kb = seasonal_kb(write_kb)
    text = render_entry(kb.entries["x"], kb, "en", datetime.now(BERLIN), PLAIN)
    block = text[text.index("Verein ohne Kontakt") :]
    assert "Opening hours: not known to me." in block
    assert "website" not in block and "call or write" not in block
    warnings = [str(w) for w in knowledge_warnings(kb)]
    assert warnings == [
        "knowledge/c.yaml:19: contacts.verein: no phone, e-mail or website: people cannot reach "
        "it from the answer; add one from a source"
    ]


def test_grouped_numbers_stay_in_order_in_right_to_left_answers() -> None:
    from bot.render import ltr_numbers

    text = "خط الدعم: 0800 111 0 111 أو 116 123، الهاتف 0340 501-0، لمدة 24 ساعة"
    isolated = ltr_numbers(text, "ar")
    for number in ("0800 111 0 111", "116 123", "0340 501-0"):
        assert f"\u2066{number}\u2069" in isolated
    assert "\u206624" not in isolated  # a lone number cannot be reordered
    assert ltr_numbers(text, "de") == text
