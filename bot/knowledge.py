"""The knowledge base: its frozen model and the reader of the curated YAML.

``parse_knowledge`` reads every file and lists *every* problem of the data, each located as
``file:line: key.path: message``. ``bot.validation.load_knowledge`` adds the rules that belong to
other modules (urgent help, rendered lengths) and returns a knowledge base only when nothing is
wrong, so a broken file can never replace a working knowledge base.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from bot.errors import Problem
from bot.language import LANGUAGES, fallbacks
from bot.recurrence import rrule_problem
from bot.yamlsource import YDict, YList, key_line, line_of, load_file

CATEGORIES: tuple[str, ...] = (
    "arrival",
    "work",
    "language",
    "family",
    "health",
    "housing",
    "leisure",
    "smalltalk",
)
Status = Literal["reviewed", "machine"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[0-9][0-9 /()\-]{3,24}$")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")
TITLE_MAX = 60


# ----------------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was defined, for messages to curators."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class HoursRule:
    """Open spans on one weekday; ``nth`` restricts it to e.g. the first (1) or last (-1) one."""

    weekday: int  # 0 = Monday
    spans: tuple[tuple[time, time], ...]  # empty = closed that day
    nth: int | None = None


@dataclass(frozen=True, slots=True)
class Season:
    """Weekday rules that apply in some months (``months`` empty: all year) from ``start`` on."""

    months: frozenset[int]  # 1 = January
    rules: tuple[HoursRule, ...]
    start: date | None = None  # valid from this day (None: always)
    first_month: int = 1  # as written ("nov-feb": 11 and 2), for showing the range
    last_month: int = 12


@dataclass(frozen=True, slots=True)
class OpeningHours:
    rules: tuple[HoursRule, ...]  # the week's rules when there are no seasons
    closed: frozenset[date] = frozenset()
    checked: date | None = None
    seasons: tuple[Season, ...] = ()  # e.g. March–October and November–February

    def season_on(self, day: date) -> Season | None:
        """The season that applies on ``day``: of those covering its month, the one valid from
        the latest start that has begun."""
        best: Season | None = None
        for season in self.seasons:
            if season.months and day.month not in season.months:
                continue
            if season.start is not None and season.start > day:
                continue
            if best is None or (season.start or date.min) > (best.start or date.min):
                best = season
        return best

    def rules_on(self, day: date) -> tuple[HoursRule, ...]:
        """The weekday rules in force on ``day`` (none when no season covers it)."""
        if not self.seasons:
            return self.rules
        season = self.season_on(day)
        return season.rules if season is not None else ()

    @property
    def known(self) -> bool:
        return bool(self.rules) or any(s.rules for s in self.seasons)


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: str
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    appointment: str | None
    hours: OpeningHours | None
    note: Mapping[str, str]
    sources: tuple[str, ...]
    checked: date
    origin: Origin


@dataclass(frozen=True, slots=True)
class EntryText:
    status: Status
    updated: date
    title: str
    questions: tuple[str, ...]
    answer: str  # the first message: what to do, by when, where
    details: str | None = None  # one tap away: documents, special cases, background
    line: int = field(default=0, compare=False)  # where the answer is, for warnings


@dataclass(frozen=True, slots=True)
class LetterSign:
    """How a letter from one sender is recognised: its printed name and words typical of it."""

    sender: str
    signs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LetterKind:
    """A kind of letter (reminder, decision, ...): words that show it, and its name per language."""

    id: str
    signs: tuple[str, ...]
    names: Mapping[str, str]
    advice: Mapping[str, str]
    origin: Origin


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    category: str
    contacts: tuple[str, ...]
    related: tuple[str, ...]
    links: tuple[str, ...]
    sources: tuple[str, ...]
    checked: date
    keywords: tuple[str, ...]
    texts: Mapping[str, EntryText]
    origin: Origin
    letters: tuple[LetterSign, ...] = ()

    def text(self, lang: str) -> tuple[str, EntryText]:
        """The text for ``lang`` or its fallback, with the language actually used."""
        for candidate in fallbacks(lang):
            if candidate in self.texts:
                return candidate, self.texts[candidate]
        return "de", self.texts["de"]  # German is required, validation guarantees it

    def translation_state(self, lang: str) -> str:
        """missing, stale, machine or reviewed (stale wins: it needs work whoever made it)."""
        text = self.texts.get(lang)
        if text is None:
            return "missing"
        if self.is_stale(lang):
            return "stale"
        return text.status

    def is_stale(self, lang: str) -> bool:
        """True when the ``lang`` text was made from an older German text than the current one."""
        text = self.texts.get(lang)
        return text is not None and lang != "de" and text.updated < self.texts["de"].updated


@dataclass(frozen=True, slots=True)
class EventText:
    status: Status
    updated: date
    title: str
    description: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    start: datetime | date
    end: datetime | date | None
    repeat: str | None
    confirmed: bool
    place: str | None  # a contact id or an address
    link: str | None
    sources: tuple[str, ...]
    checked: date
    texts: Mapping[str, EventText]
    origin: Origin
    uid: str | None = None  # the iCalendar UID it was imported with: re-imports skip it

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    def text(self, lang: str) -> tuple[str, EventText]:
        for candidate in fallbacks(lang):
            if candidate in self.texts:
                return candidate, self.texts[candidate]
        return "de", self.texts["de"]


@dataclass(frozen=True, slots=True)
class OutOfScope:
    """Example questions the bot must not answer; ``human`` marks requests for a person."""

    id: str
    questions: Mapping[str, tuple[str, ...]]
    origin: Origin


HUMAN_ID = "human"
# The Integrationsbüro: the contact every "I don't know" and unreachable forwarding points to.
INTEGRATION_CONTACT = "integrationsbuero"


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    contacts: Mapping[str, Contact]
    entries: Mapping[str, Entry]
    events: Mapping[str, Event]
    out_of_scope: Mapping[str, OutOfScope]
    version: str  # content hash: changes whenever any file changes
    files: tuple[str, ...] = field(default=())
    # Urgent-help rules (bot.urgent), from the ``urgent:`` section; empty = the project's own.
    urgent: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    letter_kinds: Mapping[str, LetterKind] = field(default_factory=lambda: MappingProxyType({}))

    def entries_in(self, category: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.category == category]


# ------------------------------------------------------------------------------ validation


class Reader:
    """Typed accessors that record problems instead of raising, so that all are reported."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # (section, id) references, checked once every file is read: (line, path, section, id)
        self.references: list[tuple[int, str, str, str]] = []

    def refer(self, node: YDict, key: str, path: str, section: str) -> tuple[str, ...]:
        """Read a list of ids under ``key`` and remember them for the cross-file check."""
        ids = self.texts(node, key, path)
        line = key_line(node, key)
        for ref in ids:
            self.references.append((line, f"{path}.{key}", section, ref))
        return ids

    def problem(self, node: object, path: str, message: str, key: str | None = None) -> None:
        line = key_line(node, key) if key is not None else line_of(node)
        self.problems.append(Problem(self.file, line, path, message))

    def mapping(self, node: Any, path: str) -> YDict | None:
        if isinstance(node, YDict):
            return node
        self.problem(node, path, "expected a mapping (key: value lines)")
        return None

    def check_keys(
        self, node: YDict, path: str, allowed: set[str], required: set[str] = frozenset()
    ) -> None:
        for key in node:
            if key not in allowed:
                hint = ", ".join(sorted(allowed))
                self.problem(node, f"{path}.{key}", f"unknown key (allowed: {hint})", key)
        for key in sorted(required - node.keys()):
            self.problem(node, f"{path}.{key}", "missing")

    def text(
        self, node: YDict, key: str, path: str, *, required: bool = True, max_len: int = 0
    ) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node, f"{path}.{key}", "missing or empty", key)
            return None
        if not isinstance(value, str):
            self.problem(value, f"{path}.{key}", "expected text")
            return None
        stripped = value.strip()
        if not stripped:
            if required:
                self.problem(value, f"{path}.{key}", "empty text")
            return None
        if max_len and len(stripped) > max_len:
            self.problem(value, f"{path}.{key}", f"too long ({len(stripped)} > {max_len})")
        return stripped

    def texts(self, node: YDict, key: str, path: str, *, required: bool = False) -> tuple[str, ...]:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node, f"{path}.{key}", "missing", key)
            return ()
        if isinstance(value, str):
            value = YList([value])
        if not isinstance(value, list):
            self.problem(value, f"{path}.{key}", "expected a list")
            return ()
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(item if item is not None else value, f"{path}.{key}[{i}]", "empty")
                continue
            out.append(item.strip())
        return tuple(out)

    def date(self, node: YDict, key: str, path: str, *, required: bool = True) -> date | None:
        raw = self.text(node, key, path, required=required)
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.problem(node[key], f"{path}.{key}", f"not a date (YYYY-MM-DD): {raw!r}")
            return None

    def boolean(self, node: YDict, key: str, path: str, default: bool) -> bool:
        raw = node.get(key)
        if raw is None:
            return default
        if isinstance(raw, str) and raw.strip().lower() in ("true", "yes", "ja", "1"):
            return True
        if isinstance(raw, str) and raw.strip().lower() in ("false", "no", "nein", "0"):
            return False
        self.problem(raw, f"{path}.{key}", f"expected true or false, got {raw!r}")
        return default

    def urls(self, node: YDict, key: str, path: str, *, required: bool = False) -> tuple[str, ...]:
        values = self.texts(node, key, path, required=required)
        for i, url in enumerate(values):
            if not _URL.match(url):
                self.problem(node[key], f"{path}.{key}[{i}]", f"not a web address: {url!r}")
        return values

    def url(self, node: YDict, key: str, path: str) -> str | None:
        value = self.text(node, key, path, required=False)
        if value is not None and not _URL.match(value):
            self.problem(node[key], f"{path}.{key}", f"not a web address: {value!r}")
        return value

    def ident(self, node: YDict, path: str) -> str | None:
        value = self.text(node, "id", path)
        if value is not None and not _ID.match(value):
            self.problem(node["id"], f"{path}.id", f"ids use a-z, 0-9 and '-' (max 48): {value!r}")
            return None
        return value


