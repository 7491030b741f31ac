"""'What is this letter?': a photo or PDF of an official letter, understood and explained.

``reading`` turns the file into text (OCR off the event loop), ``facts`` finds dates, the
deadline, amounts, reference numbers and an appointment as printed, ``classify`` names the sender,
the kind of letter and the knowledge entry that says what to do, and ``explain`` writes it all in
the resident's language. Nothing here keeps the picture or its text: callers hold them in memory
only for as long as the resident may still agree to forward the text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge import KnowledgeBase
from bot.letters.classify import recognise
from bot.letters.facts import LetterFacts, extract

log = logging.getLogger(__name__)
MIN_CHARS = 40  # less text than this is not a letter we could read


@dataclass(frozen=True, slots=True)
class LetterReading:
    sender: str | None
    kind: str | None
    entry: str | None
    facts: LetterFacts
    chars: int

    @property
    def readable(self) -> bool:
        return self.chars >= MIN_CHARS

    def as_json(self) -> dict[str, object]:
        """The ``letter --json`` contract."""
        facts = self.facts
        return {
            "sender": self.sender,
            "kind": self.kind,
            "entry": self.entry,
            "dates": list(facts.dates),
            "deadline": facts.deadline.date if facts.deadline else None,
            "amounts": list(facts.amounts),
            "references": list(facts.references),
            "appointment": facts.appointment.as_json() if facts.appointment else None,
            "chars": self.chars,
        }


def understand(text: str, kb: KnowledgeBase) -> LetterReading:
    """What the letter's text says; pure and fast (the OCR before it is the slow part)."""
    found = recognise(text, kb)
    chars = len("".join(text.split()))
    return LetterReading(found.sender, found.kind, found.entry, extract(text), chars)


@dataclass(frozen=True, slots=True)
class LetterResult:
    """What reading a file gave: a reading, or ``problem`` ("unavailable" / "unreadable")."""

    reading: LetterReading | None
    text: str  # kept in memory by the caller only while the resident may forward it
    problem: str | None = None


class LetterDesk:
    """The letters feature as every channel uses it: read a file, understand it, or say why not.

    Without Tesseract's German model the desk is ``available`` False and ``missing`` says what to
    install; the bot runs on and tells residents kindly that it cannot read letters here.
    """

    def __init__(self, tessdata: Path | None = None, workers: int = 1, timeout: float = 20.0):
        from bot.letters.reading import Reader, find_engine

        engine, self.missing = find_engine(tessdata)
        self._reader = Reader(engine, workers, timeout) if engine is not None else None

    @property
    def available(self) -> bool:
        return self._reader is not None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()

    async def read(
        self, data: bytes, kb: KnowledgeBase, filename: str | None = None
    ) -> LetterResult:
        from bot.letters.reading import UnreadableFile

        if self._reader is None:
            return LetterResult(None, "", "unavailable")
        try:
            text = await self._reader.read(data, filename)
        except (UnreadableFile, TimeoutError) as exc:
            # only the kind of failure is logged, never the file or its text
            log.info("letter not read: %s", type(exc).__name__)
            return LetterResult(None, "", "unreadable")
        reading = understand(text, kb)
        if not reading.readable:
            return LetterResult(None, "", "unreadable")
        log.info("letter read: entry=%s kind=%s", reading.entry, reading.kind)
        return LetterResult(reading, text)


__all__ = ["LetterDesk", "LetterReading", "LetterResult", "understand"]
