"""The console chat, driven through its injectable input and output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.assistant import Assistant, Brain
from bot.console import Console
from bot.dialogue import Pending
from tests.scripted import Scripted, answer, clarify
from tests.telegram.conftest import t


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

    async def escalate(question: str, lang: str, pending: Pending) -> int:
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


@pytest.fixture
def scripted(fixture_kb_brain: Brain) -> Scripted:
    bot = Scripted(fixture_kb_brain, details=frozenset({"registration"}))
    bot.decisions["arbeit"] = clarify("jobcenter", "employment-agency")
    bot.decisions["anmeldung"] = answer("registration", "childcare")
    return bot


async def test_did_you_mean_choice_by_number(scripted: Scripted) -> None:
    script = Script(["arbeit", "2"])
    await Console(scripted, read=script.read, write=script.write).run()
    menu = script.output[1]
    assert menu.splitlines()[0] == "🤔 " + t("de", "Did you mean…")
    assert "  1) Jobcenter und Bürgergeld" in menu
    assert "  2) Agentur für Arbeit" in menu
    assert "  3) " + t("de", "None of these") in menu
    assert script.output[2].startswith("Agentur für Arbeit")


async def test_a_question_typed_at_a_menu_is_answered(scripted: Scripted) -> None:
    script = Script(["arbeit", "Wo melde ich meine Wohnung an?"])
    await Console(scripted, read=script.read, write=script.write).run()
    assert "Zerbster Straße 4" in script.output[2]


async def test_a_bare_number_without_a_menu_gets_a_hint(scripted: Scripted) -> None:
    script = Script(["/lang de", "3", "arbeit", "9"])
    await Console(scripted, read=script.read, write=script.write).run()
    no_menu = "There is no list to choose from right now. Please type your question."
    assert script.output[2] == t("de", no_menu)
    assert script.output[4].startswith(
        t("de", "Please choose a number from 1 to {count}, or type a new question.", count=3)
    )


async def test_answer_with_alternatives_more_and_a_person(scripted: Scripted) -> None:
    forwarded: list[str] = []

    async def escalate(question: str, lang: str, pending: Pending) -> int:
        forwarded.append(question)
        return 7

    script = Script(["anmeldung", "1", "2", "1"])
    await Console(scripted, read=script.read, write=script.write, escalate=escalate).run()
    answer_text = script.output[1]
    assert answer_text.startswith("Wohnsitz anmelden")
    assert t("de", "Not the right answer? Maybe one of these:") in answer_text
    assert answer_text.endswith(
        "  1) " + t("de", "📄 More") + "\n  2) " + scripted.title("childcare", "de")
        + "\n  3) " + t("de", "🙋 Ask a person")
    )  # fmt: skip
    # "More": the second part, then the rest of the options, numbered again.
    assert script.output[2].startswith("Documents for registration")
    assert script.output[2].endswith("  2) " + t("de", "🙋 Ask a person"))
    assert "  1) " + t("de", "✅ Yes, forward it") in script.output[3]
    assert forwarded == ["anmeldung"]
    assert "7" in script.output[4]


async def test_machine_translation_note_is_shown_once(scripted: Scripted) -> None:
    note = t("uk", "Translated automatically, not yet checked by a person.")
    scripted.decisions["kita"] = answer("childcare", lang="uk")
    script = Script(["/lang uk", "kita", "kita"])
    await Console(scripted, read=script.read, write=script.write).run()
    assert note in script.output[2]
    assert note not in script.output[3]


async def test_language_continuity_and_a_question_in_another_script(
    real_assistant: Assistant,
) -> None:
    script = Script(
        [
            "Wo melde ich meine Wohnung an?",
            "Wie bekomme ich einen Kita-Platz?",
            "anmelden",
            "/lang uk",
            "أين يمكنني تسجيل عنواني الجديد في المدينة؟",
            "/lang en",
            "Ich suche einen Deutschkurs für Erwachsene",
        ]
    )
    await Console(real_assistant, read=script.read, write=script.write).run()
    # "anmelden" after two German questions: German, whatever the reply is.
    assert script.output[3].startswith(("🤔 Meinten Sie", "Wohnsitz", "Auto anmelden"))
    # /lang uk, then Arabic: answered in Arabic (the registration entry's Arabic title).
    arabic = real_assistant.title("registration", "ar")
    assert script.output[5].startswith(arabic) or arabic in script.output[5]
    # /lang en, then a German sentence: German, as on Telegram.
    assert "Deutschkurs" in script.output[7] or "Sprachkurs" in script.output[7]


async def test_language_command_and_events(real_assistant: Assistant) -> None:
    script = Script(["/lang uk", "/events", "/lang zz"])
    await Console(real_assistant, read=script.read, write=script.write).run()
    assert "Українська" in script.output[1]
    # Events are listed in Ukrainian, soonest first, and never one that is over.
    assert "🎉" in script.output[2] and "🗓" in script.output[2]
    assert "de (Deutsch)" in script.output[-2] and "vi (Tiếng Việt)" in script.output[-2]
