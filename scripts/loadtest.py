"""Load test: residents ask at once; each question gets one reply, each escalation arrives once.

    python scripts/loadtest.py [--residents 1000] [--escalate 0.2] [--knowledge knowledge]

The real application (``build_application``, the same lifecycle as production) runs against the
local fake Telegram Bot API (tests/fakebot.py) and a local SMTP server (aiosmtpd), everything on
127.0.0.1 and in this one process. Each resident sends one question at the same moment; a share of
them ask something the knowledge base cannot answer and press "✅ Yes, forward it" on the offer.
Checked afterwards, from what the fake and the mail server received:

- every question got exactly one reply (an answer, a "did you mean" or an offer);
- every consent got exactly one confirmation with a ticket number;
- every ticket reached the staff chat exactly once and the inbox exactly once, and the outbox is
  empty.

Printed: updates per second (questions and presses, from the first push to the last reply) and
the p50/p99 reply latency (push → the bot's sendMessage arriving at the fake). The fake has no
flood limits, so the run lifts the bot's rate limiter (``telegram_limits=False``); against the
real Telegram the staff group receives at most 20 messages a minute, and the outbox holds the
rest meanwhile. The fake and the bot share one process and one core, so the figures are a lower
bound for the bot alone (benchmarks/ measures throughput with the bot in its own process).

Bounded: a fixed number of residents, every wait has a time limit, and the exit code is 1 if a
check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file: make the project's packages importable
    sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.config import DEFAULT_KNOWLEDGE, Settings  # noqa: E402
from bot.telegram import callbacks as cb  # noqa: E402
from bot.telegram.app import build_application  # noqa: E402
from bot.telegram.lifecycle import running  # noqa: E402
from tests.fakebot import TOKEN, Call, FakeTelegram  # noqa: E402
from tests.smtpserver import SmtpServer, free_port  # noqa: E402

STAFF = -1001000000001
FIRST_CHAT = 100_000  # private chat id == user id
MESSAGE_ID = re.compile(r"\.ticket-(\d+)@")  # the mails' stable Message-ID names the ticket
# Questions no knowledge base of a welcome bot answers; numbered so that every one is distinct.
UNANSWERABLE = (
    "Wann fährt der Bus Nummer {n} nach Berlin?",
    "Wie wird das Wetter am Tag {n} in Leipzig?",
    "Kann ich meinen Papagei Nummer {n} ins Kino mitnehmen?",
    "Wer hat das Fußballspiel Nummer {n} gewonnen?",
)


@dataclass
class Result:
    residents: int
    escalations: int
    updates: int
    seconds: float
    latencies: list[float]  # seconds, one per question
    consent_latencies: list[float]
    problems: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0

    def report(self) -> str:
        ms = [1000 * x for x in self.latencies]
        consent = [1000 * x for x in self.consent_latencies]
        lines = [
            f"residents: {self.residents}, escalations: {self.escalations}, "
            f"updates: {self.updates} in {self.seconds:.2f} s = {self.per_second:.1f} updates/s",
            f"reply latency: p50 {self.percentile(ms, 0.5):.0f} ms, "
            f"p99 {self.percentile(ms, 0.99):.0f} ms, max {max(ms, default=0):.0f} ms, "
            f"mean {statistics.fmean(ms) if ms else 0:.0f} ms",
            f"consent → confirmation: p50 {self.percentile(consent, 0.5):.0f} ms, "
            f"p99 {self.percentile(consent, 0.99):.0f} ms",
        ]
        lines += [f"PROBLEM: {p}" for p in self.problems] or ["all checks passed"]
        return "\n".join(lines)


class Replies:
    """Successful sendMessage calls by chat, read incrementally from the fake's call log."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.by_chat: defaultdict[int, list[Call]] = defaultdict(list)
        self._seen = 0

    def update(self) -> None:
        calls = self.fake.calls
        for call in calls[self._seen :]:
            if call.method == "sendMessage" and call.ok and call.chat_id is not None:
                self.by_chat[call.chat_id].append(call)
        self._seen = len(calls)


