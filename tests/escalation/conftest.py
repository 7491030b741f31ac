"""Fixtures of the escalation tests: a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> Store:
    opened = await Store.open(tmp_path / "db.sqlite3")
    yield opened  # type: ignore[misc]
    await opened.close()
