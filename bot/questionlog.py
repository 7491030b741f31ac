"""The question log as the curators' report reads it: questions, ratings and ticket figures of a
period, as typed rows (no chat id and no ticket text leave the database).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.store import Store


def _parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: int
    at: datetime
    lang: str
    text: str
    decision: str
    entry: str | None
    score: float
    reason: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> QuestionRow:
        return cls(
            id=int(row["id"]),
            at=_parse_ts(row["asked_at"]) or datetime.min.replace(tzinfo=UTC),
            lang=str(row["lang"]),
            text=str(row["text"]),
            decision=str(row["decision"]),
            entry=row["entry"],
            score=float(row["score"]),
            reason=str(row.get("reason") or ""),
        )


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    at: datetime
    entry: str
    lang: str
    helpful: bool
    question_id: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FeedbackRow:
        return cls(
            at=_parse_ts(row["at"]) or datetime.min.replace(tzinfo=UTC),
            entry=str(row["entry"]),
            lang=str(row["lang"]),
            helpful=bool(row["helpful"]),
            question_id=row["question_id"],
        )


@dataclass(frozen=True, slots=True)
class TicketRow:
    """Only what the figures need: no chat id and no question text leave the database."""

    id: int
    lang: str
    status: str
    created_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TicketRow:
        return cls(
            id=int(row["id"]),
            lang=str(row["lang"]),
            status=str(row["status"]),
            created_at=_parse_ts(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
            answered_at=_parse_ts(row["answered_at"]),
            closed_at=_parse_ts(row["closed_at"]),
        )


@dataclass(frozen=True, slots=True)
class Rows:
    questions: tuple[QuestionRow, ...]
    feedback: tuple[FeedbackRow, ...]
    tickets: tuple[TicketRow, ...]


def _iso(value: datetime) -> str:
    # The store's format, so that comparing strings in SQL compares times. Microseconds, so that
    # a period ending half a second after a row was written includes it ("…:20+00:00" sorts
    # before "…:20.500000+00:00").
    return value.astimezone(UTC).isoformat(timespec="microseconds")


async def load_rows(store: Store, start: datetime, end: datetime) -> Rows:
    """The rows of ``[start, end)``: questions and feedback of the period; tickets that were
    created, closed or still open in it."""
    questions = [
        QuestionRow.from_row(row)
        for row in await store.questions_since(start)
        if (_parse_ts(row["asked_at"]) or start) < end
    ]
    # The store has no read methods for these two yet; plain SELECTs on its connection (read
    # only, so the write lock is not needed). Candidates for Store.feedback_between/tickets_between.
    db = store._db
    cursor = await db.execute(
        "SELECT at, entry, lang, helpful, question_id FROM feedback "
        "WHERE at >= ? AND at < ? ORDER BY at",
        (_iso(start), _iso(end)),
    )
    feedback = [FeedbackRow.from_row(dict(row)) for row in await cursor.fetchall()]
    cursor = await db.execute(
        "SELECT id, lang, status, created_at, answered_at, closed_at FROM tickets "
        "WHERE created_at < ? AND (created_at >= ? OR status = 'open' OR closed_at >= ?) "
        "ORDER BY id",
        (_iso(end), _iso(start), _iso(start)),
    )
    tickets = [TicketRow.from_row(dict(row)) for row in await cursor.fetchall()]
    return Rows(tuple(questions), tuple(feedback), tuple(tickets))
