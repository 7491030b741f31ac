"""Channel-independent rules of a conversation: which language to answer in, and flood control.

The reply-language rule (used by the Telegram bot; documented in the README):

1. The *preferred* language is the conversation's current language: the one the person chose
   with /language, or the language of the bot's last answer when a later question switched it
   (so that after two German questions "anmelden" is answered in German); else the Telegram
   client's language if the bot supports it. Without one, the matcher detects the language.
2. A question written in a non-Latin script that the preferred language does not use (Cyrillic,
   Arabic) is answered in the language detected for it: that is unambiguous evidence.
3. A question in the preferred language's script, or in Latin letters, switches language only if
   it has at least ``MIN_WORDS_TO_SWITCH`` words *and* the detector finds the same language
   whatever hint it is given. Short keyword queries ("anmeldung", "kita platz") are German office
   words that people type in every language, so they are answered in the preferred language.
4. Otherwise the preferred language is used.

Menus and command replies always use the preferred language (falling back to English); only the
reply to a question follows the question.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.language import detect, dominant_script, normalize_code

MIN_WORDS_TO_SWITCH = 3
_WORD = re.compile(r"\w+", re.UNICODE)
_SCRIPT_OF: dict[str, str] = {
    "de": "latin", "en": "latin", "tr": "latin", "ro": "latin", "pl": "latin", "vi": "latin",
    "uk": "cyrillic", "ru": "cyrillic", "ar": "arabic", "fa": "arabic",
}  # fmt: skip
# Two languages of each script: a detection is hint-independent if both hints give one answer.
_HINT_PAIRS: dict[str, tuple[str, str]] = {
    "latin": ("en", "de"),
    "cyrillic": ("uk", "ru"),
    "arabic": ("ar", "fa"),
}


def ui_language(chosen: str | None, client: str | None) -> str:
    """The language of menus and command replies: chosen, else the client's, else English."""
    return normalize_code(chosen) or normalize_code(client) or "en"


def reply_language(
    text: str,
    chosen: str | None,
    client: str | None,
    current: str | None = None,
    detector: Callable[[str, str | None], str] = detect,
) -> str | None:
    """The language to answer ``text`` in, or None to let the matcher detect it (rule above).

    ``current`` is the conversation's language (the last answer's, or the one just chosen); it
    wins over ``chosen`` and ``client`` because it is the most recent evidence. ``detector`` is
    ``Matcher.detect_language`` where a matcher is at hand: the knowledge base's learned language
    model keeps far more questions in their language than ``bot.language.detect`` alone (on the
    development set with every other preferred language: 24 wrong switches instead of 240).
    """
    preferred = normalize_code(current) or normalize_code(chosen) or normalize_code(client)
    if preferred is None:
        return None
    script = dominant_script(text)
    if script is None:
        return preferred
    if script != "latin" and script != _SCRIPT_OF[preferred]:
        return detector(text, preferred)
    if len(_WORD.findall(text)) < MIN_WORDS_TO_SWITCH:
        return preferred
    first, second = (detector(text, h) for h in _HINT_PAIRS[script])
    return first if first == second else preferred


Verdict = Literal["ok", "warn", "drop"]


@dataclass(slots=True)
class _Window:
    times: deque[float] = field(default_factory=deque)
    warned: bool = False


class FloodGate:
    """At most ``limit`` messages per person within ``window`` seconds.

    The first message over the limit gets "warn" (the caller says something friendly once), the
    rest of that burst "drop" (silently ignored) until the window has room again.
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = max(limit, 1)
        self.window = window
        self._now = time.monotonic
        self._people: dict[int, _Window] = {}

    def check(self, key: int, now: float | None = None) -> Verdict:
        now = self._now() if now is None else now
        state = self._people.setdefault(key, _Window())
        while state.times and state.times[0] <= now - self.window:
            state.times.popleft()
        if len(state.times) < self.limit:
            state.times.append(now)
            state.warned = False
            self._prune(now)
            return "ok"
        if state.warned:
            return "drop"
        state.warned = True
        return "warn"

    def _prune(self, now: float) -> None:
        # Forget idle people now and then, so the table does not grow with every visitor.
        if len(self._people) < 10_000:
            return
        idle = [
            k for k, s in self._people.items() if not s.times or s.times[-1] <= now - self.window
        ]
        for key in idle:
            del self._people[key]
