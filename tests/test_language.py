"""Offline language detection."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.language import (
    LANGUAGES,
    _script_counts,
    detect,
    dominant_script,
    fallbacks,
    library_probabilities,
    normalize_code,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wo kann ich mich anmelden?", "de"),
        ("Where can I register my address?", "en"),
        ("Де можна отримати посвідку на проживання?", "uk"),
        ("Где находится Ausländerbehörde?", "ru"),
        ("كيف أسجل عنواني في المدينة؟", "ar"),
        ("چطور می‌توانم ثبت نام کنم؟", "fa"),
        ("Kayıt için nereye gitmeliyim?", "tr"),
        ("Unde mă pot înregistra cu adresa?", "ro"),
        ("Gdzie mogę się zameldować?", "pl"),
        ("Tôi đăng ký địa chỉ ở đâu?", "vi"),
        ("Как получить Kindergeld?", "ru"),
    ],
)
def test_detects_language(text: str, expected: str) -> None:
    assert detect(text) == expected


def test_hint_breaks_ties() -> None:
    # "Kita" alone says nothing; the client's language decides.
    assert detect("Kita", hint="pl") == "pl"
    assert detect("12345", hint="uk-UA") == "uk"
    assert detect("Kita", hint="xx") == "en"  # no evidence: English is read most widely


def test_normalize_code_and_fallbacks() -> None:
    assert normalize_code("pt-BR") is None
    assert normalize_code("UK") == "uk"
    assert normalize_code("fa_IR") == "fa"
    assert fallbacks("uk") == ("uk", "en", "de")
    assert fallbacks("en") == ("en", "de")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.sampled_from([None, "de", "ar", "zz", ""]))
def test_always_returns_a_supported_language(text: str, hint: str | None) -> None:
    assert detect(text, hint) in LANGUAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [("де отримати Kindergeld", "uk"), ("где получить Kindergeld", "ru"), ("як записатися", "uk")],
)
def test_ukrainian_and_russian_without_telltale_letters(text: str, expected: str) -> None:
    assert detect(text) == expected


def _script_counts_reference(text: str) -> dict[str, int]:
    """The definition the translate table implements: letters by their Unicode name."""
    counts: dict[str, int] = {}
    for ch in text:
        name = unicodedata.name(ch, "") if ch.isalpha() else ""
        for script in ("arabic", "cyrillic", "latin"):
            if name.startswith(script.upper()):
                counts[script] = counts.get(script, 0) + 1
    return counts


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_script_table_counts_letters_by_their_unicode_name(text: str) -> None:
    counts = _script_counts(text)
    assert dict(counts) == _script_counts_reference(text)
    # In order of first appearance: most_common() breaks ties by it.
    assert list(counts) == list(_script_counts_reference(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aßÄДдїفپ 1?", max_size=30) | st.text(max_size=30))
def test_dominant_script_is_the_most_frequent_script_first_seen_on_a_tie(text: str) -> None:
    reference = _script_counts_reference(text)
    expected = max(reference, key=reference.__getitem__) if reference else None
    assert dominant_script(text) == expected


def test_library_probabilities_are_asked_once_and_stay_unchanged() -> None:
    # reply_language asks for each hint: fastText answers from a cache, a caller's changes to
    # the dict it gets must not reach the next caller.
    first = library_probabilities("wo kann ich mich anmelden")
    first["de"] = -1.0
    again = library_probabilities("wo kann ich mich anmelden")
    assert again["de"] > 0.5 and again is not first
