"""The order of updates: one chat's strictly in turn, different chats' concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

UNBOUNDED_UPDATES = 1 << 30  # PTB's semaphore; PerChatUpdateProcessor bounds the updates itself


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat strictly in order.

    Order matters within a chat (a follow-up after its button, a consent after its offer);
    across chats it does not, and one slow reply must not hold up everybody else.

    An update first waits for its chat's lock and only then takes one of the
    ``max_concurrent_updates`` slots: a chat that floods the bot (100 × /chatid in a group
    whose replies are rate-limited) holds one slot, never all of them. PTB's own semaphore,
    which it takes before ``do_process_update``, is therefore made unbounded.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(UNBOUNDED_UPDATES)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody queued behind us: forget the chat's lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
