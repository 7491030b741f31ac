"""The facts of a letter's text that a reader must find again: dates, deadline, amounts,
reference numbers and an appointment, each *as printed*.

OCR text is noisy: ``O`` for ``0``, ``l`` or ``I`` for ``1``, spaces lost or added around dots.
The patterns accept those slips where a digit is certain from its neighbours, and report the
cleaned value. A deadline is only given when a date stands next to deadline words in the same
sentence: no deadline is better than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# Letters OCR confuses with digits, mapped back only inside number-like tokens.
_DIGITISH = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1",
                           "S": "5", "B": "8", "Z": "2", "g": "9"})  # fmt: skip
_D = r"[0-9OoDlI|iSBZg]"  # a digit, or a letter OCR reads for one

MONTHS = {
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "marz": 3, "april": 4,
    "mai": 5, "juni": 6, "juli": 7, "august": 8, "september": 9, "oktober": 10,
    "november": 11, "dezember": 12,
}  # fmt: skip

_NUMERIC_DATE = re.compile(
    rf"(?<![0-9A-Za-z])({_D}{{1,2}})\s?[.,]\s?({_D}{{1,2}})\s?[.,]\s?({_D}{{4}}|{_D}{{2}})(?![0-9])"
)
_WORD_DATE = re.compile(
    r"(?<![0-9])([0-9]{1,2})\s?\.\s?("
    + "|".join(sorted(MONTHS, key=len, reverse=True))
    + r")\s+([0-9]{4})",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:(?:EUR|€)\s?(?P<pre>\d{1,3}(?:[.\s]\d{3})*,\s?\d{2}))"
    r"|(?:(?P<post>\d{1,3}(?:[.\s]\d{3})*,\s?\d{2})\s?(?:EUR\b|Euro\b|€))",
    re.IGNORECASE,
)
# Reference labels as printed; the value runs to the end of the line (or the next label).
REFERENCE_LABELS = (
    "Aktenzeichen", "Az.", "Beitragsnummer", "Kundennummer", "BG-Nummer",
    "Nummer der Bedarfsgemeinschaft", "Steuernummer", "Steuer-Identifikationsnummer",
    "Identifikationsnummer", "Kindergeldnummer", "Versichertennummer", "Mitgliedsnummer",
    "Kassenzeichen", "Rechnungsnummer", "Vorgangsnummer", "Geschäftszeichen", "Unser Zeichen",
    "Ihr Zeichen",
)  # fmt: skip
_REFERENCE = re.compile(
    r"(?P<label>" + "|".join(re.escape(x) for x in REFERENCE_LABELS) + r")\s*[:.]?\s*"
    r"(?P<value>[0-9A-Z][0-9A-Za-z/ .\-]{2,30}?[0-9A-Za-z])(?=\s*(?:$|\n|,|;|\s{2,}))",
    re.IGNORECASE | re.MULTILINE,
)
_TIME = re.compile(r"(?<![0-9])([0-2]?[0-9])\s?[:.]\s?([0-5][0-9])\s?Uhr", re.IGNORECASE)
_DEADLINE_WORDS = re.compile(
    r"(?<!\w)(?:bis(?:\s+zum|\s+spätestens|\s+spaetestens|\s+einschließlich)?|spätestens|"
    r"spaetestens|fällig(?:\s+am)?|faellig|zahlbar|frist|binnen|innerhalb)(?!\w)",
    re.IGNORECASE,
)
# "vom 01.10.2026 bis 31.12.2026" is a period, not a deadline
_RANGE = re.compile(r"[0-9]\s*(?:bis|-|–)\s*$", re.IGNORECASE)
_APPOINTMENT_WORDS = re.compile(
    r"\b(termin|einladung|laden\s+wir\s+sie|lade\s+ich\s+sie|vorsprache|erscheinen|"
    r"gespräch|gespraech|vorstellen)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"(?:\b(?:Ort|Raum|Zimmer|Anschrift|in\s+unserem\s+Haus|in\s+der\s+Dienststelle)\b\s*[:.]?"
    r"\s*)(?P<place>[^\n]{3,80})",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "einer": 1, "eines": 1, "einem": 1, "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "zehn": 10, "vierzehn": 14, "vierzehn ": 14,
}  # fmt: skip
_RELATIVE = re.compile(
    r"\b(?:innerhalb|binnen)\s+(?:von\s+)?(?P<n>\d{1,2}|"
    + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
    + r")\s+(?P<unit>tag(?:e|en)?|woche(?:n)?|monat(?:s|en)?)\b",
    re.IGNORECASE,
)
_OBJECTION = re.compile(r"\b(einspruch|widerspruch|klage)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ])|\n\s*\n")


@dataclass(frozen=True, slots=True)
class Appointment:
    date: str  # dd.mm.yyyy
    time: str | None  # hh:mm
    place: str | None

    def as_json(self) -> dict[str, str | None]:
        return {"date": self.date, "time": self.time, "place": self.place}


@dataclass(frozen=True, slots=True)
class Deadline:
    date: str  # dd.mm.yyyy
    printed: str  # the words of the letter it comes from, e.g. "innerhalb von zwei Wochen"
    relative: bool  # computed from the letter's date, not printed as a date


@dataclass(frozen=True, slots=True)
class LetterFacts:
    letter_date: str | None
    dates: tuple[str, ...]
    deadline: Deadline | None
    amounts: tuple[str, ...]
    references: tuple[str, ...]
    appointment: Appointment | None


def _digits(token: str) -> str:
    return token.translate(_DIGITISH)


def _valid(day: int, month: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _fmt(value: date) -> str:
    return value.strftime("%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class _Found:
    value: date
    start: int
    end: int


def find_dates(text: str) -> list[_Found]:
    """Every plausible date in the text, in reading order (numeric and '5. Januar 2027')."""
    found: list[_Found] = []
    for match in _NUMERIC_DATE.finditer(text):
        day_s, month_s, year_s = (_digits(g) for g in match.groups())
        if not (day_s.isdigit() and month_s.isdigit() and year_s.isdigit()):
            continue
        year = int(year_s) + (2000 if len(year_s) == 2 else 0)
        # Only letters of these decades: a birth date in a form stays a date, an IBAN chunk not.
        if not 1900 <= year <= 2099:
            continue
        value = _valid(int(day_s), int(month_s), year)
        if value is not None:
            found.append(_Found(value, match.start(), match.end()))
    for match in _WORD_DATE.finditer(text):
        month = MONTHS.get(match.group(2).casefold())
        value = _valid(int(match.group(1)), month or 0, int(match.group(3)))
        if value is not None:
            found.append(_Found(value, match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return found


def find_amounts(text: str) -> list[str]:
    """Amounts as printed, normalised to '55,08 Euro' (thousands with a dot)."""
    out: list[str] = []
    for match in _AMOUNT.finditer(text):
        raw = match.group("pre") or match.group("post")
        euros, _, cents = re.sub(r"\s", "", raw).partition(",")
        euros = euros.replace(".", "")
        if not euros.isdigit():
            continue
        grouped = f"{int(euros):,}".replace(",", ".")
        value = f"{grouped},{cents} Euro"
        if value not in out:
            out.append(value)
    return out


# Numbers with a known shape: OCR reads their letters as digits ("BG" as "8G", "D" as "0").
_SHAPES = {
    "bg-nummer": (re.compile(r"^(\d{5})\s?[B8][G6]\s?(\d{7})$"), r"\1BG\2"),
    "kundennummer": (re.compile(r"^(\d{3})[D0O](\d{6})$"), r"\1D\2"),  # Bundesagentur
}


def find_references(text: str) -> list[str]:
    out: list[str] = []
    for match in _REFERENCE.finditer(text):
        label = match.group("label")
        value = re.sub(r"\s+", " ", match.group("value")).strip(" .-")
        shape = _SHAPES.get(label.casefold())
        if shape is not None:
            value = shape[0].sub(shape[1], value)
        if not any(ch.isdigit() for ch in value):
            continue  # "Ihr Zeichen: —" or a label in running text
        item = f"{label} {value}" if label.endswith(".") else f"{label}: {value}"
        if item not in out:
            out.append(item)
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _letter_date(text: str, dates: list[_Found]) -> date | None:
    """The date the letter was written: the first date in its top part, or after 'Datum'."""
    for match in re.finditer(r"\bDatum\b\s*[:.]?\s*", text, re.IGNORECASE):
        for found in dates:
            if 0 <= found.start - match.end() <= 3:
                return found.value
    head = len(text) // 3 or len(text)
    for found in dates:
        if found.start <= head:
            line_start = text.rfind("\n", 0, found.start) + 1
            line = text[line_start : found.end]
            # "Dessau-Roßlau, 01.12.2026" or a date alone on its line
            if "," in line or line.strip() == text[found.start : found.end].strip():
                return found.value
    return None


def _relative_deadline(text: str, letter: date | None) -> Deadline | None:
    if letter is None:
        return None
    for match in _RELATIVE.finditer(text):
        line_end = text.find("\n", match.end())
        if _OBJECTION.search(text[match.start() : line_end if line_end > 0 else len(text)]):
            continue  # the period to object to a decision: the advice covers it, not a to-do
        raw_n = match.group("n").casefold()
        n = int(raw_n) if raw_n.isdigit() else _NUMBER_WORDS.get(raw_n)
        if not n:
            continue
        unit = match.group("unit").casefold()
        if unit.startswith("tag"):
            delta = timedelta(days=n)
        elif unit.startswith("woche"):
            delta = timedelta(weeks=n)
        else:
            month = letter.month - 1 + n
            target = _valid(letter.day, month % 12 + 1, letter.year + month // 12)
            if target is None:  # 31 January + 1 month: the end of February
                target = date(letter.year + (month + 1) // 12, (month + 1) % 12 + 1, 1) - (
                    timedelta(days=1)
                )
            return Deadline(_fmt(target), match.group(0), True)
        return Deadline(_fmt(letter + delta), match.group(0), True)
    return None


def extract(text: str) -> LetterFacts:
    dates = find_dates(text)
    letter = _letter_date(text, dates)
    spans = _sentences(text)
    deadline: Deadline | None = None
    appointment: Appointment | None = None
    for found in dates:
        start, end = next(((s, e) for s, e in spans if s <= found.start <= e), (0, len(text)))
        before = text[max(start, found.start - 60) : found.start]
        if deadline is None and _DEADLINE_WORDS.search(before) and not _RANGE.search(before):
            deadline = Deadline(_fmt(found.value), text[found.start : found.end], False)
            continue
        if found.value == letter:
            continue  # the letter's own date is neither its deadline nor an appointment
        if appointment is None and _APPOINTMENT_WORDS.search(text[start:end]):
            after = text[found.end : min(end, found.end + 40)]
            when = _TIME.search(after)
            place = _PLACE.search(text[found.start : min(len(text), end + 200)])
            appointment = Appointment(
                _fmt(found.value),
                f"{int(when.group(1)):02d}:{when.group(2)}" if when else None,
                place.group("place").strip(" .,") if place else None,
            )
    if deadline is None:
        deadline = _relative_deadline(text, letter)
    ordered = list(dict.fromkeys(_fmt(f.value) for f in dates))
    return LetterFacts(
        letter_date=_fmt(letter) if letter else None,
        dates=tuple(ordered),
        deadline=deadline,
        amounts=tuple(find_amounts(text)),
        references=tuple(find_references(text)),
        appointment=appointment,
    )
