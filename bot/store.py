"""SQLite storage through aiosqlite: the connection, migrations, people, event reminders, web
sessions; the query modules of other concepts run on it (``bot.questionlog``,
``bot.escalation.store``).

Data minimisation: the question log has no chat id (the curators' report needs the wording, not
the person); a person's row holds only their chat id, chosen language and consents. Ticket rows
need the chat id to deliver the answer and are deleted a set time after they are closed.

One connection, WAL journal, a busy timeout. Every write is one ``BEGIN IMMEDIATE`` transaction
(it takes the write lock first, so waiting for another writer goes through the busy timeout
instead of failing at once), and no read leaves a statement open: a read transaction kept open
on the shared connection would turn a later write into an instant "database is locked".
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import StoreError

# Each migration runs once, in order, inside a transaction; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE people (
        chat_id INTEGER PRIMARY KEY,
        lang TEXT,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        asked_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        decision TEXT NOT NULL,
        entry TEXT,
        candidates TEXT NOT NULL DEFAULT '[]',
        score REAL NOT NULL,
        reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX questions_asked_at ON questions(asked_at);
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        entry TEXT NOT NULL,
        lang TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        question_id INTEGER REFERENCES questions(id) ON DELETE SET NULL
    );
    CREATE INDEX feedback_entry ON feedback(entry);
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER,
        lang TEXT NOT NULL,
        question TEXT NOT NULL,
        candidates TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        closed_at TEXT,
        answered_at TEXT,
        resident_unreachable INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tickets_chat ON tickets(chat_id, status);
    CREATE TABLE ticket_messages (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
    CREATE TABLE staff_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        PRIMARY KEY (chat_id, message_id)
    );
    """,
    # 2: small key/value state (the staff group's id after a supergroup upgrade) and the
    # resident-side messages of a ticket, so that a Telegram reply to them is a follow-up.
    """
    CREATE TABLE bot_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE resident_messages (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX staff_messages_ticket ON staff_messages(ticket_id);
    CREATE INDEX outbox_ticket ON outbox(ticket_id, channel, status);
    """,
    # 3: the weekly events digest and event reminders (issue 6). ``last_week`` is the ISO week
    # of the last digest sent, so a restart on a Monday never sends it twice; ``sent_at`` does
    # the same for a reminder. Times are UTC like everywhere else; ``starts_at`` is the start of
    # the occurrence the reminder is for (one reminder per person and occurrence).
    """
    CREATE TABLE event_subscriptions (
        chat_id INTEGER PRIMARY KEY,
        lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_week TEXT
    );
    CREATE TABLE event_reminders (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        remind_at TEXT NOT NULL,
        lang TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (chat_id, event_id, starts_at)
    );
    CREATE INDEX event_reminders_pending ON event_reminders(sent_at, remind_at);
    """,
    # 4: /forget reaches the question log and the ratings too (issue 15). ``asker`` is a keyed
    # pseudonym of the chat id (HMAC with a random key kept in bot_state), never the chat id:
    # the report does not need to know who asked, /forget needs to find their rows.
    """
    ALTER TABLE questions ADD COLUMN asker TEXT;
    ALTER TABLE feedback ADD COLUMN asker TEXT;
    CREATE INDEX questions_asker ON questions(asker);
    CREATE INDEX feedback_asker ON feedback(asker);
    """,
    # 5 (web chat, issue 19): a web conversation is a random session id kept by the browser;
    # only its SHA-256 is stored. ``state`` is the dialogue's state (JSON). A web ticket names
    # its session instead of a chat id, and may carry the e-mail address the person gave for
    # this one ticket (deleted with it). ``web_inbox`` holds staff answers until the page
    # fetches them; ``outbox_id`` makes a retried delivery idempotent.
    """
    CREATE TABLE web_sessions (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        lang TEXT,
        state TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    CREATE INDEX web_sessions_last_seen ON web_sessions(last_seen);
    ALTER TABLE tickets ADD COLUMN web_session INTEGER
        REFERENCES web_sessions(id) ON DELETE CASCADE;
    ALTER TABLE tickets ADD COLUMN email TEXT;
    CREATE INDEX tickets_web_session ON tickets(web_session);
    CREATE TABLE web_inbox (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES web_sessions(id) ON DELETE CASCADE,
        ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
        outbox_id INTEGER UNIQUE,
        text TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX web_inbox_session ON web_inbox(session_id, id);
    """,
)
ASKER_KEY = "asker_key"
QUESTION_MAX_CHARS = 1000  # of a question kept in the log (bot.questionlog, the web chat's batch)


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(value: datetime) -> str:
    """How times are stored: UTC, ISO 8601, whole seconds."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def timestamp_precise(value: datetime) -> str:
    """Sub-second timestamps for retry times: a 0.2 s backoff must not round to "now".

    ISO strings of mixed precision still sort correctly ("…:05+00:00" < "…:05.3+00:00").
    """
    return value.astimezone(UTC).isoformat(timespec="microseconds")


BUSY_TIMEOUT = 10.0  # seconds a write waits for another connection's write lock


def _probe(path: str) -> None:
    sqlite3.connect(path, timeout=10).close()


@dataclass(frozen=True, slots=True)
class WebSession:
    """A web chat conversation (``bot.web``): its row id, language and dialogue state."""

    id: int
    lang: str | None
    state: dict[str, Any]
    last_seen: str


@dataclass(frozen=True, slots=True)
class Reminder:
    """A person's reminder of one event occurrence; ``lang`` is their current language."""

    id: int
    chat_id: int
    event_id: str
    starts_at: datetime  # aware, UTC
    remind_at: datetime  # aware, UTC
    lang: str
    sent_at: str | None