def questions_for(assistant: Assistant, count: int, rng: random.Random) -> list[str]:
    """Answerable-looking questions: the knowledge base's own German and English variants."""
    pool = [
        question
        for entry in assistant.kb.entries.values()
        for lang in ("de", "en")
        if lang in entry.texts
        for question in entry.texts[lang].questions
    ]
    return [rng.choice(pool) for _ in range(count)]


def unanswerable(assistant: Assistant, count: int) -> list[str]:
    """Distinct questions the matcher escalates (checked, so that each gets the consent offer)."""
    found: list[str] = []
    n = 1
    while len(found) < count:
        for template in UNANSWERABLE:
            text = template.format(n=n)
            if assistant.match(text, lang="de").decision == "escalate":
                found.append(text)
        n += 1
        if n > 100 * (count + 10):
            raise RuntimeError("the knowledge base answers every test question; add templates")
    return found[:count]


async def run_load(
    residents: int,
    escalate_share: float,
    knowledge: Path,
    *,
    assistant: Assistant | None = None,
    seed: int = 8,
    within: float = 300.0,
) -> Result:
    """One bounded run; ``within`` limits every phase."""
    rng = random.Random(seed)
    assistant = assistant or Assistant.from_directory(knowledge)
    escalators = round(residents * escalate_share)
    texts = unanswerable(assistant, escalators) + questions_for(
        assistant, residents - escalators, rng
    )
    chats = [FIRST_CHAT + i for i in range(residents)]
    fake = FakeTelegram()
    await fake.start()
    smtp = SmtpServer(free_port(), asyncio.get_running_loop())
    smtp.start()
    try:
        with tempfile.TemporaryDirectory(prefix="ankommen-load-") as folder:
            settings = Settings(
                telegram_token=TOKEN, telegram_base_url=fake.base_url, staff_chat_id=STAFF,
                zwk_inbox="zwk@example.org", smtp_host="127.0.0.1", smtp_port=smtp.port,
                smtp_starttls=False, smtp_from="bot@example.org",
                db_path=Path(folder) / "bot.sqlite3", knowledge_dir=knowledge,
                outbox_retry_seconds=0.2, flood_limit=50,
            )  # fmt: skip
            app = build_application(settings, assistant, telegram_limits=False)
            async with running(app, poll_timeout=1):
                return await _drive(fake, smtp, app, chats, texts, escalators, within)
    finally:
        smtp.stop()
        await fake.close()


