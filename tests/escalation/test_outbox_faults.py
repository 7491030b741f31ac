"""The outbox when its bookkeeping fails (issue 15): a delivered message is never sent again
because the database could not record it — neither with a lock held longer than the busy
timeout, nor with a full disk. Real SQLite file, real SMTP server (aiosmtpd), real tmpfs."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.escalation import MAIL, Escalation, OutboxWorker, TicketStore
from bot.escalation.mail import MailChannel
from bot.store import Store
from tests.smtpserver import SmtpServer
from tests.telegram.test_telegram_faults import LogWatch, watch_log

BUSY = 0.3  # the store's busy timeout in these tests (seconds)
REFUSED = "but the database did not take it"
AGAIN = "writing the outcome failed again"
CRASHED = "outbox worker failed"  # what the worker logged before issue 15 (and then sent again)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (root only; elsewhere the test is skipped and says why)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a full disk needs a tmpfs, and mounting one needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mount)],
        capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to free the space)."""
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def mail_worker(store: Store, server: SmtpServer) -> tuple[Escalation, OutboxWorker]:
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=server.port, smtp_starttls=False,
        smtp_from="bot@example.org", zwk_inbox="zwk@example.org",
    )  # fmt: skip
    escalation = Escalation(store, staff_chat_id=None, mail_enabled=True)
    worker = OutboxWorker(store, {MAIL: MailChannel(settings, escalation.texts)}, base_delay=0.05)
    escalation.on_enqueue(worker.wake)
    return escalation, worker


async def retried_writes(watch: LogWatch, count: int) -> None:
    """Until the worker has failed to record the outcome ``count`` times."""

    def failures() -> bool:
        return sum(AGAIN in m or CRASHED in m for m in watch.messages) >= count

    async with asyncio.timeout(30):
        await watch._pulse.wait_for(failures)


async def test_a_lock_held_longer_than_the_busy_timeout_sends_the_mail_once(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    path = tmp_path / "bot.sqlite3"
    store = await Store.open(path, busy_timeout=BUSY)
    escalation, worker = await mail_worker(store, smtp)
    ticket = await escalation.escalate(chat_id=1, question="Frage?", lang="de")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a backup or `run_bot.py retention` holding the lock
    loop = asyncio.get_running_loop()
    with watch_log() as watch:
        await worker.start()
        await smtp.sink.wait_count(1)
        sent_at = loop.time()
        await retried_writes(watch, 1)
        # The write waited for the busy timeout before it failed (no read left open).
        assert loop.time() - sent_at >= BUSY * 0.8
        await retried_writes(watch, 4)
        assert len(smtp.sink.messages) == 1
        assert any(REFUSED in m for m in watch.messages)
        other.execute("COMMIT")
        async with asyncio.timeout(10):
            await worker.wait_for_result(lambda r: r.outcome == "sent")
    await worker.stop()
    items = await TicketStore(store).outbox_items(ticket or 0)
    assert [i.status for i in items] == ["sent"]
    assert len(smtp.sink.messages) == 1
    other.close()
    await store.close()


async def test_a_full_disk_sends_the_mail_once(small_disk: Path, smtp: SmtpServer) -> None:
    store = await Store.open(small_disk / "bot.sqlite3", busy_timeout=BUSY)
    escalation, worker = await mail_worker(store, smtp)
    ticket = await escalation.escalate(chat_id=1, question="Frage?", lang="de")
    filler = fill(small_disk)
    with watch_log() as watch:
        await worker.start()
        await smtp.sink.wait_count(1)
        await retried_writes(watch, 4)
        assert len(smtp.sink.messages) == 1
        assert any(REFUSED in m for m in watch.messages)
        filler.unlink()
        async with asyncio.timeout(10):
            await worker.wait_for_result(lambda r: r.outcome == "sent")
    await worker.stop()
    assert [i.status for i in await TicketStore(store).outbox_items(ticket or 0)] == ["sent"]
    assert len(smtp.sink.messages) == 1
    await store.close()
