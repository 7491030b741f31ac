"""The console chat, driven through its injectable input and output."""

from __future__ import annotations

from collections.abc import Iterator

from bot.assistant import Assistant
from bot.console import Console
from bot.matching import Decision


class Script:
    def __init__(self, lines: list[str]) -> None:
        self._lines: Iterator[str] = iter(lines)
        self.output: list[str] = []

    async def read(self, prompt: str) -> str | None:
        return next(self._lines, None)

    def write(self, text: str) -> None:
        self.output.append(text)

    @property
    def text(self) -> str:
        return "\n".join(self.output)


async def test_german_registration_question_gets_address_and_hours(
    real_assistant: Assistant,
) -> None:
    script = Script(["Wo melde ich meine Wohnung an?"])
    await Console(real_assistant, read=script.read, write=script.write).run()
    assert "Zerbster Straße 4" in script.text
    assert "Bürgeramt" in script.text
    assert "08:00" in script.text


async def test_unknown_question_offers_escalation_and_forwards(real_assistant: Assistant) -> None:
    forwarded: list[tuple[str, str]] = []

    async def escalate(question: str, lang: str, decision: Decision) -> int:
        forwarded.append((question, lang))
        return 42

    question = "Wie repariere ich den Vergaser meines Motorrads?"
    script = Script([question, "ja"])
    await Console(real_assistant, read=script.read, write=script.write, escalate=escalate).run()
    assert forwarded == [(question, "de")]
    assert "42" in script.text


async def test_without_forwarding_shows_the_integration_office(real_assistant: Assistant) -> None:
    script = Script(["Wie repariere ich den Vergaser meines Motorrads?"])
    await Console(real_assistant, read=script.read, write=script.write).run()
    assert "Integrationsbüro" in script.text


async def test_did_you_mean_choice_by_number(real_assistant: Assistant) -> None:
    # Find a question the real knowledge base is unsure about, then choose option 1.
    # ("Kinder" alone is answered directly since issue 13: child benefit.)
    decision = real_assistant.match("kita jobcenter")
    assert decision.decision == "clarify", decision
    script = Script(["kita jobcenter", "1"])
    await Console(real_assistant, read=script.read, write=script.write).run()
    assert "1) " in script.text and "0) " in script.text
    assert real_assistant.title(decision.candidates[0], decision.lang) in script.text


async def test_language_command_and_events(real_assistant: Assistant) -> None:
    script = Script(["/lang uk", "/events", "/lang zz"])
    await Console(real_assistant, read=script.read, write=script.write).run()
    assert "Українська" in script.output[1]
    # Events are listed in Ukrainian, soonest first, and never one that is over.
    assert "🎉" in script.output[2] and "🗓" in script.output[2]
    assert "de (Deutsch)" in script.output[-2] and "vi (Tiếng Việt)" in script.output[-2]
