"""Callback data of the inline buttons: within Telegram's 64 bytes, parsed back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram import callbacks as cb

ALL_CALLBACKS = [
    cb.SetLanguage("fa"), cb.ShowEntry("a" * 48, "uk"), cb.ShowEntry("event:" + "b" * 42, "ar"),
    cb.ShowDetails("d" * 48, "fa"), cb.Rate(True, "c" * 48, "vi", "0123abcd"),
    cb.ShowCategory("family"), cb.ShowTopic("work"),
    cb.ShowMenu("topics"), cb.Consent(True, 10**11), cb.NoneOfThese(7), cb.AskPerson(),
    cb.AddToTicket(10**11), cb.Forget(False),
]  # fmt: skip


@pytest.mark.parametrize("callback", ALL_CALLBACKS, ids=lambda c: type(c).__name__)
def test_callback_data_round_trips_within_64_bytes(callback: cb.Callback) -> None:
    data = callback.data()
    assert len(data.encode()) <= 64
    parsed = cb.parse(data)
    assert parsed is not None and parsed.data() == data


@given(st.text(max_size=80))
def test_parse_never_raises_and_accepts_only_what_it_produces(data: str) -> None:
    parsed = cb.parse(data)
    assert parsed is None or parsed.data() == data


@given(st.from_regex(r"v1\|[a-z]\|[a-z0-9|+:-]{0,70}", fullmatch=True))
def test_parse_on_near_misses(data: str) -> None:
    parsed = cb.parse(data)
    assert parsed is None or parsed.data() == data


def test_callback_data_longer_than_telegram_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        cb.ShowEntry("x" * 60, "de").data()
