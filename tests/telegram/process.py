"""``python run_bot.py`` as a real process, with its log read line by line while it runs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from types import TracebackType

from bot.escalation import STAFF_LANG
from bot.i18n import gettext_for
from tests.fakebot import TOKEN, FakeTelegram, Pulse
from tests.telegram.conftest import FIXTURE_KB

ROOT = Path(__file__).resolve().parents[2]


def delivered(ticket: int) -> str:
    """The staff group's confirmation that an answer reached the person (in the staff language)."""
    text = gettext_for(STAFF_LANG)("✅ Ticket {ticket}: your answer was delivered to the person.")
    return text.format(ticket=ticket)


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for the bot process; empty values also win over a developer's .env."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "TELEGRAM_", "WEBHOOK_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN="",
        SMTP_HOST="",
        WEBHOOK_URL="",
        WEBHOOK_SECRET="",
        ADMIN_IDS="",
        STAFF_CHAT_ID="",
        KNOWLEDGE_DIR=str(FIXTURE_KB),
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
        OUTBOX_RETRY_SECONDS="0.2",
        PYTHONUNBUFFERED="1",
        PTB_TIMEDELTA="1",
    )
    env.update(extra)
    return env


def telegram_env(tmp_path: Path, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    """``bot_env`` for a bot that talks to the local fake Bot API."""
    return bot_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=fake.base_url, **extra)


class BotProcess:
    """``async with BotProcess(env) as bot:`` — stopped with SIGKILL at the end if still running."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.env = env
        self.args = args
        self.lines: list[str] = []
        self.stdout = b""
        self._pulse = Pulse()
        self._process: asyncio.subprocess.Process | None = None
        self._readers: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> BotProcess:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "run_bot.py", *self.args, cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._readers = [
            asyncio.create_task(self._read_log()),
            asyncio.create_task(self._read_stdout()),
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self.process
        if process.returncode is None:
            process.kill()
        await process.wait()
        await asyncio.gather(*self._readers)

    @property
    def process(self) -> asyncio.subprocess.Process:
        assert self._process is not None
        return self._process

    @property
    def log(self) -> str:
        return "".join(self.lines)

    async def _read_log(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode("utf-8", "replace"))
            self._pulse.fire()
        self._pulse.fire()

    async def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        self.stdout = await self.process.stdout.read()

    async def wait_log(self, contains: str, within: float = 30) -> str:
        """The first log line containing ``contains`` (fails if the process ends without it)."""

        def find() -> str | None:
            line = next((x for x in self.lines if contains in x), None)
            if line is None and self._readers[0].done():
                raise AssertionError(f"the bot ended without logging {contains!r}:\n{self.log}")
            return line

        async with asyncio.timeout(within):
            return await self._pulse.wait_for(find)

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    async def exit_code(self, within: float = 30) -> int:
        async with asyncio.timeout(within):
            code = await self.process.wait()
            await asyncio.gather(*self._readers)
        return code
