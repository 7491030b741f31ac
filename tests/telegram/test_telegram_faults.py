"""Telegram faults, injected through the fake Bot API: the bot waits, recovers, loses nothing.

- getUpdates answering 502/500/429 or not at all (timeouts), connection refused at start-up and in
  the middle of a run: updates pushed meanwhile stay on the "server" and are answered exactly
  once when the bot is back (it never drops pending updates);
- a 5xx on a reply is retried (ResilientRequest);
- 409 Conflict (another instance polls the same token): a clear message, exit code 3, and the
  pending updates stay for the instance that keeps running;
- SIGTERM while a reply and an outbox delivery are in flight: both are finished, the outbox row
  is recorded as sent, the process exits 0.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import bot.telegram.app as telegram_app
from bot.assistant import Assistant
from bot.config import Settings
from bot.telegram.app import build_application
from bot.telegram.lifecycle import running
from tests.fakebot import HANG, FakeTelegram, Pulse
from tests.telegram.conftest import STAFF, StartBot
from tests.telegram.process import BotProcess, telegram_env

ALICE, BOB, CAROL = 5001, 5002, 5003
QUESTION = "Wo melde ich meine Wohnung an?"
ANSWER = "Zerbster Straße 4"
UNKNOWN = "When does the bus to Berlin leave?"  # out of scope for the fixture KB: escalates
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"  # noqa: E501


class LogWatch(logging.Handler):
    """Collects log records of the running bot, so a test can wait for one without sleeping."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []
        self._pulse = Pulse()

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        self._pulse.fire()

    async def wait(self, contains: str, within: float = 15) -> str:
        async with asyncio.timeout(within):
            return await self._pulse.wait_for(
                lambda: next((m for m in self.messages if contains in m), None)
            )


@contextmanager
def watch_log(name: str = "bot") -> Iterator[LogWatch]:
    watch = LogWatch()
    logger = logging.getLogger(name)
    level = logger.level
    logger.addHandler(watch)
    logger.setLevel(logging.DEBUG)  # INFO lines too, whatever the root logger lets through
    try:
        yield watch
    finally:
        logger.removeHandler(watch)
        logger.setLevel(level)


def answers(fake: FakeTelegram, chat_id: int, contains: str = ANSWER) -> int:
    return sum(contains in c.text for c in fake.sent(chat_id))


