"""The question log: what people asked and how they rated the answers, for the curators' report.

``QuestionLog`` runs on the bot's one ``Store`` connection (its lock, its transactions, its
migrations in ``bot.store.MIGRATIONS``). A question is logged with the chat only as a keyed
pseudonym (``Store.asker``, for /forget), never with the chat id. The report reads a period as
typed rows (``Rows``): questions, ratings, and the ticket figures without chat id or text.
Retention (``bot.retention``) purges old rows; /forget deletes a person's rows with theirs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.store import QUESTION_MAX_CHARS, Store, timestamp, utcnow


def _parsetimestamp(value: str | None) -> datetime | None:
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
    channel: str = ""  # telegram, web

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> QuestionRow:
        return cls(
            id=int(row["id"]),
            at=_parsetimestamp(row["asked_at"]) or datetime.min.replace(tzinfo=UTC),
            lang=str(row["lang"]),
            text=str(row["text"]),
            decision=str(row["decision"]),
            entry=row["entry"],
            score=float(row["score"]),
            reason=str(row.get("reason") or ""),
            channel=str(row.get("channel") or ""),
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
            at=_parsetimestamp(row["at"]) or datetime.min.replace(tzinfo=UTC),
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
            created_at=_parsetimestamp(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
            answered_at=_parsetimestamp(row["answered_at"]),
            closed_at=_parsetimestamp(row["closed_at"]),
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


class QuestionLog:
    """The question log's and the ratings' queries on the bot's database (``Store``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def log_question(
        self,
        *,
        channel: str,
        lang: str,
        text: str,
        decision: str,
        entry: str | None,
        candidates: Sequence[str],
        score: float,
        reason: str,
        at: datetime | None = None,
        chat_id: int | None = None,
    ) -> int:
        """Log a question; ``chat_id`` is stored only as its pseudonym (for /forget)."""
        cursor = await self.store.write(
            "INSERT INTO questions (asked_at, channel, lang, text, decision, entry, candidates, "
            "score, reason, asker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                timestamp(at or utcnow()), channel, lang, text[:QUESTION_MAX_CHARS], decision,
                entry, json.dumps(list(candidates)), score, reason, self.store.asker(chat_id),
            ),
        )  # fmt: skip
        return int(cursor.lastrowid or 0)

    async def questions_since(self, since: datetime) -> list[QuestionRow]:
        """Every logged question from ``since`` on, oldest first."""
        rows = await self.store.rows(
            "SELECT * FROM questions WHERE asked_at >= ? ORDER BY asked_at", (timestamp(since),)
        )
        return [QuestionRow.from_row(dict(row)) for row in rows]

    async def add_feedback(
        self,
        entry: str,
        lang: str,
        helpful: bool,
        question_id: int | None = None,
        chat_id: int | None = None,
    ) -> None:
        """A 👍 or 👎 for an answer; ``question_id`` names the question it answered, if known."""
        await self.store.write(
            "INSERT INTO feedback (at, entry, lang, helpful, question_id, asker) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                timestamp(utcnow()),
                entry,
                lang,
                int(helpful),
                question_id,
                self.store.asker(chat_id),
            ),
        )

    async def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """Per entry: (helpful, not helpful)."""
        rows = await self.store.rows(
            "SELECT entry, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY entry"
        )
        return {row[0]: (int(row[1]), int(row[2])) for row in rows}

    async def purge(self, *, before: datetime) -> int:
        """Delete logged questions and ratings older than ``before``; return the questions."""
        cutoff = (timestamp(before),)
        async with self.store.transaction() as db:
            cursor = await db.execute("DELETE FROM questions WHERE asked_at < ?", cutoff)
            removed = max(cursor.rowcount, 0)
            await db.execute("DELETE FROM feedback WHERE at < ?", cutoff)
        return removed

    async def load_rows(self, start: datetime, end: datetime) -> Rows:
        """The rows of ``[start, end)``: questions and feedback of the period; tickets that were
        created, closed or still open in it (reads only: the write lock is not needed)."""
        questions = [q for q in await self.questions_since(start) if q.at < end]
        feedback = [
            FeedbackRow.from_row(dict(row))
            for row in await self.store.rows(
                "SELECT at, entry, lang, helpful, question_id FROM feedback "
                "WHERE at >= ? AND at < ? ORDER BY at",
                (_iso(start), _iso(end)),
            )
        ]
        tickets = [
            TicketRow.from_row(dict(row))
            for row in await self.store.rows(
                "SELECT id, lang, status, created_at, answered_at, closed_at FROM tickets "
                "WHERE created_at < ? AND (created_at >= ? OR status = 'open' OR closed_at >= ?) "
                "ORDER BY id",
                (_iso(end), _iso(start), _iso(start)),
            )
        ]
        return Rows(tuple(questions), tuple(feedback), tuple(tickets))
