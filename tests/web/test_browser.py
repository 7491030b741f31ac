"""The chat page in a real browser: Debian's Chromium, headless, driven over DevTools.

Types a German and an Arabic question with key events, sees the answers, uses buttons with the
mouse and the keyboard, checks the right-to-left layout in the DOM and in the screenshot's
pixels, and opens the embed widget on its test page. No console error, no CSP violation.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.cdp import browser, chromium, png_pixels
from tests.web.client import t
from tests.web.conftest import StartWeb

pytestmark = pytest.mark.skipif(chromium() is None, reason="chromium is not installed")

BOT_BUBBLES = "document.querySelectorAll('.msg.bot').length"
USER_BLUE = (0, 75, 135)  # .msg.user background, #004b87


UNAVAILABLE = (
    "I cannot read letters on this server yet. You can type your question, or ask the city's team."
)


def last_bot_text() -> str:
    return "[...document.querySelectorAll('.msg.bot')].pop().textContent"


async def test_german_and_arabic_questions_buttons_and_rtl_layout(
    start_web_chat: StartWeb, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("WEB_SCREENSHOTS", tmp_path))
    async with start_web_chat() as web, browser(tmp_path / "profile") as page:
        await page.goto(web.base + "/?lang=de")
        await page.until("document.body.dataset.ready === '1'")
        assert await page.js("document.documentElement.dir") == "ltr"
        assert await page.js("document.activeElement.id") == "text"
        welcome = await page.js(last_bot_text())
        assert t("de", "Welcome to Ankommen Dessau-Roßlau, the welcome bot of the city!") in welcome

        # German: typed with key events, answered, then 👍 with the mouse.
        await page.type("Wie bekomme ich einen Kita-Platz?")
        await page.until(f"{BOT_BUBBLES} >= 2 && {last_bot_text()}.includes('Kita')")
        assert await page.js("document.querySelector('.msg.user').textContent") == (
            "Wie bekomme ich einen Kita-Platz?"
        )
        links = await page.js(
            "[...document.querySelectorAll('.msg.bot a')].map(a => [a.href, a.rel, a.target])"
        )
        assert links and all(
            href.startswith("https://") and rel == "noopener noreferrer" and target == "_blank"
            for href, rel, target in links
        )
        await page.click("[...document.querySelectorAll('button.choice')].find(b => "
                         "b.textContent === '👍')")  # fmt: skip
        await page.until(f"{last_bot_text()} === {t('de', 'Thank you!')!r}")

        # The keyboard: Tab from the text field is not needed; a focused button reacts to Enter.
        await page.js("document.getElementById('q-events').focus()")
        before = await page.js(BOT_BUBBLES)
        await page.key("Enter")
        await page.until(f"{BOT_BUBBLES} > {before}")

        # Arabic: the picker switches the page to right-to-left.
        await page.js(
            "(() => { const s = document.getElementById('lang'); s.value = 'ar';"
            " s.dispatchEvent(new Event('change')); })()"
        )
        assert await page.js("document.documentElement.dir") == "rtl"
        assert await page.js("document.getElementById('send').textContent") == t("ar", "Send")
        await page.js("document.getElementById('log').replaceChildren()")  # a clean screenshot
        await page.js("document.getElementById('text').focus()")
        await page.type("أين أسجل عنواني؟")
        await page.until(f"{BOT_BUBBLES} >= 1")
        reply = await page.js(last_bot_text())
        assert reply and any("\u0600" <= ch <= "\u06ff" for ch in reply)

        # RTL in the DOM: the person's bubble on the left, the bot's on the right.
        boxes = await page.js(
            "(() => { const log = document.getElementById('log').getBoundingClientRect();"
            " const box = s => { const r = document.querySelector(s).getBoundingClientRect();"
            " return [r.left - log.left, log.right - r.right]; };"
            " return {user: box('.msg.user'), bot: box('.msg.bot'), width: log.width}; })()"
        )
        user_left, user_right = boxes["user"]
        bot_left, bot_right = boxes["bot"]
        assert user_left < 20 < user_right, boxes  # aligned to the end = left in RTL
        assert bot_right < 20 <= bot_left or bot_left < 20, boxes
        assert bot_right < 20, boxes  # aligned to the start = right in RTL

        # ... and in the pixels of the screenshot: the blue of the person's bubble is on the left.
        data = await page.screenshot()
        (shots / "web-chat-rtl.png").write_bytes(data)  # to look at it (WEB_SCREENSHOTS=dir)
        width, _height, rows = png_pixels(data)
        left = right = 0
        for row in rows:
            for x in range(0, width, 2):
                if tuple(row[x * 3 : x * 3 + 3]) == USER_BLUE:
                    if x < width / 2:
                        left += 1
                    else:
                        right += 1
        header = sum(1 for x in range(width) if tuple(rows[5][x * 3 : x * 3 + 3]) == USER_BLUE)
        assert header > width * 0.8  # the blue title bar spans the width
        assert left > 200, (left, right)  # the user's bubble (the title bar is half and half)
        assert left > right, (left, right)
        assert page.errors == []


async def test_embed_widget_opens_the_chat(start_web_chat: StartWeb, tmp_path: Path) -> None:
    async with start_web_chat() as web, browser(tmp_path / "profile", 1024, 768) as page:
        await page.goto(web.base + "/embed-test.html")
        await page.until("document.querySelector('[data-ankommen=bubble]')")
        bubble = "document.querySelector('[data-ankommen=bubble]')"
        assert await page.js(f"{bubble}.getAttribute('aria-label')") == t("de", "Open the chat")
        assert await page.js("document.querySelector('iframe')") is None  # nothing loaded yet
        await page.click(bubble)
        frame = "document.querySelector('[data-ankommen=frame]')"
        await page.until(f"{frame} && {frame}.contentDocument &&"
                         f" {frame}.contentDocument.body.dataset.ready === '1'")  # fmt: skip
        assert await page.js(f"{bubble}.getAttribute('aria-expanded')") == "true"
        assert "embed=1" in await page.js(f"{frame}.src")
        assert await page.js(f"{frame}.contentDocument.documentElement.lang") == "de"
        await page.js(f"{bubble}.focus()")
        await page.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
        assert await page.js(f"{frame}.style.display") == "none"
        assert page.errors == []


async def test_embedding_on_another_origin_needs_web_allowed_origins(
    start_web_chat: StartWeb, tmp_path: Path
) -> None:
    """The city's site is another origin: the chat frames only into WEB_ALLOWED_ORIGINS."""
    from aiohttp import web as aioweb

    from tests.smtpserver import free_port

    port = free_port()
    city = f"http://127.0.0.1:{port}"

    async def city_site(chat_base: str) -> aioweb.AppRunner:
        async def page(request: aioweb.Request) -> aioweb.Response:
            html = (
                '<!doctype html><html lang="ar"><head><meta charset="utf-8"><title>city</title>'
                '<link rel="icon" href="data:,"></head><body><p>Stadt</p>'
                f'<script src="{chat_base}/widget.js" data-lang="ar"></script></body></html>'
            )
            return aioweb.Response(text=html, content_type="text/html")

        app = aioweb.Application()
        app.router.add_get("/", page)
        runner = aioweb.AppRunner(app, access_log=None)
        await runner.setup()
        await aioweb.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    async def chat_frame_url(allowed: tuple[str, ...]) -> str:
        async with start_web_chat(web_allowed_origins=allowed) as web:
            runner = await city_site(web.base)
            try:
                async with browser(tmp_path / f"profile{len(allowed)}", 1024, 768) as page:
                    await page.goto(city + "/")
                    bubble = "document.querySelector('[data-ankommen=bubble]')"
                    await page.until(bubble)
                    # Arabic: the bubble sits on the left.
                    assert await page.js(f"{bubble}.getBoundingClientRect().left") < 100
                    await page.click(bubble)
                    await page.until("document.querySelector('[data-ankommen=frame]')")

                    return str((await page.child_frame()).get("url", ""))
            finally:
                await runner.cleanup()

    allowed = await chat_frame_url((city,))
    assert allowed.startswith("http://127.0.0.1:") and "embed=1" in allowed
    refused = await chat_frame_url(())
    assert refused.startswith("chrome-error://"), refused


