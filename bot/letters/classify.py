"""Who sent a letter, what kind of letter it is, and which knowledge entry says what to do.

The signs are curated in the knowledge base (``letters:`` of an entry, ``letter_kinds`` in
knowledge/letters.yaml), so the integration office adds a new sender or kind without code. Both
sides are normalised the same way as questions (umlauts, ß, case), and a sign also counts when
OCR garbled a letter or two of it (rapidfuzz, only for signs long enough to be unambiguous).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from bot.knowledge import KnowledgeBase, LetterKind
from bot.normalize import normalize

_FUZZY_MIN_LEN = 8  # shorter signs must appear exactly: "AOK Sachsen" vs "Sachsen" noise
_FUZZY_SCORE = 88.0


@dataclass(frozen=True, slots=True)
class Recognised:
    sender: str | None
    entry: str | None
    kind: str | None


@lru_cache(maxsize=512)
def _norm(text: str) -> str:
    return normalize(text)


def _hits(signs: tuple[str, ...], text: str) -> float:
    """How strongly the signs occur: 1 per exact sign, less for a garbled one."""
    score = 0.0
    for sign in signs:
        norm = _norm(sign)
        if not norm:
            continue
        if f" {norm} " in f" {text} ":
            score += 1.0
        elif len(norm) >= _FUZZY_MIN_LEN:
            similarity = fuzz.partial_ratio(norm, text, score_cutoff=_FUZZY_SCORE)
            if similarity:
                score += similarity / 100 - 0.1
    return score


def recognise(text: str, kb: KnowledgeBase) -> Recognised:
    norm = normalize(text)
    best: tuple[float, str | None, str | None] = (0.0, None, None)
    for entry in kb.entries.values():
        for letter in entry.letters:
            score = _hits((letter.sender, *letter.signs), norm)
            if score > best[0]:
                best = (score, letter.sender, entry.id)
    # one weak, garbled sign is not enough to name a sender
    sender, entry = (best[1], best[2]) if best[0] >= 0.9 else (None, None)
    if sender is not None:
        sender = _as_printed(sender, text)
    return Recognised(sender, entry, _kind(norm, kb.letter_kinds.values()))


def _as_printed(sender: str, text: str) -> str:
    """'Finanzamt' curated, 'Finanzamt Dessau-Roßlau' printed in the letterhead: the latter,
    when a head line is the curated name plus a place name and nothing else."""
    place = re.compile(rf"^{re.escape(sender)}\s+[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*$")
    for line in text.splitlines()[:12]:
        line = line.strip()
        if len(line) <= 45 and place.match(line):
            return line
    return sender


def _kind(norm: str, kinds: Iterable[LetterKind]) -> str | None:
    best: tuple[float, str | None] = (0.0, None)
    for kind in kinds:  # file order breaks ties: curators list the more specific kinds first
        score = _hits(kind.signs, norm)
        if score > best[0]:
            best = (score, kind.id)
    return best[1] if best[0] >= 0.9 else None