def _parse_status(reader: Reader, node: YDict, path: str) -> Status:
    raw = reader.text(node, "status", path, required=False)
    if raw is None:
        return "machine"
    if raw not in ("reviewed", "machine"):
        reader.problem(node["status"], f"{path}.status", f"use reviewed or machine, not {raw!r}")
        return "machine"
    return raw  # type: ignore[return-value]


def _lang_blocks(reader: Reader, node: YDict, path: str) -> Iterator[tuple[str, YDict, str]]:
    """The language blocks under ``text:``, with unknown codes and a missing German reported."""
    texts = node.get("text")
    if texts is None:
        reader.problem(node, f"{path}.text", "missing (needs at least text.de)")
        return
    mapping = reader.mapping(texts, f"{path}.text")
    if mapping is None:
        return
    if "de" not in mapping:
        reader.problem(mapping, f"{path}.text.de", "no German text")
    for lang, block in mapping.items():
        lpath = f"{path}.text.{lang}"
        if lang not in LANGUAGES:
            reader.problem(
                mapping, lpath, f"unknown language code (use {' '.join(LANGUAGES)})", lang
            )
            continue
        block_map = reader.mapping(block, lpath) if block is not None else None
        if block_map is None:
            if block is None:
                reader.problem(mapping, lpath, "empty language block", lang)
            continue
        yield lang, block_map, lpath


