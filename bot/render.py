"""Turn an entry and its contacts into a message for one language.

One renderer, two output styles: Telegram HTML (every knowledge-base string escaped) and plain
text for the console. Opening hours are formatted with Babel in the reader's locale, and "open
now / opens Tuesday 08:00" is computed in Europe/Berlin time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from urllib.parse import urlsplit

from babel.dates import (
    format_date,
    format_interval,
    format_time,
    get_day_names,
    get_month_names,
)

from bot.clock import BERLIN
from bot.errors import Problem
from bot.events import PAGE_SIZE, EventAnswer, Occurrence, next_occurrence
from bot.i18n import N_, gettext_for
from bot.knowledge import Contact, Entry, Event, HoursRule, KnowledgeBase, OpeningHours, Season
from bot.language import LANGUAGES, RTL_LANGUAGES, fallbacks
from bot.urgent import urgent_entries

TELEGRAM_LIMIT = 4096
# The first message of an answer, contact lines included, fits on a phone screen or two.
FIRST_PART_LIMIT = 700
FIRST_PART_CONTACTS = 2  # contacts shown in the first message (urgent-help entries: none)
Part = Literal["first", "details"]
PARTS: tuple[Part, ...] = ("first", "details")
# Left-to-right isolate: keeps numbers, e-mails and links intact inside right-to-left text.
_LRI, _PDI = "\u2066", "\u2069"


@dataclass(frozen=True, slots=True)
class Style:
    """How to mark up text: Telegram HTML or plain text."""

    html: bool

    def esc(self, text: str) -> str:
        return html.escape(text, quote=False) if self.html else text

    def bold(self, text: str) -> str:
        return f"<b>{self.esc(text)}</b>" if self.html else text

    def italic(self, text: str) -> str:
        return f"<i>{self.esc(text)}</i>" if self.html else text

    def link(self, url: str, label: str | None = None) -> str:
        if self.html:
            return f'<a href="{html.escape(url, quote=True)}">{self.esc(label or url)}</a>'
        return url if not label or label == url else f"{label}: {url}"


HTML = Style(html=True)
PLAIN = Style(html=False)


def ltr(text: str, lang: str) -> str:
    """Isolate a left-to-right token (phone, e-mail, URL) inside right-to-left text."""
    return f"{_LRI}{text}{_PDI}" if lang in RTL_LANGUAGES else text


# A number written in groups ("0800 111 0 111", "0340 501-0"): in right-to-left text the bidi
# algorithm would show the groups in reverse order ("111 0 111 0800").
_GROUPED_NUMBER = re.compile(r"\+?\d+(?:[ /\-]\d+)+")


def ltr_numbers(text: str, lang: str) -> str:
    """Isolate every grouped number in a right-to-left text (answers written by curators)."""
    if lang not in RTL_LANGUAGES:
        return text
    return _GROUPED_NUMBER.sub(lambda m: f"{_LRI}{m.group(0)}{_PDI}", text)


# ----------------------------------------------------------------------------- opening hours


def _nth_of_month(day: date) -> tuple[int, bool]:
    """Which occurrence of its weekday ``day`` is (1-based), and whether it is the last one."""
    return (day.day - 1) // 7 + 1, (day + timedelta(days=7)).month != day.month


def spans_on(hours: OpeningHours, day: date) -> tuple[tuple[time, time], ...]:
    """The open spans on ``day``: a rule for "first-sat" wins over a rule for every "sat"."""
    if day in hours.closed:
        return ()
    nth, is_last = _nth_of_month(day)
    general: tuple[tuple[time, time], ...] = ()
    for rule in hours.rules_on(day):
        if rule.weekday != day.weekday():
            continue
        if rule.nth is None:
            general = rule.spans
        elif rule.nth == nth or (rule.nth == -1 and is_last):
            return rule.spans
    return general


@dataclass(frozen=True, slots=True)
class OpenState:
    open_now: bool
    until: time | None = None  # when open: closing time
    next_day: date | None = None  # when closed: the day it opens next
    next_time: time | None = None


def open_state(hours: OpeningHours, now: datetime) -> OpenState:
    """Whether a place is open at ``now`` (any time zone) and, if not, when it opens next."""
    local = now.astimezone(BERLIN)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    for start, end in spans_on(hours, today):
        if start <= clock < end:
            return OpenState(True, until=end)
    for offset in range(35):
        day = today + timedelta(days=offset)
        for start, _end in spans_on(hours, day):
            if offset == 0 and start <= clock:
                continue
            return OpenState(False, next_day=day, next_time=start)
    return OpenState(False)


_MIDNIGHT = time(23, 59)  # how the loader stores a span that ends at 24:00
_ALL_DAY = ((time(0), _MIDNIGHT),)


def _hm(value: time, lang: str) -> str:
    # A span that runs to midnight ends at 24:00, not at the stored 23:59.
    return "24:00" if value == _MIDNIGHT else format_time(value, "HH:mm", locale=lang)


def round_the_clock(hours: OpeningHours, day: date) -> bool:
    """Whether the place is open day and night all week (an emergency department)."""
    week = hours.rules_on(day)
    return {r.weekday for r in week if r.nth is None and r.spans == _ALL_DAY} == set(range(7))


def _day_label(weekdays: list[int], days: Mapping[int, str]) -> str:
    """ "Mon", "Mon, Thu" or, for three days or more in a row, "Tue–Sun"."""
    ordered = sorted(set(weekdays))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{days[run[0]]}–{days[run[-1]]}")
        else:
            parts.extend(days[d] for d in run)
    return ", ".join(parts)


def _season_label(season: Season, lang: str) -> str:
    _ = gettext_for(lang)
    months = get_month_names("wide", locale=lang, context="stand-alone")
    label = ""
    if season.months and len(season.months) < 12:
        first, last = months[season.first_month], months[season.last_month]
        label = first if first == last else f"{first}–{last}"
    if season.start is not None:
        since = _("from {date}").format(date=format_day(season.start, lang))
        label = f"{label}, {since}" if label else since
    return label


def format_hours(hours: OpeningHours, lang: str, today: date | None = None) -> list[str]:
    """One line per weekday group with the same hours, e.g. "Mon, Wed: 08:00–12:00"; seasonal
    hours as a heading per season (the one in force on ``today`` first) with its lines."""
    if not hours.seasons:
        return _format_week(hours.rules, lang)
    _ = gettext_for(lang)
    current = hours.season_on(today) if today is not None else None
    ordered = sorted(hours.seasons, key=lambda season: season is not current)
    lines: list[str] = []
    for season in ordered:
        week = _format_week(season.rules, lang) or [_("closed")]
        lines.append(_season_label(season, lang) + ":")
        lines.extend(f"  {line}" for line in week)
    return lines


def _format_week(rules: tuple[HoursRule, ...], lang: str) -> list[str]:
    _ = gettext_for(lang)
    days = get_day_names("abbreviated", locale=lang)
    lines: list[str] = []
    grouped: dict[tuple[tuple[time, time], ...], list[int]] = {}
    for rule in rules:
        if rule.nth is None and rule.spans:
            grouped.setdefault(rule.spans, []).append(rule.weekday)
    for spans, weekdays in sorted(grouped.items(), key=lambda kv: min(kv[1])):
        label = _day_label(weekdays, days)
        times = ", ".join(f"{_hm(a, lang)}–{_hm(b, lang)}" for a, b in spans)
        lines.append(f"{label}: {times}")
    ordinal = {
        1: _("first"), 2: _("second"), 3: _("third"), 4: _("fourth"), -1: _("last"),
    }  # fmt: skip
    wide = get_day_names("wide", locale=lang)
    for rule in rules:
        if rule.nth is None:
            continue
        which = _("{ordinal} {weekday} of the month").format(
            ordinal=ordinal[rule.nth], weekday=wide[rule.weekday]
        )
        if rule.spans:
            times = ", ".join(f"{_hm(a, lang)}–{_hm(b, lang)}" for a, b in rule.spans)
        else:
            times = _("closed")
        lines.append(f"{which}: {times}")
    return lines


def format_open_state(state: OpenState, lang: str, today: date) -> str:
    _ = gettext_for(lang)
    if state.open_now and state.until:
        return _("Open now, until {time}").format(time=_hm(state.until, lang))
    if state.next_day and state.next_time:
        if state.next_day == today:
            day = _("today")
        elif state.next_day == today + timedelta(days=1):
            day = _("tomorrow")
        else:
            day = get_day_names("wide", locale=lang)[state.next_day.weekday()]
        return _("Closed now, opens {day} at {time}").format(
            day=day, time=_hm(state.next_time, lang)
        )
    return _("Closed now")


def format_day(value: date, lang: str) -> str:
    return format_date(value, "long", locale=lang)


# ----------------------------------------------------------------------------------- entries


def render_contact(contact: Contact, lang: str, now: datetime, style: Style) -> str:
    """A contact block: name, address, phone, e-mail, links, hours and whether it is open."""
    _ = gettext_for(lang)
    lines = ["📍 " + style.bold(contact.name)]
    if contact.address:
        lines.append(style.esc(contact.address))
    if contact.phone:
        lines.append("☎️ " + ltr(style.esc(contact.phone), lang))
    if contact.email:
        lines.append("✉️ " + ltr(style.esc(contact.email), lang))
    if contact.website:
        lines.append("🌐 " + ltr(style.link(contact.website), lang))
    if contact.appointment:
        label = _("Book an appointment online")
        lines.append("📅 " + ltr(style.link(contact.appointment, label), lang))
    today = now.astimezone(BERLIN).date()
    if contact.hours and round_the_clock(contact.hours, today):
        lines.append("🟢 " + style.esc(_("Open 24 hours")))
    elif contact.hours and contact.hours.known:
        lines.append("🕒 " + style.esc(_("Opening hours:")))
        lines.extend(style.esc(line) for line in format_hours(contact.hours, lang, today))
        state = open_state(contact.hours, now)
        lines.append(
            ("🟢 " if state.open_now else "🔴 ") + style.esc(format_open_state(state, lang, today))
        )
    if contact.hours and contact.hours.known:
        if contact.hours.checked:
            lines.append(
                style.italic(
                    _("Hours as of {date}; they may have changed.").format(
                        date=format_day(contact.hours.checked, lang)
                    )
                )
            )
    else:
        # Suggest only what the contact offers: calling or writing, the website, or nothing.
        if contact.phone or contact.email:
            unknown = _("Opening hours: not known to me. Please call or write.")
        elif contact.website:
            unknown = _("Opening hours: not known to me. Please check the website.")
        else:
            unknown = _("Opening hours: not known to me.")
        lines.append("🕒 " + style.esc(unknown))
    note = _localized(contact.note, lang)
    if note:
        lines.append("ℹ️ " + style.esc(note))
    return "\n".join(lines)


def _localized(texts: Mapping[str, str], lang: str) -> str | None:
    """The text for ``lang`` or its fallback language."""
    for candidate in fallbacks(lang):
        if candidate in texts:
            return texts[candidate]
    return None


def _contact_line(contact: Contact, lang: str, now: datetime, style: Style) -> str:
    """A contact in three short lines for the first message: where, phone and open now, link.

    The week's hours, the e-mail address and the notes are in the details part."""
    where = "📍 " + style.bold(contact.name)
    if contact.address:
        where += ", " + style.esc(contact.address)
    lines = [where]
    reach = []
    if contact.phone:
        reach.append("☎️ " + ltr(style.esc(contact.phone), lang))
    elif contact.email:
        reach.append("✉️ " + ltr(style.esc(contact.email), lang))
    today = now.astimezone(BERLIN).date()
    if contact.hours and round_the_clock(contact.hours, today):
        reach.append("🟢 " + style.esc(gettext_for(lang)("Open 24 hours")))
    elif contact.hours and contact.hours.known:
        state = open_state(contact.hours, now)
        reach.append(
            ("🟢 " if state.open_now else "🔴 ") + style.esc(format_open_state(state, lang, today))
        )
    if reach:
        lines.append(" · ".join(reach))
    link = contact.website or contact.appointment
    if link:
        # A phone shows the link's text: the host is enough to recognise it; plain text
        # (the console) has no hidden targets, so there the address is shown whole.
        lines.append("🌐 " + ltr(style.link(link, _host(link) if style.html else None), lang))
    return "\n".join(lines)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def has_details(entry: Entry, lang: str) -> bool:
    """Whether the text ``lang`` is answered in has a details part ("More")."""
    return entry.text(lang)[1].details is not None


