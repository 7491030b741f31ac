"""A matcher whose decisions the test sets, on the fixture knowledge base (tests/fixtures/kb).

Decision quality is the matcher's (and its own tests'); the dialogue, the console and the
Telegram layer are tested with decisions constructed here, so that their tests do not change
when the matcher's thresholds do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.assistant import Assistant, Brain
from bot.matching import Decision
from bot.render import PLAIN, Part, Style

FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "kb"


def answer(entry: str, *alternatives: str, lang: str = "de", reason: str = "") -> Decision:
    reason = reason or ("probable" if alternatives else "confident")
    return Decision("answer", entry, (entry, *alternatives), 0.7, lang, reason)


def clarify(*options: str, lang: str = "de") -> Decision:
    return Decision("clarify", None, options, 0.4, lang, "ambiguous")


def escalate(*related: str, reason: str = "no-match", lang: str = "de") -> Decision:
    return Decision("escalate", None, related, 0.1, lang, reason)


class Scripted(Assistant):
    """The fixture knowledge base; the matcher's decision for a text is the test's to set.
    ``details``: entries whose answers have a second part behind "More" (contract C3)."""

    def __init__(self, brain: Brain, details: frozenset[str] = frozenset()) -> None:
        super().__init__(brain, FIXTURE_KB)
        self.decisions: dict[str, Decision] = {}
        self.calls: list[tuple[str, str | None, str | None]] = []
        self.details = details

    def match(self, text: str, lang: str | None = None, hint: str | None = None) -> Decision:
        self.calls.append((text, lang, hint))
        scripted = self.decisions.get(text)
        return scripted if scripted is not None else super().match(text, lang, hint)

    def has_details(self, target: str, lang: str) -> bool:
        return target in self.details

    def render(
        self,
        target: str,
        lang: str,
        style: Style = PLAIN,
        now: datetime | None = None,
        part: Part = "first",
    ) -> str:
        if part == "details":
            return style.esc(f"Documents for {target} <{lang}>")
        return super().render(target, lang, style, now, part)
