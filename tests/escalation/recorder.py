"""A scripted outbox channel and a helper that waits for the worker's results."""

from __future__ import annotations

import asyncio

from bot.escalation import DeliveryResult, OutboxItem, OutboxWorker


class Recorder:
    """A channel that fails as scripted, then succeeds; records what it delivered."""

    def __init__(self, script: list[Exception] | None = None) -> None:
        self.script = list(script or [])
        self.delivered: list[OutboxItem] = []
        self.attempts = 0

    async def deliver(self, item: OutboxItem) -> None:
        self.attempts += 1
        if self.script:
            raise self.script.pop(0)
        self.delivered.append(item)


async def run_until(
    worker: OutboxWorker, channel: str, outcome: str, count: int = 1
) -> list[DeliveryResult]:
    async with asyncio.timeout(10):
        await worker.wait_for_result(
            lambda r: sum(x.item.channel == channel and x.outcome == outcome
                          for x in worker.results) >= count
        )  # fmt: skip
    return list(worker.results)
