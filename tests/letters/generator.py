"""Synthetic German official letters, photographed badly: the test and benchmark material.

Each letter has a letterhead, an address window, a reference line, the date, a subject, a body
with the facts that matter, and a footer with bank details — twelve kinds from eight senders.
``photo`` then does what a phone does to it: a table around the page, a tilt, a little
perspective, blur, a shadow, JPEG compression and, optionally, low resolution. The truth of each
letter (sender, entry, kind, deadline, amount, references) comes with it, so a benchmark can
count exactly what the reader got right.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
PAGE = (1654, 2339)  # A4 at 200 dpi
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
NAMES = (
    "Olena Kovalenko",
    "Ahmad Rahimi",
    "Maria Popescu",
    "Mehmet Yılmaz",
    "Anna Nowak",
    "Nguyen Van An",
    "Fatima Al-Hassan",
    "Dmitri Sokolov",
    "Leyla Karimi",
    "Ion Rusu",
)
STREETS = (
    "Askanische Straße 12",
    "Friedrichstraße 5",
    "Kavalierstraße 40",
    "Heidestraße 101",
    "Elballee 3",
    "Zerbster Straße 22",
    "Wasserstadt 7",
    "Hauptstraße 14",
)


@dataclass(frozen=True, slots=True)
class Truth:
    sender: str
    entry: str
    kind: str
    deadline: str | None
    amount: str | None
    references: tuple[str, ...]
    appointment: tuple[str, str] | None = None  # (date, time)


@dataclass(slots=True)
class Letter:
    truth: Truth
    head: list[str]
    subject: str
    body: list[str]
    letter_date: date
    references: list[str] = field(default_factory=list)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _d(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _euro(rng: random.Random, low: int, high: int) -> str:
    cents = rng.randrange(low * 100, high * 100)
    euros = f"{cents // 100:,}".replace(",", ".")
    return f"{euros},{cents % 100:02d}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


# -------------------------------------------------------------------------------- letters
# Each returns the letter for a random person and date; ``today`` anchors the dates.


def beitrag_payment(rng: random.Random, today: date) -> Letter:
    number = f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}"
    due = today + timedelta(days=rng.randrange(10, 30))
    amount = rng.choice(("55,08", "110,16", "18,36"))
    return Letter(
        Truth(
            "ARD ZDF Deutschlandradio Beitragsservice",
            "broadcasting-fee",
            "payment",
            _d(due),
            f"{amount} Euro",
            (f"Beitragsnummer: {number}",),
        ),
        ["ARD ZDF Deutschlandradio", "Beitragsservice", "50656 Köln"],
        "Zahlungsaufforderung Rundfunkbeitrag",
        [
            "für Ihre Wohnung ist der Rundfunkbeitrag zu zahlen. Für den Zeitraum",
            f"01.10.{today.year} bis 31.12.{today.year} ist ein Betrag von {amount} Euro offen.",
            f"Bitte überweisen Sie den Betrag bis zum {_d(due)} auf unser Konto.",
            "Geben Sie dabei bitte immer Ihre Beitragsnummer an.",
        ],
        today - timedelta(days=rng.randrange(1, 5)),
        [f"Beitragsnummer: {number}"],
    )


def beitrag_reminder(rng: random.Random, today: date) -> Letter:
    number = f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}"
    due = today + timedelta(days=rng.randrange(7, 21))
    amount = rng.choice(("63,08", "118,16"))
    return Letter(
        Truth(
            "ARD ZDF Deutschlandradio Beitragsservice",
            "broadcasting-fee",
            "reminder",
            _d(due),
            f"{amount} Euro",
            (f"Beitragsnummer: {number}",),
        ),
        ["ARD ZDF Deutschlandradio", "Beitragsservice", "50656 Köln"],
        "Mahnung – Zahlungserinnerung",
        [
            "leider konnten wir bis heute keinen Zahlungseingang feststellen.",
            f"Der offene Betrag beträgt jetzt {amount} Euro einschließlich Säumniszuschlag.",
            f"Bitte zahlen Sie spätestens bis zum {_d(due)}.",
            "Andernfalls müssen wir die Vollstreckung einleiten.",
        ],
        today - timedelta(days=rng.randrange(1, 5)),
        [f"Beitragsnummer: {number}"],
    )


def jobcenter_invitation(rng: random.Random, today: date) -> Letter:
    bg = f"07702BG{_digits(rng, 7)}"
    when = today + timedelta(days=rng.randrange(5, 20))
    hour = f"{rng.randrange(8, 15)}:{rng.choice(('00', '15', '30', '45'))}"
    room = f"Raum {rng.randrange(1, 4)}.{rng.randrange(10, 40)}"
    return Letter(
        Truth(
            "Jobcenter Dessau-Roßlau",
            "jobcenter",
            "appointment",
            None,
            None,
            (f"BG-Nummer: {bg}",),
            (_d(when), f"{int(hour.split(':')[0]):02d}:{hour[-2:]}"),
        ),
        ["Jobcenter Dessau-Roßlau", "Seminarplatz 1", "06846 Dessau-Roßlau"],
        "Einladung zu einem Gespräch",
        [
            "ich möchte mit Ihnen über Ihre berufliche Situation sprechen.",
            f"Bitte kommen Sie am {_d(when)} um {hour} Uhr zu einem Termin.",
            f"Ort: {room}, Seminarplatz 1, 06846 Dessau-Roßlau",
            "Bringen Sie bitte diese Einladung und Ihren Ausweis mit.",
            "Wenn Sie ohne wichtigen Grund nicht kommen, kann Ihr Bürgergeld gemindert werden.",
        ],
        today - timedelta(days=rng.randrange(1, 4)),
        [f"BG-Nummer: {bg}"],
    )


def jobcenter_documents(rng: random.Random, today: date) -> Letter:
    bg = f"07702BG{_digits(rng, 7)}"
    written = today - timedelta(days=rng.randrange(1, 4))
    weeks = rng.choice((("zwei Wochen", 14), ("vier Wochen", 28)))
    return Letter(
        Truth(
            "Jobcenter Dessau-Roßlau",
            "jobcenter",
            "documents",
            _d(written + timedelta(days=weeks[1])),
            None,
            (f"BG-Nummer: {bg}",),
        ),
        ["Jobcenter Dessau-Roßlau", "Seminarplatz 1", "06846 Dessau-Roßlau"],
        "Aufforderung zur Mitwirkung – fehlende Unterlagen",
        [
            "zur Prüfung Ihres Antrags auf Bürgergeld fehlen noch Unterlagen:",
            "- Kontoauszüge der letzten drei Monate",
            "- Mietvertrag und aktuelle Nebenkostenabrechnung",
            f"Bitte reichen Sie die Unterlagen innerhalb von {weeks[0]} ein.",
        ],
        written,
        [f"BG-Nummer: {bg}"],
    )


def jobcenter_decision(rng: random.Random, today: date) -> Letter:
    bg = f"07702BG{_digits(rng, 7)}"
    amount = _euro(rng, 500, 1600)
    return Letter(
        Truth(
            "Jobcenter Dessau-Roßlau",
            "jobcenter",
            "decision",
            None,
            f"{amount} Euro",
            (f"BG-Nummer: {bg}",),
        ),
        ["Jobcenter Dessau-Roßlau", "Seminarplatz 1", "06846 Dessau-Roßlau"],
        "Bewilligungsbescheid Bürgergeld",
        [
            "auf Ihren Antrag bewilligen wir Ihnen Leistungen zur Sicherung des Lebensunterhalts.",
            f"Sie erhalten monatlich {amount} Euro.",
            "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann Widerspruch erhoben werden.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"BG-Nummer: {bg}"],
    )


def auslaender_appointment(rng: random.Random, today: date) -> Letter:
    az = f"32.{_digits(rng, 2)}-{_digits(rng, 5)}"
    when = today + timedelta(days=rng.randrange(7, 30))
    hour = f"{rng.randrange(8, 12)}:{rng.choice(('00', '30'))}"
    return Letter(
        Truth(
            "Stadt Dessau-Roßlau – Ausländerbehörde",
            "foreigners-office",
            "appointment",
            None,
            None,
            (f"Aktenzeichen: {az}",),
            (_d(when), f"{int(hour.split(':')[0]):02d}:{hour[-2:]}"),
        ),
        ["Stadt Dessau-Roßlau", "Ausländerbehörde", "Zerbster Straße 4, 06844 Dessau-Roßlau"],
        "Termin zur Verlängerung Ihres Aufenthaltstitels",
        [
            "für die Verlängerung Ihres Aufenthaltstitels haben wir einen Termin für Sie.",
            f"Termin am {_d(when)} um {hour} Uhr.",
            "Ort: Zerbster Straße 4, Zimmer 112",
            "Bitte bringen Sie Ihren Pass, ein biometrisches Foto und Ihren Mietvertrag mit.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Aktenzeichen: {az}"],
    )


def familienkasse_decision(rng: random.Random, today: date) -> Letter:
    kg = f"{rng.randrange(100, 999)}FK{_digits(rng, 6)}"
    amount = rng.choice(("255,00", "510,00", "765,00"))
    return Letter(
        Truth(
            "Familienkasse Sachsen-Anhalt",
            "child-benefit",
            "decision",
            None,
            f"{amount} Euro",
            (f"Kindergeldnummer: {kg}",),
        ),
        ["Bundesagentur für Arbeit", "Familienkasse Sachsen-Anhalt", "06094 Halle (Saale)"],
        "Bescheid über Kindergeld",
        [
            "wir haben über Ihren Antrag auf Kindergeld entschieden.",
            f"Ab dem nächsten Monat erhalten Sie monatlich {amount} Euro Kindergeld.",
            "Rechtsbehelfsbelehrung: Sie können innerhalb eines Monats Einspruch einlegen.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Kindergeldnummer: {kg}"],
    )


def familienkasse_documents(rng: random.Random, today: date) -> Letter:
    kg = f"{rng.randrange(100, 999)}FK{_digits(rng, 6)}"
    due = today + timedelta(days=rng.randrange(14, 35))
    return Letter(
        Truth(
            "Familienkasse Sachsen-Anhalt",
            "child-benefit",
            "documents",
            _d(due),
            None,
            (f"Kindergeldnummer: {kg}",),
        ),
        ["Bundesagentur für Arbeit", "Familienkasse Sachsen-Anhalt", "06094 Halle (Saale)"],
        "Bitte um Nachweise",
        [
            "für die weitere Zahlung des Kindergeldes benötigen wir Unterlagen von Ihnen.",
            "Bitte senden Sie uns eine Schulbescheinigung Ihres Kindes.",
            f"Bitte reichen Sie die Nachweise bis zum {_d(due)} ein.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Kindergeldnummer: {kg}"],
    )


def finanzamt_decision(rng: random.Random, today: date) -> Letter:
    stnr = f"114/{_digits(rng, 3)}/{_digits(rng, 5)}"
    due = today + timedelta(days=rng.randrange(20, 40))
    amount = _euro(rng, 50, 900)
    return Letter(
        Truth(
            "Finanzamt Dessau-Roßlau",
            "tax-office",
            "decision",
            _d(due),
            f"{amount} Euro",
            (f"Steuernummer: {stnr}",),
        ),
        ["Finanzamt Dessau-Roßlau", "Kühnauer Straße 166", "06846 Dessau-Roßlau"],
        f"Bescheid für {today.year - 1} über Einkommensteuer",
        [
            f"die Einkommensteuer für {today.year - 1} wird festgesetzt.",
            f"Es ergibt sich eine Nachzahlung von {amount} Euro.",
            f"Bitte zahlen Sie den Betrag bis zum {_d(due)}.",
            "Rechtsbehelfsbelehrung: Gegen diesen Bescheid ist der Einspruch zulässig.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Steuernummer: {stnr}"],
    )


def aok_documents(rng: random.Random, today: date) -> Letter:
    number = f"{rng.choice('ABCDEFGHKLMNPR')}{_digits(rng, 9)}"
    due = today + timedelta(days=rng.randrange(14, 30))
    return Letter(
        Truth(
            "AOK Sachsen-Anhalt",
            "health-insurance",
            "documents",
            _d(due),
            None,
            (f"Versichertennummer: {number}",),
        ),
        ["AOK Sachsen-Anhalt", "Die Gesundheitskasse", "Lüneburger Straße 4, 39106 Magdeburg"],
        "Ihre Mitgliedschaft in der Krankenversicherung",
        [
            "für Ihre Mitgliedschaft benötigen wir noch Angaben zu Ihrem Einkommen.",
            "Bitte füllen Sie den beiliegenden Fragebogen aus.",
            f"Senden Sie ihn bitte bis spätestens {_d(due)} an uns zurück.",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Versichertennummer: {number}"],
    )


def buergeramt_registration(rng: random.Random, today: date) -> Letter:
    az = f"33.{_digits(rng, 2)}/{_digits(rng, 4)}"
    written = today - timedelta(days=rng.randrange(1, 6))
    return Letter(
        Truth(
            "Stadt Dessau-Roßlau – Bürgeramt",
            "registration",
            "documents",
            _d(written + timedelta(days=14)),
            None,
            (f"Aktenzeichen: {az}",),
        ),
        ["Stadt Dessau-Roßlau", "Bürgeramt – Meldebehörde", "Zerbster Straße 4"],
        "Anmeldung Ihrer Wohnung – fehlende Wohnungsgeberbestätigung",
        [
            "bei Ihrer Anmeldung fehlte die Wohnungsgeberbestätigung Ihres Vermieters.",
            "Bitte legen Sie die Bestätigung innerhalb von 14 Tagen im Bürgeramt vor.",
        ],
        written,
        [f"Aktenzeichen: {az}"],
    )


def agentur_invitation(rng: random.Random, today: date) -> Letter:
    kn = f"{_digits(rng, 3)}D{_digits(rng, 6)}"
    when = today + timedelta(days=rng.randrange(5, 20))
    hour = f"{rng.randrange(8, 15)}:{rng.choice(('00', '30'))}"
    return Letter(
        Truth(
            "Agentur für Arbeit Dessau-Roßlau-Wittenberg",
            "employment-agency",
            "appointment",
            None,
            None,
            (f"Kundennummer: {kn}",),
            (_d(when), f"{int(hour.split(':')[0]):02d}:{hour[-2:]}"),
        ),
        ["Agentur für Arbeit Dessau-Roßlau-Wittenberg", "Seminarplatz 1", "06846 Dessau-Roßlau"],
        "Einladung",
        [
            "bitte kommen Sie zu einem Gespräch über Ihre Arbeitssuche.",
            f"Ihr Termin: am {_d(when)} um {hour} Uhr bei Ihrer Vermittlerin.",
            "Ort: Seminarplatz 1, Eingang B, Raum 204",
        ],
        today - timedelta(days=rng.randrange(1, 6)),
        [f"Kundennummer: {kn}"],
    )


KINDS: tuple[Callable[[random.Random, date], Letter], ...] = (
    beitrag_payment,
    beitrag_reminder,
    jobcenter_invitation,
    jobcenter_documents,
    jobcenter_decision,
    auslaender_appointment,
    familienkasse_decision,
    familienkasse_documents,
    finanzamt_decision,
    aok_documents,
    buergeramt_registration,
    agentur_invitation,
)


# ------------------------------------------------------------------------------- drawing


def render_page(letter: Letter, rng: random.Random) -> Image.Image:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    small, normal, bold = _font(26), _font(32), _font(34, bold=True)
    x, y = 150, 120
    for i, line in enumerate(letter.head):
        draw.text((x, y), line, font=bold if i == 0 else normal, fill=20)
        y += 46
    name, street = rng.choice(NAMES), rng.choice(STREETS)
    y = 520
    draw.text((x, y - 40), f"{letter.head[0]} · {letter.head[-1]}", font=_font(20), fill=60)
    for line in (name, street, "06844 Dessau-Roßlau"):
        draw.text((x, y), line, font=normal, fill=10)
        y += 44
    right = 1000
    ref_y = 480
    for line in letter.references:
        draw.text((right, ref_y), line, font=small, fill=10)
        ref_y += 38
    draw.text((right, ref_y), f"Datum: {_d(letter.letter_date)}", font=small, fill=10)
    y = 860
    draw.text((x, y), letter.subject, font=bold, fill=0)
    y += 90
    draw.text((x, y), f"Sehr geehrte(r) {name},", font=normal, fill=0)
    y += 70
    for line in letter.body:
        draw.text((x, y), line, font=normal if len(line) < 75 else _font(28), fill=0)
        y += 52
    y += 40
    draw.text((x, y), "Mit freundlichen Grüßen", font=normal, fill=0)
    draw.text((x, y + 50), "Im Auftrag", font=normal, fill=0)
    footer = (
        f"Bankverbindung: IBAN DE{_digits(rng, 2)} {_digits(rng, 4)} {_digits(rng, 4)} "
        f"{_digits(rng, 4)} {_digits(rng, 4)} {_digits(rng, 2)} · BIC MARKDEF1810"
    )
    draw.line((x, 2150, PAGE[0] - 150, 2150), fill=120, width=2)
    draw.text((x, 2170), footer, font=_font(22), fill=60)
    draw.text(
        (x, 2205),
        "Sprechzeiten: siehe Internetseite · Telefon: siehe Briefkopf",
        font=_font(22),
        fill=60,
    )
    return page


@dataclass(frozen=True, slots=True)
class Damage:
    tilt: float = 0.0  # degrees
    perspective: float = 0.0  # 0..0.06 of the width
    blur: float = 0.0  # Gaussian radius in page pixels
    shadow: float = 0.0  # 0..0.6 darkening from one side
    quality: int = 85  # JPEG
    megapixels: float = 12.0  # the photo's size
    fill: float = 0.82  # share of the photo's height the page fills


def random_damage(rng: random.Random) -> Damage:
    return Damage(
        tilt=rng.uniform(-4, 4),
        perspective=rng.uniform(0, 0.05),
        blur=rng.uniform(0, 1.4),
        shadow=rng.uniform(0, 0.45),
        quality=rng.randrange(45, 90),
        megapixels=rng.choice((12.0, 12.0, 8.0, 3.0)),
        fill=rng.uniform(0.78, 0.92),
    )


def photo(page: Image.Image, damage: Damage, rng: random.Random) -> bytes:
    """The page as a phone photo: on a table, tilted, skewed, blurred, shaded, compressed."""
    height = int((damage.megapixels * 1e6 * 3 / 4) ** 0.5)
    width = int(height * 4 / 3)
    # portrait photo of a portrait page
    width, height = height, width
    page_h = int(height * damage.fill)
    page_w = int(page_h * PAGE[0] / PAGE[1])
    sheet = page.resize((page_w, page_h), Image.Resampling.LANCZOS)
    if damage.blur:
        sheet = sheet.filter(ImageFilter.GaussianBlur(damage.blur * page_w / PAGE[0]))
    canvas = Image.new("L", (width, height), rng.randrange(70, 140))
    canvas.paste(sheet, ((width - page_w) // 2, (height - page_h) // 2))
    if damage.perspective:
        d = damage.perspective * width
        coeffs = _perspective_coeffs(
            [(0, 0), (width, 0), (width, height), (0, height)],
            [(d, 0), (width - d * 0.3, d * 0.5), (width, height), (0, height - d * 0.4)],
        )
        canvas = canvas.transform(
            canvas.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR
        )
    if damage.tilt:
        canvas = canvas.rotate(damage.tilt, resample=Image.Resampling.BILINEAR, fillcolor=100)
    if damage.shadow:
        gradient = Image.linear_gradient("L").resize(canvas.size)
        if rng.random() < 0.5:
            gradient = gradient.rotate(90, expand=False)
        dark = Image.eval(gradient, lambda v: int(255 - damage.shadow * v))
        canvas = Image.composite(canvas, Image.new("L", canvas.size, 0), dark)
    out = io.BytesIO()
    canvas.convert("RGB").save(out, "JPEG", quality=damage.quality)
    return out.getvalue()


def _perspective_coeffs(
    source: list[tuple[float, float]], target: list[tuple[float, float]]
) -> list[float]:
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in source for c in point], dtype=float)
    return list(np.linalg.solve(a, b))


def make(seed: int, today: date, damage: Damage | None = None) -> tuple[bytes, Truth]:
    """One photographed letter and its truth, reproducible from ``seed``."""
    rng = random.Random(seed)
    letter = KINDS[seed % len(KINDS)](rng, today)
    chosen = damage if damage is not None else random_damage(rng)
    return photo(render_page(letter, rng), chosen, rng), letter.truth


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with real text (Helvetica, WinAnsi), as office software exports it."""

    def escape(line: str) -> bytes:
        raw = line.encode("cp1252", errors="replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    stream = (
        b"BT /F1 11 Tf 14 TL 60 780 Td "
        + b" ".join(b"(" + escape(line) + b") Tj T*" for line in lines)
        + b" ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def letter_lines(seed: int, today: date) -> tuple[list[str], Truth]:
    """The same letters as text lines, for PDFs and plain-text tests."""
    rng = random.Random(seed)
    letter = KINDS[seed % len(KINDS)](rng, today)
    lines = [
        *letter.head,
        "",
        *letter.references,
        f"Datum: {_d(letter.letter_date)}",
        "",
        letter.subject,
        "",
        "Sehr geehrte Damen und Herren,",
        *letter.body,
        "",
        "Mit freundlichen Grüßen",
    ]
    return lines, letter.truth
