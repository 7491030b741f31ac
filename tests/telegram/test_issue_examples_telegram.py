"""Issues 13 and 14, checked as their examples say: on Telegram, with the real knowledge base.

The console has the same checks (tests/test_console.py, tests/test_urgent.py); these send the
issues' own messages through the fake Bot API to the real application, so that what a resident
sees on Telegram is covered too.
"""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.config import DEFAULT_KNOWLEDGE
from tests.conftest import ISSUE_13_MESSAGES
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import STAFF, StartBot, t_html

ALICE = 5301
DID_YOU_MEAN = "Did you mean"


@pytest.fixture
def real(real_assistant: Assistant) -> Assistant:
    return real_assistant


async def test_an_arabic_question_after_choosing_ukrainian_is_answered_in_arabic(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        fake.send_text(ALICE, "/language", lang="de")
        menu = await fake.wait_message(ALICE, "")
        fake.press(ALICE, menu.button("Українська")["callback_data"], menu.result["message_id"])
        await fake.wait_message(ALICE, "✅")
        mark = fake.mark()
        fake.send_text(ALICE, "أين أسجل عنواني الجديد؟", lang="de")
        reply = await fake.wait_message(ALICE, real.title("registration", "ar"), after=mark)
    assert real.title("registration", "uk") not in reply.text


async def test_a_keyword_after_two_german_questions_is_answered_in_german(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        for question in ("Wo bekomme ich einen Kita-Platz?", "Wo lerne ich Deutsch?"):
            mark = fake.mark()
            fake.send_text(ALICE, question, lang="en")
            await fake.wait_message(ALICE, "", after=mark)
        mark = fake.mark()
        fake.send_text(ALICE, "anmelden", lang="en")
        reply = await fake.wait_message(ALICE, "", after=mark)
    # German, whatever the reply is (an answer or a menu of German titles).
    assert "Wohnsitz anmelden" in reply.text or "Meinten Sie" in reply.text, reply.text


async def test_the_issues_real_messages_are_answered_directly(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        # One chat per message: each is the first message of its conversation.
        for chat, (text, entry, lang) in enumerate(ISSUE_13_MESSAGES, ALICE + 1):
            fake.send_text(chat, text, lang="en")
            reply = await fake.wait_message(chat, "")
            assert real.title(entry, lang) in reply.text, (text, reply.text)
            assert DID_YOU_MEAN not in reply.text, text


URGENT = [
    ("Mein Mann schlägt mich", ("110", "116 016")),
    ("my child swallowed cleaning liquid", ("112", "0361 730 730")),
    ("у ребенка температура 40 ночью", ("112", "116117")),
    ("zawji bidrobni", ("110", "116 016")),
]


async def test_urgent_messages_get_the_numbers_first_and_nothing_goes_to_the_team(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        for chat, (text, numbers) in enumerate(URGENT, ALICE + 1):
            fake.send_text(chat, text, lang="en")
            first = await fake.wait_message(chat, "")
            for number in numbers:
                assert number in first.text, (text, first.text)
            offer = t_html("en", "Shall I forward your question to the city's team?")
            assert offer not in first.text
    assert fake.sent(STAFF) == []
