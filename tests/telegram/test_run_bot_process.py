"""``python run_bot.py`` as a real process: Telegram long polling, and the console with e-mail."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from bot.escalation import STAFF_LANG
from tests.fakebot import TOKEN, FakeTelegram
from tests.smtpserver import SmtpServer
from tests.telegram.conftest import INBOX, STAFF, t
from tests.telegram.process import bot_env, telegram_env

ROOT = Path(__file__).resolve().parents[2]


async def test_polling_process_answers_and_stops_cleanly_without_leaking_the_token(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = telegram_env(
        tmp_path, fake,
        STAFF_CHAT_ID=str(STAFF), LOG_LEVEL="DEBUG",
    )  # fmt: skip
    # Sent while the bot is not running yet: kept by Telegram, answered once it starts.
    fake.send_text(5001, "Wo melde ich meine Wohnung an?", lang="de")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "run_bot.py", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await fake.wait_message(5001, "Zerbster Straße 4", within=30)
        fake.send_text(5001, "/start", lang="uk")
        await fake.wait_message(5001, "Українська", within=10)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            stdout, stderr = await process.communicate()
    log = stderr.decode()
    assert process.returncode == 0, log[-2000:]
    assert "started" in log and "DEBUG" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log + stdout.decode()
    assert "/bot[TOKEN]" in log  # PTB's DEBUG line with the API URL, redacted
    # Both updates were confirmed before the process ended: nothing is fetched twice.
    assert fake.confirmed == 2


async def test_console_forwards_by_mail_through_the_outbox(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    env = bot_env(
        tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), SMTP_STARTTLS="0",
        SMTP_FROM="bot@example.org", ZWK_INBOX=INBOX,
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "run_bot.py", cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(30):
        stdout, stderr = await process.communicate("Wann fährt der Bus nach Berlin?\nja\n".encode())
    assert process.returncode == 0, stderr.decode()[-2000:]
    # A German question, no /lang: the console answers in German (plain text, no HTML).
    done = t("de", "Done. Your question has ticket number {ticket}.", ticket=1)
    assert done in stdout.decode()
    mails = await smtp.sink.wait_count(1)
    subject = t(
        STAFF_LANG, "[Ankommen] Ticket {ticket}: question in {language}",
        ticket=1, language="de (Deutsch)",
    )  # fmt: skip
    assert mails[0]["Subject"] == subject
    body = mails[0].get_body(("plain",))
    assert body is not None and "Wann fährt der Bus nach Berlin?" in body.get_content()
    no_answer = t(
        STAFF_LANG,
        "This question was asked without Telegram (console); the bot cannot send an answer back.",
    )
    assert no_answer in body.get_content()  # no way to answer through the bot
