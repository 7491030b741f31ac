"""Delivery: the channel protocol, its two failures, and the worker that drains the outbox.

``OutboxWorker`` delivers each pending row through its channel. Success marks the row sent, so it
is never delivered twice; a temporary failure (``RetryLater``) reschedules it with exponential
backoff (or exactly when the far side said, e.g. Telegram's 429); a permanent failure
(``PermanentFailure``, e.g. the resident blocked the bot) marks it failed. Rows survive restarts:
the worker picks up whatever is pending when the bot starts again.

Delivery is at-least-once at the transport level: if the process dies after Telegram or the
mail server accepted a message but before the row is marked sent, that one message is sent again
on the next start. Mails carry a stable Message-ID so that mail systems can drop the duplicate.
While the process lives, a send is never repeated because its bookkeeping failed (database
locked, disk full): the worker remembers the outcome and retries only the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Protocol

from bot.escalation.store import OutboxItem, TicketStore
from bot.store import Store, utcnow

log = logging.getLogger(__name__)

IDLE_SECONDS = 3600.0  # the longest the worker sleeps without being woken


class RetryLater(Exception):
    """A temporary delivery failure; ``after`` seconds if the far side said so, else backoff."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class PermanentFailure(Exception):
    """The far side refused for good (e.g. ``code="blocked"``: the resident blocked the bot)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class Channel(Protocol):
    async def deliver(self, item: OutboxItem) -> None:
        """Deliver one outbox item or raise RetryLater / PermanentFailure."""


Outcome = Literal["sent", "retry", "failed"]


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    item: OutboxItem
    outcome: Outcome
    error: str | None = None
    code: str | None = None  # PermanentFailure.code
    delay: float | None = None  # seconds until the next attempt


async def bookkeeping(write: Awaitable[None], what: str) -> None:
    """A write inside a delivery that has already reached its recipient: a failure (database
    locked, disk full) is logged, never raised, so that the message is not sent again."""
    try:
        await write
    except Exception as exc:
        log.error("could not record %s (%s); the message was delivered", what, exc)


# --------------------------------------------------------------------------------- worker

Listener = Callable[[DeliveryResult], Awaitable[None]]


class OutboxWorker:
    """Delivers pending outbox rows; one task, channels in parallel, each channel in order."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        *,
        base_delay: float,
        max_delay: float | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.tickets = TicketStore(store)
        self.channels = dict(channels)
        self.base_delay = base_delay
        # Capped so that a long outage still gets a try about every hour (or 60 base delays).
        self.max_delay = max_delay if max_delay is not None else max(base_delay * 60, base_delay)
        self.listener = listener
        self.results: deque[DeliveryResult] = deque(maxlen=1000)
        self._busy: set[str] = set()  # channels with a delivery in progress
        self._changed = asyncio.Condition()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # Outcomes whose database write failed (locked, disk full), by row id: the send is not
        # repeated, only the write, until it succeeds.
        self._unrecorded: dict[int, DeliveryResult] = {}

    def backoff(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: base, 2×base, 4×base, … up to the cap."""
        delay = min(self.base_delay * 2 ** min(attempts, 32), self.max_delay)
        return delay * random.uniform(0.9, 1.1)  # desynchronise many failing rows

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the delivery in progress (up to ``grace`` seconds), then stop."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), grace)
            except TimeoutError:
                # Whatever was in flight stays pending and is retried on the next start.
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._stopping = False  # the loop is gone; run_once() may still be called by hand

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_once()
                delay = await self._seconds_to_next()
                if self._unrecorded:
                    delay = min(delay, self.base_delay)
            except Exception:  # a bug or a database problem must not end delivery for good
                log.exception("outbox worker failed; trying again shortly")
                delay = self.base_delay
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _seconds_to_next(self) -> float:
        due = await self.tickets.next_outbox_due()
        if due is None:
            return IDLE_SECONDS
        return min(max((due - utcnow()).total_seconds(), 0.0), IDLE_SECONDS)

    async def run_once(self) -> int:
        """Attempt every due row once; return how many were attempted."""
        for result in list(self._unrecorded.values()):
            if await self._write_outcome(result):
                await self._record(result)
        # A row whose outcome is still unrecorded stays pending in the database: never again.
        items = [
            i for i in await self.tickets.due_outbox_in_order() if i.id not in self._unrecorded
        ]
        by_channel: dict[str, list[OutboxItem]] = {}
        for item in items:
            by_channel.setdefault(item.channel, []).append(item)
        # A slow mail server must not hold up answers to residents: channels run side by side.
        await asyncio.gather(*(self._deliver_all(group) for group in by_channel.values()))
        return len(items)

    async def _deliver_all(self, items: list[OutboxItem]) -> None:
        channel = items[0].channel
        self._busy.add(channel)
        try:
            for item in items:
                if self._stopping:
                    return
                result = await self._deliver(item)
                if await self._write_outcome(result):
                    await self._record(result)
        finally:
            self._busy.discard(channel)
            async with self._changed:
                self._changed.notify_all()

    async def wait_idle(self, channel: str) -> None:
        """Until no delivery of ``channel`` is in progress.

        A message is mapped to its ticket right after Telegram returns its id; a reply that
        arrives in between waits for this before it looks the message up.
        """
        async with self._changed:
            await self._changed.wait_for(lambda: channel not in self._busy)

    async def _deliver(self, item: OutboxItem) -> DeliveryResult:
        """One attempt; the outcome, not yet written to the database."""
        channel = self.channels.get(item.channel)
        try:
            if channel is None:
                raise RetryLater(f"channel {item.channel!r} is not configured")
            await channel.deliver(item)
        except RetryLater as exc:
            delay = exc.after if exc.after is not None else self.backoff(item.attempts)
            log.warning(
                "outbox %d (%s, ticket %s) attempt %d failed: %s; next try in %.1f s",
                item.id, item.channel, item.ticket_id, item.attempts + 1, exc, delay,
            )  # fmt: skip
            return DeliveryResult(item, "retry", str(exc), delay=delay)
        except PermanentFailure as exc:
            log.warning(
                "outbox %d (%s, ticket %s) given up: %s", item.id, item.channel, item.ticket_id, exc
            )
            return DeliveryResult(item, "failed", str(exc), code=exc.code)
        except Exception as exc:  # a bug in a channel: keep the row, retry with backoff
            delay = self.backoff(item.attempts)
            log.exception("outbox %d (%s): unexpected error", item.id, item.channel)
            return DeliveryResult(item, "retry", f"{type(exc).__name__}: {exc}", delay=delay)
        log.info("outbox %d (%s, ticket %s) delivered", item.id, item.channel, item.ticket_id)
        return DeliveryResult(item, "sent")

    async def _write_outcome(self, result: DeliveryResult) -> bool:
        """Record an outcome in the outbox row; False (and remembered) if the write failed."""
        item = result.item
        try:
            if result.outcome == "sent":
                await self.tickets.outbox_done(item.id)
            elif result.outcome == "failed":
                await self.tickets.outbox_failed(item.id, f"{result.code}: {result.error}")
            else:
                at = utcnow() + timedelta(seconds=result.delay or 0.0)
                await self.tickets.outbox_reschedule(item.id, result.error or "", at)
        except Exception as exc:
            if item.id not in self._unrecorded:
                log.error(
                    "outbox %d (%s, ticket %s) %s, but the database did not take it (%s); "
                    "it is not sent again, only the write is retried",
                    item.id, item.channel, item.ticket_id, result.outcome, exc,
                )  # fmt: skip
            else:
                log.warning("outbox %d: writing the outcome failed again (%s)", item.id, exc)
            self._unrecorded[item.id] = result
            return False
        if self._unrecorded.pop(item.id, None) is not None:
            log.info("outbox %d: outcome %s recorded", item.id, result.outcome)
        return True

    async def _record(self, result: DeliveryResult) -> None:
        if self.listener is not None:
            try:
                await self.listener(result)
            except Exception:
                log.exception("outbox listener failed for item %d", result.item.id)
        async with self._changed:
            self.results.append(result)
            self._changed.notify_all()

    async def wait_for_result(self, predicate: Callable[[DeliveryResult], bool]) -> DeliveryResult:
        """The first recorded result (past or future) that matches ``predicate``.

        Callers bound the wait with ``asyncio.timeout``.
        """

        def find() -> DeliveryResult | None:
            return next((r for r in self.results if predicate(r)), None)

        async with self._changed:
            found = await self._changed.wait_for(find)
        assert found is not None
        return found
