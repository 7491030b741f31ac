"""Log filters: a library's record keeps its text but not a person's message; no token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.privatelog import PrivateLog
from bot.telegram.log_filters import RedactToken
from tests.fakebot import TOKEN


@pytest.fixture
def lines() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(PrivateLog())
    handler.addFilter(RedactToken(TOKEN))
    yield out, handler
    handler.close()


def emit(handler: logging.Handler, name: str, msg: str, *args: object) -> None:
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(msg, *args)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_library_arguments_that_could_carry_a_message_are_held_back(
    lines: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = lines
    emit(handler, "telegram.ext.Updater", "update %s in chat %s", {"text": "Ich heiße Olha"}, 42)
    emit(handler, "aiosqlite", "executing %s with %s", "INSERT", "Meine Adresse ist Hauptstr. 1")
    emit(handler, "telegram.ext.Updater", "confirmed %s", [1, 2, 3])
    assert out.getvalue().splitlines() == [
        "update […] in chat 42",
        "executing INSERT with […]",
        "confirmed [1, 2, 3]",
    ]


def test_the_bots_own_lines_keep_their_arguments_and_the_token_is_redacted(
    lines: tuple[io.StringIO, logging.Handler],
) -> None:
    out, handler = lines
    emit(handler, "bot.telegram.app", "knowledge base %s: %s", "0e00161125a5", "51 entries, de")
    emit(handler, "httpx", "POST https://api.telegram.org/bot%s/getMe", TOKEN)
    assert out.getvalue().splitlines() == [
        "knowledge base 0e00161125a5: 51 entries, de",
        "POST https://api.telegram.org/bot[TOKEN]/getMe",
    ]
    assert TOKEN not in out.getvalue()
