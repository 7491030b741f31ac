"""Drafts of missing knowledge-base translations, for curators to check: ``python run_bot.py
translations fill --lang xx [--entries ids]``.

Each entry without a ``lang`` text (and each machine-made one made from an older German text)
gets its title, questions, answer and details translated from German through the configured
connector, written into its YAML file with ``status: machine`` — the same round-trip writing as
``translations import`` (comments, order and quoting kept; the result validated on a copy before
any file is replaced). Reviewed texts are never touched, stale or not. A draft that lost a web
address, e-mail, phone number or placeholder is not written; the command names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.kbfiles import check_copy, replace_file
from bot.knowledge import TITLE_MAX, Entry, KnowledgeBase
from bot.translate.connector import TranslationError, Translator
from bot.translations import (
    Translation,
    field_text,
    fields_of,
    kept_tokens,
    not_valid,
    render_files,
)


@dataclass(frozen=True, slots=True)
class FillResult:
    drafted: tuple[str, ...]  # entry ids
    skipped: tuple[tuple[str, str], ...]  # (entry id, why)
    files: tuple[Path, ...]
    written: bool
    warnings: tuple[str, ...] = field(default=())


def entries_to_fill(kb: KnowledgeBase, lang: str, only: Sequence[str] = ()) -> list[Entry]:
    """Entries whose ``lang`` text is missing, or machine-made from an older German text."""
    unknown = [eid for eid in only if eid not in kb.entries]
    if unknown:
        raise ValueError(f"unknown entry id(s): {', '.join(unknown)}")
    chosen = [kb.entries[eid] for eid in only] if only else list(kb.entries.values())
    out = []
    for entry in chosen:
        text = entry.texts.get(lang)
        if text is None or (text.status == "machine" and entry.is_stale(lang)):
            out.append(entry)
    return out


async def draft(entry: Entry, lang: str, translator: Translator) -> list[Translation]:
    """One entry's fields in ``lang``; raises TranslationError or ValueError (a bad draft)."""
    german = entry.texts["de"]
    names = fields_of(entry)
    texts: list[str] = []
    for name in names:
        texts.extend(german.questions if name == "questions" else [field_text(german, name)])
    translated = await translator.translate_many(texts, "de", lang)
    out: list[Translation] = []
    problems: list[str] = []
    position = 0
    for name in names:
        if name == "questions":
            count = len(german.questions)
            value: str | tuple[str, ...] = tuple(
                q.strip() for q in translated[position : position + count]
            )
            position += count
            problems += [f"questions: {p}" for p in kept_tokens("\n".join(german.questions),
                                                                  "\n".join(value))]  # fmt: skip
        else:
            value = translated[position].strip()
            position += 1
            problems += [f"{name}: {p}" for p in kept_tokens(field_text(german, name), value)]
            if name == "title":
                value = " ".join(value.split())[:TITLE_MAX]
        out.append(Translation(0, entry.id, lang, name, value))
    if problems:
        raise ValueError("; ".join(problems))
    return out


async def fill(
    directory: Path,
    kb: KnowledgeBase,
    lang: str,
    translator: Translator,
    only: Sequence[str] = (),
    *,
    dry_run: bool = False,
) -> FillResult:
    """Draft, check and write (all drafts that worked, validated together)."""
    translations: list[Translation] = []
    drafted: list[str] = []
    skipped: list[tuple[str, str]] = []
    for entry in entries_to_fill(kb, lang, only):
        try:
            translations += await draft(entry, lang, translator)
        except TranslationError as exc:
            skipped.append((entry.id, f"not translated: {exc}"))
            continue
        except ValueError as exc:
            skipped.append((entry.id, f"draft not written, it lost something: {exc}"))
            continue
        drafted.append(entry.id)
    if not translations:
        return FillResult((), tuple(skipped), (), False)
    changed, warnings = render_files(directory, kb, translations, status="machine")
    check_copy(directory, changed, not_valid)
    if not dry_run:
        for path, text in changed.items():
            replace_file(path, text)
    return FillResult(tuple(drafted), tuple(skipped), tuple(changed), not dry_run, tuple(warnings))
