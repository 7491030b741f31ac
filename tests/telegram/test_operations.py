"""Operations: webhook mode, the health line, a database that cannot be used, private logs."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

import bot.telegram.app as telegram_app
from bot.config import Settings
from bot.escalation import TicketPayload, TicketStore
from bot.store import Store
from tests.fakebot import TOKEN, FakeTelegram
from tests.smtpserver import free_port
from tests.telegram.conftest import STAFF, StartBot
from tests.telegram.process import BotProcess, delivered, telegram_env
from tests.telegram.test_telegram_faults import watch_log

ALICE, BOB = 5001, 5002
QUESTION = "Wo melde ich meine Wohnung an?"
UNKNOWN = "When does the bus to Berlin leave?"
STAFF_REPLY = "Nehmen Sie den RE7 um 9:04 ab Dessau Hbf"
SECRET = "s3cret-webhook-token_0123456789"


async def test_webhook_mode_answers_with_the_secret_and_refuses_without(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    port = free_port()
    env = telegram_env(
        tmp_path, fake,
        WEBHOOK_URL="https://bot.example.org/telegram/hook", WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port), WEBHOOK_SECRET=SECRET,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with BotProcess(env) as bot:
        await bot.wait_log("receiving updates by webhook on 127.0.0.1")
        registered = fake.webhook
        assert registered["url"] == "https://bot.example.org/telegram/hook"
        assert registered["secret_token"] == SECRET
        assert not registered.get("drop_pending_updates")

        def update(chat_id: int, text: str, update_id: int) -> dict[str, object]:
            message = fake.new_message(chat_id, fake.user(chat_id, "de"), text=text)
            return {"update_id": update_id, "message": message}

        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-secret-0123456789"}):
                async with http.post(url, json=update(BOB, QUESTION, 1), headers=headers) as r:
                    assert r.status == 403
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, json=update(ALICE, QUESTION, 2), headers=headers) as r:
                assert r.status == 200
        await fake.wait_message(ALICE, "Zerbster Straße 4")
        bot.terminate()
        code = await bot.exit_code()
    assert code == 0, bot.log[-3000:]
    assert fake.sent(BOB) == []
    assert not any(c.method == "getUpdates" for c in fake.calls)  # no polling in webhook mode


async def test_health_line_names_version_entries_languages_and_backlog(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    store = await Store.open(settings.db_path)
    await TicketStore(store).create_ticket(
        chat_id=ALICE, lang="de", question="From the last run", candidates=[],
        channels=[("staff", TicketPayload(lang="de", question="From the last run"))],
    )  # fmt: skip
    await store.close()
    caplog.set_level("INFO", logger="bot.telegram.app")
    async with start_bot() as bot:
        kb = bot.services.assistant.kb
        await fake.wait_message(STAFF, "Ticket 1")  # the backlog is delivered after start
    lines = [r.getMessage() for r in caplog.records]
    line = next(m for m in lines if "started (long polling)" in m)
    languages = sorted({lang for entry in kb.entries.values() for lang in entry.texts})
    assert f"knowledge base {kb.version}, {len(kb.entries)} entries" in line
    assert f"in {len(languages)} languages ({','.join(languages)})" in line
    assert "outbox 1 pending, 0 failed" in line


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("corrupt", "database error: database"),
        ("directory", "database error: cannot open database"),
        ("unwritable", "database error: cannot create the folder"),
    ],
)
async def test_unusable_database_stops_start_up_with_a_clear_message(
    fake: FakeTelegram, tmp_path: Path, kind: str, message: str
) -> None:
    if kind == "corrupt":
        path = tmp_path / "bot.sqlite3"
        path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    elif kind == "directory":
        path = tmp_path / "a-folder"
        path.mkdir()
    else:  # a read-only place even for root: nothing can be created under /proc
        path = Path("/proc/ankommen-test/bot.sqlite3")
    pending = fake.send_text(ALICE, QUESTION)
    env = telegram_env(tmp_path, fake, BOT_DB_PATH=str(path))
    async with BotProcess(env) as bot:
        code = await bot.exit_code()
    assert code == 1, bot.log[-3000:]
    assert bot.lines[-1].startswith(message), bot.log[-3000:]
    # It did not run without storage: nothing was fetched, answered or confirmed.
    assert fake.confirmed == 0 and [u["update_id"] for u in fake.updates] == [pending]
    assert not any(c.method == "getUpdates" for c in fake.calls)


async def test_debug_log_has_no_message_texts_and_no_token(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = telegram_env(
        tmp_path, fake,
        STAFF_CHAT_ID=str(STAFF), LOG_LEVEL="DEBUG",
    )  # fmt: skip
    async with BotProcess(env) as bot:
        fake.send_text(ALICE, QUESTION)
        answer = await fake.wait_message(ALICE, "Zerbster Straße 4", within=30)
        fake.send_text(ALICE, UNKNOWN, lang="en")
        offer = await fake.wait_message(ALICE, "forward")
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "en")
        ticket = await fake.wait_message(STAFF, "Ticket 1")
        fake.send_group(STAFF, STAFF_REPLY, reply_to=ticket.result["message_id"])
        await fake.wait_message(ALICE, STAFF_REPLY)
        await fake.wait_message(STAFF, delivered(1))
        bot.terminate()
        code = await bot.exit_code()
    log = bot.log + bot.stdout.decode()
    assert code == 0, log[-3000:]
    assert " DEBUG " in log and "[…]" in log  # really DEBUG, and arguments were held back
    secrets = [QUESTION, UNKNOWN, STAFF_REPLY, "Zerbster", "Bürgeramt", TOKEN,
               TOKEN.split(":")[1]]  # fmt: skip
    secrets += [json.dumps(s)[1:-1] for s in secrets]  # as JSON escapes (\u00df …)
    secrets += [answer.text[:40]]
    leaked = [s for s in secrets if s in log]
    assert leaked == [], [line for line in bot.lines if any(s in line for s in leaked)][:5]
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:  # the database has them, of course
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 2


async def test_a_database_file_deleted_while_running_is_noticed_and_reported(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_app, "HEALTH_INTERVAL", timedelta(seconds=0.2))
    admin = 9001
    with watch_log() as watch:
        async with start_bot(admin_ids=frozenset({admin})):
            settings.db_path.unlink()
            notice = await fake.wait_message(admin, "bot.sqlite3")
            assert str(settings.db_path) in notice.text
            await watch.wait("was deleted while the bot runs")
        assert sum("was deleted while the bot runs" in m for m in watch.messages) == 1
