"""Translation round trip for the integration office: export a CSV of texts to translate, import
the reviewed translations back into the YAML.

Export (one language): every entry text that is missing, machine-made or stale (made from an
older German text), field by field, with the German text beside it and the current translation
for reference. Questions are one cell, one question per line.

Import: every row is checked first (entry, language, field, empty text, German changed since the
export, placeholders, web addresses, e-mails and phone numbers kept); any bad row is reported
with its spreadsheet row number and *nothing* is written. Good rows are written with ruamel.yaml
in round-trip mode, which keeps the curators' comments, key order and quoting; each language
block becomes ``status: reviewed`` with ``updated`` set to the German text's date. The result is
validated on a copy of the knowledge folder before any real file is replaced.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.errors import KnowledgeError, Problem, TranslationImportError
from bot.kbfiles import NOT_VALID, check_copy, load_round_trip, replace_file
from bot.knowledge import TITLE_MAX, Entry, EntryText, KnowledgeBase
from bot.language import LANGUAGES
from bot.validation import load_knowledge

FIELDS: tuple[str, ...] = ("title", "questions", "answer", "details")
# Fields a language block always has; "details" only when the German text has details.
_OPTIONAL: frozenset[str] = frozenset({"details"})
COLUMNS: tuple[str, ...] = ("id", "lang", "field", "status", "german", "current", "translation")
_REQUIRED_COLUMNS = ("id", "field", "german", "translation")

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_URL = re.compile(r"https?://[^\s<>\"'()\[\]]+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# German numbers start with 0 or +; six digits at least, so that "2026" or "06844" are not phones.
_PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d[\d /()\-]{3,}\d(?!\w)")


# ---------------------------------------------------------------------------------- export


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: str
    lang: str
    field: str
    status: str  # missing, machine, stale
    german: str
    current: str


def field_text(text: EntryText, name: str) -> str:
    if name == "questions":
        return "\n".join(text.questions)
    return str(getattr(text, name) or "")


def fields_of(entry: Entry) -> tuple[str, ...]:
    """The fields a translation of ``entry`` has: those of its German text."""
    german = entry.texts["de"]
    return tuple(f for f in FIELDS if f not in _OPTIONAL or getattr(german, f) is not None)


def rows_to_translate(kb: KnowledgeBase, lang: str) -> list[ExportRow]:
    rows = []
    for entry in kb.entries.values():
        state = entry.translation_state(lang)
        if state == "reviewed":
            continue
        german = entry.texts["de"]
        current = entry.texts.get(lang)
        for name in fields_of(entry):
            rows.append(
                ExportRow(
                    entry.id,
                    lang,
                    name,
                    state,
                    field_text(german, name),
                    field_text(current, name) if current else "",
                )
            )
    return rows


def write_csv(rows: Iterable[ExportRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([row.id, row.lang, row.field, row.status, row.german, row.current, ""])
        count += 1
    return count


def export_csv(kb: KnowledgeBase, lang: str, path: Path) -> list[ExportRow]:
    """Write the CSV (UTF-8 with a byte-order mark, so that Excel shows umlauts and Cyrillic)."""
    if lang not in LANGUAGES or lang == "de":
        raise ValueError(f"translate into one of {' '.join(LANGUAGES[1:])}, not {lang!r}")
    rows = rows_to_translate(kb, lang)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        write_csv(rows, handle)
    return rows


# ---------------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class Translation:
    row: int
    entry: str
    lang: str
    field: str
    value: str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ImportResult:
    translations: tuple[Translation, ...]
    blocks: tuple[tuple[str, str], ...]  # (entry, lang) now reviewed
    files: tuple[Path, ...]
    written: bool
    warnings: tuple[str, ...] = field(default=())


def _clean(text: str) -> str:
    """Line endings and trailing blanks as a spreadsheet may have changed them."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def kept_tokens(german: str, translation: str) -> list[str]:
    """What a translation must keep from the German: placeholders, URLs, e-mails, phones."""
    problems = []
    want, have = set(_PLACEHOLDER.findall(german)), set(_PLACEHOLDER.findall(translation))
    for name in sorted(want - have):
        problems.append(f"placeholder {name} is missing")
    for name in sorted(have - want):
        problems.append(f"placeholder {name} is not in the German text")
    german_rest = _PLACEHOLDER.sub("", german)
    rest = _PLACEHOLDER.sub("", translation)
    if any(c in rest for c in "{}") and not any(c in german_rest for c in "{}"):
        problems.append("broken placeholder (a lone { or }): write it exactly as in German")
    for url in _URL.findall(german):
        url = url.rstrip(".,;:!?")
        if url not in translation:
            problems.append(f"web address {url} is missing")
    for email in _EMAIL.findall(german):
        if email.lower() not in translation.lower():
            problems.append(f"e-mail {email} is missing")
    have_phones = {_digits(p) for p in _PHONE.findall(translation)}
    for phone in _PHONE.findall(german):
        if len(_digits(phone)) >= 6 and _digits(phone) not in have_phones:
            problems.append(f"phone number {phone.strip()} is missing")
    return problems


