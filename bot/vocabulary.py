"""Which index words a query word stands for, and how surely: itself, an inflection or a typo.

A query word matches an index word

- exactly (similarity 1.0),
- by a shared stem, for inflected forms ("anmeldung" / "anmelden", "регистрация" /
  "регистрации"): 0.7–0.95 by the length of the shared prefix, or
- by edit distance, for typos (rapidfuzz's ``fuzz.ratio``): 0.55–0.95 by the score.

Typo candidates come from a pool of index words with the same first letter (people rarely mistype
it) and a length within two letters. On a large knowledge base such a pool holds tens of
thousands of words, so a letter-set filter runs first: the letters two words do not share give a
lower bound on their edit distance, and one numpy pass over the pool keeps only the words that can
reach the cut-off (about 5 % of them) for rapidfuzz to score. The result is exactly what scoring
the whole pool would give, for a fraction of the time.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from bot.normalize import common_prefix_length

MAX_LOOKALIKES = 10  # index words kept per query word, the word itself first
# Up to this many words rapidfuzz scores a whole pool faster than the filter would shrink it
# (measured on the real knowledge base: 6 vs 11 microseconds at 100 words, about even at 400).
SMALL_POOL = 256


def typo_key(token: str) -> str:
    """The group a word's typo candidates come from: its first letter, except in Arabic script,
    where joined prefixes (و، ب، ل، ا) change the first letter of the same word."""
    return "\u0600" if "\u0600" <= token[0] <= "\u06ff" else token[0]


def stem_similarity(a: str, b: str) -> float:
    """Similarity of two tokens that share a long common prefix (inflected forms), else 0."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return 0.0
    common = common_prefix_length(short, long_)
    if common < 4 or (common < 0.6 * len(long_) and common < len(short) - 1):
        return 0.0
    return 0.7 + 0.25 * common / len(long_)


def letter_masks(words: Iterable[str], length: int) -> np.ndarray:
    """One 64-bit set of letters per word (code point mod 64) for words of exactly ``length``.

    Hashing letters together only hides differences, so the count of differing bits never
    exceeds the number of insertions and deletions between two words: a safe lower bound.
    """
    array = np.array(list(words), dtype=f"<U{length}")
    codes = array.view(np.uint32).reshape(len(array), length).astype(np.uint64)
    bits = np.left_shift(np.uint64(1), codes & np.uint64(63))
    return np.bitwise_or.reduce(bits, axis=1)


class Vocabulary:
    """The index words and their weights; ``matches`` finds a query word's look-alikes."""

    def __init__(self, idf: Mapping[str, float]) -> None:
        self.idf = idf
        self.words = sorted(idf)
        # Typo pools are ranges of one ordering by (first letter, length): a pool is then a
        # slice, and the letter sets of the whole vocabulary are computed once, length by length.
        ordered = sorted(self.words, key=lambda w: (typo_key(w), len(w)))
        self._pool_keys = [(typo_key(w), len(w)) for w in ordered]
        self._pool_ranges: dict[tuple[str, int], tuple[int, int]] = {}
        self._pool_words = np.array(ordered, dtype=object)
        self._lengths = np.fromiter((len(w) for w in ordered), np.int64, len(ordered))
        self._masks = np.zeros(len(ordered), np.uint64)
        by_length: dict[int, list[int]] = defaultdict(list)
        for position, word in enumerate(ordered):
            by_length[len(word)].append(position)
        for length, positions in by_length.items():
            self._masks[positions] = letter_masks((ordered[i] for i in positions), length)
        # Per-instance caches: a class-level lru_cache would keep every reloaded index alive.
        # About 0.7 kB per word: at most some 12 MB, however many new spellings arrive.
        self.matches = lru_cache(maxsize=16_384)(self._compute_matches)
        self._prefix_pool = lru_cache(maxsize=4096)(self._compute_prefix_pool)

    def __len__(self) -> int:
        return len(self.words)

    def _compute_matches(self, token: str) -> tuple[tuple[str, float], ...]:
        """Up to ``MAX_LOOKALIKES`` index words for ``token`` with their similarity, the word
        itself first, then by how much they would add (similarity times weight)."""
        matches: dict[str, float] = {}
        if token in self.idf:
            matches[token] = 1.0
        if len(token) >= 4:
            cutoff = 80 if len(token) <= 5 else 75
            for candidate, score, _ in process.extract(
                token, self._typo_candidates(token, cutoff), scorer=fuzz.ratio,
                score_cutoff=cutoff, limit=8,
            ):  # fmt: skip
                sim = 0.55 + 0.4 * (score - cutoff) / (100 - cutoff)
                matches[candidate] = max(matches.get(candidate, 0.0), min(sim, 0.95))
            # Inflected forms: same stem, different ending ("kindergeldes", "регистрацию").
            for candidate in self._prefix_pool(token[:4]):
                sim = stem_similarity(token, candidate)
                if sim:
                    matches[candidate] = max(matches.get(candidate, 0.0), sim)
        # The word itself always stays on the list, however many rarer look-alikes exist.
        ranked = sorted(
            matches.items(), key=lambda kv: (kv[0] != token, -kv[1] * self.idf.get(kv[0], 0))
        )
        return tuple(ranked[:MAX_LOOKALIKES])

    def _typo_candidates(self, token: str, cutoff: int) -> list[str]:
        """Index words that start like ``token``, are at most two letters longer or shorter,
        and (in a large pool) whose letter sets allow a ``fuzz.ratio`` of at least ``cutoff``.

        ratio = 100 · (1 − indel / (len₁ + len₂)), so the ratio reaches the cut-off only if
        indel · 100 ≤ (100 − cutoff) · (len₁ + len₂); the differing letter bits bound indel
        from below. Integer arithmetic: no word is lost to rounding.
        """
        key = (typo_key(token), len(token))
        pool = self._pool_ranges.get(key)
        if pool is None:
            pool = self._pool_ranges[key] = (
                bisect.bisect_left(self._pool_keys, (key[0], key[1] - 2)),
                bisect.bisect_right(self._pool_keys, (key[0], key[1] + 2)),
            )
        lo, hi = pool
        if hi - lo <= SMALL_POOL:
            return self._pool_words[lo:hi].tolist()  # type: ignore[no-any-return]
        own = 0
        for char in token:  # as letter_masks does, for one word without numpy's overhead
            own |= 1 << (ord(char) & 63)
        differing = np.bitwise_count(self._masks[lo:hi] ^ np.uint64(own)).astype(np.int64)
        possible = differing * 100 <= (100 - cutoff) * (self._lengths[lo:hi] + len(token))
        return list(self._pool_words[lo:hi][possible])

    def _compute_prefix_pool(self, prefix: str) -> tuple[str, ...]:
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\uffff")
        return tuple(self.words[lo:hi])
