"""Writing the web chat's conversation states, logged questions and ratings behind the requests.

Every request changes its conversation's state and most log a question. Written one by one, that
is two SQLite round trips and a commit per request, and the requests queue for the write lock;
written together a few times a second (``FLUSH_DELAY``), hundreds of requests cost a handful of
commits. A state is coalesced per session (only the newest counts). What is not flushed yet is
lost if the process is killed — at most the last fraction of a second of conversation steps and
log lines; tickets and deliveries never go through here (they are written at once).

A rating refers to its question's row id, which exists only after the flush: the question
record is kept and resolved when the rating is written (always after its question).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.store import Store, utcnow

log = logging.getLogger(__name__)

FLUSH_DELAY = 0.05  # seconds: the batching window


@dataclass(slots=True, eq=False)
class QuestionRecord:
    """A question to log; ``id`` is set once it is written."""

    row: dict[str, Any]
    id: int | None = None


@dataclass(slots=True)
class _Rating:
    session: int
    entry: str
    lang: str
    helpful: bool
    question: QuestionRecord | None
    at: str


@dataclass(slots=True)
class WriteBehind:
    store: Store
    _questions: list[QuestionRecord] = field(default_factory=list)
    _ratings: list[_Rating] = field(default_factory=list)
    _states: dict[int, tuple[str | None, dict[str, Any]]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def question(self, session: int, **row: Any) -> QuestionRecord:
        row.setdefault("at", _now())
        row["session"] = session
        record = QuestionRecord(row)
        self._questions.append(record)
        self._schedule()
        return record

    def rating(
        self, session: int, entry: str, lang: str, helpful: bool, question: QuestionRecord | None
    ) -> None:
        self._ratings.append(_Rating(session, entry, lang, helpful, question, _now()))
        self._schedule()

    def state(self, session_id: int, lang: str | None, state: dict[str, Any]) -> None:
        self._states[session_id] = (lang, state)
        self._schedule()

    def drop(self, session_id: int) -> None:
        """The conversation is being deleted: nothing of it may be written any more."""
        self._states.pop(session_id, None)
        self._questions = [q for q in self._questions if q.row["session"] != session_id]
        self._ratings = [r for r in self._ratings if r.session != session_id]

    def _schedule(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="web-write-behind")

    async def _run(self) -> None:
        while self._questions or self._ratings or self._states:
            await asyncio.sleep(FLUSH_DELAY)  # the batching window, not a wait for an event
            await self.flush()

    async def flush(self) -> None:
        """Write everything queued so far (also called at shutdown and by tests)."""
        async with self._lock:
            questions, self._questions = self._questions, []
            ratings, self._ratings = self._ratings, []
            states, self._states = self._states, {}
            if not (questions or ratings or states):
                return
            index = {id(q): i for i, q in enumerate(questions)}
            feedback: list[dict[str, Any]] = []
            for rating in ratings:
                row: dict[str, Any] = {
                    "at": rating.at, "entry": rating.entry, "lang": rating.lang,
                    "helpful": rating.helpful, "question_id": None, "session": rating.session,
                }  # fmt: skip
                question = rating.question
                if question is not None and question.id is not None:
                    row["question_id"] = question.id
                elif question is not None and id(question) in index:
                    row["question_index"] = index[id(question)]
                feedback.append(row)
            try:
                ids = await self.store.write_web_batch(
                    [q.row for q in questions], feedback,
                    [(session, lang, state) for session, (lang, state) in states.items()],
                )  # fmt: skip
            except Exception:  # a full disk must not break the chat; the log says so
                log.exception(
                    "web chat: could not write %d questions, %d ratings, %d states",
                    len(questions), len(ratings), len(states),
                )  # fmt: skip
                return
            for record, ident in zip(questions, ids, strict=True):
                record.id = ident

    async def close(self) -> None:
        """Write what is queued (the server no longer accepts requests)."""
        task, self._task = self._task, None
        if task is not None:
            await task  # ends when nothing is queued; a flush is never cut in half
        await self.flush()


def _now() -> str:
    value: datetime = utcnow()
    return value.isoformat(timespec="seconds")