def read_csv(source: TextIO) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """The data rows with their spreadsheet row numbers; a header problem is row 1."""
    text = source.read()
    first = text.split("\n", 1)[0]
    # Excel in a German locale saves with semicolons; accept what it writes.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader)]
    except StopIteration:
        return [], [Problem.row(1, "the file is empty")]
    except csv.Error as exc:
        return [], [Problem.row(1, f"not a readable CSV file: {exc}")]
    missing = [c for c in _REQUIRED_COLUMNS if c not in header]
    if missing:
        expected = ", ".join(COLUMNS)
        return [], [Problem.row(1, f"missing column(s) {', '.join(missing)} (expected {expected})")]
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            rows.append((number, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        return [], [Problem.row(len(rows) + 2, f"not a readable CSV row: {exc}")]
    return rows, []


def check_rows(
    kb: KnowledgeBase, rows: Sequence[tuple[int, dict[str, str]]], lang: str | None = None
) -> tuple[list[Translation], list[Problem]]:
    """Every problem of every row, and the translations if there are none."""
    errors: list[Problem] = []
    good: list[Translation] = []
    seen: dict[tuple[str, str, str], int] = {}  # (entry, lang, field) -> row, valid keys only
    for number, row in rows:
        cells = {k: (v or "") for k, v in row.items()}
        if not any(v.strip() for v in cells.values()):
            continue  # blank lines a spreadsheet leaves at the end
        eid = cells.get("id", "").strip()
        row_lang = cells.get("lang", "").strip().lower() or (lang or "")
        name = cells.get("field", "").strip().lower()
        translation = _clean(cells.get("translation", ""))
        problems: list[str] = []
        entry = kb.entries.get(eid)
        if entry is None:
            problems.append(f"unknown entry id {eid!r}" if eid else "no entry id")
        if not row_lang:
            problems.append("no language: add a lang column or use --lang")
        elif row_lang not in LANGUAGES:
            problems.append(f"unknown language {row_lang!r} (use {' '.join(LANGUAGES[1:])})")
        elif row_lang == "de":
            problems.append("German is the source text: change it in the YAML file")
        elif lang is not None and row_lang != lang:
            problems.append(f"the row is for {row_lang!r}, but --lang {lang} was given")
        if name not in FIELDS:
            problems.append(f"unknown field {name!r} (use {', '.join(FIELDS)})")
        elif entry is not None and name not in fields_of(entry):
            problems.append(f"the German text of {eid} has no {name}: delete this row")
            name = ""  # reported; keeps the checks below from comparing it
        if not translation:
            problems.append("empty translation: translate it, or delete the row")
        key = (eid, row_lang, name)
        if key in seen:
            problems.append(f"{eid} {row_lang} {name} is already in row {seen[key]}")
        elif entry is not None and name in FIELDS and row_lang in LANGUAGES[1:]:
            seen[key] = number
        if entry is not None and name in FIELDS and translation:
            german = field_text(entry.texts["de"], name)
            if _clean(cells.get("german", "")) != _clean(german):
                problems.append(
                    "the German text changed since the export: export again and translate "
                    "the new text"
                )
            problems.extend(kept_tokens(german, translation))
        value: str | tuple[str, ...] = translation
        if name == "title" and translation:
            if "\n" in translation:
                problems.append("a title is one line")
            elif len(translation) > TITLE_MAX:
                problems.append(f"title too long ({len(translation)} > {TITLE_MAX} characters)")
        elif name == "questions" and translation:
            value = tuple(q.strip() for q in translation.split("\n") if q.strip())
        errors.extend(Problem.row(number, p) for p in problems)
        if not problems:
            good.append(Translation(number, eid, row_lang, name, value))
    errors.extend(_incomplete_blocks(kb, seen))
    return (good if not errors else []), errors


def _incomplete_blocks(kb: KnowledgeBase, seen: dict[tuple[str, str, str], int]) -> list[Problem]:
    """A language block is reviewed as a whole: its title, questions, answer (and details, when
    the German text has them) come together.

    Rows count here even when their text has a problem: that problem is reported on its own."""
    by_block: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (eid, lang, name), row in seen.items():
        by_block[(eid, lang)][name] = row
    errors = []
    for (eid, lang), rows in by_block.items():
        wanted = fields_of(kb.entries[eid])
        missing = [f for f in wanted if f not in rows]
        if missing:
            errors.append(
                Problem.row(
                    min(rows.values()),
                    f"{eid} ({lang}): {', '.join(wanted[:-1])} and {wanted[-1]} are marked "
                    "reviewed together; "
                    f"add the row(s) for {', '.join(missing)} or delete this entry's rows",
                )
            )
    return errors


# ------------------------------------------------------------------------------ YAML writing


def _entry_node(data: Any, eid: str) -> CommentedMap | None:
    for item in data.get("entries") or []:
        if isinstance(item, CommentedMap) and str(item.get("id", "")).strip() == eid:
            return item
    return None


def _set(block: CommentedMap, key: str, value: object, position: int) -> None:
    if key in block:
        block[key] = value
    else:
        block.insert(min(position, len(block)), key, value)


def _apply(
    node: CommentedMap,
    lang: str,
    fields: dict[str, str | tuple[str, ...]],
    de: date,
    status: str = "reviewed",
) -> None:
    texts = node["text"]
    block = texts.get(lang)
    if not isinstance(block, CommentedMap):
        block = CommentedMap()
        # Keep the languages in their usual order: after the nearest one before it.
        before = [code for code in LANGUAGES[: LANGUAGES.index(lang)] if code in texts]
        keys = list(texts)
        position = keys.index(before[-1]) + 1 if before else len(keys)
        texts.insert(position, lang, block)
    if block.fa.flow_style():
        block.fa.set_block_style()  # a literal answer cannot live inside {…}
    _set(block, "status", status, 0)
    _set(block, "updated", de, 1)
    for position, name in enumerate(FIELDS, start=2):
        if name not in fields:
            continue
        value = fields[name]
        if name == "questions":
            seq = CommentedSeq(list(value))
            seq.fa.set_block_style()
            _set(block, name, seq, position)
        elif name in ("answer", "details"):
            _set(block, name, LiteralScalarString(str(value) + "\n"), position)
        else:
            _set(block, name, str(value), position)


def _source_path(directory: Path, entry: Entry) -> Path:
    """The file an entry came from (origins are shown relative to the folder's parent)."""
    origin = Path(entry.origin.file)
    return origin if origin.is_absolute() else directory.parent / origin


def render_files(
    directory: Path,
    kb: KnowledgeBase,
    translations: Sequence[Translation],
    status: str = "reviewed",
) -> tuple[dict[Path, str], list[str]]:
    """The new text of every file that changes, and warnings about formatting.

    ``status``: "reviewed" for a person's translations, "machine" for drafts
    (``translations fill``)."""
    by_file: dict[Path, dict[tuple[str, str], dict[str, str | tuple[str, ...]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for t in translations:
        by_file[_source_path(directory, kb.entries[t.entry])][(t.entry, t.lang)][t.field] = t.value
    out: dict[Path, str] = {}
    warnings: list[str] = []
    for path, blocks in by_file.items():
        yaml, data, faithful = load_round_trip(path.read_text(encoding="utf-8"))
        if not faithful:
            warnings.append(f"{path}: the YAML library will also change this file's layout")
        for (eid, lang), fields in blocks.items():
            node = _entry_node(data, eid)
            if node is None:  # the loader found it there; only a concurrent edit gets here
                raise TranslationImportError([Problem.general(f"{path}: entry {eid} not found")])
            _apply(node, lang, fields, kb.entries[eid].texts["de"].updated, status)
        buffer = io.StringIO()
        yaml.dump(data, buffer)
        out[path] = buffer.getvalue()
    return out, warnings


def not_valid(exc: KnowledgeError) -> TranslationImportError:
    """The refusal when the knowledge base would not validate after the change."""
    return TranslationImportError.because(NOT_VALID, exc)


def import_csv(
    directory: Path, source: Path | TextIO, lang: str | None = None, *, dry_run: bool = False
) -> ImportResult:
    """Check every row, write all or nothing, and validate the result before writing."""
    try:
        kb = load_knowledge(directory)
    except KnowledgeError as exc:
        raise TranslationImportError.because(
            "the knowledge base has problems; fix them first:", exc
        ) from exc
    if isinstance(source, Path):
        try:
            with source.open(encoding="utf-8-sig", newline="") as handle:
                rows, errors = read_csv(handle)
        except UnicodeDecodeError as exc:
            raise TranslationImportError(
                [Problem.general(f"{source} is not UTF-8 text: save it as 'CSV UTF-8'")]
            ) from exc
    else:
        rows, errors = read_csv(source)
    if errors:
        raise TranslationImportError(errors)
    translations, errors = check_rows(kb, rows, lang)
    if errors:
        raise TranslationImportError(errors)
    if not translations:
        raise TranslationImportError([Problem.general("no translations in the file")])
    changed, warnings = render_files(directory, kb, translations)
    check_copy(directory, changed, not_valid)
    if not dry_run:
        for path, text in changed.items():
            replace_file(path, text)
    blocks = tuple(sorted({(t.entry, t.lang) for t in translations}))
    return ImportResult(tuple(translations), blocks, tuple(changed), not dry_run, tuple(warnings))