def _parse_hours(reader: Reader, node: Any, path: str) -> tuple[HoursRule, ...]:
    mapping = reader.mapping(node, path)
    if mapping is None:
        return ()
    rules: list[HoursRule] = []
    for key, value in mapping.items():
        kpath = f"{path}.{key}"
        days, nth = _parse_day_key(key)
        if days is None:
            reader.problem(
                mapping,
                kpath,
                "use mon, tue, ..., a range like mon-fri, or first-sat / last-fri",
                key,
            )
            continue
        if not isinstance(value, str) or not value.strip():
            reader.problem(mapping, kpath, "give times like 08:00-12:00, 13:30-16:00", key)
            continue
        spans: list[tuple[time, time]] = []
        if value.strip().lower() != "closed":
            for part in value.split(","):
                span = _parse_span(part.strip())
                if span is None:
                    reader.problem(value, kpath, f"not a time span like 08:00-12:00: {part!r}")
                    continue
                if spans and span[0] < spans[-1][1]:
                    reader.problem(value, kpath, f"spans overlap or are out of order: {value!r}")
                spans.append(span)
        rules.extend(HoursRule(day, tuple(spans), nth) for day in days)
    return tuple(rules)


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _parse_months(text: str) -> tuple[frozenset[int], int, int] | None:
    """ "mar-oct" -> March to October; "nov-feb" wraps over the new year; "jul" is one month."""
    head, _, tail = text.strip().lower().partition("-")
    tail = tail or head
    if head not in _MONTHS or tail not in _MONTHS:
        return None
    first, last = _MONTHS.index(head) + 1, _MONTHS.index(tail) + 1
    months, month = [first], first
    while month != last:
        month = month % 12 + 1
        months.append(month)
    return frozenset(months), first, last


