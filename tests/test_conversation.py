"""The conversation rules: which language to answer in, and flood control."""

from __future__ import annotations

import pytest

from bot.conversation import FloodGate, reply_language, ui_language


@pytest.mark.parametrize(
    ("text", "chosen", "client", "expected"),
    [
        ("kita", "uk", None, "uk"),  # German office word typed by a Ukrainian
        ("anmeldung wohnung dessau", "uk", "de", "uk"),  # keywords only: no evidence
        ("Wo melde ich meine Wohnung an?", "uk", None, "de"),  # a German sentence
        ("Як отримати місце в дитсадку?", "de", None, "uk"),  # another script
        ("прописка", "en", None, "ru"),  # Cyrillic, no Ukrainian letters
        ("Where do I register my flat?", "ar", None, "en"),
        ("kita", None, "ar", "ar"),  # the client's language when nothing was chosen
        ("kita", None, "pt-BR", None),  # unsupported client language: detect
        ("😀👍", "fa", None, "fa"),
    ],
)
def test_reply_language_rule(
    text: str, chosen: str | None, client: str | None, expected: str | None
) -> None:
    assert reply_language(text, chosen, client) == expected


def test_ui_language_falls_back_to_english() -> None:
    assert ui_language(None, "pt-BR") == "en"
    assert ui_language(None, "uk-UA") == "uk"
    assert ui_language("ar", "uk") == "ar"


def test_flood_gate_warns_once_per_burst() -> None:
    gate = FloodGate(limit=2, window=10)
    verdicts = [gate.check(1, now=t) for t in (0, 1, 2, 3, 4)]
    assert verdicts == ["ok", "ok", "warn", "drop", "drop"]
    assert gate.check(2, now=4) == "ok"  # per person
    assert [gate.check(1, now=t) for t in (11.5, 11.6)] == ["ok", "ok"]  # the window moved on
    assert gate.check(1, now=11.7) == "warn"  # a new burst warns again
