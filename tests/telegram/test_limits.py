"""Telegram's limits: message length in UTF-16 units, splitting that never cuts markup."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.limits import TELEGRAM_LIMIT, split_message, utf16_len


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=12000))
def test_split_message_respects_the_limit(text: str) -> None:
    parts = split_message(text)
    assert all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert (
        "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
        or not text.strip()
    )


def test_split_message_counts_utf16_units_like_telegram() -> None:
    emoji = "😀" * 2048  # 2,048 code points, 4,096 UTF-16 units
    parts = split_message("Frage:\n" + emoji)
    assert len(parts) == 2 and all(utf16_len(p) <= TELEGRAM_LIMIT for p in parts)
    assert "".join(parts).count("😀") == 2048


def test_split_message_never_cuts_inside_an_html_entity() -> None:
    text = "&amp;" * 4000  # 4,000 escaped ampersands on one line
    parts = split_message(text)
    assert len(parts) > 1
    assert all(p.startswith("&amp;") and p.endswith("&amp;") for p in parts)
    assert "".join(parts) == text
    tagged = "<b>x</b> " * 1000
    assert all(p.strip().endswith("</b>") for p in split_message(tagged))
