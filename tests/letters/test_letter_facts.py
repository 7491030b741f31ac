"""Dates, deadlines, amounts, references and appointments from letter text, OCR slips included."""

from __future__ import annotations

from bot.letters.facts import extract, find_amounts, find_dates, find_references


def test_payment_request_facts() -> None:
    facts = extract(
        "Köln, 01.12.2026\nBeitragsnummer: 123 456 789\n"
        "Für den Zeitraum 01.10.2026 bis 31.12.2026 ist ein Betrag von 55,08 Euro offen.\n"
        "Bitte überweisen Sie den Betrag bis zum 15.12.2026 auf unser Konto."
    )
    assert facts.letter_date == "01.12.2026"
    assert facts.deadline is not None and facts.deadline.date == "15.12.2026"
    assert not facts.deadline.relative
    assert facts.amounts == ("55,08 Euro",)
    assert facts.references == ("Beitragsnummer: 123 456 789",)


def test_a_period_is_not_a_deadline() -> None:
    facts = extract("Für den Zeitraum 01.10.2026 bis 31.12.2026 sind 55,08 Euro zu zahlen.")
    assert facts.deadline is None


def test_ocr_slips_in_digits_are_read_back() -> None:
    assert [f.value.isoformat() for f in find_dates("fällig am 0l.O2.2027")] == ["2027-02-01"]
    assert extract("Zahlbar bis spätestens 0l.O2.2027").deadline.date == "01.02.2027"  # type: ignore[union-attr]


def test_word_dates_and_money_formats() -> None:
    assert extract("Bitte zahlen Sie bis zum 2. Januar 2027.").deadline.date == "02.01.2027"  # type: ignore[union-attr]
    assert find_amounts("EUR 1.234,50 und 18,36 € und 7, 00 Euro") == [
        "1.234,50 Euro", "18,36 Euro", "7,00 Euro",
    ]  # fmt: skip


def test_relative_deadline_counts_from_the_letter_date() -> None:
    facts = extract(
        "Dessau-Roßlau, 30.11.2026\nBitte reichen Sie die Unterlagen innerhalb von zwei Wochen ein."
    )
    assert facts.deadline is not None
    assert (facts.deadline.date, facts.deadline.relative) == ("14.12.2026", True)
    assert facts.deadline.printed == "innerhalb von zwei Wochen"


def test_the_period_to_object_is_not_a_to_do_deadline() -> None:
    facts = extract(
        "Halle, 03.12.2026\nRechtsbehelfsbelehrung: Sie können innerhalb eines Monats Einspruch "
        "einlegen."
    )
    assert facts.deadline is None


def test_no_letter_date_means_no_relative_deadline() -> None:
    assert extract("Bitte antworten Sie innerhalb von 14 Tagen.").deadline is None


def test_appointment_with_time_and_place() -> None:
    facts = extract(
        "Dessau-Roßlau, 01.12.2026\nBitte kommen Sie am 14.12.2026 um 9:30 Uhr zu einem Gespräch.\n"
        "Ort: Raum 2.14, Seminarplatz 1, 06846 Dessau-Roßlau\n"
    )
    assert facts.appointment is not None
    assert facts.appointment.as_json() == {
        "date": "14.12.2026", "time": "09:30",
        "place": "Raum 2.14, Seminarplatz 1, 06846 Dessau-Roßlau",
    }  # fmt: skip
    assert facts.deadline is None


def test_references_with_known_shapes_are_repaired() -> None:
    refs = find_references(
        "BG-Nummer: 077028G3982597\nKundennummer: 7870789328\nSteuernummer: 114/356/23012\n"
        "Ihr Zeichen: —\n"
    )
    assert refs == [
        "BG-Nummer: 07702BG3982597", "Kundennummer: 787D789328", "Steuernummer: 114/356/23012",
    ]  # fmt: skip


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("am 31.02.2026 oder 45.13.2026; IBAN DE12 3456 7890") == []
