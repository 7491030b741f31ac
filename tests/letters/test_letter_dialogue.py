"""Letters in the dialogue and the console: explanation, "More", forwarding with or without the
letter's text (the text only on the person's explicit choice)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.config import DEFAULT_KNOWLEDGE
from bot.console import Console
from bot.dialogue import (
    LETTER_TEXT_HEADER,
    Consent,
    Conversation,
    Dialogue,
    Forward,
    Letter,
    More,
    OfferForwarding,
)  # fmt: skip
from bot.letters import LetterResult, understand
from bot.letters.reading import find_engine
from bot.replies import reply_text
from tests.letters.generator import letter_lines, text_pdf

TODAY = date(2026, 12, 7)


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    return Assistant.from_directory(DEFAULT_KNOWLEDGE)


def _result(assistant: Assistant, seed: int) -> LetterResult:
    text = "\n".join(letter_lines(seed, TODAY)[0])
    return LetterResult(understand(text, assistant.kb), text)


def test_letter_offers_more_and_forwarding_with_or_without_its_text(assistant: Assistant) -> None:
    dialogue, state = Dialogue(assistant), Conversation()
    reply = dialogue.letter(_result(assistant, 2), state, chosen="uk")
    assert isinstance(reply, Letter) and reply.lang == "uk"
    assert More("jobcenter", "uk") in reply.options
    plain, with_text = (o for o in reply.options if isinstance(o, Consent))
    assert (plain.attach, with_text.attach) == (False, True)
    forward = dialogue.choose(plain, state)
    assert isinstance(forward, Forward)
    assert "Jobcenter Dessau-Roßlau" in forward.pending.question
    assert "Seminarplatz" not in forward.pending.question and not forward.pending.attachment
    # asking a person afterwards forwards the summary only, never the text
    later = dialogue.ask_person(state, "uk")
    assert isinstance(later, OfferForwarding)
    assert "Seminarplatz" not in later.pending.question


def test_the_text_goes_along_only_when_chosen(assistant: Assistant) -> None:
    dialogue, state = Dialogue(assistant), Conversation()
    reply = dialogue.letter(
        _result(assistant, 0), state, caption="Was will das Amt mit diesem Brief von mir?"
    )
    assert reply.lang == "de"  # the caption's language
    with_text = next(o for o in reply.options if isinstance(o, Consent) and o.attach)
    forward = dialogue.choose(with_text, state)
    assert isinstance(forward, Forward)
    assert forward.pending.question.startswith("📄")
    assert "Was will das Amt" in forward.pending.question
    assert LETTER_TEXT_HEADER in forward.pending.question
    assert "Zahlungsaufforderung" in forward.pending.question


def test_without_forwarding_or_reading_there_is_nothing_to_forward(assistant: Assistant) -> None:
    reply = Dialogue(assistant, forwarding=False).letter(_result(assistant, 0), Conversation())
    assert not any(isinstance(o, Consent) for o in reply.options)
    failed = Dialogue(assistant).letter(LetterResult(None, "", "unreadable"), Conversation())
    assert failed.options == ()
    assert "new photo" in reply_text(failed, assistant)
    missing = Dialogue(assistant).letter(LetterResult(None, "", "unavailable"), Conversation())
    assert "cannot read letters" in reply_text(missing, assistant)


@pytest.mark.skipif(find_engine()[0] is None, reason="OCR not installed")
async def test_console_explains_a_letter_file(assistant: Assistant, tmp_path: Path) -> None:
    lines, _truth = letter_lines(8, TODAY)  # Finanzamt
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(text_pdf(lines))
    out: list[str] = []

    async def read(_prompt: str) -> str | None:
        return None

    console = Console(assistant, read=read, write=out.append, lang="en")
    await console.handle(f"/letter {pdf}")
    await console.handle(f"'{pdf}'")  # a path dropped into the terminal, quotes and all
    await console.handle("/letter /nonexistent/brief.pdf")
    assert sum("Finanzamt Dessau-Roßlau" in text for text in out) == 2
    assert "Decision (Bescheid)" in out[0]
    assert "I cannot open this file" in out[-1]
