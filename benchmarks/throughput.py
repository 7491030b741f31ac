"""End-to-end throughput: updates per second through the local fake Telegram Bot API.

The fake (tests/fakebot.py) runs here; the bot runs in its own process (benchmarks/bot_process.py:
the production application and its ``run_polling``), so the two share the machine's cores the way
a bot and its network stack would, and the bot's peak RSS is its own.

Each chat sends two questions (distinct texts: evaluation questions and typo versions) and then
``/help``. Updates of one chat are handled in order, so the reply to ``/help`` proves that the
chat's questions were handled too, however many messages each answer took. The clock runs from
pushing the first update to the last ``/help`` reply; the per-chat rate limiter stays out of the
way because every chat sends only three messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.queries import Query, build_queries

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_PER_CHAT = 2
SENTINEL = "/help"
FIRST_CHAT = 100_000  # private chat id == user id
WARM_UP_CHATS = 10


@dataclass(frozen=True, slots=True)
class Throughput:
    updates: int
    chats: int
    seconds: float
    per_second: float
    peak_rss_mib: float | None
    failed_calls: int  # Bot API calls the fake refused (should be 0)
    rate_limited: bool  # whether PTB's overall 30 messages/s limit was on
    bot_cpu_s: float | None  # CPU time of the bot process (all threads) during the timed run
    fake_cpu_s: float  # ... and of this process, mostly the fake Bot API


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def unavailable_reason() -> str | None:
    """Why the measurement cannot run here, or None when it can."""
    missing = [p for p in ("tests/fakebot.py", "bot/telegram/app.py") if not (ROOT / p).is_file()]
    if missing:
        return f"{' and '.join(missing)} not in the repository"
    for module in ("tests.fakebot", "bot.telegram.app"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # any import failure (even a bug) makes it unavailable here
            return f"{module} does not import: {exc!r}"
    return None


def _vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class _Replies:
    """Counts ``/help`` replies per chat by reading the fake's call log incrementally."""

    def __init__(self, fake: Any, sentinel_text: str) -> None:
        self.fake = fake
        self.sentinel_text = sentinel_text
        self.position = len(fake.calls)
        self.done: set[int] = set()
        self.failed = 0

    def scan(self) -> None:
        calls = self.fake.calls
        for call in calls[self.position :]:
            if not call.ok:
                self.failed += 1
            elif call.method == "sendMessage" and call.text == self.sentinel_text:
                self.done.add(call.chat_id)
        self.position = len(calls)

    async def wait(self, chats: set[int], deadline: float) -> None:
        while not chats <= self.done:
            if time.monotonic() > deadline:
                missing = len(chats - self.done)
                raise TimeoutError(f"{missing} of {len(chats)} chats got no reply in time")
            await asyncio.sleep(0.002)  # polling costs the bot nothing; 2 ms is noise here
            self.scan()


async def _wait_for_poll(fake: Any, process: asyncio.subprocess.Process, within: float) -> None:
    deadline = time.monotonic() + within
    while not any(c.method == "getUpdates" for c in fake.calls):
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with {process.returncode} before polling")
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not start polling in time")
        await asyncio.sleep(0.02)


async def _run(
    queries: Sequence[Query],
    chats: int,
    rate_limited: bool,
    limit_s: float,
    workdir: Path,
    profile: Path | None,
) -> Throughput:
    from tests.fakebot import TOKEN, FakeTelegram

    fake = FakeTelegram()
    base_url = await fake.start()
    info_path = workdir / "info.json"
    command = [
        sys.executable, "-m", "benchmarks.bot_process", TOKEN, base_url,
        str(workdir / "bot.sqlite3"), str(info_path),
    ]  # fmt: skip
    if not rate_limited:
        command.append("--no-rate-limit")
    if profile is not None:
        command += ["--profile", str(profile)]
    env = dict(os.environ, PTB_TIMEDELTA="1")
    log = (workdir / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        await _wait_for_poll(fake, process, within=60)
        # The reply to /help is a constant text: learn it from one chat (which also warms up
        # the connection pool, the Store and the handlers).
        fake.send_text(FIRST_CHAT - 1, SENTINEL, lang="en")
        first = await fake.wait_message(FIRST_CHAT - 1, within=30)
        replies = _Replies(fake, first.text)
        warm = set(range(FIRST_CHAT - 1 - WARM_UP_CHATS, FIRST_CHAT - 1))
        for number, chat in enumerate(warm):
            query = queries[number % len(queries)]
            fake.send_text(chat, query.text, lang=query.lang)
            fake.send_text(chat, SENTINEL, lang="en")
        await replies.wait(warm, time.monotonic() + 30)

        replies.failed = 0
        timed = set(range(FIRST_CHAT, FIRST_CHAT + chats))
        order = random.Random(9).sample(range(len(queries)), len(queries))
        pushed = 0
        bot_cpu = _cpu_seconds(process.pid)
        own_cpu = time.process_time()
        start = time.perf_counter()
        for number, chat in enumerate(sorted(timed)):
            for i in range(QUESTIONS_PER_CHAT):
                query = queries[order[(number * QUESTIONS_PER_CHAT + i) % len(order)]]
                fake.send_text(chat, query.text, lang=query.lang)
            fake.send_text(chat, SENTINEL, lang="en")
            pushed += QUESTIONS_PER_CHAT + 1
        await replies.wait(timed, time.monotonic() + limit_s)
        seconds = time.perf_counter() - start
        own_cpu = time.process_time() - own_cpu
        bot_end = _cpu_seconds(process.pid)
        bot_cpu = bot_end - bot_cpu if bot_end is not None and bot_cpu is not None else None
        peak = _vm_hwm_mib(process.pid)
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.exists() else {}
        if info.get("overall_limit", rate_limited) != rate_limited:
            raise RuntimeError(f"the application's rate limiter is not as asked: {info}")
        return Throughput(
            updates=pushed,
            chats=chats,
            seconds=seconds,
            per_second=pushed / seconds,
            peak_rss_mib=peak,
            failed_calls=replies.failed,
            rate_limited=rate_limited,
            bot_cpu_s=bot_cpu,
            fake_cpu_s=own_cpu,
        )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)  # run_polling stops gracefully on it
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
        log.close()
        await fake.close()


def measure(
    updates: int,
    chats: int | None = None,
    *,
    rate_limited: bool = False,
    timeout: float = 120.0,
    profile: Path | None = None,
) -> Throughput | str:
    """Updates per second (about ``updates``: whole chats of three), or why it could not run."""
    reason = unavailable_reason()
    if reason:
        return reason
    per_chat = QUESTIONS_PER_CHAT + 1
    chats = chats or max(1, updates // per_chat)
    chats = max(1, min(chats, updates // per_chat))
    queries = build_queries(variants=3)
    with tempfile.TemporaryDirectory(prefix="bench-bot-") as tmp:
        workdir = Path(tmp)
        try:
            return asyncio.run(_run(queries, chats, rate_limited, timeout, workdir, profile))
        except (OSError, RuntimeError, TimeoutError) as exc:
            log = workdir / "bot.log"
            tail = ""
            with contextlib.suppress(OSError):
                tail = log.read_text(encoding="utf-8", errors="replace").strip()[-300:]
            return f"{exc}" + (f" (bot log: {tail})" if tail else "")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.throughput [--updates N] [--rate-limited] [--profile FILE]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.throughput")
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--rate-limited", action="store_true", help="keep PTB's 30 messages/s")
    parser.add_argument("--profile", type=Path, help="cProfile the bot process into this file")
    args = parser.parse_args(argv)
    result = measure(args.updates, rate_limited=args.rate_limited, profile=args.profile)
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
