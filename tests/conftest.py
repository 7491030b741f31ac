"""Shared fixtures: the real knowledge base (loaded once) and a tiny one written per test."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.assistant import Assistant, Brain, build
from bot.config import DEFAULT_KNOWLEDGE
from tests.smtpserver import SmtpServer, free_port

REAL_KB = DEFAULT_KNOWLEDGE

# Issue 13's examples of real messages and what they must be answered with directly:
# (text, entry, language of the answer). The matcher's test and the Telegram test share them.
ISSUE_13_MESSAGES = [
    ("Wo kann ich mich nach dem Umzug anmelden?", "registration", "de"),
    ("Wo melde ich mich an?", "registration", "de"),
    ("was kostet ein busticket", "public-transport", "de"),
    ("what are you able to do?", "about-bot", "en"),
    (
        "ich wohne seit einer woche hier und hab gehört ich muss zum amt wegen meiner "
        "adresse, stimmt das?",
        "registration",
        "de",
    ),
    (
        "Мы переехали неделю назад из Харькова, жена беременна, нам сказали срочно сделать "
        "Anmeldung. Где это?",
        "registration",
        "ru",
    ),
    ("ana badi a3mel anmeldung", "registration", "ar"),
    ("ana badi a3mel anmeldung, wen lazem roo7?", "registration", "ar"),
    ("salam, man mikham adresamo sabt konam, koja beram?", "registration", "fa"),
    ("privet, gde mne sdelat anmeldung?", "registration", "ru"),
    ("skilky koshtuie kvytok na avtobus?", "public-transport", "uk"),
]


@pytest.fixture(scope="session")
def real_brain() -> Brain:
    return build(REAL_KB)


@pytest.fixture
def real_assistant(real_brain: Brain) -> Assistant:
    return Assistant(real_brain, REAL_KB)


@pytest.fixture(scope="session")
def fixture_kb_brain() -> Brain:
    """The small fixture knowledge base of tests/fixtures/kb, loaded once."""
    return build(Path(__file__).resolve().parent / "fixtures" / "kb")


WriteKB = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_kb(tmp_path: Path) -> WriteKB:
    """Write ``{relative path: yaml text}`` into a fresh knowledge folder and return it."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "knowledge"
        root.mkdir(exist_ok=True)
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return write


CONTACT = """
contacts:
  - id: amt
    name: Bürgeramt Dessau
    address: Zerbster Straße 4, 06844 Dessau-Roßlau
    phone: 0340 204-2133
    hours:
      mon: 08:00-12:00, 13:30-16:00
      tue-thu: 08:00-12:00
      first-sat: 09:00-12:00
    sources: [https://example.org/amt]
    checked: 2026-11-26
"""


def entry_yaml(
    eid: str, questions_de: list[str], questions_en: list[str] | None = None, **extra: str
) -> str:
    """One entry in the knowledge-base format, for small test knowledge bases."""
    lines = [
        f"  - id: {eid}",
        f"    category: {extra.get('category', 'arrival')}",
        f"    contacts: [{extra.get('contacts', '')}]",
        "    sources: [https://example.org/source]",
        "    checked: 2026-11-26",
    ]
    if "keywords" in extra:
        lines.append(f"    keywords: [{extra['keywords']}]")
    lines.append("    text:")
    for lang, questions in (("de", questions_de), ("en", questions_en)):
        if not questions:
            continue
        lines += [
            f"      {lang}:",
            "        status: reviewed" if lang == "de" else "        status: machine",
            "        updated: 2026-11-26",
            f"        title: {eid} title {lang}",
            "        questions:",
            *[f"          - {q}" for q in questions],
            "        answer: |",
            f"          Answer for {eid} in {lang}.",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    """A running SMTP server."""
    server = SmtpServer(free_port(), asyncio.get_running_loop())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def smtp_down() -> AsyncIterator[SmtpServer]:
    """An SMTP server that is not started yet: its port refuses connections."""
    server = SmtpServer(free_port(), asyncio.get_running_loop())
    yield server
    server.stop()
