"""The dialogue on Telegram: the real bot against the fake Bot API, with scripted decisions.

The matcher's decisions are constructed (tests/scripted.py), so these tests check what the
bot shows for each kind of decision, not how the matcher decides.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.assistant import Brain
from tests.fakebot import FakeTelegram
from tests.scripted import Scripted, answer, clarify, escalate
from tests.telegram.conftest import StartBot, t, t_html

ALICE = 5101
OFFER = "Shall I forward your question to the city's team?"
MACHINE_NOTE = "Translated automatically, not yet checked by a person."


@pytest.fixture
def scripted(fixture_brain: Brain) -> Scripted:
    bot = Scripted(fixture_brain, details=frozenset({"registration"}))
    bot.decisions["wohnung"] = answer("registration", "childcare", "jobcenter")
    bot.decisions["arbeit"] = clarify("jobcenter", "employment-agency")
    bot.decisions["hühner"] = escalate("childcare", "registration", "jobcenter")
    bot.decisions["mensch"] = escalate("childcare", reason="human")
    return bot


def labels(message: Any) -> list[str]:
    return [b["text"] for b in message.buttons]


async def test_answer_with_alternative_buttons_more_and_ask_a_person(
    fake: FakeTelegram, start_bot: StartBot, scripted: Scripted
) -> None:
    async with start_bot(brain=scripted):
        fake.send_text(ALICE, "wohnung", lang="de")
        reply = await fake.wait_message(ALICE, "Wohnsitz anmelden")
        assert t_html("de", "Not the right answer? Maybe one of these:") in reply.text
        assert labels(reply) == [
            t("de", "📄 More"), "➡️ Kita-Platz finden", "➡️ Jobcenter und Bürgergeld",
            t("de", "🙋 Ask a person"), "👍", "👎",
        ]  # fmt: skip
        # "More": the second part of the answer.
        mark = fake.mark()
        fake.press(ALICE, reply.button(t("de", "📄 More"))["callback_data"])
        details = await fake.wait_message(
            ALICE, "Documents for registration &lt;de&gt;", after=mark
        )
        assert t("de", "📄 More") not in labels(details)
        # An alternative: its answer, with its related topics (it is certain).
        mark = fake.mark()
        fake.press(ALICE, reply.button("Kita-Platz finden")["callback_data"])
        kita = await fake.wait_message(ALICE, "<b>Kita-Platz finden</b>", after=mark)
        assert "➡️ Wohnsitz anmelden (Anmeldung)" in labels(kita)
        # 👎 on the first answer keeps its other buttons.
        fake.press(ALICE, reply.button("👎")["callback_data"], reply.result["message_id"])
        edit = await fake.wait_for(lambda c: c.method == "editMessageReplyMarkup")
        kept = [b["text"] for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
        assert kept == labels(reply)[:4]
        # "Ask a person": the question of the conversation, with consent buttons.
        mark = fake.mark()
        fake.press(ALICE, reply.button(t("de", "🙋 Ask a person"))["callback_data"])
        offer = await fake.wait_message(ALICE, t_html("de", OFFER), after=mark)
        assert "«kita»" not in offer.text  # the last question asked was "wohnung"
        assert "«wohnung»" in offer.text
        assert labels(offer) == [t("de", "✅ Yes, forward it"), t("de", "✖️ No")]


async def test_clarify_buttons_and_a_typed_number(
    fake: FakeTelegram, start_bot: StartBot, scripted: Scripted
) -> None:
    async with start_bot(brain=scripted):
        fake.send_text(ALICE, "arbeit", lang="de")
        menu = await fake.wait_message(ALICE, t_html("de", "Did you mean…"))
        assert labels(menu) == [
            "Jobcenter und Bürgergeld", "Agentur für Arbeit", t("de", "None of these"),
        ]  # fmt: skip
        mark = fake.mark()
        fake.send_text(ALICE, "2", lang="de")
        chosen = await fake.wait_message(ALICE, "", after=mark)
        assert chosen.text.startswith("<b>Agentur für Arbeit</b>")
        # A number with no list open is not matched as a question.
        mark = fake.mark()
        fake.send_text(ALICE, "5", lang="de")
        hint = "There is no list to choose from right now. Please type your question."
        await fake.wait_message(ALICE, t_html("de", hint), after=mark)


async def test_unknown_question_offers_forwarding_with_related_topics(
    fake: FakeTelegram, start_bot: StartBot, scripted: Scripted
) -> None:
    async with start_bot(brain=scripted) as bot:
        fake.send_text(ALICE, "hühner", lang="de")
        offer = await fake.wait_message(ALICE, t_html("de", OFFER))
        assert offer.text.startswith("🤷 " + t_html("de", "I don't know that yet."))
        assert labels(offer) == [
            t("de", "✅ Yes, forward it"), t("de", "✖️ No"),
            "➡️ Kita-Platz finden", "➡️ Wohnsitz anmelden (Anmeldung)",
        ]  # fmt: skip
        keyboard = offer.params["reply_markup"]["inline_keyboard"]
        assert len(keyboard[0]) == 2  # Yes / No side by side
        mark = fake.mark()
        fake.press(ALICE, offer.button("Kita-Platz finden")["callback_data"])
        await fake.wait_message(ALICE, "<b>Kita-Platz finden</b>", after=mark)
        # A request for a person: no "I don't know", no topics.
        mark = fake.mark()
        fake.send_text(ALICE, "mensch", lang="de")
        person = await fake.wait_message(ALICE, t_html("de", OFFER), after=mark)
        assert "🤷" not in person.text
        assert labels(person) == [t("de", "✅ Yes, forward it"), t("de", "✖️ No")]
        fake.press(ALICE, person.button("✅")["callback_data"], person.result["message_id"])
        await fake.wait_message(ALICE, "✅", after=mark)
        await bot.settle()
        assert await bot.tickets.open_ticket_for(ALICE) is not None


async def test_language_follows_the_question_and_stays_for_keywords(
    fake: FakeTelegram, start_bot: StartBot, fixture_brain: Brain
) -> None:
    async with start_bot():
        # The client is Ukrainian; a German sentence is answered in German …
        fake.send_text(ALICE, "Wie bekomme ich einen Kita-Platz?", lang="uk")
        german = await fake.wait_message(ALICE, "Kita")
        assert "<b>Kita-Platz finden</b>" in german.text
        # … and so is the keyword that follows: the conversation is in German now.
        mark = fake.mark()
        fake.send_text(ALICE, "kita", lang="uk")
        again = await fake.wait_message(ALICE, "Kita", after=mark)
        assert "<b>Kita-Platz finden</b>" in again.text
        # A question in Cyrillic switches to Ukrainian, machine-translated: said once.
        note = t_html("uk", MACHINE_NOTE)
        mark = fake.mark()
        fake.send_text(ALICE, "Як отримати місце в дитячому садку?", lang="uk")
        ukrainian = await fake.wait_message(ALICE, "Kita", after=mark)
        assert "Місце в дитячому садку" in ukrainian.text
        assert note in ukrainian.text
        mark = fake.mark()
        fake.send_text(ALICE, "kita", lang="uk")
        later = await fake.wait_message(ALICE, "Kita", after=mark)
        assert "Місце в дитячому садку" in later.text
        assert note not in later.text