def render_entry(
    entry: Entry,
    kb: KnowledgeBase,
    lang: str,
    now: datetime,
    style: Style = PLAIN,
    part: Part = "first",
) -> str:
    """One part of the answer for ``entry`` in ``lang``.

    ``first``: title, the answer and a short contact line per contact (the first two; none for
    the entries of urgent help, whose answers are their numbers); without details it is the
    whole answer with full contacts, links and sources. ``details``: the details with the full
    contact blocks (hours of the week, e-mail, notes), links and sources — a reader who taps
    "More" has the whole picture there without scrolling back.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    _ = gettext_for(lang)
    used, text = entry.text(lang)
    parts: list[str] = []
    if used != lang:
        parts.append(
            style.italic(
                _(
                    "This answer is not yet available in your language. Here it is in {language}."
                ).format(language=_language_name(used, lang))
            )
        )
    parts.append(style.bold(text.title))
    contacts = [c for c in (kb.contacts.get(cid) for cid in entry.contacts) if c is not None]
    short = part == "first" and text.details is not None
    if part == "first":
        parts.append(ltr_numbers(style.esc(text.answer), used))
    elif text.details is not None:
        parts.append(ltr_numbers(style.esc(text.details), used))
    if short:
        # Urgent-help answers carry their numbers in the text: in a crisis the first message is
        # the numbers and nothing else; every contact block is one tap away ("More").
        shown = [] if entry.id in urgent_entries(kb) else contacts[:FIRST_PART_CONTACTS]
        parts.extend(_contact_line(contact, lang, now, style) for contact in shown)
    else:
        parts.extend(render_contact(contact, lang, now, style) for contact in contacts)
        if entry.links:
            parts.append(
                "🔗 " + style.esc(_("More information:")) + "\n"
                + "\n".join(ltr(style.link(url), lang) for url in entry.links)
            )  # fmt: skip
    if entry.category != "smalltalk":
        # Templates are escaped before formatting so that the links inserted stay markup.
        # "Translated automatically" is the dialogue's to add: once per conversation, not here.
        footer = []
        if not short:
            if entry.sources:
                links = ", ".join(ltr(style.link(u), lang) for u in entry.sources[:2])
                footer.append(style.esc(_("Source: {sources}")).format(sources=links))
            footer.append(
                style.esc(_("Last checked: {date}")).format(date=format_day(entry.checked, lang))
            )
        if footer:
            parts.append("\n".join(footer))
    return "\n\n".join(parts)


def language_name(code: str, reader_lang: str) -> str:
    """The name of language ``code`` in ``reader_lang`` (``uk`` in German: "Ukrainisch")."""
    return _language_name(code, reader_lang)


def _language_name(code: str, reader_lang: str) -> str:
    from babel import Locale

    try:
        return Locale.parse(code).get_display_name(reader_lang) or code
    except (ValueError, TypeError):  # pragma: no cover - all ten codes are known to Babel
        return code


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit`` UTF-16 units: at a space in the second half if
    there is one, never inside an HTML entity (``&amp;``) or tag."""
    units, cut = 0, len(line)
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            cut = index
            break
    space = line.rfind(" ", 0, cut)
    if space > cut // 2:
        cut = space
    for opener, closer in (("&", ";"), ("<", ">")):
        start = line.rfind(opener, 0, cut)
        if start > 0 and closer not in line[start:cut]:
            cut = start
    return max(cut, 1)


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at paragraph, then line boundaries so that no part exceeds ``limit`` UTF-16 units
    (Telegram's measure: 2,048 emoji are 4,096 units).

    HTML tags in this project never span a line break, so line-based splitting keeps them whole;
    a line cut in the middle is never cut inside an entity or a tag.
    """
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while utf16_len(line) > limit:  # a single monster line: cut hard, at a space if any
            cut = _hard_cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()]


# A fixed moment, so that validation gives the same figures every day ("closed now, opens
# Tuesday at 08:00" is about as long as the open-state line gets).
_MEASURED_AT = datetime(2026, 1, 5, 9, 0, tzinfo=BERLIN)


def oversize_problems(kb: KnowledgeBase) -> list[Problem]:
    """Entries whose rendered answer would not fit into one Telegram message, in any language."""
    problems = []
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            for part in PARTS:
                length = len(render_entry(entry, kb, lang, _MEASURED_AT, HTML, part))
                if length > TELEGRAM_LIMIT:
                    used, _text = entry.text(lang)
                    field = "answer" if part == "first" else "details"
                    problems.append(
                        Problem(
                            entry.origin.file,
                            entry.origin.line,
                            f"entries.{entry.id}.text.{used}.{field}",
                            f"rendered {part} part is {length} characters in {lang}; Telegram "
                            f"allows {TELEGRAM_LIMIT}. Shorten it.",
                        )
                    )
                    break
            else:
                continue
            break
    return problems


def first_part_length(entry: Entry, kb: KnowledgeBase, lang: str) -> int:
    """How long the first message is, as plain text with its contact lines."""
    return len(render_entry(entry, kb, lang, _MEASURED_AT, PLAIN, "first"))


def long_first_parts(kb: KnowledgeBase, limit: int = FIRST_PART_LIMIT) -> list[Problem]:
    """Warnings: first messages longer than ``limit`` (one per entry and text language)."""
    problems = []
    for entry in kb.entries.values():
        reported: set[str] = set()
        for lang in LANGUAGES:
            used, text = entry.text(lang)
            if used in reported:
                continue
            length = first_part_length(entry, kb, lang)
            if length <= limit:
                continue
            reported.add(used)
            hint = (
                "shorten the answer"
                if text.details is not None
                else "keep the next step in answer and move documents, special cases and "
                "background into details"
            )
            problems.append(
                Problem(
                    entry.origin.file,
                    text.line or entry.origin.line,
                    f"entries.{entry.id}.text.{used}.answer",
                    f"the first message is {length} characters in {lang} with its contact "
                    f"lines (aim for at most {limit}): {hint}",
                )
            )
    return problems


# ------------------------------------------------------------------------------------ events


def format_when(occurrence: Occurrence, lang: str) -> str:
    """The date (and time) of one occurrence in the reader's locale, with the weekday.

    Ranges use Babel's interval formats, which know how each language shortens them
    ("Fr., 2. – So., 4. Juli 2027"); times are local Berlin wall-clock times.
    """
    start, end = occurrence.start, occurrence.end
    if occurrence.all_day:
        last_day = (end - timedelta(days=1)).date()
        if last_day <= start.date():
            return format_date(start.date(), "full", locale=lang)
        return format_interval(start.date(), last_day, "yMMMMEd", locale=lang)
    day = format_date(start.date(), "full", locale=lang)
    if end.date() == start.date():
        return f"{day}, {format_interval(start.time(), end.time(), 'Hm', locale=lang)}"
    until = format_date(end.date(), "full", locale=lang)
    return f"{day}, {_hm(start.time(), lang)} – {until}, {_hm(end.time(), lang)}"


def event_description(event: Event, lang: str) -> tuple[str, str] | None:
    """(language, description) in ``lang`` or the first fallback that has one: a translation
    may give only the title, and the German description is better than none."""
    for candidate in fallbacks(lang):
        text = event.texts.get(candidate)
        if text is not None and text.description:
            return candidate, text.description
    german = event.texts["de"].description
    return ("de", german) if german else None


def event_place(event: Event, kb: KnowledgeBase) -> str | None:
    """Where an event takes place: a contact's name and address, or the address given."""
    if not event.place:
        return None
    contact = kb.contacts.get(event.place)
    if contact is None:
        return event.place
    return contact.name + (f", {contact.address}" if contact.address else "")


def render_occurrence(
    occurrence: Occurrence, kb: KnowledgeBase, lang: str, style: Style, *, full: bool = False
) -> str:
    """One event occurrence: title, date, place, link; with ``full`` also its description."""
    _ = gettext_for(lang)
    event = occurrence.event
    _used, text = event.text(lang)
    lines = ["🎉 " + style.bold(text.title), "🗓 " + style.esc(format_when(occurrence, lang))]
    if not event.confirmed:
        lines.append("⚠️ " + style.esc(_("Date to be confirmed")))
    place = event_place(event, kb)
    if place:
        lines.append("📍 " + style.esc(place))
    description = event_description(event, lang) if full else None
    if description is not None:
        used, body = description
        if used != lang:  # like entries: say so when the text is in a fallback language
            note = _("This event is not yet described in your language. Here it is in {language}.")
            lines.append(style.italic(note.format(language=_language_name(used, lang))))
        lines.append(style.esc(body))
    if event.link:
        lines.append("🔗 " + ltr(style.link(event.link), lang))
    return "\n".join(lines)


EVENT_WINDOW_TITLES: dict[str, str] = {
    "today": N_("Events today"),
    "tomorrow": N_("Events tomorrow"),
    "weekend": N_("Events this weekend"),
    "week": N_("Events in the next 7 days"),
    "soon": N_("Events in the next 14 days"),
    "all": N_("Events in the coming weeks"),
}


def render_event_answer(
    answer: EventAnswer,
    kb: KnowledgeBase,
    lang: str,
    style: Style = PLAIN,
    *,
    page: int = 0,
    limit: int = TELEGRAM_LIMIT,
) -> str:
    """An answer to an event question: one page of a numbered list, or one named event.

    Descriptions are left out of a list page that would not fit into one message (a page is
    edited in place when the person turns it, so it cannot be split).
    """
    _ = gettext_for(lang)
    if answer.window == "event":
        event = kb.events[answer.event_id or ""]
        if not answer.occurrences:
            title = event.text(lang)[1].title
            return style.bold(title) + "\n" + style.esc(_("No upcoming date is known."))
        return render_occurrence(answer.occurrences[0], kb, lang, style, full=True)
    number, pages, items = answer.page(page)
    head = [style.bold(_(EVENT_WINDOW_TITLES[answer.window]))]
    if not answer.occurrences:
        if answer.window == "all" or not answer.later:
            return head[0] + "\n\n" + style.esc(_("No events in the next weeks."))
        head.append(style.esc(_("I know of no events in this period. The next ones:")))
    tail = []
    if pages > 1:
        tail.append(style.italic(_("Page {page} of {pages}").format(page=number + 1, pages=pages)))
    first = number * PAGE_SIZE + 1
    for full in (True, False):
        blocks = [
            f"{index}. " + render_occurrence(occurrence, kb, lang, style, full=full)
            for index, occurrence in enumerate(items, first)
        ]
        text = "\n\n".join([*head, *blocks, *tail])
        if len(text) <= limit:
            break
    return text


def render_event(
    event: Event, kb: KnowledgeBase, lang: str, now: datetime, style: Style = PLAIN
) -> str:
    """An event with its next occurrence, or a note that no date is planned."""
    _ = gettext_for(lang)
    occurrence = next_occurrence(event, now)
    if occurrence is None:
        title = event.text(lang)[1].title
        return style.bold(title) + "\n" + style.esc(_("No upcoming date is known."))
    return render_occurrence(occurrence, kb, lang, style, full=True)