async def test_getupdates_5xx_and_timeouts_lose_no_update(
    fake: FakeTelegram, settings: Settings, assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hung getUpdates times out after the poll timeout plus this read timeout.
    monkeypatch.setattr(telegram_app, "GET_UPDATES_READ_TIMEOUT", 0.5)
    ids = [fake.send_text(chat, QUESTION) for chat in (ALICE, BOB, CAROL)]
    fake.fail("getUpdates", status=502)
    fake.fail("getUpdates", status=500, description="Internal Server Error")
    fake.fail("getUpdates", status=HANG, description="(no answer)")
    fake.fail("getUpdates", status=429, description="Too Many Requests: retry after 1",
              retry_after=1)  # fmt: skip
    app = build_application(settings, assistant)
    with watch_log() as log:
        async with running(app, poll_timeout=0.2):
            for chat in (ALICE, BOB, CAROL):
                await fake.wait_message(chat, ANSWER, within=20)
            await fake.wait_confirmed(ids[-1])
            # More questions after the faults: answered as usual.
            fake.send_text(ALICE, "/help", lang="en")
            await fake.wait_message(ALICE, "/human")
    failed = [c.error for c in fake.calls if c.method == "getUpdates" and not c.ok]
    assert failed == [
        "Bad Gateway", "Internal Server Error", "(no answer)", "Too Many Requests: retry after 1"
    ]  # fmt: skip
    assert [answers(fake, chat) for chat in (ALICE, BOB, CAROL)] == [1, 1, 1]
    assert sum("cannot fetch updates from Telegram" in m for m in log.messages) == 2


async def test_connection_refused_at_start_up_the_bot_waits_for_telegram(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    fake.send_text(ALICE, QUESTION)  # sent while the bot cannot reach Telegram
    port = fake.port
    await fake.close()
    with watch_log() as log:
        starting = asyncio.create_task(_run_until_answered(start_bot, fake))
        await log.wait("Telegram cannot be reached")
        assert not starting.done()
        await fake.start(port)  # Telegram is back
        async with asyncio.timeout(20):
            await starting
    assert answers(fake, ALICE) == 1
    assert fake.confirmed >= 1


async def _run_until_answered(start_bot: StartBot, fake: FakeTelegram) -> None:
    async with start_bot():
        await fake.wait_message(ALICE, ANSWER, within=20)


async def test_connection_refused_mid_run_then_everything_is_delivered_once(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    with watch_log() as log:
        async with start_bot() as bot:
            fake.send_text(ALICE, QUESTION)
            await fake.wait_message(ALICE, ANSWER)
            port = fake.port
            await fake.close()  # Telegram goes away: connection refused from now on
            await log.wait("cannot fetch updates from Telegram")
            # Meanwhile residents write, and an escalation is queued for the staff group.
            waiting = [fake.send_text(chat, QUESTION) for chat in (BOB, CAROL)]
            ticket = await bot.escalation.escalate(chat_id=ALICE, question=UNKNOWN, lang="en")
            await log.wait("outbox 1 (staff, ticket 1) attempt 1 failed")
            await fake.start(port)  # back
            for chat in (BOB, CAROL):
                await fake.wait_message(chat, ANSWER, within=20)
            await fake.wait_message(STAFF, f"Ticket {ticket}", within=20)
            await fake.wait_confirmed(waiting[-1])
            rows = await bot.tickets.outbox_items(ticket or 0)
    assert [answers(fake, chat) for chat in (ALICE, BOB, CAROL)] == [1, 1, 1]
    assert sum(f"Ticket {ticket}</b>" in c.text for c in fake.sent(STAFF)) == 1
    assert [(r.status, r.attempts >= 2) for r in rows] == [("sent", True)]


async def test_a_5xx_on_a_reply_is_retried_and_the_answer_arrives_once(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    fake.fail("sendMessage", chat_id=ALICE, status=502)
    fake.fail("sendMessage", chat_id=ALICE, status=503, description="Service Unavailable")
    async with start_bot():
        fake.send_text(ALICE, QUESTION)
        await fake.wait_message(ALICE, ANSWER)
    refused = [c for c in fake.calls if c.method == "sendMessage" and not c.ok]
    assert [c.error for c in refused] == ["Bad Gateway", "Service Unavailable"]
    assert answers(fake, ALICE) == 1


async def test_409_conflict_stops_with_a_clear_message_and_exit_code_3(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    pending = fake.send_text(ALICE, QUESTION)
    fake.fail("getUpdates", times=1000, status=409, description=CONFLICT)
    env = telegram_env(tmp_path, fake)
    async with BotProcess(env) as bot:
        code = await bot.exit_code()
    assert code == 3, bot.log[-3000:]
    assert "another program is fetching this bot's updates (409 Conflict" in bot.log
    assert "Only one instance may run per token" in bot.log
    # Nothing was fetched: the update stays for the instance that keeps running.
    assert fake.confirmed == 0 and [u["update_id"] for u in fake.updates] == [pending]
    assert fake.sent(ALICE) == []


async def test_sigterm_finishes_in_flight_work_and_records_it(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = telegram_env(tmp_path, fake, STAFF_CHAT_ID=str(STAFF))
    async with BotProcess(env) as bot:
        await bot.wait_log("receiving updates by long polling")
        # Alice escalates; the outbox's staff message is held in flight at the "server".
        staff_hold = fake.hold("sendMessage", chat_id=STAFF)
        fake.send_text(ALICE, UNKNOWN, lang="en")
        offer = await fake.wait_message(ALICE, "forward")
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "en")
        await fake.wait_message(ALICE, "ticket number is 1")
        async with asyncio.timeout(10):
            await staff_hold.reached.wait()
        # Bob agrees to forward his question; the handler is held at its first call.
        fake.send_text(BOB, UNKNOWN, lang="en")
        offer = await fake.wait_message(BOB, "forward")
        press_hold = fake.hold("answerCallbackQuery")
        yes = offer.button("✅")["callback_data"]
        press = fake.press(BOB, yes, offer.result["message_id"], "en")
        async with asyncio.timeout(10):
            await press_hold.reached.wait()
        bot.terminate()
        await bot.wait_log("stopping: finishing the updates in progress")
        mark = fake.mark()
        press_hold.release()
        staff_hold.release()
        code = await bot.exit_code()
    assert code == 0, bot.log[-3000:]
    # After the release the bot went on: it wrote Bob's ticket and told him its number.
    after = [c for c in fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == BOB]
    assert any("ticket number is 2" in c.text for c in after)
    assert sum("Ticket 1</b>" in c.text for c in fake.sent(STAFF)) == 1
    assert fake.confirmed >= press  # a restart does not fetch Bob's press again
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        tickets = db.execute("SELECT id FROM tickets ORDER BY id").fetchall()
        rows = db.execute("SELECT ticket_id, channel, status FROM outbox ORDER BY id").fetchall()
    assert tickets == [(1,), (2,)]
    # Ticket 1's delivery was finished and recorded; ticket 2's is sent or waits for the restart.
    assert rows[0] == (1, "staff", "sent")
    assert rows[1][:2] == (2, "staff") and rows[1][2] in ("sent", "pending")
