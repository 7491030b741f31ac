"""The bot's one error model: what a person must fix, with every problem found, not the first.

``BotError`` is the base of every error a command ends with on purpose. Its message is one line
(the summary); its ``problems`` locate each thing to fix (``file:line: key.path: message``).
The command line turns each kind into the line it prints last and its exit code in one place
(``bot.cli.failure``); everything else only raises:

- ``UsageError``: an option on the command line is wrong (exit 2)
- ``ConfigError``: a setting is missing or malformed, or the token is refused (exit 2)
- ``KnowledgeError``: the knowledge base does not validate (exit 1)
- ``ImportRefused`` (``TranslationImportError``, ``EventImportError``): an import was refused
  and nothing was written (exit 1)
- ``StoreError``: the database cannot be used (exit 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One problem, located as precisely as its source allows.

    In a file (YAML): ``file`` and ``line``. In a table someone handed in (a CSV): no ``file``,
    ``line`` is the row as a spreadsheet numbers it (the header is row 1). Neither: the problem
    concerns the whole input. ``key_path`` is the place inside the file (``entries.x.text.de``).
    """

    file: str
    line: int
    key_path: str
    message: str

    @classmethod
    def row(cls, number: int, message: str) -> Problem:
        """A problem in row ``number`` of a table (0: the whole table or file)."""
        return cls("", number, "", message)

    @classmethod
    def general(cls, message: str) -> Problem:
        """A problem of the whole input, not of one place in it."""
        return cls("", 0, "", message)

    def __str__(self) -> str:
        if self.file:
            where = f"{self.file}:{self.line}: "
        elif self.line:
            where = f"row {self.line}: "
        else:
            where = ""
        if self.key_path:
            return f"{where}{self.key_path}: {self.message}"
        return f"{where}{self.message}"


class BotError(Exception):
    """Something a person must fix: a one-line summary and the problems, sorted by place."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(sorted(problems))

    def report(self) -> str:
        """Every problem, one per line (empty when the summary says it all)."""
        return "\n".join(str(p) for p in self.problems)


class UsageError(BotError):
    """An option or argument on the command line is wrong."""


class ConfigError(BotError):
    """A setting is missing or malformed; the message names the variable and the bad value."""


class KnowledgeError(BotError):
    """The knowledge base is invalid; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the knowledge base", problems)


class ImportRefused(BotError):
    """An import was refused; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was written", problems)

    @classmethod
    def because(cls, why: str, cause: BotError) -> Self:
        """Refused because of another error: ``why`` first, then every problem of the cause."""
        return cls([Problem.general(why), *cause.problems])


class TranslationImportError(ImportRefused):
    """A CSV of translations was refused (``translations import`` / ``fill``)."""

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems, by row (the name the import's callers have always used)."""
        return self.problems


class EventImportError(ImportRefused):
    """An iCalendar file was refused (``events import``)."""


class StoreError(BotError):
    """The database cannot be used (corrupt, unwritable, from a newer version)."""
