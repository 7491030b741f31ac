"""Inline-button callback data: short, versioned strings, validated before anything is done.

Format: ``v1|<action>|<arguments…>``, at most 64 bytes (Telegram's limit). Callback data comes
from the client and can be forged or stale (a button from last week, from an older knowledge
base), so ``parse`` accepts only exact shapes and the handlers re-check everything that matters:
that the entry still exists, the knowledge-base version a rating refers to, that a ticket belongs
to the person pressing, and that a consent button belongs to the question pending in this chat.
A press that fails any check gets a polite refusal and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from bot.events import WINDOWS, Window
from bot.knowledge import CATEGORIES
from bot.language import LANGUAGES

VERSION = "v1"
MAX_BYTES = 64
KB_TAG_LENGTH = 4  # a prefix of KnowledgeBase.version: enough to notice a changed knowledge base
MAIN_TOPICS: tuple[str, ...] = ("registration", "kita", "work", "courses", "events")
MENUS: tuple[str, ...] = ("language", "topics", "events", "start")

_ENTRY = r"[a-z0-9][a-z0-9-]{0,47}"
_NUMBER = r"[1-9][0-9]{0,11}"


@dataclass(frozen=True, slots=True)
class SetLanguage:
    lang: str
    code: ClassVar[str] = "l"

    def data(self) -> str:
        return _join(self.code, self.lang)


@dataclass(frozen=True, slots=True)
class ShowEntry:
    """Show an entry (or ``event:<id>``) in ``lang``: the language of the message it came with."""

    entry: str
    lang: str
    code: ClassVar[str] = "a"

    def data(self) -> str:
        return _join(self.code, self.entry, self.lang)


@dataclass(frozen=True, slots=True)
class ShowDetails:
    """ "More": the rest of entry ``entry``'s answer (documents, special cases) in ``lang``."""

    entry: str
    lang: str
    code: ClassVar[str] = "d"

    def data(self) -> str:
        return _join(self.code, self.entry, self.lang)


@dataclass(frozen=True, slots=True)
class Rate:
    helpful: bool
    entry: str
    lang: str
    kb: str  # knowledge-base version (tag) at the time of the answer
    code: ClassVar[str] = "f"

    def data(self) -> str:
        tag = self.kb[:KB_TAG_LENGTH]
        return _join(self.code, "+" if self.helpful else "-", self.entry, self.lang, tag)


@dataclass(frozen=True, slots=True)
class ShowCategory:
    category: str
    code: ClassVar[str] = "c"

    def data(self) -> str:
        return _join(self.code, self.category)


@dataclass(frozen=True, slots=True)
class ShowTopic:
    topic: str
    code: ClassVar[str] = "t"

    def data(self) -> str:
        return _join(self.code, self.topic)


@dataclass(frozen=True, slots=True)
class ShowMenu:
    menu: str
    code: ClassVar[str] = "m"

    def data(self) -> str:
        return _join(self.code, self.menu)


@dataclass(frozen=True, slots=True)
class Consent:
    """Yes/No to forwarding the question pending as offer ``offer`` in this chat; "t": yes, with
    the text of the letter the question is about."""

    yes: bool
    offer: int
    attach: bool = False
    code: ClassVar[str] = "e"

    def data(self) -> str:
        answer = ("t" if self.attach else "y") if self.yes else "n"
        return _join(self.code, answer, str(self.offer))


@dataclass(frozen=True, slots=True)
class NoneOfThese:
    offer: int
    code: ClassVar[str] = "n"

    def data(self) -> str:
        return _join(self.code, str(self.offer))


@dataclass(frozen=True, slots=True)
class AskPerson:
    code: ClassVar[str] = "h"

    def data(self) -> str:
        return _join(self.code)


@dataclass(frozen=True, slots=True)
class AddToTicket:
    ticket: int
    code: ClassVar[str] = "k"

    def data(self) -> str:
        return _join(self.code, str(self.ticket))


@dataclass(frozen=True, slots=True)
class Forget:
    confirm: bool
    code: ClassVar[str] = "x"

    def data(self) -> str:
        return _join(self.code, "y" if self.confirm else "n")


