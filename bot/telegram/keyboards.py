"""Inline keyboards. Every label goes through gettext; entry titles come from the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.assistant import Assistant
from bot.i18n import N_, gettext_for
from bot.knowledge import CATEGORIES, Entry
from bot.language import FLAGS, LANGUAGES, NATIVE_NAMES
from bot.telegram.callbacks import (
    AddToTicket,
    AskPerson,
    Callback,
    Consent,
    Forget,
    NoneOfThese,
    Rate,
    SetLanguage,
    ShowCategory,
    ShowEntry,
    ShowMenu,
    ShowTopic,
)

MAX_RELATED = 3


@dataclass(frozen=True, slots=True)
class Topic:
    """A main topic on the /start menu: the entries it opens, or its category as a fallback."""

    label: str
    entries: tuple[str, ...]
    category: str


TOPICS: dict[str, Topic] = {
    "registration": Topic(N_("📝 Registration"), ("registration",), "arrival"),
    "kita": Topic(N_("🧸 Childcare (Kita)"), ("childcare",), "family"),
    "work": Topic(N_("💼 Work and Jobcenter"), ("employment-agency", "jobcenter"), "work"),
    "courses": Topic(N_("🗣 German courses"), ("language-courses",), "language"),
}
CATEGORY_LABELS: dict[str, str] = {
    "arrival": N_("Arrival and authorities"),
    "work": N_("Work and money"),
    "language": N_("German courses"),
    "family": N_("Family, Kita and school"),
    "health": N_("Health"),
    "housing": N_("Housing and daily life"),
    "leisure": N_("Leisure and events"),
}


def category_label(category: str, lang: str) -> str:
    label = CATEGORY_LABELS.get(category)
    return gettext_for(lang)(label) if label else category


def _button(label: str, callback: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback.data())


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def main_menu(lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    topics = [_button(_(t.label), ShowTopic(key)) for key, t in TOPICS.items()]
    return InlineKeyboardMarkup(
        [
            [_button("🌐 " + _("Choose language"), ShowMenu("language"))],
            *_rows(topics, 2),
            [
                _button(_("🎉 Events"), ShowTopic("events")),
                _button(_("🙋 Ask a person"), AskPerson()),
            ],
            [_button(_("📚 All topics"), ShowMenu("topics"))],
        ]
    )


def languages() -> InlineKeyboardMarkup:
    buttons = [
        _button(" ".join((FLAGS[code], NATIVE_NAMES[code])), SetLanguage(code))
        for code in LANGUAGES
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def categories(lang: str, assistant: Assistant) -> InlineKeyboardMarkup:
    present = {e.category for e in assistant.kb.entries.values()}
    buttons = [
        _button(category_label(category, lang), ShowCategory(category))
        for category in CATEGORIES
        if category in present and category != "smalltalk"
    ]
    return InlineKeyboardMarkup(_rows(buttons, 1))


def entry_list(
    entries: Sequence[Entry], lang: str, assistant: Assistant, *, back: bool = True
) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    rows = [[_button(assistant.title(e.id, lang), ShowEntry(e.id, lang))] for e in entries]
    if back:
        rows.append([_button(_("⬅️ All topics"), ShowMenu("topics"))])
    return InlineKeyboardMarkup(rows)


def answer(entry: Entry, lang: str, assistant: Assistant) -> InlineKeyboardMarkup | None:
    """Related topics, then 👍 / 👎 (not for small talk: rating "hello" tells nobody anything)."""
    rows = [
        [_button("➡️ " + assistant.title(rid, lang), ShowEntry(rid, lang))]
        for rid in entry.related[:MAX_RELATED]
        if rid in assistant.kb.entries
    ]
    if entry.category != "smalltalk":
        version = assistant.kb.version
        rows.append(
            [
                _button("👍", Rate(True, entry.id, lang, version)),
                _button("👎", Rate(False, entry.id, lang, version)),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def without_rating(entry: Entry, lang: str, assistant: Assistant) -> InlineKeyboardMarkup | None:
    """The answer's keyboard after a rating: the related topics stay, the thumbs go."""
    rows = [
        [_button("➡️ " + assistant.title(rid, lang), ShowEntry(rid, lang))]
        for rid in entry.related[:MAX_RELATED]
        if rid in assistant.kb.entries
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def clarify(
    candidates: Sequence[str], lang: str, assistant: Assistant, offer: int
) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    rows = [
        [_button(assistant.title(target, lang), ShowEntry(target, lang))] for target in candidates
    ]
    rows.append([_button(_("None of these"), NoneOfThese(offer))])
    return InlineKeyboardMarkup(rows)


def consent(offer: int, lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup(
        [
            [
                _button(_("✅ Yes, forward it"), Consent(True, offer)),
                _button(_("✖️ No"), Consent(False, offer)),
            ]
        ]
    )


def forget(lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup(
        [[_button(_("🗑 Yes, delete"), Forget(True)), _button(_("✖️ No"), Forget(False))]]
    )


def add_to_ticket(ticket: int, lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup([[_button(_("➕ Add something"), AddToTicket(ticket))]])


def reply_to_team(ticket: int, lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup([[_button(_("↩️ Write back to the team"), AddToTicket(ticket))]])


def ask_person(lang: str) -> InlineKeyboardMarkup:
    _ = gettext_for(lang)
    return InlineKeyboardMarkup([[_button(_("🙋 Ask a person"), AskPerson())]])
