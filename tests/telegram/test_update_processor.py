"""PerChatUpdateProcessor: one busy chat holds one slot, never all of them (issue 15)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from bot.telegram.update_processor import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="x"))


async def test_a_chat_waits_for_its_lock_before_it_takes_a_slot() -> None:
    processor = PerChatUpdateProcessor(2)
    release = asyncio.Event()
    done: list[int] = []

    async def busy(n: int) -> None:  # the flooding group's updates hang (e.g. rate-limited)
        await release.wait()
        done.append(n)

    async def quick(n: int) -> None:
        done.append(n)

    flood = [
        asyncio.create_task(processor.process_update(update(n, -100), busy(n))) for n in range(10)
    ]
    resident = asyncio.create_task(processor.process_update(update(99, 5001), quick(99)))
    async with asyncio.timeout(5):
        await resident  # before the fix it waited for the flood: both slots were taken
    assert done == [99]
    release.set()
    async with asyncio.timeout(5):
        await asyncio.gather(*flood)
    assert done[1:] == list(range(10))  # the group's updates still in order
