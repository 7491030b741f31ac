"""Real OCR (Tesseract through tesserocr) on generated phone photos and PDFs of letters."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image

from bot.clock import BERLIN
from bot.config import DEFAULT_KNOWLEDGE
from bot.knowledge import KnowledgeBase
from bot.letters import LetterDesk, understand
from bot.letters.explain import explain
from bot.letters.reading import Reader, UnreadableFile, find_engine
from bot.validation import load_knowledge
from tests.letters.generator import KINDS, Damage, letter_lines, make, render_page, text_pdf

TODAY = date(2026, 12, 7)
ENGINE, MISSING = find_engine()
needs_ocr = pytest.mark.skipif(ENGINE is None, reason=f"OCR not installed: {MISSING}")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(DEFAULT_KNOWLEDGE)


@pytest.fixture(scope="module")
def reader() -> Reader:
    assert ENGINE is not None
    reader = Reader(ENGINE, workers=1, timeout=60)
    yield reader  # type: ignore[misc]
    reader.close()


@needs_ocr
@pytest.mark.parametrize("seed", range(len(KINDS)))
def test_every_kind_of_letter_is_understood_from_a_damaged_photo(
    seed: int, reader: Reader, kb: KnowledgeBase
) -> None:
    damage = Damage(tilt=3.0, perspective=0.03, blur=1.0, shadow=0.4, quality=55, megapixels=3.0)
    data, truth = make(seed, TODAY, damage)
    reading = understand(reader.read_sync(data), kb)
    assert (reading.sender, reading.entry, reading.kind) == (truth.sender, truth.entry, truth.kind)
    deadline = reading.facts.deadline.date if reading.facts.deadline else None
    assert deadline == truth.deadline
    if truth.amount:
        assert truth.amount in reading.facts.amounts
    assert set(truth.references) <= set(reading.facts.references)
    if truth.appointment:
        got = reading.facts.appointment
        assert got is not None and (got.date, got.time) == truth.appointment


@needs_ocr
def test_a_sideways_photo_is_turned_upright(reader: Reader, kb: KnowledgeBase) -> None:
    rng = random.Random(0)
    page = render_page(KINDS[0](rng, TODAY), rng).rotate(90, expand=True)
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    reading = understand(reader.read_sync(buffer.getvalue()), kb)
    assert reading.entry == "broadcasting-fee"


@needs_ocr
def test_text_pdf_and_scanned_pdf(reader: Reader, kb: KnowledgeBase) -> None:
    lines, truth = letter_lines(8, TODAY)
    reading = understand(reader.read_sync(text_pdf(lines)), kb)
    assert reading.entry == truth.entry and reading.facts.deadline is not None
    assert reading.facts.deadline.date == truth.deadline
    rng = random.Random(3)
    scanned = io.BytesIO()
    render_page(KINDS[3](rng, TODAY), rng).save(scanned, "PDF", resolution=200)
    assert understand(reader.read_sync(scanned.getvalue()), kb).entry == "jobcenter"


@needs_ocr
def test_limits_refuse_bombs_and_junk(reader: Reader) -> None:
    bomb = io.BytesIO()
    Image.new("1", (9000, 9000)).save(bomb, "PNG")  # 81 megapixels in a few kilobytes
    with pytest.raises(UnreadableFile, match="too large"):
        reader.read_sync(bomb.getvalue())
    with pytest.raises(UnreadableFile):
        reader.read_sync(b"not an image at all")
    with pytest.raises(UnreadableFile):
        reader.read_sync(b"%PDF-1.4 broken")


@needs_ocr
async def test_desk_reads_off_the_event_loop(kb: KnowledgeBase) -> None:
    desk = LetterDesk(workers=1, timeout=60)
    data, truth = make(2, TODAY, Damage(megapixels=3.0))
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    try:
        result = await desk.read(data, kb, "letter.jpg")
    finally:
        beat.cancel()
        desk.close()
    assert result.reading is not None and result.reading.entry == truth.entry
    assert ticks >= 5  # the loop kept running while Tesseract read the photo
    blank = io.BytesIO()
    Image.new("L", (1200, 1600), 255).save(blank, "PNG")
    desk = LetterDesk(workers=1, timeout=60)
    try:
        assert (await desk.read(blank.getvalue(), kb)).problem == "unreadable"
    finally:
        desk.close()


async def test_without_the_german_model_the_desk_says_what_is_missing(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    desk = LetterDesk(tessdata=tmp_path)
    assert not desk.available
    assert desk.missing is not None and "tesseract-ocr-deu" in desk.missing
    assert (await desk.read(b"...", kb)).problem == "unavailable"


def test_explanation_in_ukrainian_and_arabic(kb: KnowledgeBase) -> None:
    lines, _truth = letter_lines(2, TODAY)  # Jobcenter invitation
    reading = understand("\n".join(lines), kb)
    now = datetime(2026, 12, 7, 10, tzinfo=BERLIN)
    uk = explain(reading, kb, "uk", now)
    assert "Jobcenter Dessau-Roßlau" in uk and "Запрошення на прийом" in uk
    assert reading.facts.appointment is not None and reading.facts.appointment.date in uk
    ar = explain(reading, kb, "ar", now)
    assert "\u2066" + reading.facts.appointment.date in ar  # numbers stay left-to-right
    assert "دعوة إلى موعد" in ar
