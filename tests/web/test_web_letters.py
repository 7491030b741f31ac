"""Letters in the web chat: POST /api/v1/letter (multipart) → real OCR → the explanation with
the consent buttons; forwarding with the letter's text through /api/v1/action; clean refusals of
wrong, empty and too large files; the letter's text never reaches the database."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.assistant import Brain
from bot.config import DEFAULT_KNOWLEDGE
from bot.escalation import TicketStore
from bot.letters.reading import find_engine
from bot.web.app import MAX_LETTER
from tests.letters.generator import Damage, letter_lines, make, text_pdf
from tests.web.client import Api, t
from tests.web.conftest import RunningWeb, StartWeb

TODAY = date(2026, 12, 7)
needs_ocr = pytest.mark.skipif(find_engine()[0] is None, reason="OCR not installed")


async def send_letter(
    api: Api, data: bytes, name: str, kind: str, **fields: str
) -> tuple[int, dict[str, Any]]:
    form = aiohttp.FormData()
    form.add_field("session", api.session or "")
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", io.BytesIO(data), filename=name, content_type=kind)
    status, body, _headers = await api.raw("POST", "/api/v1/letter", data=form)
    if status == 200:
        api.session = body["session"]
    return status, body


def database_bytes(web: RunningWeb) -> bytes:
    path = Path(web.chat.settings.db_path)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def real(start_web_chat: StartWeb, real_brain: Brain, **overrides: Any) -> Any:
    return start_web_chat(brain=real_brain, kb=DEFAULT_KNOWLEDGE, **overrides)


@needs_ocr
async def test_a_photo_is_explained_and_its_text_forwarded_only_on_request(
    start_web_chat: StartWeb, real_brain: Brain
) -> None:
    photo, _truth = make(2, TODAY, Damage(megapixels=3.0))  # Jobcenter invitation
    async with real(start_web_chat, real_brain) as web:
        api = web.api()
        status, body = await send_letter(api, photo, "brief.jpg", "image/jpeg", lang="de")
        assert status == 200, body
        reply = body["replies"][0]
        assert "Jobcenter Dessau-Roßlau" in reply["text"]
        labels = [b["label"] for b in reply["buttons"]]
        assert any("✅" in label for label in labels) and any("📎" in label for label in labels)
        assert t("de", "📎 Yes, with the letter's text") in labels
        forwarded = (await api.press(reply, "📎"))["replies"][0]
        ticket = await TicketStore(web.store).ticket(forwarded["ticket"])
        assert ticket is not None and ticket.web_session is not None
        assert "Text des Briefs" in ticket.question
        assert "Seminarplatz" in ticket.question  # the letter's own words, by consent
        assert web.chat._letters == {}  # used once, then gone from memory


@needs_ocr
async def test_the_letters_text_never_reaches_the_database(
    start_web_chat: StartWeb, real_brain: Brain
) -> None:
    photo, _truth = make(2, TODAY, Damage(megapixels=3.0))
    async with real(start_web_chat, real_brain) as web:
        api = web.api()
        status, body = await send_letter(api, photo, "brief.jpg", "image/jpeg", lang="uk")
        assert status == 200, body
        assert "Jobcenter Dessau-Roßlau" in body["replies"][0]["text"]
        assert len(web.chat._letters) == 1  # in memory, for "with the letter's text"
        await api.message("Danke")  # one more request: the state is saved again
        await web.chat.flush()
        stored = database_bytes(web)
        assert b"Seminarplatz" not in stored
        assert b"Jobcenter" in stored  # the summary of the pending question is kept


@needs_ocr
async def test_a_pdf_letter_is_read_with_a_caption(
    start_web_chat: StartWeb, real_brain: Brain
) -> None:
    lines, _truth = letter_lines(0, TODAY)  # Beitragsservice payment request
    async with real(start_web_chat, real_brain) as web:
        api = web.api()
        status, body = await send_letter(
            api, text_pdf(lines), "brief.pdf", "application/pdf", caption="Was muss ich tun?"
        )
        assert status == 200, body
        assert "Beitragsservice" in body["replies"][0]["text"]


@needs_ocr
async def test_with_text_after_the_letter_was_forgotten_is_stale(
    start_web_chat: StartWeb, real_brain: Brain
) -> None:
    photo, _truth = make(2, TODAY, Damage(megapixels=3.0))
    async with real(start_web_chat, real_brain) as web:
        api = web.api()
        _status, body = await send_letter(api, photo, "brief.jpg", "image/jpeg", lang="en")
        web.chat._letters.clear()  # as after LETTER_SECONDS, or a restart
        reply = (await api.press(body["replies"][0], "📎"))["replies"][0]
        assert reply["text"] == t(
            "en",
            "The text of your letter is no longer stored. Send the photo again, or forward your "
            "question without it.",
        )
        assert await web.store.count_rows("tickets") == 0
        # The question still waits: forwarding it without the letter's text works.
        forwarded = (await api.press(body["replies"][0], "✅"))["replies"][0]
        ticket = await TicketStore(web.store).ticket(forwarded["ticket"])
        assert ticket is not None and "Text des Briefs" not in ticket.question


async def test_without_ocr_the_reply_says_so_kindly(start_web_chat: StartWeb) -> None:
    class NoOcr:
        available = False

        def close(self) -> None:  # pragma: no cover - the app does not close a given desk
            raise AssertionError

    async with start_web_chat(app_options={"letters": NoOcr()}) as web:
        api = web.api()
        status, body = await send_letter(
            api, b"\xff\xd8\xff\xe0 a photo", "a.jpg", "image/jpeg", lang="de"
        )
        assert status == 200, body
        assert body["replies"][0]["text"] == t(
            "de",
            "I cannot read letters on this server yet. You can type your question, or ask the "
            "city's team.",
        )


async def test_wrong_empty_and_too_large_files_are_refused_cleanly(
    start_web_chat: StartWeb,
) -> None:
    async with start_web_chat() as web:
        api = web.api()
        assert await send_letter(api, b"hello", "a.txt", "text/plain") == (
            415, {"error": "unsupported-file-type"},
        )  # fmt: skip
        assert await send_letter(api, b"", "a.jpg", "image/jpeg") == (400, {"error": "empty-file"})
        big = b"\xff\xd8\xff" + bytes(MAX_LETTER)
        assert await send_letter(api, big, "a.jpg", "image/jpeg") == (
            413, {"error": "request-too-large"},
        )  # fmt: skip
        status, body, _headers = await api.raw("POST", "/api/v1/letter", json={"file": "x"})
        assert (status, body) == (415, {"error": "expected-form-data"})
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("session", "")
        form.add_field("caption", "no file")
        status, body, _headers = await api.raw("POST", "/api/v1/letter", data=form)
        assert (status, body) == (400, {"error": "missing-file"})
        # the other routes keep their 16 KB limit
        status, body, _headers = await api.raw(
            "POST", "/api/v1/message", json={"text": "x" * 20_000, "session": None}
        )
        assert status == 413
        assert await web.store.count_rows("web_sessions") == 0


async def test_a_letter_counts_as_several_requests(start_web_chat: StartWeb) -> None:
    class NoOcr:
        available = False

    async with start_web_chat(flood_limit=10, app_options={"letters": NoOcr()}) as web:
        api = web.api()
        await api.message("Hallo")
        codes = [
            (await send_letter(api, b"\xff\xd8\xff", "a.jpg", "image/jpeg"))[0] for _ in range(3)
        ]
        assert codes[0] == 200 and 429 in codes
