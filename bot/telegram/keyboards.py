"""Inline keyboards. Every label goes through gettext; entry titles come from the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import dialogue as dlg
from bot.assistant import Assistant
from bot.i18n import N_, gettext_for
from bot.knowledge import CATEGORIES, Entry
from bot.language import FLAGS, LANGUAGES, NATIVE_NAMES
from bot.replies import option_label
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
    ShowDetails,
    ShowEntry,
    ShowMenu,
    ShowTopic,
)
from bot.telegram.callbacks import parse as cb_parse

Button = InlineKeyboardButton

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


def _option_button(option: dlg.Option, assistant: Assistant, lang: str, arrow: bool) -> Button:
    label = option_label(option, assistant, lang)
    match option:
        case dlg.Show(target, target_lang):
            return _button(("➡️ " + label) if arrow else label, ShowEntry(target, target_lang))
        case dlg.More(target, target_lang):
            return _button(label, ShowDetails(target, target_lang))
        case dlg.Person():
            return _button(label, AskPerson())
        case dlg.NoneOfThese(offer):
            return _button(label, NoneOfThese(offer))
        case dlg.Consent(yes, offer, attach):
            return _button(label, Consent(yes, offer, attach))
    raise AssertionError(f"unknown option {option!r}")  # pragma: no cover


def option_rows(
    options: Sequence[dlg.Option], assistant: Assistant, lang: str, *, arrows: bool = True
) -> list[list[Button]]:
    """One row per option; Yes / No side by side. ``arrows``: topics get "➡️" (they lead on
    from an answer; a "did you mean" menu lists them plain)."""
    rows: list[list[Button]] = []
    for option in options:
        button = _option_button(option, assistant, lang, arrows)
        if isinstance(option, dlg.Consent) and rows and rows[-1][0].text.startswith("✅"):
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows


def options(
    options: Sequence[dlg.Option], assistant: Assistant, lang: str, *, arrows: bool = True
) -> InlineKeyboardMarkup | None:
    rows = option_rows(options, assistant, lang, arrows=arrows)
    return InlineKeyboardMarkup(rows) if rows else None


def answer(reply: dlg.Answer | dlg.Details, assistant: Assistant) -> InlineKeyboardMarkup | None:
    """An answer's options ("More", alternatives, "ask a person"), related topics when the
    answer is certain, then 👍 / 👎 (not for small talk: rating "hello" tells nobody anything)."""
    lang = reply.lang
    rows = option_rows(reply.options, assistant, lang)
    entry = assistant.entry(reply.target)
    if entry is None or isinstance(reply, dlg.Details):  # the answer above has the rest
        return InlineKeyboardMarkup(rows) if rows else None
    if not any(isinstance(o, dlg.Show) for o in reply.options):
        rows += [
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


def without_rating(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """An answer's keyboard after a rating: everything stays but the thumbs."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(isinstance(cb_parse(b.callback_data), Rate) for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def clarify(reply: dlg.Clarify, assistant: Assistant) -> InlineKeyboardMarkup | None:
    return options(reply.options, assistant, reply.lang, arrows=False)


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
