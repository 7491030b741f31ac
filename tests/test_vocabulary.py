"""A query word's look-alikes in the index: itself, inflections and typos, found exactly as a
full scan with rapidfuzz would find them."""

from __future__ import annotations

import random
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot import vocabulary as vocabulary_module
from bot.vocabulary import Vocabulary, letter_masks, stem_similarity, typo_key

WORDS = [
    "anmeldung", "anmelden", "anmeldungen", "abmeldung", "amt", "kindergeld", "kindergeldes",
    "kinder", "kita", "kitas", "wohnung", "wohngeld", "регистрация", "регистрации", "прописка",
    "والمدرسة", "مدرسة", "bürgeramt",
]  # fmt: skip


def vocabulary(words: list[str]) -> Vocabulary:
    return Vocabulary({word: 1.0 + i % 3 for i, word in enumerate(words)})


def full_scan(vocab: Vocabulary, token: str, cutoff: int) -> list[str]:
    """What the letter-set filter must never lose: every pool word rapidfuzz would keep."""
    pool = [
        w for w in vocab.words if typo_key(w) == typo_key(token) and abs(len(w) - len(token)) <= 2
    ]
    return sorted(w for w, _s, _ in process.extract(token, pool, scorer=fuzz.ratio,
                                                    score_cutoff=cutoff, limit=None))  # fmt: skip


def test_the_word_itself_comes_first_then_inflections_and_typos() -> None:
    vocab = vocabulary(WORDS)
    matches = dict(vocab.matches("anmeldung"))
    assert next(iter(matches)) == "anmeldung" and matches["anmeldung"] == 1.0
    assert 0.7 <= matches["anmelden"] < 1.0  # inflection: shared stem
    assert "amt" not in matches
    typo = dict(vocab.matches("anmeldng"))  # one letter missing
    assert typo["anmeldung"] > 0.8
    assert dict(vocab.matches("anmerkung"))["anmeldung"] < 0.6  # two letters differ: weak
    assert dict(vocab.matches("регистрацию"))["регистрация"] >= 0.7


def test_first_letter_typos_are_not_searched() -> None:
    # People rarely mistype the first letter; the pools rely on it.
    assert "anmeldung" not in dict(vocabulary(WORDS).matches("snmeldung"))


def test_arabic_words_with_a_joined_prefix_share_a_pool() -> None:
    matches = dict(vocabulary(WORDS).matches("بالمدرسة"))
    assert "والمدرسة" in matches


def test_no_more_than_ten_look_alikes() -> None:
    words = ["kinder" + chr(ord("a") + i) for i in range(20)] + ["kinder"]
    assert len(vocabulary(words).matches("kinder")) == 10


def test_stem_similarity_needs_a_long_shared_prefix() -> None:
    assert stem_similarity("kindergeld", "kindergeldes") > 0.9
    assert stem_similarity("kind", "kindergeldantrag") > 0.7  # a whole word heading a compound
    assert stem_similarity("anmeldung", "anmerkung") == 0.0  # four letters of nine in common
    assert stem_similarity("amt", "amts") == 0.0  # too short to say


def test_letter_masks_agree_with_the_definition() -> None:
    words = ["anmeldung", "регистрация", "مدرسة", "x😀y"]
    for word in words:
        expected = 0
        for char in word:
            expected |= 1 << (ord(char) & 63)
        assert int(letter_masks([word], len(word))[0]) == expected


def test_small_pools_go_to_rapidfuzz_whole() -> None:
    vocab = vocabulary(WORDS)
    assert vocab._typo_candidates("kindr", 80) == ["kita", "kitas", "kinder"]


def test_filter_keeps_every_word_a_full_scan_keeps_on_a_large_vocabulary() -> None:
    rng = random.Random(7)
    alphabet = "aeinrstubdgkl"
    words = sorted({"".join(rng.choices(alphabet, k=rng.randint(3, 12))) for _ in range(20_000)})
    vocab = vocabulary(words)
    for _ in range(300):
        token = rng.choice(words)
        chars = list(token)
        chars[rng.randrange(1, len(chars))] = rng.choice(alphabet)  # a typo after the first letter
        token = "".join(chars)
        for cutoff in (75, 80):
            kept = vocab._typo_candidates(token, cutoff)
            assert set(full_scan(vocab, token, cutoff)) <= set(kept)
            # ... while dropping most of the pool.
            assert len(kept) < 0.5 * len(full_scan(vocab, token, 0)) + 20


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("abcdeäöß", min_size=1, max_size=9), min_size=1, max_size=40),
    st.text("abcdeäöß", min_size=4, max_size=9),
)
def test_filter_is_exact_for_any_vocabulary(words: list[str], token: str) -> None:
    vocab = vocabulary(sorted(set(words)))
    with patch.object(vocabulary_module, "SMALL_POOL", 0):  # filter even the smallest pools
        for cutoff in (75, 80):
            kept = vocab._typo_candidates(token, cutoff)
            assert set(full_scan(vocab, token, cutoff)) <= set(kept)


def test_masks_are_64_bit_sets() -> None:
    masks = letter_masks(["ab", "ba", "zz"], 2)
    assert masks.dtype == np.uint64
    assert masks[0] == masks[1] != masks[2]