@dataclass(frozen=True, slots=True)
class EventsPage:
    """Page ``page`` (from 0) of the events in ``window``, in ``lang``."""

    window: Window
    page: int
    lang: str
    code: ClassVar[str] = "p"

    def data(self) -> str:
        return _join(self.code, self.window, str(self.page), self.lang)


@dataclass(frozen=True, slots=True)
class EventCalendar:
    """Send event ``event`` as an .ics file, its texts in ``lang``."""

    event: str
    lang: str
    code: ClassVar[str] = "i"

    def data(self) -> str:
        return _join(self.code, self.event, self.lang)


@dataclass(frozen=True, slots=True)
class EventReminder:
    """Remind the person of the occurrence of ``event`` on ``day`` (no language: the reminder
    is written in the person's language when it is sent, and 64 bytes leave no room)."""

    event: str
    day: date
    code: ClassVar[str] = "r"

    def data(self) -> str:
        return _join(self.code, self.event, self.day.strftime("%Y%m%d"))


EVENT_CALLBACKS = (EventsPage, EventCalendar, EventReminder)
Callback = (
    SetLanguage | ShowEntry | ShowDetails | Rate | ShowCategory | ShowTopic | ShowMenu | Consent
    | NoneOfThese | AskPerson | AddToTicket | Forget | EventsPage | EventCalendar | EventReminder
)  # fmt: skip


def _join(*parts: str) -> str:
    data = "|".join((VERSION, *parts))
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes: {data!r}")
    return data


def _alternatives(values: tuple[str, ...]) -> str:
    return "|".join(re.escape(v) for v in values)


_LANG = _alternatives(LANGUAGES)
_CATEGORY = _alternatives(tuple(c for c in CATEGORIES if c != "smalltalk"))
_PATTERNS: tuple[tuple[re.Pattern[str], type], ...] = tuple(
    (re.compile(rf"v1\|{pattern}"), kind)
    for pattern, kind in (
        (rf"l\|({_LANG})", SetLanguage),
        (rf"a\|((?:event:)?{_ENTRY})\|({_LANG})", ShowEntry),
        (rf"d\|({_ENTRY})\|({_LANG})", ShowDetails),
        (rf"f\|([+-])\|({_ENTRY})\|({_LANG})\|([0-9a-f]{{{KB_TAG_LENGTH}}})", Rate),
        (rf"c\|({_CATEGORY})", ShowCategory),
        (rf"t\|({_alternatives(MAIN_TOPICS)})", ShowTopic),
        (rf"m\|({_alternatives(MENUS)})", ShowMenu),
        (rf"e\|([ynt])\|({_NUMBER})", Consent),
        (rf"n\|({_NUMBER})", NoneOfThese),
        (r"h", AskPerson),
        (rf"k\|({_NUMBER})", AddToTicket),
        (r"x\|([yn])", Forget),
        (rf"p\|({_alternatives(WINDOWS)})\|(0|[1-9][0-9]{{0,2}})\|({_LANG})", EventsPage),
        (rf"i\|({_ENTRY})\|({_LANG})", EventCalendar),
        (rf"r\|({_ENTRY})\|([0-9]{{8}})", EventReminder),
    )
)


def parse(data: object) -> Callback | None:
    """The callback for ``data``, or None when it is not exactly one this version produces."""
    if not isinstance(data, str) or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(data)
        if match is None:
            continue
        args = match.groups()
        if kind is Rate:
            return Rate(args[0] == "+", args[1], args[2], args[3])
        if kind is Consent:
            return Consent(args[0] != "n", int(args[1]), attach=args[0] == "t")
        if kind in (NoneOfThese, AddToTicket):
            return kind(int(args[0]))  # type: ignore[no-any-return]
        if kind is Forget:
            return Forget(args[0] == "y")
        if kind is EventsPage:
            return EventsPage(args[0], int(args[1]), args[2])  # type: ignore[arg-type]
        if kind is EventReminder:
            try:
                return EventReminder(args[0], datetime.strptime(args[1], "%Y%m%d").date())
            except ValueError:  # eight digits, but no date (20271399)
                return None
        return kind(*args)  # type: ignore[no-any-return]
    return None
