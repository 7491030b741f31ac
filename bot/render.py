"""Turn an entry and its contacts into a message for one language.

One renderer, two output styles: Telegram HTML (every knowledge-base string escaped) and plain
text for the console. Opening hours come from ``bot.hours`` (Babel, the city's time zone); splitting
into messages is the channel's business (``bot.telegram.limits``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from babel.dates import (
    format_date,
    format_interval,
)

from bot.clock import BERLIN
from bot.events import PAGE_SIZE, EventAnswer, Occurrence, next_occurrence
from bot.hours import (
    format_day,
    format_hm,
    format_hours,
    format_open_state,
    open_state,
    round_the_clock,
)
from bot.i18n import N_, gettext_for
from bot.knowledge import Contact, Entry, Event, KnowledgeBase
from bot.language import RTL_LANGUAGES, fallbacks
from bot.urgent import urgent_entries

# The longest text sent as one message (an event list page, an entry's part): Telegram's limit,
# the strictest of the channels (bot.telegram.limits); the web chat and the console keep to it.
MESSAGE_LIMIT = 4096
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
    return f"{day}, {format_hm(start.time(), lang)} – {until}, {format_hm(end.time(), lang)}"


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
    limit: int = MESSAGE_LIMIT,
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