class Store:
    """The one place that speaks SQL. Open with ``await Store.open(path)``; close when done."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        # One connection is shared by handlers and the outbox worker: without this lock one
        # coroutine's commit() could commit another's half-finished transaction.
        self._lock = asyncio.Lock()
        self._asker_key = b""
        self.path: Path | None = None  # the database file (None for ":memory:")
        self.inode: int | None = None  # its inode when opened: a deleted file is noticed

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout: float = BUSY_TIMEOUT) -> Store:
        """Open (creating if needed) and migrate; raise StoreError with a clear reason."""
        if str(path) != ":memory:":
            target = Path(path)
            try:
                _create_folder(target.parent)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {target}: {exc.strerror}") from exc
            try:
                _create_file(target)
            except OSError as exc:
                raise StoreError(f"cannot create database {target}: {exc.strerror}") from exc
        try:
            # Probe with plain sqlite3 first: when aiosqlite's connect fails, its worker thread
            # may outlive the event loop and print a traceback after the clear message.
            await asyncio.to_thread(_probe, str(path))
            # Autocommit: transactions are begun explicitly (BEGIN IMMEDIATE), never implicitly.
            db = await aiosqlite.connect(str(path), timeout=busy_timeout, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open database {path}: {exc}") from exc
        db.row_factory = aiosqlite.Row
        store = cls(db)
        try:
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten with zeros, whatever this SQLite's build default.
            await db.execute("PRAGMA secure_delete=ON")
            result = await (await db.execute("PRAGMA quick_check")).fetchone()
            if result is None or result[0] != "ok":
                raise StoreError(f"database {path} is damaged: {result[0] if result else '?'}")
            await store._migrate()
            await store._load_asker_key()
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise StoreError(f"database {path} cannot be used: {exc}") from exc
        except StoreError:
            await db.close()
            raise
        if str(path) != ":memory:":
            store.path = Path(path)
            store.inode = (await asyncio.to_thread(Path(path).stat)).st_ino
        return store

    def file_problem(self) -> str | None:
        """None while the database file is the one opened; else what happened to it.

        A file deleted (or replaced) while the bot runs goes unnoticed by SQLite: writes go to
        the unlinked file and are gone after a restart.
        """
        if self.path is None or self.inode is None:
            return None
        try:
            inode = self.path.stat().st_ino
        except FileNotFoundError:
            return "deleted"
        except OSError as exc:
            return f"cannot be read ({exc.strerror})"
        return None if inode == self.inode else "replaced by another file"

    async def _load_asker_key(self) -> None:
        key = await self.state(ASKER_KEY)
        if key is None:
            await self.write(
                "INSERT OR IGNORE INTO bot_state (key, value) VALUES (?, ?)",
                (ASKER_KEY, secrets.token_hex(32)),
            )
            key = await self.state(ASKER_KEY)
        self._asker_key = bytes.fromhex(key or "")

    def asker(self, chat_id: int | None) -> str | None:
        """The pseudonym of a chat in the question log (None for the console and tests)."""
        if chat_id is None:
            return None
        return hmac.new(self._asker_key, str(chat_id).encode(), hashlib.sha256).hexdigest()[:32]

    async def close(self) -> None:
        await self._db.close()

    async def _migrate(self) -> None:
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
        )
        row = await self.one("SELECT MAX(version) FROM schema_version")
        current = row[0] or 0
        if current > len(MIGRATIONS):
            raise StoreError(
                f"the database has schema version {current}, newer than this bot "
                f"({len(MIGRATIONS)}); update the bot"
            )
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            # executescript commits first; wrap explicitly so a failed migration leaves nothing.
            await self._db.executescript(
                f"BEGIN;\n{script}\nINSERT INTO schema_version VALUES ({version});\nCOMMIT;"
            )
        await self._db.commit()

    @property
    async def schema_version(self) -> int:
        row = await self.one("SELECT MAX(version) FROM schema_version")
        return int(row[0] or 0)

    # ------------------------------------------------------------------------------ people

    async def language(self, chat_id: int) -> str | None:
        row = await self.one("SELECT lang FROM people WHERE chat_id = ?", (chat_id,))
        return row["lang"] if row else None

    async def set_language(self, chat_id: int, lang: str) -> None:
        now = timestamp(utcnow())
        await self.write(
            "INSERT INTO people (chat_id, lang, created_at, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(chat_id) DO UPDATE SET lang = excluded.lang, "
            "last_seen = excluded.last_seen",
            (chat_id, lang, now, now),
        )

    async def forget(self, chat_id: int) -> int:
        """Delete everything stored about ``chat_id``; return how many rows were removed."""
        return await self._delete_all(
            [
                ("DELETE FROM outbox WHERE ticket_id IN (SELECT id FROM tickets WHERE chat_id = ?)",
                 chat_id),
                ("DELETE FROM tickets WHERE chat_id = ?", chat_id),  # cascades to messages, maps
                ("DELETE FROM people WHERE chat_id = ?", chat_id),
                ("DELETE FROM event_subscriptions WHERE chat_id = ?", chat_id),
                ("DELETE FROM event_reminders WHERE chat_id = ?", chat_id),
            ],
            self.asker(chat_id),
        )  # fmt: skip

    async def _delete_all(self, statements: list[tuple[str, object]], asker: str | None) -> int:
        """Run ``statements`` (each ``?`` bound to its key) and delete the person's questions
        and ratings in the log (by ``asker``), in one transaction; then overwrite the freed
        pages in the WAL too. How many rows were removed."""
        removed = 0
        async with self.transaction():
            for sql, key in (
                *statements,
                ("DELETE FROM feedback WHERE asker = ? OR question_id IN "
                 "(SELECT id FROM questions WHERE asker = ?)", asker),
                ("DELETE FROM questions WHERE asker = ?", asker),
            ):  # fmt: skip
                params = (key,) * sql.count("?")
                cursor = await self._db.execute(sql, params)
                removed += max(cursor.rowcount, 0)
        await self.checkpoint()
        return removed

    async def checkpoint(self) -> None:
        """Move the WAL into the database file and truncate it: deleted rows (overwritten
        there, secure_delete) must not survive in old WAL frames."""
        async with self._lock:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------- statements for the query modules

    def transaction(self) -> _Transaction:
        """``async with store.transaction() as db``: BEGIN IMMEDIATE … COMMIT on the shared
        connection, serialised with every other write (ROLLBACK on any error)."""
        return _Transaction(self._db, self._lock)

    async def write(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        """One statement in its own transaction, serialised with every other write."""
        async with self.transaction() as db:
            return await db.execute(sql, params)

    async def one(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        """The first row of a query; the statement is closed at once (no read left open)."""
        async with self._db.execute(sql, params) as cursor:
            row: aiosqlite.Row | None = await cursor.fetchone()
            return row

    async def rows(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        """All rows of a query; the statement is closed at once (no read left open)."""
        async with self._db.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def state(self, key: str) -> str | None:
        row = await self.one("SELECT value FROM bot_state WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_state(self, key: str, value: str) -> None:
        await self.write(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # ------------------------------------- events digest and reminders (issue 6)

    async def subscribe_events(self, chat_id: int, lang: str) -> bool:
        """Subscribe to the weekly digest; False if already subscribed (the language is kept
        up to date either way)."""
        async with self.transaction():
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO event_subscriptions (chat_id, lang, created_at) "
                "VALUES (?, ?, ?)",
                (chat_id, lang, timestamp(utcnow())),
            )
            if cursor.rowcount > 0:
                return True
            await self._db.execute(
                "UPDATE event_subscriptions SET lang = ? WHERE chat_id = ?", (lang, chat_id)
            )
            return False

    async def unsubscribe_events(self, chat_id: int) -> bool:
        cursor = await self.write("DELETE FROM event_subscriptions WHERE chat_id = ?", (chat_id,))
        return cursor.rowcount > 0

    async def digest_recipients(self, week: str) -> list[tuple[int, str]]:
        """Subscribers who have not had the digest of ``week`` yet, with their current language
        (the one chosen with /language wins over the one they subscribed in)."""
        cursor = await self._db.execute(
            "SELECT s.chat_id, COALESCE(p.lang, s.lang) FROM event_subscriptions s "
            "LEFT JOIN people p ON p.chat_id = s.chat_id "
            "WHERE s.last_week IS NULL OR s.last_week != ? ORDER BY s.chat_id",
            (week,),
        )
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def claim_digest(self, chat_id: int, week: str) -> bool:
        """Record the digest of ``week`` as sent to ``chat_id`` before sending it: True if this
        caller may send it (at most once per week, also across restarts)."""
        cursor = await self.write(
            "UPDATE event_subscriptions SET last_week = ? "
            "WHERE chat_id = ? AND (last_week IS NULL OR last_week != ?)",
            (week, chat_id, week),
        )
        return cursor.rowcount > 0

    async def release_digest(self, chat_id: int, week: str) -> None:
        """Undo ``claim_digest`` after a failed delivery, so that a retry may send it."""
        await self.write(
            "UPDATE event_subscriptions SET last_week = NULL WHERE chat_id = ? AND last_week = ?",
            (chat_id, week),
        )

    async def drop_event_recipient(self, chat_id: int) -> None:
        """The person blocked the bot: end their subscription and drop their reminders."""
        async with self.transaction():
            for table in ("event_subscriptions", "event_reminders"):
                await self._db.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))

    async def add_reminder(
        self, chat_id: int, event_id: str, starts_at: datetime, remind_at: datetime, lang: str
    ) -> int | None:
        """A new reminder's id, or None when this person has one for that occurrence already."""
        cursor = await self.write(
            "INSERT OR IGNORE INTO event_reminders "
            "(chat_id, event_id, starts_at, remind_at, lang, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                chat_id,
                event_id,
                timestamp(starts_at),
                timestamp(remind_at),
                lang,
                timestamp(utcnow()),
            ),
        )
        return int(cursor.lastrowid or 0) if cursor.rowcount > 0 else None

    async def reminder(self, reminder_id: int) -> Reminder | None:
        rows = await self._reminders("r.id = ?", (reminder_id,))
        return rows[0] if rows else None

    async def pending_reminders(self) -> list[Reminder]:
        """Reminders not sent yet, soonest first (to schedule them at start-up)."""
        return await self._reminders("r.sent_at IS NULL", ())

    async def _reminders(self, where: str, params: Sequence[Any]) -> list[Reminder]:
        cursor = await self._db.execute(
            "SELECT r.id, r.chat_id, r.event_id, r.starts_at, r.remind_at, "
            "COALESCE(p.lang, r.lang), r.sent_at FROM event_reminders r "
            f"LEFT JOIN people p ON p.chat_id = r.chat_id WHERE {where} ORDER BY r.remind_at",
            params,
        )
        return [
            Reminder(
                int(row[0]), int(row[1]), str(row[2]), datetime.fromisoformat(row[3]),
                datetime.fromisoformat(row[4]), str(row[5]), row[6],
            )
            for row in await cursor.fetchall()
        ]  # fmt: skip

    async def claim_reminder(self, reminder_id: int) -> bool:
        """Mark a reminder as sent before sending it: True if this caller may send it."""
        cursor = await self.write(
            "UPDATE event_reminders SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
            (timestamp(utcnow()), reminder_id),
        )
        return cursor.rowcount > 0

    async def release_reminder(self, reminder_id: int) -> None:
        """Undo ``claim_reminder`` after a failed delivery, so that a retry may send it."""
        await self.write("UPDATE event_reminders SET sent_at = NULL WHERE id = ?", (reminder_id,))

    async def delete_reminder(self, reminder_id: int) -> None:
        await self.write("DELETE FROM event_reminders WHERE id = ?", (reminder_id,))

    async def purge_reminders(self, *, started_before: datetime) -> int:
        """Delete reminders of occurrences that have begun: sent or not, they are of no use."""
        cursor = await self.write(
            "DELETE FROM event_reminders WHERE starts_at < ?", (timestamp(started_before),)
        )
        return max(cursor.rowcount, 0)

    # ---------------------------------------------------------- web chat (issue 19)

    async def create_web_session(self, token_hash: str, lang: str | None) -> WebSession:
        now = timestamp(utcnow())
        cursor = await self.write(
            "INSERT INTO web_sessions (token_hash, lang, created_at, last_seen) "
            "VALUES (?, ?, ?, ?)",
            (token_hash, lang, now, now),
        )
        return WebSession(int(cursor.lastrowid or 0), lang, {}, now)

    def web_asker(self, session_id: int) -> str:
        """The pseudonym of a web conversation in the question log (for "delete my data")."""
        key = f"web:{session_id}".encode()
        return hmac.new(self._asker_key, key, hashlib.sha256).hexdigest()[:32]

    async def web_session(self, token_hash: str) -> WebSession | None:
        row = await self.one(
            "SELECT id, lang, state, last_seen FROM web_sessions WHERE token_hash = ?",
            (token_hash,),
        )
        if row is None:
            return None
        return WebSession(int(row[0]), row[1], json.loads(row[2]), str(row[3]))

    async def save_web_session(
        self, session_id: int, lang: str | None, state: dict[str, Any]
    ) -> None:
        await self.write(
            "UPDATE web_sessions SET lang = ?, state = ?, last_seen = ? WHERE id = ?",
            (lang, json.dumps(state, separators=(",", ":")), timestamp(utcnow()), session_id),
        )

    async def write_web_batch(
        self,
        questions: Sequence[dict[str, Any]],
        feedback: Sequence[dict[str, Any]],
        sessions: Sequence[tuple[int, str | None, dict[str, Any]]],
    ) -> list[int]:
        """Logged questions, ratings and conversation states of the web chat in one
        transaction (written behind the requests, a few times a second); return the new
        questions' ids in order. A rating names its question by ``question_id`` or by
        ``question_index`` into ``questions``; questions and ratings carry their session's
        pseudonym (``session``); a state whose session is gone changes nothing."""
        now = timestamp(utcnow())
        ids: list[int] = []
        async with self.transaction():
            if questions:
                await self._db.executemany(
                    "INSERT INTO questions (asked_at, channel, lang, text, decision, entry, "
                    "candidates, score, reason, asker) VALUES (?, 'web', ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (q["at"], q["lang"], q["text"][:QUESTION_MAX_CHARS], q["decision"],
                         q["entry"], json.dumps(list(q["candidates"])), q["score"], q["reason"],
                         self.web_asker(q["session"]))
                        for q in questions
                    ],
                )  # fmt: skip
                # One writer holds the lock: the rows just inserted have the highest ids.
                row = await self.one("SELECT MAX(id) FROM questions")
                last = int(row[0]) if row and row[0] is not None else 0
                ids = list(range(last - len(questions) + 1, last + 1))
            if feedback:
                rows = []
                for f in feedback:
                    index = f.get("question_index")
                    question = ids[index] if index is not None else f.get("question_id")
                    rows.append((f["at"], f["entry"], f["lang"], int(f["helpful"]), question,
                                 self.web_asker(f["session"])))  # fmt: skip
                await self._db.executemany(
                    "INSERT INTO feedback (at, entry, lang, helpful, question_id, asker) "
                    "SELECT ?, ?, ?, ?, (SELECT id FROM questions WHERE id = ?), ?",
                    rows,
                )
            if sessions:
                await self._db.executemany(
                    "UPDATE web_sessions SET lang = ?, state = ?, last_seen = ? WHERE id = ?",
                    [
                        (lang, json.dumps(state, separators=(",", ":")), now, session_id)
                        for session_id, lang, state in sessions
                    ],
                )
        return ids

    async def add_web_inbox(
        self, session_id: int, ticket_id: int, outbox_id: int, text: str
    ) -> None:
        """Keep a staff answer for the page; a retried delivery of the same row adds nothing."""
        await self.write(
            "INSERT OR IGNORE INTO web_inbox (session_id, ticket_id, outbox_id, text, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (session_id, ticket_id, outbox_id, text, timestamp(utcnow())),
        )

    async def web_inbox(self, session_id: int, after: int = 0) -> list[tuple[int, str]]:
        """Answers waiting for the page, oldest first, as (id, text)."""
        async with self._db.execute(
            "SELECT id, text FROM web_inbox WHERE session_id = ? AND id > ? ORDER BY id",
            (session_id, after),
        ) as cursor:
            return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]

    async def ack_web_inbox(self, session_id: int, upto: int) -> None:
        """The page has shown the answers up to ``upto``: they need not be kept any longer."""
        await self.write(
            "DELETE FROM web_inbox WHERE session_id = ? AND id <= ?", (session_id, upto)
        )

    async def forget_web_session(self, session_id: int) -> int:
        """Delete a web conversation with its tickets, their deliveries, waiting answers, and
        its questions and ratings in the log (as /forget does for a chat)."""
        return await self._delete_all(
            [
                ("DELETE FROM outbox WHERE ticket_id IN "
                 "(SELECT id FROM tickets WHERE web_session = ?)", session_id),
                ("DELETE FROM tickets WHERE web_session = ?", session_id),
                ("DELETE FROM web_inbox WHERE session_id = ?", session_id),
                ("DELETE FROM web_sessions WHERE id = ?", session_id),
            ],
            self.web_asker(session_id),
        )  # fmt: skip

    async def purge_web_sessions(self, *, idle_before: datetime) -> int:
        """Delete web conversations idle since ``idle_before`` that have no ticket left (a
        ticket keeps its session until the ticket's own retention ends)."""
        cursor = await self.write(
            "DELETE FROM web_sessions WHERE last_seen < ? AND NOT EXISTS "
            "(SELECT 1 FROM tickets t WHERE t.web_session = web_sessions.id)",
            (timestamp(idle_before),),
        )
        return max(cursor.rowcount, 0)

    async def count_rows(self, table: str) -> int:
        """Rows in one of the tables (for /status, retention reports and tests)."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = await self.one(f"SELECT COUNT(*) FROM {table}")
        return int(row[0]) if row else 0


_TABLES = frozenset(
    {"people", "questions", "feedback", "tickets", "ticket_messages", "outbox", "staff_messages",
     "resident_messages", "bot_state", "web_sessions", "web_inbox"}
)  # fmt: skip


class _Transaction:
    """``async with``: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock

    async def __aenter__(self) -> aiosqlite.Connection:
        await self._lock.acquire()
        try:
            await self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                try:
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._rollback()  # e.g. disk full at commit: leave no transaction open
                    raise
            else:
                await self._rollback()
        finally:
            self._lock.release()

    async def _rollback(self) -> None:
        if self._db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._db.execute("ROLLBACK")


def _create_folder(folder: Path) -> None:
    """A new database folder is 0700 (only the bot's user reads what people asked); an existing
    one keeps its mode."""
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # mkdir's mode is filtered by the umask


def _create_file(target: Path) -> None:
    """A new database file is 0600; SQLite gives its -wal and -shm files the same mode."""
    if not target.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            target.chmod(0o600)
