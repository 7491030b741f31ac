"""End to end: a photo or PDF of a letter → getFile → download → real OCR → the explanation in
the resident's language, and forwarding with or without the letter's text."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.assistant import Assistant
from bot.config import DEFAULT_KNOWLEDGE
from bot.letters.reading import find_engine
from tests.fakebot import FakeTelegram
from tests.letters.generator import Damage, letter_lines, make, text_pdf
from tests.telegram.conftest import STAFF, StartBot

OLENA, AHMAD, CARL = 5101, 5102, 5103
TODAY = date(2026, 12, 7)
pytestmark = pytest.mark.skipif(find_engine()[0] is None, reason="OCR not installed")


@pytest.fixture(scope="module")
def real() -> Assistant:
    return Assistant.from_directory(DEFAULT_KNOWLEDGE)


async def test_a_photo_is_explained_in_ukrainian_and_forwarded_without_its_text(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    photo, truth = make(2, TODAY, Damage(tilt=2, blur=0.6, megapixels=3.0))  # Jobcenter
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        fake.send_photo(OLENA, photo, lang="uk")
        answer = await fake.wait_message(OLENA, "Jobcenter Dessau-Roßlau", within=60)
        assert [c.params["file_id"] for c in fake.sent(method="getFile")] == ["file2"]
        assert fake.downloads == ["file2"]  # the largest size, once
        assert "Запрошення на прийом" in answer.text  # the kind, in Ukrainian
        assert truth.appointment is not None and truth.appointment[0] in answer.text
        assert "BG-Nummer" in answer.text
        fake.press(OLENA, answer.button("✅")["callback_data"], answer.result["message_id"], "uk")
        staff = await fake.wait_message(STAFF, "Frage zu einem Brief")
    assert "Jobcenter Dessau-Roßlau" in staff.text
    assert "Seminarplatz" not in staff.text  # the letter's text stays with the resident


async def test_a_pdf_is_explained_in_arabic_and_forwarded_with_its_text_on_request(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    lines, truth = letter_lines(0, TODAY)  # Beitragsservice payment request
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        fake.send_file(AHMAD, text_pdf(lines), "brief.pdf", "application/pdf", lang="ar")
        answer = await fake.wait_message(AHMAD, "Beitragsservice", within=60)
        assert "طلب دفع" in answer.text  # payment request, in Arabic
        assert truth.deadline is not None and "\u2066" + truth.deadline in answer.text
        fake.press(AHMAD, answer.button("📎")["callback_data"], answer.result["message_id"], "ar")
        staff = await fake.wait_message(STAFF, "Text des Briefs")
    assert "Zahlungsaufforderung" in staff.text


async def test_an_unreadable_picture_gets_advice_for_a_better_photo(
    fake: FakeTelegram, start_bot: StartBot, real: Assistant
) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(blank, "JPEG")
    async with start_bot(brain=real, knowledge_dir=DEFAULT_KNOWLEDGE):
        fake.send_photo(CARL, blank.getvalue(), lang="en")
        reply = await fake.wait_message(CARL, "new photo", within=60)
    assert "PDF" in reply.text
