"""End to end, machine translation: a Persian question reaches the staff group and the inbox in
German and Persian; a German answer reaches the resident in Persian and German.

Real application, fake Bot API, fake LibreTranslate / DeepL (real HTTP), aiosmtpd, SQLite.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.escalation import STAFF_LANG
from tests.fakebot import FakeTelegram
from tests.faketranslate import FakeTranslator
from tests.smtpserver import SmtpServer
from tests.telegram.conftest import STAFF, StartBot, t, t_html, with_smtp
from tests.telegram.test_telegram_escalation import (
    ANSWER_HEADER,
    STAFF_TICKET,
    ask_and_consent,
    staff,
)

RESIDENT = 5071
PERSIAN_Q = "بلیط اتوبوس به برلین را کجا می‌توانم بخرم؟"
GERMAN_Q = "Wo kann ich ein Busticket nach Berlin kaufen?"
GERMAN_A = "Busse nach Berlin fahren ab dem Hauptbahnhof. Tickets gibt es online."
PERSIAN_A = "اتوبوس‌ها به برلین از ایستگاه مرکزی حرکت می‌کنند. بلیط‌ها آنلاین هستند."
PERSIAN_FOLLOW = "آیا برای کودکان تخفیف دارد؟"
GERMAN_FOLLOW = "Gibt es eine Ermäßigung für Kinder?"
DEEPL_KEY = "0123abcd-4567-89ef-0123-456789abcdef:fx"

MT_STAFF = "Machine translation ({service}):"
ORIGINAL_STAFF = "Original ({language}):"
MT_RESIDENT = "Machine-translated by {service}. The team's answer in German:"
NOT_TRANSLATED = "⚠️ Not machine-translated ({service}: {reason})."
REPLY_HINT = (
    "🌐 You can answer in German: the bot translates your answer into {language} with "
    "{service} and adds your German text below it. Start your answer with ! to send it "
    "exactly as you wrote it."
)
UNAVAILABLE_RESIDENT = (
    "The automatic translation is not available right now; the team wrote in German."
)


def dictionary(server: FakeTranslator) -> FakeTranslator:
    server.dictionary.update(
        {
            ("fa", "de", PERSIAN_Q): GERMAN_Q,
            ("de", "fa", GERMAN_A): PERSIAN_A,
            ("fa", "de", PERSIAN_FOLLOW): GERMAN_FOLLOW,
        }
    )
    return server


@pytest.fixture
async def libre() -> AsyncIterator[FakeTranslator]:
    server = dictionary(FakeTranslator("libre"))
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def deepl() -> AsyncIterator[FakeTranslator]:
    server = dictionary(FakeTranslator("deepl", api_key=DEEPL_KEY))
    await server.start()
    yield server
    await server.close()


def position(text: str, part: str) -> int:
    assert part in text, f"{part!r} not in {text!r}"
    return text.index(part)


async def test_persian_question_and_german_answer_with_libretranslate(
    fake: FakeTelegram,
    start_bot: StartBot,
    settings: Settings,
    smtp: SmtpServer,
    libre: FakeTranslator,
) -> None:
    async with start_bot(with_smtp(settings, smtp), translate_url=libre.url):
        ticket = await ask_and_consent(fake, RESIDENT, PERSIAN_Q, "fa")

        # Staff group: the German translation, marked with the service, then the Persian original.
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        text = message.text
        label = staff(MT_STAFF, service="LibreTranslate")
        original = staff(ORIGINAL_STAFF, language="Persisch")
        assert position(text, label) < position(text, GERMAN_Q) < position(text, original)
        assert position(text, original) < position(text, PERSIAN_Q)
        assert staff(REPLY_HINT, language="Persisch", service="LibreTranslate") in text

        # The e-mail carries both as well.
        mail = (await smtp.sink.wait_count(1))[0]
        body = mail.get_content()
        assert t(STAFF_LANG, MT_STAFF, service="LibreTranslate") in body
        assert position(body, GERMAN_Q) < position(body, PERSIAN_Q)

        # A German reply reaches the resident in Persian, with the German original below it.
        mark = fake.mark()
        fake.send_group(STAFF, GERMAN_A, reply_to=message.result["message_id"])
        answer = await fake.wait_message(RESIDENT, t_html("fa", ANSWER_HEADER), after=mark)
        marked = t_html("fa", MT_RESIDENT, service="LibreTranslate")
        assert position(answer.text, PERSIAN_A) < position(answer.text, marked)
        assert position(answer.text, marked) < position(answer.text, GERMAN_A)

        # A follow-up (a Telegram reply to the team's answer) is translated too.
        mark = fake.mark()
        fake.send_text(RESIDENT, PERSIAN_FOLLOW, lang="fa", reply_to=answer.result["message_id"])
        follow = await fake.wait_message(STAFF, GERMAN_FOLLOW, after=mark)
        assert PERSIAN_FOLLOW in follow.text and label in follow.text

        # "!" at the start: sent as written, no translation, no machine-translation mark.
        requests_before = len(libre.translations())
        mark = fake.mark()
        fake.send_group(STAFF, "! سلام، بله.", reply_to=message.result["message_id"])
        verbatim = await fake.wait_message(RESIDENT, "سلام، بله.", after=mark)
        assert "! سلام" not in verbatim.text and marked not in verbatim.text
        mails = await smtp.sink.wait_count(2)

    # Privacy: only message texts left the bot, never a chat id or a ticket number.
    sent = [r.body for r in libre.translations()]
    assert [b["q"] for b in sent] == [PERSIAN_Q, GERMAN_A, PERSIAN_FOLLOW]
    assert all(set(b) == {"q", "source", "target", "format"} for b in sent)
    assert len(libre.translations()) == requests_before
    serialised = json.dumps(sent, ensure_ascii=False)
    assert str(RESIDENT) not in serialised and str(STAFF) not in serialised
    assert GERMAN_FOLLOW in mails[1].get_content()


async def test_deepl_back_end_end_to_end(
    fake: FakeTelegram, start_bot: StartBot, deepl: FakeTranslator
) -> None:
    async with start_bot(deepl_auth_key=DEEPL_KEY, deepl_api_url=deepl.url):
        ticket = await ask_and_consent(fake, RESIDENT, PERSIAN_Q, "fa")
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        assert GERMAN_Q in message.text and PERSIAN_Q in message.text
        assert staff(MT_STAFF, service="DeepL") in message.text
        mark = fake.mark()
        fake.send_group(STAFF, GERMAN_A, reply_to=message.result["message_id"])
        answer = await fake.wait_message(RESIDENT, PERSIAN_A, after=mark)
        assert GERMAN_A in answer.text
    first = deepl.translations()[0]
    assert first.body == {"text": [PERSIAN_Q], "source_lang": "FA", "target_lang": "DE"}
    assert first.headers["Authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"


async def test_translator_down_never_holds_up_delivery(
    fake: FakeTelegram, start_bot: StartBot, libre: FakeTranslator
) -> None:
    libre.fail("hang")
    async with start_bot(translate_url=libre.url, translate_timeout_seconds=0.5):
        started = time.monotonic()
        ticket = await ask_and_consent(fake, RESIDENT, PERSIAN_Q, "fa")
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        # Out within the time budget, untranslated, with a short note.
        assert time.monotonic() - started < 5
        assert PERSIAN_Q in message.text and GERMAN_Q not in message.text
        note = staff(NOT_TRANSLATED, service="LibreTranslate", reason="no answer within 0.5 s")
        assert note in message.text
        # The answer goes out in German with a note (the service is still cooling down).
        mark = fake.mark()
        fake.send_group(STAFF, GERMAN_A, reply_to=message.result["message_id"])
        answer = await fake.wait_message(RESIDENT, t_html("fa", ANSWER_HEADER), after=mark)
        assert GERMAN_A in answer.text and PERSIAN_A not in answer.text
        assert t_html("fa", UNAVAILABLE_RESIDENT) in answer.text
    assert len(libre.translations()) == 1  # the hung one; the rest failed fast


async def test_translation_is_stored_before_the_first_send(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, libre: FakeTranslator
) -> None:
    """A retried delivery (and a restart) sends the stored translation; it is not made again."""
    fake.fail("sendMessage", chat_id=STAFF, times=5, status=502)
    async with start_bot(translate_url=libre.url) as bot:
        ticket = await ask_and_consent(fake, RESIDENT, PERSIAN_Q, "fa")
        message = await fake.wait_message(STAFF, staff(STAFF_TICKET, ticket=ticket))
        assert GERMAN_Q in message.text
        async with asyncio.timeout(10):
            sent = await bot.worker.wait_for_result(
                lambda r: r.item.channel == "staff" and r.outcome == "sent"
            )
        # Delivered by a retry of the outbox row, with the translation stored at its first try.
        assert (
            sent.item.attempts >= 1
            and sent.item.payload.mt is not None
            and sent.item.payload.mt.text == GERMAN_Q
        )
    assert [r.body["q"] for r in libre.translations()] == [PERSIAN_Q]


PRIVACY_MT = (
    "Your questions to the city's team and the team's answers are translated automatically by "
    "{service}. Only the text of the message is sent there — not your name, chat number or "
    "ticket number. The team sees the translation and your original text."
)


@pytest.mark.parametrize("lang", ["fa", "de", "vi"])
async def test_privacy_names_the_translation_service(
    fake: FakeTelegram, start_bot: StartBot, libre: FakeTranslator, lang: str
) -> None:
    host = libre.url.removeprefix("http://")
    async with start_bot(translate_url=libre.url):
        mark = fake.mark()
        fake.send_text(RESIDENT, "/privacy", lang=lang)
        text = (await fake.wait_message(RESIDENT, after=mark)).text
    assert t_html(lang, "Machine translation") in text
    assert t_html(lang, PRIVACY_MT, service=f"LibreTranslate ({host})") in text


async def test_privacy_without_translation_says_nothing_about_it(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        mark = fake.mark()
        fake.send_text(RESIDENT, "/privacy", lang="fa")
        text = (await fake.wait_message(RESIDENT, after=mark)).text
    assert t_html("fa", "Machine translation") not in text
