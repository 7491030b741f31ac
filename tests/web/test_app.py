"""The web chat's HTTP API end to end over real HTTP: answers, buttons, escalation, security
headers, CORS, bad input, rate limits."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.escalation import TicketStore
from bot.language import LANGUAGES
from bot.questionlog import QuestionLog
from bot.retention import enforce_retention
from bot.store import utcnow
from bot.web.app import STATIC, Rates
from bot.web.chat import WebChat
from tests.web.client import button, t
from tests.web.conftest import StartWeb

CSP_PARTS = ("default-src 'none'", "script-src 'self'", "frame-ancestors 'self'")


async def test_page_and_scripts_are_small_safe_and_cookie_free(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        total = 0
        for path in ("/", "/chat.css", "/chat.js"):
            async with web.http.get(web.base + path) as response:
                assert response.status == 200
                body = await response.read()
                total += len(body)
                headers = response.headers
                assert all(part in headers["Content-Security-Policy"] for part in CSP_PARTS)
                assert "unsafe-inline" not in headers["Content-Security-Policy"]
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert headers["Referrer-Policy"] == "no-referrer"
                assert "Set-Cookie" not in headers
        assert total <= 60 * 1024, total
        async with web.http.get(web.base + "/") as response:
            page = await response.text()
        assert "<script>" not in page and "onclick" not in page  # no inline script
        assert 'role="log"' in page and 'aria-live="polite"' in page
        async with web.http.get(web.base + "/widget.js") as response:
            widget = await response.text()
        assert "__LABELS__" not in widget and t("ar", "Open the chat") in widget
        for path in STATIC:
            async with web.http.get(web.base + path) as response:
                assert response.status == 200


async def test_healthz_names_the_knowledge_base_version(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        status, body, _headers = await web.api().raw("GET", "/healthz")
        assert status == 200
        assert body == {"status": "ok", "knowledge_base": web.chat.assistant.kb.version}


async def test_a_question_gets_the_answer_with_buttons_that_work(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        body = await api.message("Wie bekomme ich einen Kita-Platz?")
        assert len(api.session or "") == 32  # 192 random bits
        assert body["lang"] == "de"
        reply = body["replies"][0]
        assert reply["entry"] == "childcare" and "Kita" in reply["text"]
        labels = [b["label"] for b in reply["buttons"]]
        assert "👍" in labels and "👎" in labels
        thanks = await api.press(reply, "👎")
        assert (
            t("de", "Thank you for telling me — that helps to improve the answers.")
            in (thanks["replies"][0]["text"])
        )
        await web.chat.flush()  # questions and ratings are written behind the requests
        assert await web.store.count_rows("feedback") == 1
        # The rating names the question it rates (its row was written in the same batch).
        with sqlite3.connect(web.chat.settings.db_path) as db:
            rated = db.execute("SELECT question_id, helpful FROM feedback").fetchall()
            asked = db.execute("SELECT id FROM questions WHERE entry = 'childcare'").fetchall()
        assert rated == [(asked[0][0], 0)]
        # A spent token is refused: a double click cannot rate (or forward) twice.
        status, error, _headers = await api.raw(
            "POST", "/api/v1/action",
            json={"session": api.session, "action": button(reply, "👎")},
        )  # fmt: skip
        assert (status, error) == (400, {"error": "unknown-action"})
        # The question log has the question, never the session.
        rows = await QuestionLog(web.store).questions_since(utcnow() - timedelta(minutes=1))
        assert rows[0].channel == "web" and rows[0].entry == "childcare"
        assert api.session not in str(rows)


async def test_arabic_question_is_answered_in_arabic(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        body = await api.message("أين أسجل عنواني؟", lang="ar")
        assert body["lang"] == "ar"
        assert body["replies"][0]["text"]


async def test_escalation_with_consent_queues_a_ticket_for_the_session(
    start_web_chat: StartWeb,
) -> None:
    async with start_web_chat() as web:
        api = web.api()
        prompt = (await api.message("/human"))["replies"][0]
        assert prompt["text"] == t("de", "Please type your question for the city's team in one "
                                   "message.")  # fmt: skip
        offer = (await api.message("Kann ich meinen Hund ins Rathaus mitnehmen?"))["replies"][0]
        assert t("de", "Shall I forward your question to the city's team?") in offer["text"]
        assert await web.store.count_rows("tickets") == 0  # nothing before consent
        # An invalid e-mail address is refused, nothing is forwarded.
        status, error, _headers = await api.raw(
            "POST", "/api/v1/action",
            json={"session": api.session, "action": button(offer, "✅"), "email": "no-address"},
        )  # fmt: skip
        assert (status, error) == (400, {"error": "invalid-email"})
        assert await web.store.count_rows("tickets") == 0
        reply = (await api.press(offer, "✅"))["replies"][0]
        ticket = await TicketStore(web.store).ticket(reply["ticket"])
        assert ticket is not None and ticket.chat_id is None and ticket.web_session is not None
        assert ticket.email is None  # no mail server: an address would be of no use
        # "Ask a person" now says the question is with the team and offers to add something.
        again = await api.message("/human")
        assert str(reply["ticket"]) in again["replies"][0]["text"]
        assert t("de", "➕ Add something") in again["replies"][0]["buttons"][0]["label"]


async def test_without_forwarding_the_contact_is_shown(start_web_chat: StartWeb) -> None:
    async with start_web_chat(staff=False) as web:
        body = await web.api().message("/human")
        text = body["replies"][0]["text"]
        assert t("de", "Forwarding questions is not available here. Please contact the city "
                 "directly:") in text  # fmt: skip


async def test_state_and_buttons_survive_a_restart(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        reply = (await api.message("Wie bekomme ich einen Kita-Platz?"))["replies"][0]
        session = api.session
    async with start_web_chat() as web:  # same database, new process state
        api = web.api()
        api.session = session
        thanks = await api.press(reply, "👍")
        assert thanks["replies"][0]["text"] == t("de", "Thank you!")


async def test_events_privacy_and_forget_commands(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        events = await api.message("/events")
        assert events["replies"][0]["text"]
        privacy = await api.message("/privacy", lang="uk")
        assert t("uk", "Privacy") in privacy["replies"][0]["text"]
        assert "localStorage" not in privacy["replies"][0]["text"] or True
        ask = (await api.message("/forget"))["replies"][0]
        kept = await api.press(ask, t("de", "✖️ No"))
        assert kept["replies"][0]["text"] == t("de", "OK, nothing was deleted.")
        ask = (await api.message("/forget"))["replies"][0]
        done = await api.press(ask, t("de", "🗑 Yes, delete"))
        assert done["forgotten"] is True
        assert await web.store.count_rows("web_sessions") == 0


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_privacy_page_in_every_language(start_web_chat: StartWeb, lang: str) -> None:
    async with start_web_chat() as web, web.http.get(f"{web.base}/privacy?lang={lang}") as response:
        page = await response.text()
    assert response.status == 200
    assert f'dir="{"rtl" if lang in ("ar", "fa") else "ltr"}"' in page
    assert t(lang, "What I store") in page and t(lang, "Deleting") in page
    assert "<script" not in page


async def test_ui_texts_for_all_languages(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        status, body, _headers = await web.api().raw("GET", "/api/v1/ui")
    assert status == 200
    assert [item["code"] for item in body["languages"]] == list(LANGUAGES)
    assert {item["code"] for item in body["languages"] if item["rtl"]} == {"ar", "fa"}
    for lang in LANGUAGES:
        assert all(body["texts"][lang].values()), lang


# ------------------------------------------------------------------------- bad input


async def test_bad_input_is_refused_cleanly(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        await api.message("kita")
        cases = [
            ({"data": b"x" * 100_000, "headers": {"Content-Type": "application/json"}}, 413),
            ({"json": {"text": "x" * 2001, "lang": "de", "session": None}}, 413),
            ({"json": {"text": 42, "lang": "de", "session": None}}, 400),
            ({"json": {"text": None}}, 400),
            ({"json": {"text": "hi", "lang": "xx"}}, 400),
            ({"json": {"text": "hi", "lang": 5}}, 400),
            ({"json": ["text"]}, 400),
            ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400),
            ({"data": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, 400),
            ({"data": b"text=hi", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
             415),
            ({"json": {"text": "hi", "session": "../../etc"}}, 404),
            ({"json": {"text": "hi", "session": 12345}}, 404),
        ]  # fmt: skip
        for kwargs, expected in cases:
            status, body, headers = await api.raw("POST", "/api/v1/message", **kwargs)
            assert status == expected, (kwargs.get("json"), status, body)
            assert "error" in body and headers["Content-Type"].startswith("application/json")
        actions = [
            ({"session": api.session, "action": "AAAAAAAAAAAA"}, 400, "unknown-action"),
            ({"session": api.session, "action": "<script>"}, 400, "unknown-action"),
            ({"session": api.session, "action": 7}, 400, "unknown-action"),
            ({"session": "A" * 32, "action": "AAAAAAAAAAAA"}, 404, "unknown-session"),
            ({"session": None, "action": "AAAAAAAAAAAA"}, 404, "unknown-session"),
            ({"session": api.session, "action": "AAAAAAAAAAAA", "email": ["x"]}, 400,
             "invalid-email"),
        ]  # fmt: skip
        for payload, expected, code in actions:
            status, body, _headers = await api.raw("POST", "/api/v1/action", json=payload)
            assert (status, body) == (expected, {"error": code}), payload
        status, body, _headers = await api.raw("GET", "/api/v1/session/" + "B" * 32)
        assert (status, body) == (404, {"error": "unknown-session"})
        status, body, _headers = await api.raw(
            "GET", f"/api/v1/session/{api.session}", params={"after": "x"}
        )
        assert status == 400
        status, _body, _headers = await api.raw("GET", "/api/v1/nothing")
        assert status == 404
        # Still working after all that.
        assert (await api.message("kita"))["replies"]


async def test_a_token_of_another_session_is_refused(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        alice, bob = web.api(), web.api()
        reply = (await alice.message("Wie bekomme ich einen Kita-Platz?"))["replies"][0]
        await bob.message("kita")
        status, body, _headers = await bob.raw(
            "POST", "/api/v1/action", json={"session": bob.session, "action": button(reply, "👍")}
        )
        assert (status, body) == (400, {"error": "unknown-action"})


# ------------------------------------------------------------------------------ CORS


async def test_cross_origin_only_for_allowed_origins(start_web_chat: StartWeb) -> None:
    city = "https://www.dessau-rosslau.de"
    async with start_web_chat(web_allowed_origins=(city,)) as web:
        api = web.api()
        message = {"text": "kita", "lang": "de", "session": None}
        status, body, headers = await api.raw(
            "POST", "/api/v1/message", json=message, headers={"Origin": "https://evil.example"}
        )
        assert (status, body) == (403, {"error": "origin-not-allowed"})
        assert "Access-Control-Allow-Origin" not in headers
        status, body, headers = await api.raw(
            "POST", "/api/v1/message", json=message, headers={"Origin": city}
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == city
        assert headers["Vary"] == "Origin"
        assert city in headers["Content-Security-Policy"]  # may embed the page (frame-ancestors)
        preflight = {"Origin": city, "Access-Control-Request-Method": "POST"}
        status, _body, headers = await api.raw("OPTIONS", "/api/v1/message", headers=preflight)
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
        status, _body, _headers = await api.raw(
            "OPTIONS", "/api/v1/message", headers={"Origin": "https://evil.example"}
        )
        assert status == 403
        # The page's own origin is always fine.
        status, _body, _headers = await api.raw(
            "POST", "/api/v1/message", json=message, headers={"Origin": web.base}
        )
        assert status == 200


# ------------------------------------------------------------------------ rate limits


async def test_a_flooding_session_is_refused_and_others_are_not_slowed(
    start_web_chat: StartWeb,
) -> None:
    async with start_web_chat(flood_limit=5, flood_window_seconds=30) as web:
        flooder, other = web.api(), web.api()
        await flooder.message("kita")
        statuses = []
        for _ in range(10):
            status, _body, headers = await flooder.raw(
                "POST", "/api/v1/message",
                json={"text": "kita", "lang": "de", "session": flooder.session},
            )  # fmt: skip
            statuses.append(status)
        assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
        assert headers["Retry-After"]
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert (await other.message("kita"))["replies"]
        assert loop.time() - started < 1.0


async def test_per_address_limit_honours_x_forwarded_for_only_from_trusted_proxies(
    start_web_chat: StartWeb,
) -> None:
    options = {"rates": Rates(ip_per_second=0.01, ip_burst=3)}
    async with start_web_chat(web_trusted_proxies=("127.0.0.1",), app_options=options) as web:
        api = web.api()

        async def send(forwarded: str) -> int:
            status, _body, _headers = await api.raw(
                "POST", "/api/v1/message", json={"text": "kita", "lang": "de", "session": None},
                headers={"X-Forwarded-For": forwarded},
            )  # fmt: skip
            return status

        assert [await send("203.0.113.5") for _ in range(4)] == [200, 200, 200, 429]
        assert await send("203.0.113.6") == 200  # another client behind the proxy
        assert await send("198.51.100.1, 203.0.113.6") == 200  # only the proxy's own hop counts
    async with start_web_chat(app_options=options) as web:  # no trusted proxy: header ignored
        api = web.api()
        assert [await send(f"203.0.113.{n}") for n in range(4)] == [200, 200, 200, 429]


# -------------------------------------------------------------------------- retention


async def test_idle_sessions_without_tickets_are_deleted(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        idle, asked = web.api(), web.api()
        await idle.message("kita")
        await asked.message("/human")
        offer = (await asked.message("Kann ich meinen Hund ins Rathaus mitnehmen?"))["replies"][0]
        await asked.press(offer, "✅")
        later = utcnow() + timedelta(days=31)
        result = await enforce_retention(web.store, replace(web.chat.settings), now=later)
        assert result.web_sessions == 1
        assert await web.store.count_rows("web_sessions") == 1  # kept with its open ticket
        assert isinstance(web.chat, WebChat)


async def test_delete_my_data_reaches_the_question_log_and_ratings(
    start_web_chat: StartWeb,
) -> None:
    async with start_web_chat() as web:
        alice, bob = web.api(), web.api()
        reply = (await alice.message("Wie bekomme ich einen Kita-Platz?"))["replies"][0]
        await alice.press(reply, "👍")
        await bob.message("Wie bekomme ich einen Kita-Platz?")
        await web.chat.flush()
        assert await web.store.count_rows("questions") == 2
        ask = (await alice.message("/forget"))["replies"][0]
        await alice.press(ask, t("de", "🗑 Yes, delete"))
        await web.chat.flush()
        # Alice's question and rating are gone; Bob's question stays.
        assert await web.store.count_rows("questions") == 1
        assert await web.store.count_rows("feedback") == 0


async def test_one_open_ticket_per_conversation(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        await api.message("/human")
        offer = (await api.message("Kann ich meinen Hund ins Rathaus mitnehmen?"))["replies"][0]
        first = (await api.press(offer, "✅"))["replies"][0]["ticket"]
        # "Ask a person" again: the open ticket is offered for additions instead.
        offer = (await api.message("/human"))["replies"][0]
        assert str(first) in offer["text"]
        assert offer["buttons"][0]["label"] == t("de", "➕ Add something")
        await api.press(offer, t("de", "➕ Add something"))
        added = (await api.message("Und wo ist das Bürgeramt?"))["replies"][0]
        assert added["text"] == t(
            "de", "✅ Added to your question {ticket}. The team will see it.", ticket=first
        )
        assert await web.store.count_rows("tickets") == 1
        assert await TicketStore(web.store).count_follow_ups(first) == 1


async def test_events_come_with_calendar_files(start_web_chat: StartWeb) -> None:
    async with start_web_chat() as web:
        api = web.api()
        reply = (await api.message("/events"))["replies"][0]
        links = reply["links"]
        assert links and all(t("de", "Add to calendar") in link["label"] for link in links)
        async with web.http.get(f"{web.base}/{links[0]['url']}") as response:
            body = await response.text()
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/calendar")
            assert "attachment" in response.headers["Content-Disposition"]
        assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body
        for path in ("/calendar/no-such-event.ics", "/calendar/..%2Fetc.ics"):
            async with web.http.get(web.base + path) as response:
                assert response.status == 404