def _parse_seasons(reader: Reader, node: YList, path: str) -> tuple[Season, ...]:
    """``hours`` as a list of seasons, each with ``months`` and/or ``from`` and weekday keys."""
    seasons: list[Season] = []
    for i, item in enumerate(node):
        spath = f"{path}[{i}]"
        mapping = reader.mapping(item, spath)
        if mapping is None:
            continue
        months: frozenset[int] = frozenset()
        first, last = 1, 12
        raw = mapping.get("months")
        broken = False
        if raw is not None:
            parsed = _parse_months(str(raw)) if isinstance(raw, str) else None
            if parsed is None:
                reader.problem(
                    mapping, f"{spath}.months", f"use a month range like mar-oct: {raw!r}", "months"
                )
                broken = True
            else:
                months, first, last = parsed
        start = reader.date(mapping, "from", spath, required=False)
        broken = broken or (mapping.get("from") is not None and start is None)
        days = YDict({k: v for k, v in mapping.items() if k not in ("months", "from")})
        days.line = mapping.line
        days.key_lines = getattr(mapping, "key_lines", {})
        rules = _parse_hours(reader, days, spath) if days else ()
        if not broken:  # reported; checking its months as "all year" would only add noise
            seasons.append(Season(months, rules, start, first, last))
    by_start: dict[date | None, list[Season]] = {}
    for season in seasons:
        by_start.setdefault(season.start, []).append(season)
    for start, group in by_start.items():
        counts = [0] * 13
        for season in group:
            for month in season.months or range(1, 13):
                counts[month] += 1
        overlap = [_MONTHS[m - 1] for m in range(1, 13) if counts[m] > 1]
        if overlap:
            when = f" from {start}" if start else ""
            reader.problem(node, path, f"seasons{when} overlap in {', '.join(overlap)}")
        missing = [_MONTHS[m - 1] for m in range(1, 13) if counts[m] == 0]
        if start is None and missing:
            reader.problem(
                node, path,
                f"the seasons leave out {', '.join(missing)}: give those months too "
                "(write closed for a closed day)",
            )  # fmt: skip
    return tuple(seasons)


def _parse_day_key(key: str) -> tuple[list[int] | None, int | None]:
    key = key.strip().lower()
    nth = None
    if "-" in key:
        head, _, tail = key.partition("-")
        if head in _ORDINALS and tail in WEEKDAYS:
            return [WEEKDAYS.index(tail)], _ORDINALS[head]
        if head in WEEKDAYS and tail in WEEKDAYS:
            a, b = WEEKDAYS.index(head), WEEKDAYS.index(tail)
            return (list(range(a, b + 1)) if a <= b else None), nth
        return None, None
    if key in WEEKDAYS:
        return [WEEKDAYS.index(key)], nth
    return None, None


