"""Loading the knowledge base for serving, and what ``validate`` tells curators.

``load_knowledge`` either returns a complete, consistent ``KnowledgeBase`` or raises
``KnowledgeError`` with *every* problem found: the data itself (``bot.knowledge``), urgent-help
rules that name no entry (``bot.urgent``) and answers that would not fit one message once rendered
(``bot.render``). This module sits above all three, so none of them imports another upwards.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import BERLIN
from bot.errors import KnowledgeError, Problem
from bot.knowledge import Entry, KnowledgeBase, data_warnings, parse_knowledge
from bot.language import LANGUAGES
from bot.render import HTML, MESSAGE_LIMIT, PARTS, PLAIN, render_entry
from bot.urgent import kb_problems, parse_rule

# The first message of an answer, contact lines included, fits on a phone screen or two.
FIRST_PART_LIMIT = 700


def inspect_knowledge(directory: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Load everything that parses and list every problem; for reports, never for serving."""
    kb, problems = parse_knowledge(directory, urgent=parse_rule)
    problems.extend(kb_problems(kb))
    if not problems:
        problems.extend(oversize_problems(kb))
    return kb, problems


def load_knowledge(directory: Path) -> KnowledgeBase:
    """Load and validate every YAML file below ``directory``; raise KnowledgeError on problems."""
    kb, problems = inspect_knowledge(directory)
    if problems:
        raise KnowledgeError(problems)
    return kb


def knowledge_warnings(kb: KnowledgeBase) -> list[Problem]:
    """What a curator should improve although the knowledge base works: not errors, so a reload
    still succeeds. Same ``file:line key.path: message`` form as the problems."""
    return sorted([*data_warnings(kb), *long_first_parts(kb)])


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
                if length > MESSAGE_LIMIT:
                    used, _text = entry.text(lang)
                    field = "answer" if part == "first" else "details"
                    problems.append(
                        Problem(
                            entry.origin.file,
                            entry.origin.line,
                            f"entries.{entry.id}.text.{used}.{field}",
                            f"rendered {part} part is {length} characters in {lang}; Telegram "
                            f"allows {MESSAGE_LIMIT}. Shorten it.",
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