async def _drive(
    fake: FakeTelegram,
    smtp: SmtpServer,
    app: Any,
    chats: list[int],
    texts: list[str],
    escalators: int,
    within: float,
) -> Result:
    replies = Replies(fake)
    problems: list[str] = []
    # Phase 1: everybody asks at the same moment.
    started = time.monotonic()
    asked: dict[int, float] = {}
    for chat, text in zip(chats, texts, strict=True):
        fake.send_text(chat, text, lang="de")
        asked[chat] = time.monotonic()

    def all_replied() -> bool:
        replies.update()
        return all(replies.by_chat[chat] for chat in chats)

    await fake.wait_until(all_replied, within)
    latencies = [replies.by_chat[chat][0].at - asked[chat] for chat in chats]
    first_replies = {chat: replies.by_chat[chat][0] for chat in chats}

    # Phase 2: the escalators agree to forward their question.
    pressed: dict[int, float] = {}
    for chat in chats[:escalators]:
        offer = first_replies[chat]
        yes = next((b for b in offer.buttons if _is(b, cb.Consent, "yes")), None)
        if yes is None:
            problems.append(f"chat {chat} got no consent offer: {offer.text[:80]!r}")
            continue
        fake.press(chat, yes["callback_data"], offer.result["message_id"], lang="de")
        pressed[chat] = time.monotonic()

    def all_confirmed() -> bool:
        replies.update()
        return all(len(replies.by_chat[chat]) >= 2 for chat in pressed)

    await fake.wait_until(all_confirmed, within)
    seconds = time.monotonic() - started
    consent_latencies = [replies.by_chat[chat][1].at - pressed[chat] for chat in pressed]
    tickets: dict[int, int] = {}
    for chat in pressed:
        # The confirmation's "Add something" button carries the ticket number.
        confirmation = replies.by_chat[chat][1]
        button = next((b for b in confirmation.buttons if _is(b, cb.AddToTicket)), None)
        if button is None:
            problems.append(f"chat {chat}: no ticket in {confirmation.text[:80]!r}")
        else:
            parsed = cb.parse(button["callback_data"])
            assert isinstance(parsed, cb.AddToTicket)
            tickets[chat] = parsed.ticket

    # Phase 3: the outbox delivers every ticket to the staff chat and the inbox.
    def delivered() -> bool:
        replies.update()
        return len(replies.by_chat[STAFF]) >= len(tickets) and len(smtp.sink.messages) >= len(
            tickets
        )

    await fake.wait_until(delivered, within)
    services = app.bot_data["services"]
    async with asyncio.timeout(within):
        while (await services.escalation.tickets.outbox_counts()).get("pending", 0):
            await services.worker.wait_for_result(lambda r: True)  # the next delivery
            services.worker.results.clear()
        await app.update_queue.join()
    replies.update()
    ticket_store = services.escalation.tickets
    staff = Counter(
        [
            await ticket_store.ticket_for_staff_message(STAFF, call.result["message_id"])
            for call in replies.by_chat[STAFF]
        ]
    )
    problems += _check(replies, chats, pressed, tickets, staff, smtp)
    updates = len(chats) + len(pressed)
    return Result(
        len(chats), len(tickets), updates, seconds, latencies, consent_latencies, problems
    )


def _check(
    replies: Replies,
    chats: list[int],
    pressed: dict[int, float],
    tickets: dict[int, int],
    staff: Counter[int | None],
    smtp: SmtpServer,
) -> list[str]:
    problems = []
    for chat in chats:
        expected = 2 if chat in pressed else 1
        if len(replies.by_chat[chat]) != expected:
            problems.append(f"chat {chat}: {len(replies.by_chat[chat])} messages, not {expected}")
    mails = Counter(
        int(m.group(1))
        for mail in smtp.sink.messages
        if (m := MESSAGE_ID.search(mail["Message-ID"]))
    )
    if len(set(tickets.values())) != len(tickets):
        problems.append("two residents got the same ticket number")
    for chat, ticket in tickets.items():
        if staff[ticket] != 1:
            problems.append(
                f"ticket {ticket} (chat {chat}) reached the staff chat {staff[ticket]}×"
            )
        if mails[ticket] != 1:
            problems.append(f"ticket {ticket} (chat {chat}) reached the inbox {mails[ticket]}×")
    if sum(staff.values()) != len(tickets) or sum(mails.values()) != len(tickets):
        problems.append(f"{sum(staff.values())} staff messages, {sum(mails.values())} mails")
    return problems


def _is(button: dict[str, Any], kind: type, attribute: str | None = None) -> bool:
    parsed = cb.parse(button.get("callback_data"))
    return isinstance(parsed, kind) and (attribute is None or bool(getattr(parsed, attribute)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/loadtest.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--escalate", type=float, default=0.2, help="share that escalates (0.2)")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--within", type=float, default=300.0, help="time limit per phase (s)")
    args = parser.parse_args(argv)
    if not 1 <= args.residents <= 10_000 or not 0 <= args.escalate <= 1:
        parser.error("--residents must be 1..10000 and --escalate 0..1")
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(
        run_load(args.residents, args.escalate, args.knowledge, seed=args.seed, within=args.within)
    )
    print(result.report())
    return 1 if result.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
