"""Normalisation: the ways people type the same word on a phone fold to one form."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.normalize import _MARKS, MAX_INPUT_CHARS, _strip_marks, normalize


@pytest.mark.parametrize(
    "variants",
    [
        ["Bürgeramt", "Buergeramt", "Burgeramt", "BÜRGERAMT!!", "bürgeramt 🙂"],
        ["Straße", "Strasse", "strase"],
        ["hallooo", "Hallo", "halo"],
        ["ещё", "еще", "ЕЩЕ"],
        ["ї", "і"],  # Ukrainian yi loses its dots like other marks
        ["Kita-Platz?", "kita platz", "KITA  PLATZ"],
        ["cấp cứu", "cap cuu", "Cấp Cứu"],
        ["urgență", "urgenta", "urgenţa"],
        ["pogotowie", "pogotowie"],
        ["gönderdim", "gonderdim"],
    ],
)
def test_variants_fold_together(variants: list[str]) -> None:
    assert len({normalize(v) for v in variants}) == 1, [normalize(v) for v in variants]


def test_arabic_and_persian_letter_variants() -> None:
    # Arabic yeh/kaf vs Persian forms, hamza on alef, tatweel and vowel marks.
    assert normalize("كيف") == normalize("کیف")
    assert normalize("أحمد") == normalize("احمد") == normalize("إحمد")
    assert normalize("مـــدرســة") == normalize("مدرسة")
    assert normalize("مَدْرَسَة") == normalize("مدرسة")
    assert normalize("۱۲۳") == normalize("١٢٣") == "123"


def test_article_prefix_is_dropped_in_arabic() -> None:
    assert normalize("المدرسة") == normalize("مدرسة")


def test_mixed_keyboard_layout_inside_a_word() -> None:
    # "Вürgeramt" typed with a Cyrillic В; "кiта" with a Latin i.
    assert normalize("Вurgeramt") == normalize("burgeramt")
    assert normalize("аnmeldung") == normalize("anmeldung")


def test_long_input_is_cut() -> None:
    assert len(normalize("a b " * 10_000)) <= MAX_INPUT_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert "  " not in once
    if any(ch.isalnum() for ch in text):
        # Letters in, something out (marks alone may legitimately vanish).
        assert once or all(not ch.isalpha() or not ch.isascii() for ch in text)


def test_numbers_keep_repeated_digits() -> None:
    # "112" is the emergency number; folding it to "12" would match ages and dates.
    assert normalize("Notruf 112") == "notruf 112"
    assert normalize("12 27 ani") == "12 27 ani"


def _strip_marks_reference(text: str) -> str:
    """The definition the translate table implements: drop every combining character."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.translate(str.maketrans({"đ": "d", "ł": "l", "ı": "i", "ø": "o"}))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_mark_table_drops_exactly_the_combining_characters(text: str) -> None:
    assert _strip_marks(text) == _strip_marks_reference(text)


def test_mark_table_remembers_only_the_scripts_people_write_here() -> None:
    _strip_marks("漢字かな한국어" + "".join(chr(c) for c in range(0x1F600, 0x1F650)))
    assert all(code < 0x3000 for code in _MARKS)
    assert _strip_marks("Straße ñ") == "Straße n"


def _normalize_reference(text: str) -> str:
    """normalize() without its shortcuts (ASCII, no Arabic variant present)."""
    from bot.normalize import _ARABIC_FOLD, _NON_WORD, _fold_token

    text = text[:MAX_INPUT_CHARS].translate(_ARABIC_FOLD)
    text = _strip_marks(_strip_marks(text).casefold()).translate(_ARABIC_FOLD)
    tokens = [_fold_token(t) for t in _NON_WORD.sub(" ", text).replace("_", " ").split()]
    return " ".join(t for t in tokens if t)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(st.characters(max_codepoint=127), max_size=60)))
def test_shortcuts_change_nothing(text: str) -> None:
    assert normalize(text) == _normalize_reference(text)


def _fold_once_reference(token: str) -> str:
    """_fold_once without its ASCII shortcut."""
    from bot.normalize import (
        _ARABIC_PREFIX,
        _CYRILLIC,
        _CYRILLIC_TO_LATIN,
        _GERMAN_DIGRAPHS,
        _LATIN,
        _LATIN_TO_CYRILLIC,
        _REPEATS,
    )  # fmt: skip

    latin, cyrillic = len(_LATIN.findall(token)), len(_CYRILLIC.findall(token))
    if latin and cyrillic:
        table = _CYRILLIC_TO_LATIN if latin >= cyrillic else _LATIN_TO_CYRILLIC
        token = token.translate(table)
    if token.isascii():
        token = _GERMAN_DIGRAPHS.sub(lambda m: m.group(1)[0], token)
    else:
        token = _ARABIC_PREFIX.sub("", token)
    return _REPEATS.sub(r"\1", token)


@settings(max_examples=500, deadline=None)
@given(st.text("aeouxpcкаеорсух1ال", min_size=1, max_size=10))
def test_token_folding_shortcut_changes_nothing(token: str) -> None:
    from bot.normalize import _fold_once

    assert _fold_once(token) == _fold_once_reference(token)