def _parse_span(text: str) -> tuple[time, time] | None:
    match = _SPAN.match(text)
    if not match:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start = time(h1, m1)
        end = time(23, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    except ValueError:
        return None
    return (start, end) if start < end else None


def _parse_contact(reader: Reader, node: YDict, path: str) -> Contact | None:
    cid = reader.ident(node, path)
    path = f"contacts.{cid}" if cid else path
    reader.check_keys(
        node,
        path,
        {
            "id", "name", "address", "phone", "email", "website", "appointment", "hours",
            "closed", "hours_checked", "note", "sources", "checked",
        },
        {"id", "name", "sources", "checked"},
    )  # fmt: skip
    name = reader.text(node, "name", path)
    address = reader.text(node, "address", path, required=False)
    phone = reader.text(node, "phone", path, required=False)
    if phone and not _PHONE.match(phone):
        reader.problem(node["phone"], f"{path}.phone", f"not a phone number: {phone!r}")
    email = reader.text(node, "email", path, required=False)
    if email and not _EMAIL.match(email):
        reader.problem(node["email"], f"{path}.email", f"not an e-mail address: {email!r}")
    website = reader.url(node, "website", path)
    appointment = reader.url(node, "appointment", path)
    if not any((address, phone, email, website)):
        reader.problem(node, path, "give at least one of address, phone, email, website")
    hours = None
    if node.get("hours") is not None:
        closed: set[date] = set()
        for i, raw in enumerate(reader.texts(node, "closed", path)):
            try:
                closed.add(date.fromisoformat(raw))
            except ValueError:
                reader.problem(node["closed"], f"{path}.closed[{i}]", f"not a date: {raw!r}")
        raw_hours = node["hours"]
        seasonal = isinstance(raw_hours, YList)
        hours = OpeningHours(
            () if seasonal else _parse_hours(reader, raw_hours, f"{path}.hours"),
            frozenset(closed),
            reader.date(node, "hours_checked", path, required=False),
            _parse_seasons(reader, raw_hours, f"{path}.hours") if seasonal else (),
        )
    note = _per_language(reader, node, "note", path, max_len=0)
    sources = reader.urls(node, "sources", path, required=True)
    checked = reader.date(node, "checked", path)
    if cid is None or name is None or checked is None:
        return None
    return Contact(
        cid, name, address, phone, email, website, appointment, hours,
        MappingProxyType(note), sources, checked, Origin(reader.file, node.line),
    )  # fmt: skip


def _parse_entry(reader: Reader, node: YDict, path: str) -> Entry | None:
    eid = reader.ident(node, path)
    path = f"entries.{eid}" if eid else path
    reader.check_keys(
        node,
        path,
        {
            "id", "category", "contacts", "related", "links", "sources", "checked",
            "keywords", "text", "letters",
        },
        {"id", "category", "checked", "text"},
    )  # fmt: skip
    category = reader.text(node, "category", path)
    if category is not None and category not in CATEGORIES:
        reader.problem(node["category"], f"{path}.category", f"use one of {', '.join(CATEGORIES)}")
    sources = reader.urls(node, "sources", path)
    if not sources and category != "smalltalk":
        reader.problem(node, f"{path}.sources", "every entry needs at least one source URL")
    texts: dict[str, EntryText] = {}
    for lang, block, lpath in _lang_blocks(reader, node, path):
        reader.check_keys(
            block, lpath, {"status", "updated", "title", "questions", "answer", "details"},
            {"updated", "title", "questions", "answer"},
        )  # fmt: skip
        status = _parse_status(reader, block, lpath)
        updated = reader.date(block, "updated", lpath)
        title = reader.text(block, "title", lpath, max_len=TITLE_MAX)
        questions = reader.texts(block, "questions", lpath, required=True)
        answer = reader.text(block, "answer", lpath)
        details = reader.text(block, "details", lpath, required=False)
        if block.get("questions") is not None and not questions:
            reader.problem(block, f"{lpath}.questions", "needs at least one question")
        if updated and title and questions and answer:
            texts[lang] = EntryText(
                status, updated, title, questions, answer, details, key_line(block, "answer")
            )
    checked = reader.date(node, "checked", path)
    contacts = reader.refer(node, "contacts", path, "contacts")
    related = reader.refer(node, "related", path, "entries")
    if eid in related:
        reader.problem(node, f"{path}.related", "an entry cannot be related to itself", "related")
    if eid is None or category is None or checked is None or "de" not in texts:
        return None
    return Entry(
        id=eid,
        category=category,
        contacts=contacts,
        related=related,
        links=reader.urls(node, "links", path),
        sources=sources,
        checked=checked,
        keywords=reader.texts(node, "keywords", path),
        texts=MappingProxyType(texts),
        origin=Origin(reader.file, node.line),
        letters=_parse_letters(reader, node, path),
    )


def _parse_letters(reader: Reader, node: YDict, path: str) -> tuple[LetterSign, ...]:
    """The ``letters:`` of an entry: each a printed sender name and at least one sign word."""
    raw = node.get("letters")
    if raw is None:
        return ()
    if not isinstance(raw, YList):
        reader.problem(raw, f"{path}.letters", "expected a list of senders")
        return ()
    signs: list[LetterSign] = []
    for i, item in enumerate(raw):
        ipath = f"{path}.letters[{i}]"
        mapping = reader.mapping(item, ipath)
        if mapping is None:
            continue
        reader.check_keys(mapping, ipath, {"sender", "signs"}, {"sender", "signs"})
        sender = reader.text(mapping, "sender", ipath, max_len=TITLE_MAX * 2)
        words = reader.texts(mapping, "signs", ipath, required=True)
        for j, word in enumerate(words):
            if len(word) < 4:
                reader.problem(
                    mapping["signs"], f"{ipath}.signs[{j}]",
                    f"too short to recognise reliably (4 letters or more): {word!r}",
                )  # fmt: skip
        if sender and words:
            signs.append(LetterSign(sender, words))
    return tuple(signs)


def _parse_letter_kind(reader: Reader, node: YDict, path: str) -> LetterKind | None:
    kid = reader.ident(node, path)
    path = f"letter_kinds.{kid}" if kid else path
    reader.check_keys(node, path, {"id", "signs", "name", "advice"}, {"id", "signs", "name"})
    signs = reader.texts(node, "signs", path, required=True)
    names = _per_language(reader, node, "name", path, TITLE_MAX * 2)
    advice = _per_language(reader, node, "advice", path, 400)
    if kid is None or not signs or "de" not in names:
        return None
    return LetterKind(
        kid, signs, MappingProxyType(names), MappingProxyType(advice),
        Origin(reader.file, node.line),
    )  # fmt: skip


def _per_language(reader: Reader, node: YDict, key: str, path: str, max_len: int) -> dict[str, str]:
    """A text per language code under ``key`` (``max_len`` 0: any length); German required when
    the key is there."""
    out: dict[str, str] = {}
    if node.get(key) is None:
        return out
    mapping = reader.mapping(node[key], f"{path}.{key}")
    for lang in mapping or {}:
        if lang not in LANGUAGES:
            reader.problem(mapping, f"{path}.{key}.{lang}", "unknown language code", lang)
            continue
        value = reader.text(mapping, lang, f"{path}.{key}", max_len=max_len)  # type: ignore[arg-type]
        if value:
            out[lang] = value
    if mapping is not None and "de" not in out:
        reader.problem(mapping, f"{path}.{key}.de", "no German text")
    return out


def _parse_when(reader: Reader, node: YDict, key: str, path: str) -> datetime | date | None:
    raw = reader.text(node, key, path, required=key == "start")
    if raw is None:
        return None
    try:
        if len(raw) <= 10:
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        reader.problem(
            node[key], f"{path}.{key}", f"use 2027-07-02 or 2027-07-02 18:00, not {raw!r}"
        )
        return None


def _parse_event(reader: Reader, node: YDict, path: str) -> Event | None:
    eid = reader.ident(node, path)
    path = f"events.{eid}" if eid else path
    reader.check_keys(
        node,
        path,
        {"id", "start", "end", "repeat", "confirmed", "place", "link", "sources", "checked",
         "text", "uid"},
        {"id", "start", "sources", "checked", "text"},
    )  # fmt: skip
    start = _parse_when(reader, node, "start", path)
    end = _parse_when(reader, node, "end", path)
    if start is not None and end is not None:
        if isinstance(start, datetime) != isinstance(end, datetime):
            reader.problem(
                node["end"], f"{path}.end", "start and end must both have a time or both not"
            )
        elif end < start:  # type: ignore[operator]
            reader.problem(node["end"], f"{path}.end", "ends before it starts")
    repeat = reader.text(node, "repeat", path, required=False)
    if repeat is not None and start is not None:
        message = rrule_problem(repeat, start)
        if message:
            reader.problem(node["repeat"], f"{path}.repeat", message)
    texts: dict[str, EventText] = {}
    for lang, block, lpath in _lang_blocks(reader, node, path):
        reader.check_keys(
            block, lpath, {"status", "updated", "title", "description", "aliases"},
            {"updated", "title"},
        )  # fmt: skip
        status = _parse_status(reader, block, lpath)
        updated = reader.date(block, "updated", lpath)
        title = reader.text(block, "title", lpath, max_len=TITLE_MAX * 2)
        description = reader.text(block, "description", lpath, required=False) or ""
        aliases = reader.texts(block, "aliases", lpath)
        if updated and title:
            texts[lang] = EventText(status, updated, title, description, aliases)
    sources = reader.urls(node, "sources", path, required=True)
    checked = reader.date(node, "checked", path)
    if eid is None or start is None or checked is None or "de" not in texts:
        return None
    return Event(
        id=eid,
        start=start,
        end=end,
        repeat=repeat,
        confirmed=reader.boolean(node, "confirmed", path, True),
        place=reader.text(node, "place", path, required=False),
        link=reader.url(node, "link", path),
        sources=sources,
        checked=checked,
        texts=MappingProxyType(texts),
        origin=Origin(reader.file, node.line),
        uid=reader.text(node, "uid", path, required=False),
    )


def _parse_out_of_scope(reader: Reader, node: YDict, path: str) -> OutOfScope | None:
    oid = reader.ident(node, path)
    path = f"out_of_scope.{oid}" if oid else path
    reader.check_keys(node, path, {"id", "text"}, {"id", "text"})
    questions: dict[str, tuple[str, ...]] = {}
    for lang, block, lpath in _lang_blocks(reader, node, path):
        reader.check_keys(block, lpath, {"questions"}, {"questions"})
        questions[lang] = reader.texts(block, "questions", lpath, required=True)
    if oid is None:
        return None
    return OutOfScope(oid, MappingProxyType(questions), Origin(reader.file, node.line))


SectionParser = Callable[[Reader, YDict, str], Any]


def _sections(urgent: SectionParser) -> dict[str, SectionParser]:
    return {
        "contacts": _parse_contact,
        "entries": _parse_entry,
        "events": _parse_event,
        "out_of_scope": _parse_out_of_scope,
        "urgent": urgent,
        "letter_kinds": _parse_letter_kind,
    }


def _check_references(
    kb: KnowledgeBase, references: list[tuple[str, int, str, str, str]], problems: list[Problem]
) -> None:
    sections: dict[str, Mapping[str, Any]] = {"contacts": kb.contacts, "entries": kb.entries}
    for file, line, path, section, ref in references:
        if ref not in sections[section]:
            kind = "contact" if section == "contacts" else "entry"
            problems.append(Problem(file, line, path, f"unknown {kind} {ref!r}"))
    for event in kb.events.values():
        if event.place and _ID.match(event.place) and event.place not in kb.contacts:
            problems.append(
                Problem(
                    event.origin.file,
                    event.origin.line,
                    f"events.{event.id}.place",
                    f"unknown contact {event.place!r} (write an address with spaces, or a "
                    "known contact id)",
                )
            )


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def knowledge_files(directory: Path) -> list[Path]:
    """The YAML files that make up a knowledge base, in a stable order."""
    return sorted(p for p in directory.rglob("*.y*ml") if p.is_file())


def parse_knowledge(directory: Path, urgent: SectionParser) -> tuple[KnowledgeBase, list[Problem]]:
    """Read everything that parses and list the problems of the YAML itself and of references
    between entries. The rules of other modules (urgent help, rendered lengths) are checked by
    ``bot.validation``, which also passes the parser of the ``urgent:`` section (``bot.urgent``
    builds on this module, so this module cannot import it)."""
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        problems.append(
            Problem(
                str(directory), 1, "",
                "knowledge folder not found (set KNOWLEDGE_DIR to the folder of the knowledge "
                "base)",
            )
        )  # fmt: skip
        empty: Mapping[str, Any] = MappingProxyType({})
        return KnowledgeBase(empty, empty, empty, empty, "none"), problems
    digest = hashlib.sha256()
    sections = _sections(urgent)
    collected: dict[str, dict[str, Any]] = {name: {} for name in sections}
    references: list[tuple[str, int, str, str, str]] = []
    files = knowledge_files(directory)
    for path in files:
        display = _display(path, directory)
        digest.update(display.encode())
        digest.update(path.read_bytes())
        reader = Reader(display)
        data = load_file(path, display, reader.problems)
        if data is not None:
            top = reader.mapping(data, "")
            for key, items in (top or {}).items():
                parse = sections.get(key)
                if parse is None:
                    reader.problem(top, key, f"unknown section (use {', '.join(sections)})", key)
                    continue
                if not isinstance(items, YList):
                    reader.problem(items if items is not None else top, key, "expected a list")
                    continue
                for index, item in enumerate(items):
                    item_path = f"{key}[{index}]"
                    node = reader.mapping(item, item_path)
                    if node is None:
                        continue
                    parsed = parse(reader, node, item_path)
                    if parsed is None:
                        continue
                    if parsed.id in collected[key]:
                        first = collected[key][parsed.id].origin
                        reader.problem(
                            node, f"{key}.{parsed.id}.id",
                            f"duplicate id (first defined at {first.file}:{first.line})",
                        )  # fmt: skip
                        continue
                    collected[key][parsed.id] = parsed
        problems.extend(reader.problems)
        references.extend((display, *ref) for ref in reader.references)
    if not collected["entries"] and not problems:
        problems.append(Problem(str(directory), 1, "", "no entries found"))
    kb = KnowledgeBase(
        contacts=MappingProxyType(collected["contacts"]),
        entries=MappingProxyType(collected["entries"]),
        events=MappingProxyType(collected["events"]),
        out_of_scope=MappingProxyType(collected["out_of_scope"]),
        version=digest.hexdigest()[:12],
        files=tuple(_display(p, directory) for p in files),
        urgent=MappingProxyType(collected["urgent"]),
        letter_kinds=MappingProxyType(collected["letter_kinds"]),
    )
    _check_references(kb, references, problems)
    return kb, problems


def data_warnings(kb: KnowledgeBase) -> list[Problem]:
    """What a curator should improve in the data although it works (``bot.validation`` adds
    the rendered lengths): not errors, so a reload still succeeds."""
    warnings: list[Problem] = []
    for contact in kb.contacts.values():
        if not (contact.phone or contact.email or contact.website):
            warnings.append(
                Problem(
                    contact.origin.file,
                    contact.origin.line,
                    f"contacts.{contact.id}",
                    "no phone, e-mail or website: people cannot reach it from the answer; add "
                    "one from a source",
                )
            )
    for entry in kb.entries.values():
        if entry.texts["de"].details is None:
            continue
        for lang, text in entry.texts.items():
            if text.details is None:
                warnings.append(
                    Problem(
                        entry.origin.file,
                        text.line or entry.origin.line,
                        f"entries.{entry.id}.text.{lang}.details",
                        "the German text has details, this language has none: its readers get "
                        'no "More"',
                    )
                )
    return warnings
