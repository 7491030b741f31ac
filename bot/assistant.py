"""The domain facade the console, the command line and Telegram all talk to.

It holds the current knowledge base with its matcher as one immutable pair, so a reload swaps
both at once and a question is always answered from one consistent version.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot import clock
from bot.config import DEFAULT_MODEL_CACHE
from bot.errors import KnowledgeError
from bot.knowledge import Entry, KnowledgeBase
from bot.matching import Decision, Matcher, event_of
from bot.render import PLAIN, Part, Style, has_details, render_entry, render_event
from bot.validation import load_knowledge

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Brain:
    kb: KnowledgeBase
    matcher: Matcher


def build(directory: Path, cache_dir: Path | None = DEFAULT_MODEL_CACHE) -> Brain:
    """Load, validate and index a knowledge base, and train (or load from ``cache_dir``) its
    learned model (CPU-bound: run it off the event loop)."""
    kb = load_knowledge(directory)
    return Brain(kb, Matcher(kb, cache_dir=cache_dir))


class Assistant:
    """Answers questions from the current knowledge base; reloads without a restart."""

    def __init__(
        self, brain: Brain, directory: Path, cache_dir: Path | None = DEFAULT_MODEL_CACHE
    ) -> None:
        self._brain = brain
        self.directory = directory
        self.cache_dir = cache_dir

    @classmethod
    def from_directory(
        cls, directory: Path, cache_dir: Path | None = DEFAULT_MODEL_CACHE
    ) -> Assistant:
        return cls(build(directory, cache_dir), directory, cache_dir)

    @property
    def kb(self) -> KnowledgeBase:
        return self._brain.kb

    @property
    def matcher(self) -> Matcher:
        return self._brain.matcher

    async def reload(self) -> KnowledgeBase:
        """Load the knowledge base again and retrain its model in a thread; answers keep coming
        from the old pair meanwhile, and on KnowledgeError the old one keeps serving."""
        brain = await asyncio.to_thread(build, self.directory, self.cache_dir)
        self._brain = brain
        log.info("knowledge base reloaded: version %s, %d entries", brain.kb.version,
                 len(brain.kb.entries))  # fmt: skip
        return brain.kb

    def match(self, text: str, lang: str | None = None, hint: str | None = None) -> Decision:
        return self._brain.matcher.match(text, lang=lang, hint=hint)

    def entry(self, entry_id: str) -> Entry | None:
        return self._brain.kb.entries.get(entry_id)

    def title(self, target: str, lang: str) -> str:
        """A short label for an entry or event id, for buttons and lists."""
        kb = self._brain.kb
        event_id = event_of(target)
        if event_id is not None:
            event = kb.events.get(event_id)
            return event.text(lang)[1].title if event else target
        entry = kb.entries.get(target)
        return entry.text(lang)[1].title if entry else target

    def render(
        self,
        target: str,
        lang: str,
        style: Style = PLAIN,
        now: datetime | None = None,
        part: Part = "first",
    ) -> str:
        """One part of the answer for an entry id (or ``event:<id>``) in ``lang``.

        ``first`` is the message to send at once (the whole answer when there are no details);
        ``details`` the rest, one tap away. An event has only a first part."""
        kb = self._brain.kb
        now = now or clock.now()
        event_id = event_of(target)
        if event_id is not None:
            event = kb.events[event_id]
            return render_event(event, kb, lang, now, style)
        return render_entry(kb.entries[target], kb, lang, now, style, part)

    def has_details(self, target: str, lang: str) -> bool:
        """Whether the answer in ``lang`` has a details part to offer ("More")."""
        entry = self._brain.kb.entries.get(target)
        return entry is not None and has_details(entry, lang)


__all__ = ["Assistant", "Brain", "KnowledgeError", "build"]
