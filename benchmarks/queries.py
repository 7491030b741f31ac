"""Distinct benchmark queries: the public evaluation questions plus typo-perturbed versions.

Every query is different, so neither the normalisation cache nor the matcher's token cache can
answer a repeat instead of doing the work (which would flatter the latency figures).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.evaluation import Sample, load_samples

_WORD = re.compile(r"\w{4,}")


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    lang: str
    perturbed: bool


def typo(text: str, rng: random.Random) -> str:
    """One or two phone-style typos in words of four or more letters (drop, swap, double, slip)."""
    words = list(_WORD.finditer(text))
    if not words:
        return text + rng.choice("?!.")
    chars = list(text)
    for match in rng.sample(words, min(len(words), rng.choice((1, 1, 2)))):
        # Positions inside the word, away from its first letter (people rarely miss that one).
        i = rng.randrange(match.start() + 1, match.end())
        kind = rng.randrange(4)
        if kind == 0:
            chars[i] = ""
        elif kind == 1 and i + 1 < match.end():
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == 2:
            chars[i] = chars[i] * 2
        else:
            # A neighbouring letter of the same word: stays in the word's script and alphabet.
            chars[i] = text[rng.randrange(match.start(), match.end())]
    return "".join(chars)


def build_queries(
    samples: Sequence[Sample] | None = None, variants: int = 2, seed: int = 20261126
) -> list[Query]:
    """The evaluation questions plus ``variants`` typo versions of each, all distinct."""
    rng = random.Random(seed)  # fixed: the same queries in every run, comparable figures
    samples = load_samples() if samples is None else samples
    seen: set[str] = set()
    queries: list[Query] = []
    for sample in samples:
        if sample.text not in seen:
            seen.add(sample.text)
            queries.append(Query(sample.text, sample.lang, False))
    for _ in range(variants):
        for sample in samples:
            for _attempt in range(5):
                text = typo(sample.text, rng)
                if text not in seen:
                    seen.add(text)
                    queries.append(Query(text, sample.lang, True))
                    break
    return queries