async def test_the_letter_button_uploads_a_file_and_shows_the_reply(
    start_web_chat: StartWeb, tmp_path: Path
) -> None:
    class NoOcr:  # the page's part only: the reply without OCR is enough here
        available = False

    letter = tmp_path / "brief.jpg"
    letter.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    async with (
        start_web_chat(app_options={"letters": NoOcr()}) as web,
        browser(tmp_path / "profile") as page,
    ):
        await page.goto(web.base + "/?lang=de")
        await page.until("document.body.dataset.ready === '1'")
        button = "document.getElementById('q-letter')"
        assert await page.js(f"{button}.textContent") == t("de", "📄 Letter")
        assert await page.js(f"{button}.getAttribute('aria-label')") == t("de", "Photos of letters")
        assert await page.js(f"{button}.tagName") == "BUTTON"  # focusable, Enter/Space work
        assert await page.js("document.getElementById('file').accept") == (
            "image/*,application/pdf"
        )
        found = await page.send(
            "Runtime.evaluate", expression="document.getElementById('file')"
        )  # fmt: skip
        await page.send(
            "DOM.setFileInputFiles", files=[str(letter)], objectId=found["result"]["objectId"]
        )
        expected = t("de", UNAVAILABLE)
        await page.until(f"{last_bot_text()} === {expected!r}")
        assert "brief.jpg" in await page.js(
            "[...document.querySelectorAll('.msg.user')].pop().textContent"
        )
        assert await page.js("document.getElementById('status').textContent") == ""
        assert page.errors == []
