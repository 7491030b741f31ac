"""The web chat's API under load, on the real knowledge base, over loopback HTTP.

    python -m benchmarks.web            # 15 s at 200 requests/s, then 5 s as fast as it goes
    python -m benchmarks.web --quick    # 3 s + 2 s

The server runs in its own process (``--serve``: the production ``bot.web`` application with
settings built here, never from ``.env``; rate limits lifted, since all load comes from one
address). 50 sessions send their requests on a fixed schedule (open loop: 200 requests/s in
total, four per session and second); every fifth request presses a button of the previous
reply, the others ask a question of the evaluation set (with typo variants). Latency is measured
from the moment a request was due, so queueing counts. Then the same 50 sessions send as fast as
they can (closed loop) for the capacity. Prints the figures; targets: p99 ≤ 20 ms at 200/s
without errors. Bounded: a fixed number of requests, loopback only, the server is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.queries import build_queries
from benchmarks.results import percentile

SESSIONS = 50
RATE = 200.0  # requests per second in total
PRESS_EVERY = 5  # every fifth request presses a button of the last reply
STAFF = -1001000000001


# ------------------------------------------------------------------------------ server


async def serve(db_path: Path) -> None:
    """The web chat as in production, on a free port; prints ``READY <port>``."""
    from bot.assistant import Assistant
    from bot.config import DEFAULT_KNOWLEDGE, Settings
    from bot.escalation import Escalation
    from bot.store import Store
    from bot.web.app import UNLIMITED
    from bot.web.chat import WebChat
    from bot.web.server import start_web

    settings = Settings(
        db_path=db_path, knowledge_dir=DEFAULT_KNOWLEDGE, web_port=0,
        flood_limit=1_000_000, flood_window_seconds=1.0,
    )  # fmt: skip
    assistant = Assistant.from_directory(DEFAULT_KNOWLEDGE)
    store = await Store.open(db_path)
    # A staff group id without Telegram: consent writes tickets (nobody delivers them here).
    escalation = Escalation(store, staff_chat_id=STAFF, mail_enabled=False, titles=assistant.title)
    chat = WebChat(assistant, store, escalation, settings)
    server = await start_web(chat, settings, lambda: assistant.kb.version, rates=UNLIMITED)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"READY {server.port}", flush=True)
    await stop.wait()
    await server.stop()
    await store.close()


# ------------------------------------------------------------------------------ client


@dataclass
class Phase:
    label: str
    latencies: list[float] = field(default_factory=list)  # milliseconds
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0  # seconds of the server process's CPU time during the phase

    def summary(self) -> dict[str, Any]:
        values = sorted(self.latencies)
        count = len(values)
        return {
            "phase": self.label,
            "requests": count,
            "errors": self.errors,
            "per_second": round(count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(values, 50), 2) if values else None,
            "p95_ms": round(percentile(values, 95), 2) if values else None,
            "p99_ms": round(percentile(values, 99), 2) if values else None,
            "max_ms": round(values[-1], 2) if values else None,
            # What a request costs the server, independent of other load on the machine.
            "server_cpu_ms_per_request": round(self.server_cpu * 1000 / count, 2)
            if count
            else None,
        }


class Session:
    """One simulated person: asks questions, sometimes presses a button."""

    def __init__(self, http: aiohttp.ClientSession, base: str, questions: Sequence[Any]) -> None:
        self.http, self.base, self.questions = http, base, questions
        self.session: str | None = None
        self.buttons: list[str] = []
        self.count = 0

    async def step(self, phase: Phase, due: float) -> None:
        self.count += 1
        if self.session and self.buttons and self.count % PRESS_EVERY == 0:
            path = "/api/v1/action"
            payload: dict[str, Any] = {"session": self.session, "action": self.buttons[0]}
        else:
            query = self.questions[self.count % len(self.questions)]
            path = "/api/v1/message"
            payload = {"text": query.text, "lang": query.lang, "session": self.session}
        try:
            async with self.http.post(self.base + path, json=payload) as response:
                body = await response.json()
                ok = response.status == 200
        except aiohttp.ClientError:
            ok, body = False, {}
        phase.latencies.append((time.perf_counter() - due) * 1000)
        if not ok:
            phase.errors += 1
            return
        self.session = body["session"]
        self.buttons = [b["action"] for r in body["replies"] for b in r["buttons"]]


async def open_loop(sessions: list[Session], seconds: float) -> Phase:
    phase = Phase(f"open loop {RATE:.0f}/s, {len(sessions)} sessions")
    interval = len(sessions) / RATE  # each session's period
    start = time.perf_counter() + 0.05
    rounds = int(seconds / interval)

    async def run(index: int, person: Session) -> None:
        for k in range(rounds):
            due = start + index * (1 / RATE) + k * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)  # the schedule is the point: open-loop load
            await person.step(phase, due)

    await asyncio.gather(*(run(i, s) for i, s in enumerate(sessions)))
    phase.seconds = time.perf_counter() - start
    return phase


async def closed_loop(sessions: list[Session], seconds: float) -> Phase:
    phase = Phase(f"closed loop, {len(sessions)} sessions at once")
    start = time.perf_counter()
    end = start + seconds

    async def run(person: Session) -> None:
        while time.perf_counter() < end:
            await person.step(phase, time.perf_counter())

    await asyncio.gather(*(run(s) for s in sessions))
    phase.seconds = time.perf_counter() - start
    return phase


async def measure(quick: bool) -> list[dict[str, Any]]:
    questions = build_queries(variants=1)
    with tempfile.TemporaryDirectory() as tmp:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.web", "--serve", str(Path(tmp) / "web.sqlite3"),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            async with asyncio.timeout(120):
                line = (await server.stdout.readline()).decode()
            if not line.startswith("READY "):
                raise RuntimeError(f"the web server did not start: {line!r}")
            base = f"http://127.0.0.1:{int(line.split()[1])}"
            connector = aiohttp.TCPConnector(limit=SESSIONS + 10)
            async with aiohttp.ClientSession(connector=connector) as http:
                warm = [Session(http, base, questions[i::SESSIONS]) for i in range(SESSIONS)]
                await closed_loop(warm, 1.0)  # first requests: caches, connections
                sessions = [Session(http, base, questions[i::SESSIONS]) for i in range(SESSIONS)]
                before = cpu_seconds(server.pid)
                phase = await open_loop(sessions, 3.0 if quick else 15.0)
                middle = cpu_seconds(server.pid)
                phase.server_cpu = middle - before
                results = [phase.summary()]
                phase = await closed_loop(sessions, 2.0 if quick else 5.0)
                phase.server_cpu = cpu_seconds(server.pid) - middle
                results.append(phase.summary())
        finally:
            if server.returncode is None:
                server.send_signal(signal.SIGTERM)
                async with asyncio.timeout(30):
                    await server.wait()
    return results


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web")
    parser.add_argument("--quick", action="store_true", help="a few seconds (CI)")
    parser.add_argument("--serve", type=Path, metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        asyncio.run(serve(args.serve))
        return 0
    results = asyncio.run(measure(args.quick))
    for row in results:
        print(json.dumps(row, ensure_ascii=False))
    first = results[0]
    verdict = "met" if first["errors"] == 0 and (first["p99_ms"] or 1e9) <= 20 else "NOT met"
    print(f"target p99 <= 20 ms at {RATE:.0f} requests/s without errors: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
