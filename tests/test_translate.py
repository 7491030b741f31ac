"""The translation connector against a fake LibreTranslate and a fake DeepL over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.translate import connector
from bot.translate.connector import (
    DEEPL_FREE_URL,
    DEEPL_PRO_URL,
    DeepL,
    LibreTranslate,
    TranslationError,
    Translator,
    build_translator,
    deepl_url,
)
from tests.faketranslate import FakeTranslator

DEEPL_KEY = "0123abcd-4567-89ef-0123-456789abcdef:fx"


@pytest.fixture
async def libre() -> AsyncIterator[FakeTranslator]:
    server = FakeTranslator("libre")
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def deepl() -> AsyncIterator[FakeTranslator]:
    server = FakeTranslator("deepl", api_key=DEEPL_KEY)
    await server.start()
    yield server
    await server.close()


def libre_translator(server: FakeTranslator, timeout: float = 2.0, **kw: object) -> Translator:
    return Translator(LibreTranslate(server.url, server.api_key), timeout=timeout, **kw)  # type: ignore[arg-type]


def deepl_translator(server: FakeTranslator, timeout: float = 2.0) -> Translator:
    return Translator(DeepL(DEEPL_KEY, server.url), timeout=timeout)


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector, "RETRY_DELAY", 0.05)


async def test_libretranslate_request_and_answer(libre: FakeTranslator) -> None:
    libre.dictionary[("fa", "de", "سلام")] = "Hallo"
    translator = libre_translator(libre)
    try:
        assert await translator.translate("سلام", "fa", "de") == "Hallo"
        assert await translator.translate_many(["a", "b"], "de", "uk") == ["[uk] a", "[uk] b"]
    finally:
        await translator.aclose()
    first = libre.translations()[0]
    # Only the text and the two language codes leave the bot.
    assert first.body == {"q": "سلام", "source": "fa", "target": "de", "format": "text"}


async def test_libretranslate_api_key_is_sent(libre: FakeTranslator) -> None:
    libre.api_key = "secret-key"
    translator = libre_translator(libre)
    try:
        assert await translator.translate("Hallo", "de", "en") == "[en] Hallo"
    finally:
        await translator.aclose()
    assert libre.translations()[0].body["api_key"] == "secret-key"


async def test_libretranslate_languages_and_start_line(
    libre: FakeTranslator, caplog: pytest.LogCaptureFixture
) -> None:
    libre.languages = ("de", "en", "uk", "ru", "ar", "fa", "tr", "ro", "pl")  # no Vietnamese
    translator = libre_translator(libre)
    caplog.set_level(logging.INFO, logger="bot.translate.connector")
    try:
        await translator.start()
        line = next(r.getMessage() for r in caplog.records if "machine translation" in r.msg)
        assert "LibreTranslate at 127.0.0.1:" in line
        assert "the bot's languages with German: en,uk,ru,ar,fa,tr,ro,pl" in line
        assert "not listed: vi (sent untranslated)" in line
        with pytest.raises(TranslationError, match="does not translate de into vi"):
            await translator.translate("Hallo", "de", "vi")
    finally:
        await translator.aclose()
    assert len(libre.translations()) == 0  # refused without asking the server


async def test_deepl_request_headers_and_answer(deepl: FakeTranslator) -> None:
    deepl.dictionary[("fa", "de", "سلام")] = "Hallo"
    translator = deepl_translator(deepl)
    try:
        assert await translator.translate("سلام", "fa", "de") == "Hallo"
        assert await translator.translate("Hallo", "de", "en") == "[en] Hallo"
    finally:
        await translator.aclose()
    first, second = deepl.translations()
    assert first.headers["Authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    assert first.body == {"text": ["سلام"], "source_lang": "FA", "target_lang": "DE"}
    assert second.body["target_lang"] == "EN-GB"  # plain EN is deprecated as a target


async def test_deepl_languages_are_informational(
    deepl: FakeTranslator, caplog: pytest.LogCaptureFixture
) -> None:
    translator = deepl_translator(deepl)
    caplog.set_level(logging.INFO, logger="bot.translate.connector")
    try:
        await translator.start()
        line = next(r.getMessage() for r in caplog.records if "machine translation" in r.msg)
        assert "DeepL at 127.0.0.1:" in line and "not listed: fa,vi (tried anyway)" in line
        # Not listed by /v2/languages, translated anyway (DeepL's list is incomplete).
        assert await translator.translate("Xin chào", "vi", "de") == "[de] Xin chào"
    finally:
        await translator.aclose()


def test_deepl_endpoint_from_the_key() -> None:
    assert deepl_url(DEEPL_KEY) == DEEPL_FREE_URL == "https://api-free.deepl.com"
    assert deepl_url("0123abcd-4567-89ef-0123-456789abcdef") == DEEPL_PRO_URL
    assert DeepL("k:fx").url == DEEPL_FREE_URL


async def test_deepl_wrong_key_and_quota(deepl: FakeTranslator) -> None:
    bad = Translator(DeepL("not-the-key-at-all", deepl.url), timeout=2)
    translator = deepl_translator(deepl)
    try:
        with pytest.raises(TranslationError, match="403"):
            await bad.translate("Hallo", "de", "uk")
        deepl.fail("456")
        with pytest.raises(TranslationError, match="quota"):
            await translator.translate("Hallo", "de", "uk")
        # Neither is a sign of an overloaded service: the next call goes through.
        assert await translator.translate("Hallo", "de", "uk") == "[uk] Hallo"
    finally:
        await bad.aclose()
        await translator.aclose()


@pytest.mark.parametrize("kind", ["libre", "deepl"])
async def test_429_waits_as_told_then_succeeds(kind: str, libre: FakeTranslator,
                                               deepl: FakeTranslator) -> None:  # fmt: skip
    server = libre if kind == "libre" else deepl
    server.fail("429", retry_after=0.4)
    translator = libre_translator(server) if kind == "libre" else deepl_translator(server)
    try:
        started = time.monotonic()
        assert await translator.translate("Hallo", "de", "uk") == "[uk] Hallo"
        assert time.monotonic() - started >= 0.4  # Retry-After respected
    finally:
        await translator.aclose()
    assert len(server.translations()) == 2


async def test_retry_after_beyond_the_budget_fails_at_once(libre: FakeTranslator) -> None:
    libre.fail("429", retry_after=60)
    translator = libre_translator(libre, timeout=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(TranslationError, match="429"):
            await translator.translate("Hallo", "de", "uk")
        assert time.monotonic() - started < 0.5
        # ... and is not asked again before the time it named.
        with pytest.raises(TranslationError, match="unavailable"):
            await translator.translate("Anderer Text", "de", "uk")
        assert translator._down_until - asyncio.get_running_loop().time() > 55
        assert len(libre.translations()) == 1
    finally:
        await translator.aclose()


@pytest.mark.parametrize("kind", ["libre", "deepl"])
async def test_5xx_retried_with_backoff(kind: str, libre: FakeTranslator,
                                        deepl: FakeTranslator) -> None:  # fmt: skip
    server = libre if kind == "libre" else deepl
    server.fail("500")
    server.fail("503")
    translator = libre_translator(server) if kind == "libre" else deepl_translator(server)
    try:
        assert await translator.translate("Hallo", "de", "ar") == "[ar] Hallo"
    finally:
        await translator.aclose()
    assert len(server.translations()) == 3


async def test_persistent_5xx_gives_up_and_cools_down(libre: FakeTranslator) -> None:
    libre.fail("500", times=10)
    translator = libre_translator(libre, retries=2)
    try:
        with pytest.raises(TranslationError, match="HTTP 500"):
            await translator.translate("Hallo", "de", "ar")
        assert len(libre.translations()) == 3
        # Fails fast now, without a request: a dead service costs one wait, not one per message.
        with pytest.raises(TranslationError, match="unavailable"):
            await translator.translate("Anderer Text", "de", "ar")
        assert len(libre.translations()) == 3
    finally:
        await translator.aclose()


@pytest.mark.parametrize("kind", ["libre", "deepl"])
async def test_timeout_within_the_budget(kind: str, libre: FakeTranslator,
                                         deepl: FakeTranslator) -> None:  # fmt: skip
    server = libre if kind == "libre" else deepl
    server.fail("hang")
    translator = (libre_translator(server, timeout=0.6) if kind == "libre"
                  else Translator(DeepL(DEEPL_KEY, server.url), timeout=0.6))  # fmt: skip
    try:
        started = time.monotonic()
        with pytest.raises(TranslationError, match=r"no answer within 0\.6 s"):
            await translator.translate("Hallo", "de", "tr")
        assert time.monotonic() - started < 1.5
    finally:
        await translator.aclose()


@pytest.mark.parametrize("kind", ["libre", "deepl"])
@pytest.mark.parametrize("fault", ["garbage", "shape"])
async def test_garbage_answers_are_errors(kind: str, fault: str, libre: FakeTranslator,
                                          deepl: FakeTranslator) -> None:  # fmt: skip
    server = libre if kind == "libre" else deepl
    server.fail(fault)
    translator = libre_translator(server) if kind == "libre" else deepl_translator(server)
    try:
        with pytest.raises(TranslationError):
            await translator.translate("Hallo", "de", "ro")
        assert await translator.translate("Hallo", "de", "ro") == "[ro] Hallo"  # not cooled down
    finally:
        await translator.aclose()


async def test_connection_refused_is_an_error(libre: FakeTranslator) -> None:
    url = libre.url
    await libre.close()
    translator = Translator(LibreTranslate(url), timeout=1)
    try:
        with pytest.raises(TranslationError, match="cannot connect"):
            await translator.translate("Hallo", "de", "pl")
    finally:
        await translator.aclose()


async def test_same_text_twice_is_one_request(libre: FakeTranslator) -> None:
    translator = libre_translator(libre)
    try:
        # The staff group and the mail of one ticket ask at the same moment.
        first, second = await asyncio.gather(
            translator.translate("Frage", "de", "uk"), translator.translate("Frage", "de", "uk")
        )
        again = await translator.translate("Frage", "de", "uk")
    finally:
        await translator.aclose()
    assert first == second == again == "[uk] Frage"
    assert len(libre.translations()) == 1


async def test_unreachable_service_at_start_does_not_stop_anything(
    caplog: pytest.LogCaptureFixture,
) -> None:
    translator = Translator(LibreTranslate("http://127.0.0.1:9"), timeout=0.5)
    try:
        await translator.start()
    finally:
        await translator.aclose()
    assert any("did not list its languages" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------------------ settings


def test_translation_is_off_by_default() -> None:
    settings = load_settings({}, dotenv=None)
    assert not settings.translation_enabled
    assert build_translator(settings) is None


def test_settings_choose_the_back_end(tmp_path: Path) -> None:
    libre = load_settings({"TRANSLATE_URL": "http://127.0.0.1:5000", "TRANSLATE_API_KEY": "k"},
                          dotenv=None)  # fmt: skip
    assert libre.translate_url == "http://127.0.0.1:5000" and libre.translate_api_key == "k"
    deepl = load_settings({"DEEPL_AUTH_KEY": DEEPL_KEY, "TRANSLATE_TIMEOUT_SECONDS": "3"},
                          dotenv=None)  # fmt: skip
    assert deepl.translation_enabled and deepl.translate_timeout_seconds == 3.0
    assert DEEPL_KEY not in repr(deepl)
    built = build_translator(deepl)
    assert built is not None and isinstance(built.backend, DeepL)
    assert built.backend.url == DEEPL_FREE_URL
