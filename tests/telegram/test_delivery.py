"""The send helpers of the Telegram delivery channels."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from telegram.error import RetryAfter

from bot.telegram.delivery.send import retry_after_seconds


def test_retry_after_is_read_in_both_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    assert retry_after_seconds(RetryAfter(timedelta(seconds=7))) == 7.0
    monkeypatch.delenv("PTB_TIMEDELTA")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns while constructing it
        exc = RetryAfter(3)
    assert retry_after_seconds(exc) == 3.0
