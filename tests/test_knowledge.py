"""Loading and validating the knowledge base: every problem, located, nothing half-loaded."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import KnowledgeError
from bot.validation import load_knowledge
from tests.conftest import CONTACT, WriteKB, entry_yaml

GOOD_ENTRY = "entries:\n" + entry_yaml(
    "registration", ["Wo melde ich mich an?"], ["Where do I register?"], contacts="amt"
)


def problems_of(write_kb: WriteKB, files: dict[str, str]) -> list[str]:
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(write_kb(files))
    return [str(p) for p in info.value.problems]


def test_loads_a_valid_knowledge_base(write_kb: WriteKB) -> None:
    kb = load_knowledge(write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": GOOD_ENTRY}))
    entry = kb.entries["registration"]
    assert entry.contacts == ("amt",)
    assert entry.text("en")[1].questions == ("Where do I register?",)
    # A missing translation falls back to English, then German.
    assert entry.text("uk")[0] == "en"
    hours = kb.contacts["amt"].hours
    assert hours is not None
    mondays = [r for r in hours.rules if r.weekday == 0]
    assert mondays[0].spans == ((time(8), time(12)), (time(13, 30), time(16)))
    assert {r.weekday for r in hours.rules if r.nth is None} == {0, 1, 2, 3}
    assert [(r.weekday, r.nth) for r in hours.rules if r.nth] == [(5, 1)]
    assert kb.contacts["amt"].checked == date(2026, 11, 26)


def test_reports_every_problem_with_file_line_and_path(write_kb: WriteKB) -> None:
    broken = GOOD_ENTRY.replace("contacts: [amt]", "contacts: [nobody]").replace(
        "category: arrival", "category: nonsense"
    )
    broken += "    colour: blue\n"
    problems = problems_of(write_kb, {"contacts.yaml": CONTACT, "entries/a.yaml": broken})
    text = "\n".join(problems)
    assert "knowledge/entries/a.yaml:3: entries.registration.category: use one of" in text
    assert "entries.registration.colour: unknown key" in text
    assert "entries.registration.contacts: unknown contact 'nobody'" in text
    assert len(problems) == 3


def test_missing_german_and_unknown_language(write_kb: WriteKB) -> None:
    no_german = GOOD_ENTRY.replace("      de:", "      xx:")
    problems = problems_of(write_kb, {"contacts.yaml": CONTACT, "entries/a.yaml": no_german})
    assert any("entries.registration.text.de: no German text" in p for p in problems)
    assert any("entries.registration.text.xx: unknown language code" in p for p in problems)


def test_yaml_syntax_error_is_located(write_kb: WriteKB) -> None:
    problems = problems_of(
        write_kb,
        {"contacts.yaml": CONTACT, "entries/a.yaml": GOOD_ENTRY, "bad.yaml": "a: [1, 2\nb: 3\n"},
    )
    assert len(problems) == 1
    assert problems[0].startswith("knowledge/bad.yaml:")
    assert "YAML syntax error" in problems[0]


def test_duplicate_ids_and_duplicate_keys(write_kb: WriteKB) -> None:
    twice = GOOD_ENTRY + entry_yaml("registration", ["Anmeldung?"])
    dup_key = CONTACT.replace("    phone: 0340 204-2133\n", "    phone: 1\n    phone: 2\n")
    problems = problems_of(write_kb, {"contacts.yaml": dup_key, "entries/a.yaml": twice})
    assert any("entries.registration.id: duplicate id (first defined at" in p for p in problems)
    assert any("contacts[0].phone: duplicate key (first on line" in p for p in problems)


def test_invalid_hours_dates_and_references(write_kb: WriteKB) -> None:
    bad_contact = CONTACT.replace("mon: 08:00-12:00, 13:30-16:00", "mon: 8 to 12").replace(
        "first-sat", "someday"
    )
    entry = GOOD_ENTRY.replace("checked: 2026-11-26", "checked: 26.11.2026")
    entry = entry.replace("contacts: [amt]", "contacts: [amt]\n    related: [ghost]")
    problems = problems_of(write_kb, {"contacts.yaml": bad_contact, "entries/a.yaml": entry})
    text = "\n".join(problems)
    assert "contacts.amt.hours.mon: not a time span like 08:00-12:00: '8 to 12'" in text
    assert "contacts.amt.hours.someday: use mon, tue" in text
    assert "entries.registration.checked: not a date (YYYY-MM-DD): '26.11.2026'" in text
    assert "entries.registration.related: unknown entry 'ghost'" in text


def test_scalars_stay_text(write_kb: WriteKB) -> None:
    # YAML 1.1 would read "no" as False and 08:00 as a number of minutes.
    entry = GOOD_ENTRY.replace("Where do I register?", "no")
    kb = load_knowledge(write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": entry}))
    assert kb.entries["registration"].texts["en"].questions == ("no",)


def test_answer_too_long_for_telegram_is_rejected(write_kb: WriteKB) -> None:
    long_answer = GOOD_ENTRY.replace("Answer for registration in de.", "Sehr lang. " * 420)
    problems = problems_of(write_kb, {"contacts.yaml": CONTACT, "entries/a.yaml": long_answer})
    assert any("Telegram allows 4096" in p for p in problems)


def test_event_rules_are_checked(write_kb: WriteKB) -> None:
    events = """
    events:
      - id: fest
        start: 2027-07-02
        repeat: FREQ=SOMETIMES
        sources: [https://example.org]
        checked: 2026-11-26
        text:
          de: {updated: 2026-11-26, title: Fest}
    """
    problems = problems_of(
        write_kb, {"contacts.yaml": CONTACT, "entries/a.yaml": GOOD_ENTRY, "events.yaml": events}
    )
    assert any("events.fest.repeat: repeat needs FREQ=" in p for p in problems)


def test_real_knowledge_base_is_valid() -> None:
    from tests.conftest import REAL_KB

    kb = load_knowledge(REAL_KB)
    assert {
        "registration",
        "citizens-office",
        "emergency",
        "greeting",
        "thanks",
        "about-bot",
    } <= set(kb.entries)


def test_alias_bomb_and_deep_nesting_are_refused(write_kb: WriteKB) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    problems = problems_of(
        write_kb,
        {
            "contacts.yaml": CONTACT,
            "entries/a.yaml": GOOD_ENTRY,
            "bomb.yaml": bomb,
            "deep.yaml": "[" * 5000 + "]" * 5000,
        },
    )
    assert any(p.startswith("knowledge/bomb.yaml:1:") and "too large" in p for p in problems)
    assert any(p.startswith("knowledge/deep.yaml:1:") for p in problems)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=400))
def test_arbitrary_text_gives_problems_never_a_crash(write_kb: WriteKB, text: str) -> None:
    root = write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": GOOD_ENTRY, "fuzz.yaml": text})
    try:
        load_knowledge(root)
    except KnowledgeError as exc:
        assert all(p.file.startswith("knowledge/") for p in exc.problems)


def test_seasons_must_cover_the_year_once(write_kb: WriteKB) -> None:
    contacts = CONTACT.replace(
        "    hours:\n      mon: 08:00-12:00, 13:30-16:00\n      tue-thu: 08:00-12:00\n"
        "      first-sat: 09:00-12:00\n",
        "    hours:\n      - months: mar-oct\n        mon-sun: 10:00-17:00\n"
        "      - months: oct-jan\n        tue-sun: 10:00-17:00\n"
        "      - months: spring\n        mon: 10:00-12:00\n"
        "      - from: 2027-13-01\n        mon: 10:00-12:00\n",
    )
    entries = "entries:\n" + entry_yaml("registration", ["Anmeldung?"], contacts="amt")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(write_kb({"c.yaml": contacts, "e.yaml": entries}))
    text = info.value.report()
    assert "contacts.amt.hours[2].months: use a month range like mar-oct: 'spring'" in text
    assert "contacts.amt.hours: seasons overlap in oct" in text
    assert "contacts.amt.hours: the seasons leave out feb" in text
    assert "contacts.amt.hours[3].from: not a date (YYYY-MM-DD): '2027-13-01'" in text


def test_a_season_valid_from_a_date_replaces_the_older_hours(write_kb: WriteKB) -> None:
    contacts = CONTACT.replace(
        "    hours:\n      mon: 08:00-12:00, 13:30-16:00\n      tue-thu: 08:00-12:00\n"
        "      first-sat: 09:00-12:00\n",
        "    hours:\n      - mon-fri: 08:00-12:00\n      - from: 2027-01-01\n"
        "        mon-fri: 09:00-15:00\n",
    )
    entries = "entries:\n" + entry_yaml("registration", ["Anmeldung?"], contacts="amt")
    kb = load_knowledge(write_kb({"c.yaml": contacts, "e.yaml": entries}))
    hours = kb.contacts["amt"].hours
    assert hours is not None
    from datetime import date, time

    from bot.hours import spans_on

    assert spans_on(hours, date(2026, 12, 28)) == ((time(8), time(12)),)
    assert spans_on(hours, date(2027, 1, 4)) == ((time(9), time(15)),)


def test_corrected_facts_stay_corrected_in_every_language() -> None:
    """Issue 14's corrections, where a number or a link can be checked mechanically."""
    from tests.conftest import REAL_KB

    kb = load_knowledge(REAL_KB)
    childcare = kb.entries["childcare"].texts
    assert "bis zur Versetzung in die 7. Klasse" in (childcare["de"].details or "")
    alg = kb.entries["employment-agency"].texts
    for lang in childcare:
        # Kita: a right through grade 6, then up to 14 as far as places are free (KiFöG LSA §3).
        assert "14" in (childcare[lang].details or ""), lang
        assert "mindestens 6" not in (childcare[lang].details or "")
        # Arbeitslosengeld I: 12 months within the last 30 months (§143 SGB III since 2020).
        assert "30" in (alg[lang].details or ""), lang
    assert "Die Anmeldung ist kostenlos." in (kb.entries["registration"].texts["de"].details or "")
    tax = kb.entries["tax-office"]
    assert tax.contacts == ("finanzaemter-lsa",)
    assert (kb.contacts["finanzaemter-lsa"].website or "").startswith(
        "https://finanzamt.sachsen-anhalt.de/"
    )
    assert "anerkennung-in-deutschland" not in (kb.contacts["iq-netzwerk"].website or "")
