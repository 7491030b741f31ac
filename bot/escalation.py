"""Escalation to people: a question goes to the city's team, their answer comes back.

Nothing is ever lost:

1. On consent, ``Escalation.escalate`` writes the ticket and one outbox row per configured
   channel (staff group, e-mail) in a single SQLite transaction. Only then is the resident told
   the ticket number.
2. ``OutboxWorker`` delivers each row through its channel. Success marks the row sent, so it is
   never delivered twice; a temporary failure reschedules it with exponential backoff (or exactly
   when Telegram's 429 says); a permanent failure (the resident blocked the bot) marks it failed.
   Rows survive restarts: the worker picks up whatever is pending when the bot starts again.
3. A staff member's Telegram reply to a ticket message becomes a "resident" outbox row; when it
   is delivered the staff group gets a confirmation (another outbox row).

Delivery is at-least-once at the transport level: if the process dies after Telegram or the
mail server accepted a message but before the row is marked sent, that one message is sent again
on the next start. Mails carry a stable Message-ID so that mail systems can drop the duplicate.
While the process lives, a send is never repeated because its bookkeeping failed (database
locked, disk full): the worker remembers the outcome and retries only the write.

This module knows nothing about Telegram or SMTP: channels live in ``bot.channels``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.events import BERLIN
from bot.i18n import gettext_for
from bot.render import Style, language_name
from bot.store import OutboxItem, Store, Ticket, utcnow

log = logging.getLogger(__name__)

# The city's team reads German; staff-facing texts are msgids translated by the German catalog.
STAFF_LANG = "de"
HOUSEKEEPING_INTERVAL = 3600.0
MAX_QUESTION_CHARS = 4096
STAFF = "staff"
MAIL = "mail"
RESIDENT = "resident"
ADMIN = "admin"  # notices for the people in ADMIN_IDS (e.g. a mail the server rejected)
WEB = "web"  # a staff answer for a web chat session (bot.web)
WEB_MAIL = "web-mail"  # ... and by e-mail, when the person left an address for that ticket


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


@dataclass(frozen=True, slots=True)
class Guess:
    entry: str
    title: str
    score: float


FollowUpResult = Literal["added", "closed", "not-yours", "limit"]
MAX_FOLLOW_UPS = 10  # additions to one ticket (defaults of Settings.max_follow_ups ...)
TICKETS_PER_DAY = 3  # ... and Settings.tickets_per_day)


class LimitReached(Exception):
    """A person reached a cap: ``kind`` "daily" (tickets in 24 hours) or "follow-ups"."""

    def __init__(self, kind: Literal["daily", "follow-ups"], ticket: int | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.ticket = ticket


@dataclass(frozen=True, slots=True)
class Forwarded:
    """Where a forwarded question went: a new ticket, or (``added``) the person's open one."""

    ticket: int
    added: bool


StaffReplyResult = Literal["queued", "unknown", "no-resident"]


class Escalation:
    """Creates tickets, follow-ups and staff replies and queues their deliveries."""

    def __init__(
        self,
        store: Store,
        *,
        staff_chat_id: int | None,
        mail_enabled: bool,
        titles: Callable[[str, str], str] = lambda target, lang: target,
        admin_ids: Collection[int] = (),
        max_follow_ups: int = MAX_FOLLOW_UPS,
        tickets_per_day: int = TICKETS_PER_DAY,
    ) -> None:
        self.store = store
        self.max_follow_ups = max_follow_ups
        self.tickets_per_day = tickets_per_day
        self.admin_ids = tuple(sorted(admin_ids))
        self._configured_staff_chat = staff_chat_id
        self._staff_chat = staff_chat_id
        self.mail_enabled = mail_enabled
        self.titles = titles
        self._wake: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------------- state

    @property
    def staff_chat_id(self) -> int | None:
        """The staff group's id now: STAFF_CHAT_ID, or where that group migrated to."""
        return self._staff_chat

    @property
    def forwarding_enabled(self) -> bool:
        return self._staff_chat is not None or self.mail_enabled

    def channels(self) -> list[str]:
        return [name for name, on in ((STAFF, self._staff_chat), (MAIL, self.mail_enabled)) if on]

    def on_enqueue(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` whenever something new is queued (the worker then looks at once)."""
        self._wake = wake

    async def load(self) -> None:
        """Follow a supergroup migration recorded earlier, even if STAFF_CHAT_ID is still old."""
        if self._configured_staff_chat is None:
            return
        moved = await self.store.state(_migration_key(self._configured_staff_chat))
        if moved is not None:
            self._staff_chat = int(moved)
            log.warning(
                "the staff group %s became %s; set STAFF_CHAT_ID=%s",
                self._configured_staff_chat, moved, moved,
            )  # fmt: skip

    def is_staff_chat(self, chat_id: int) -> bool:
        return self._staff_chat is not None and chat_id == self._staff_chat

    # ----------------------------------------------------------------------- actions

    async def escalate(
        self,
        *,
        chat_id: int | None,
        question: str,
        lang: str,
        candidates: Sequence[str] = (),
        scores: Sequence[float] = (),
        web_session: int | None = None,
        email: str | None = None,
    ) -> int | None:
        """Write a ticket and queue it for every channel; None if no channel is configured.

        A web chat question has no chat id but its ``web_session`` (and optionally the
        ``email`` address the person gave for this ticket's answer)."""
        channels = self.channels()
        if not channels:
            return None
        question = question.strip()[:MAX_QUESTION_CHARS]
        padded = [*scores, *([0.0] * (len(candidates) - len(scores)))]
        guesses = [
            [target, self.titles(target, STAFF_LANG), round(score, 2)]
            for target, score in zip(candidates, padded, strict=False)
        ]
        payload = {
            "kind": "ticket",
            "lang": lang,
            "question": question,
            "guesses": guesses,
            "asked": _berlin_now(),
            "answerable": chat_id is not None or web_session is not None,
        }
        ticket = await self.store.create_ticket(
            chat_id=chat_id, lang=lang, question=question, candidates=list(candidates),
            channels=[(name, payload) for name in channels], web_session=web_session,
            email=email,
        )  # fmt: skip
        log.info("ticket %d created (%s), queued for %s", ticket, lang, ", ".join(channels))
        self._wake()
        return ticket

    async def forward(
        self,
        *,
        chat_id: int | None,
        question: str,
        lang: str,
        candidates: Sequence[str] = (),
        scores: Sequence[float] = (),
        web_session: int | None = None,
        email: str | None = None,
    ) -> Forwarded | None:
        """A resident's question for the team: added to their open ticket if they have one
        (one open ticket per person), else a new ticket; None if no channel is configured.
        A web chat's person is its ``web_session`` (``chat_id`` None); ``email`` goes with a
        new ticket only.

        Raises LimitReached when the person has added ``max_follow_ups`` messages to the open
        ticket or opened ``tickets_per_day`` tickets in the last 24 hours: one account must not
        flood the staff group and the inbox.
        """
        if not self.channels():
            return None
        if web_session is not None:
            ticket = await self.store.open_web_ticket(web_session)
        else:
            assert chat_id is not None
            ticket = await self.store.open_ticket_for(chat_id)
        if ticket is not None:
            result = await self.follow_up(ticket.id, chat_id, question, web_session=web_session)
            if result == "limit":
                raise LimitReached("follow-ups", ticket.id)
            if result == "added":
                return Forwarded(ticket.id, added=True)
        since = utcnow() - timedelta(days=1)
        opened = await self.store.tickets_since(chat_id, since, web_session=web_session)
        if opened >= self.tickets_per_day:
            log.info("a person reached the daily ticket limit (%d)", self.tickets_per_day)
            raise LimitReached("daily")
        created = await self.escalate(
            chat_id=chat_id, question=question, lang=lang, candidates=candidates, scores=scores,
            web_session=web_session, email=email,
        )  # fmt: skip
        return Forwarded(created, added=False) if created is not None else None

    async def follow_up(
        self, ticket_id: int, chat_id: int | None, text: str, *, web_session: int | None = None
    ) -> FollowUpResult:
        """Add the resident's message to their open ticket (only the owner may, and only
        ``max_follow_ups`` times). A web chat's ticket is owned by its ``web_session``."""
        ticket = await self.store.ticket(ticket_id)
        if ticket is None or (ticket.chat_id, ticket.web_session) != (chat_id, web_session):
            return "not-yours"
        if ticket.status != "open":
            return "closed"
        if await self.store.count_follow_ups(ticket_id) >= self.max_follow_ups:
            log.info("ticket %d reached the follow-up limit (%d)", ticket_id, self.max_follow_ups)
            return "limit"
        text = text.strip()[:MAX_QUESTION_CHARS]
        payload = {"kind": "followup", "text": text, "lang": ticket.lang}
        await self.store.add_ticket_message(
            ticket_id, "followup", text, [(name, payload) for name in self.channels()]
        )
        self._wake()
        return "added"

    async def staff_reply(
        self, *, ticket_id: int, text: str, staff_chat_id: int, staff_message_id: int
    ) -> StaffReplyResult:
        """Queue a staff member's reply for the resident (the staff member stays anonymous)."""
        ticket = await self.store.ticket(ticket_id)
        if ticket is None:
            return "unknown"
        if ticket.chat_id is None and ticket.web_session is None:
            return "no-resident"
        payload = {
            "kind": "reply",
            "text": text.strip()[:MAX_QUESTION_CHARS],
            "staff_chat": staff_chat_id,
            "staff_message": staff_message_id,
        }
        if ticket.web_session is None:
            rows = [(RESIDENT, payload)]
        else:  # the web page shows it; a copy by e-mail only if the person asked for one
            rows = [(WEB, payload)]
            if ticket.email and self.mail_enabled:
                rows.append((WEB_MAIL, {**payload, "copy": True}))
        await self.store.add_ticket_message(ticket_id, "reply", payload["text"], rows)
        self._wake()
        return "queued"

    async def close(self, ticket_id: int) -> bool:
        closed = await self.store.close_ticket(ticket_id)
        if closed:
            log.info("ticket %d closed", ticket_id)
        return closed

    async def staff_chat_migrated(self, old: int, new: int) -> bool:
        """Follow the staff group to its new (supergroup) id; True if this was news."""
        if self._staff_chat == new or (self._staff_chat is not None and self._staff_chat != old):
            return False
        self._staff_chat = new
        await self.store.migrate_staff_chat(old, new)
        if self._configured_staff_chat is not None:
            await self.store.set_state(_migration_key(self._configured_staff_chat), str(new))
        log.warning("the staff group %s became supergroup %s; set STAFF_CHAT_ID=%s", old, new, new)
        await self.store.enqueue(None, STAFF, {"kind": "notice", "notice": "migrated", "new": new})
        self._wake()
        return True

    async def after_delivery(self, result: DeliveryResult) -> None:
        """React to a delivery: confirm replies in the staff group, note unreachable people."""
        item = result.item
        if item.channel == MAIL and result.outcome == "failed":
            await self._tell_admins(result, "mail-rejected")
            return
        if item.channel == STAFF and result.outcome == "failed":
            await self._tell_admins(result, "staff-rejected")
            return
        if item.channel not in (RESIDENT, WEB) or result.outcome == "retry":
            return
        ticket_id = item.ticket_id
        reply_to = item.payload.get("staff_message")
        error = ""
        if result.outcome == "sent":
            notice = "delivered"
        elif result.code == "gone" or ticket_id is None:
            notice = "gone"
        elif result.code == "rejected":  # Telegram refused the text itself; the person is there
            notice, error = "rejected", (result.error or "")[:300]
        else:
            notice = "unreachable"
            if ticket_id is not None:
                await self.store.mark_unreachable(ticket_id)
        if self._staff_chat is None:
            return
        payload = {"kind": "notice", "notice": notice, "reply_to": reply_to, "ref": ticket_id,
                   "error": error}  # fmt: skip
        await self.store.enqueue(ticket_id if notice != "gone" else None, STAFF, payload)
        self._wake()

    async def _tell_admins(self, result: DeliveryResult, notice: str) -> None:
        """A mail or staff-group message refused for good is not retried: tell the admins."""
        ticket_id = result.item.ticket_id
        if not self.admin_ids:
            log.error(
                "the %s for ticket %s was rejected for good and ADMIN_IDS is empty, so nobody "
                "is told in Telegram: %s",
                "e-mail" if result.item.channel == MAIL else "staff-group message", ticket_id,
                result.error,
            )  # fmt: skip
            return
        for admin in self.admin_ids:
            payload = {"kind": "notice", "notice": notice, "admin": admin,
                       "ref": ticket_id, "error": (result.error or "")[:300]}  # fmt: skip
            await self.store.enqueue(ticket_id, ADMIN, payload)
        self._wake()

    # -------------------------------------------------------------------- formatting

    def staff_text(
        self, payload: Mapping[str, Any], style: Style, *, for_mail: bool = False
    ) -> str:
        """A ticket, follow-up or notice for the city's team, in HTML or plain text."""
        _ = gettext_for(STAFF_LANG)
        ticket = payload.get("ticket") or payload.get("ref")
        kind = payload.get("kind")
        if kind == "ticket":
            lang = str(payload.get("lang", "?"))
            lines = [
                "🎫 " + style.bold(_("Ticket {ticket}").format(ticket=ticket))
                + " · " + style.esc(_language_label(lang)),
                style.esc(_("Asked: {time}").format(time=payload.get("asked", ""))),
                "",
                "❓ " + style.bold(_("Question:")),
                style.esc(str(payload.get("question", ""))),
                "",
                "🤖 " + style.bold(_("The bot's best guesses:")),
            ]  # fmt: skip
            guesses = payload.get("guesses") or []
            for entry, title, score in guesses:
                percent = str(round(float(score) * 100))
                lines.append(style.esc(" ".join(("•", title, "(" + entry + ")", percent, "%"))))
            if not guesses:
                lines.append(style.esc(_("none")))
            lines += ["", self._how_to_answer(payload, style, for_mail)]
            return "\n".join(lines)
        if kind == "followup":
            lines = [
                "➕ " + style.bold(_("Ticket {ticket}: the person adds").format(ticket=ticket)),
                style.esc(str(payload.get("text", ""))),
                "",
                self._how_to_answer(payload, style, for_mail),
            ]
            return "\n".join(lines)
        notice = payload.get("notice")
        if notice == "delivered":
            text = _("✅ Ticket {ticket}: your answer was delivered to the person.")
        elif notice == "unreachable":
            text = _(
                "❌ Ticket {ticket}: the answer could not be delivered. The person has blocked "
                "the bot or deleted their account. The ticket stays open."
            )
        elif notice == "gone":
            text = _(
                "❌ Ticket {ticket}: the person has deleted their data with /forget; the answer "
                "was not delivered."
            )
        elif notice == "mail-rejected":
            text = _(
                "❌ Ticket {ticket}: the mail server rejected the e-mail to the inbox for good, "
                "so it will not be sent again. The question is still in the staff group if one "
                "is set. The server said: {error}"
            )
            return style.esc(text.format(ticket=ticket, error=payload.get("error", "")))
        elif notice == "staff-rejected":
            text = _(
                "❌ Ticket {ticket}: Telegram refused the message to the staff group for good, so "
                "it will not be sent again. The question is in the inbox if e-mail is set up; "
                "otherwise please contact the person another way. Telegram said: {error}"
            )
            return style.esc(text.format(ticket=ticket, error=payload.get("error", "")))
        elif notice == "rejected":
            text = _(
                "❌ Ticket {ticket}: Telegram refused your answer, so it was not delivered. Please "
                "send it again, shorter or in several messages. Telegram said: {error}"
            )
            return style.esc(text.format(ticket=ticket, error=payload.get("error", "")))
        elif notice == "migrated":
            text = _(
                "ℹ️ This group is now a supergroup with the id {new}. Please set "
                "STAFF_CHAT_ID={new} in the bot's settings. Until then the bot follows the new id "
                "by itself."
            )
        else:  # not produced by this version; show it as it is, never as a template
            return style.esc(str(payload.get("text", "")))
        return style.esc(text.format(ticket=ticket, new=payload.get("new")))

    def _how_to_answer(self, payload: Mapping[str, Any], style: Style, for_mail: bool) -> str:
        _ = gettext_for(STAFF_LANG)
        if not payload.get("answerable", True):
            text = _(
                "This question was asked without Telegram (console); the bot cannot send an "
                "answer back."
            )
        elif not for_mail:
            text = _(
                '↩️ To answer, reply to this message. The person gets your reply as "Answer '
                'from the city team", without your name. Reply /close to close the ticket.'
            )
        elif self._staff_chat is not None:
            text = _(
                "To answer, reply to this ticket's message in the Telegram staff group. Replies "
                "to this e-mail do not reach the person."
            )
        else:
            text = _(
                "No Telegram staff group is configured, so the person cannot be answered through "
                "the bot. Replies to this e-mail do not reach the person."
            )
        return style.italic(text)

    def mail_subject(self, payload: Mapping[str, Any]) -> str:
        _ = gettext_for(STAFF_LANG)
        ticket = payload.get("ticket")
        if payload.get("kind") == "followup":
            return _("[Ankommen] Ticket {ticket}: follow-up").format(ticket=ticket)
        return _("[Ankommen] Ticket {ticket}: question in {language}").format(
            ticket=ticket, language=_language_label(str(payload.get("lang", "?")))
        )

    def resident_text(self, ticket: Ticket, payload: Mapping[str, Any], style: Style) -> str:
        """A staff reply as the resident sees it: a localized header, never the staff name."""
        _ = gettext_for(ticket.lang)
        header = _("Answer from the city team")
        sub = _("(your question {ticket})").format(ticket=ticket.id)
        return (
            "💬 " + style.bold(header) + " " + style.esc(sub) + "\n\n"
            + style.esc(str(payload.get("text", "")))
        )  # fmt: skip


async def bookkeeping(write: Awaitable[None], what: str) -> None:
    """A write inside a delivery that has already reached its recipient: a failure (database
    locked, disk full) is logged, never raised, so that the message is not sent again."""
    try:
        await write
    except Exception as exc:
        log.error("could not record %s (%s); the message was delivered", what, exc)


def _migration_key(chat_id: int) -> str:
    return f"staff_chat_migrated_from:{chat_id}"


def _berlin_now() -> str:
    return datetime.now(BERLIN).strftime("%Y-%m-%d %H:%M")


def _language_label(code: str) -> str:
    return f"{code} ({language_name(code, STAFF_LANG)})"


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
        housekeeping: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.base_delay = base_delay
        # Capped so that a long outage still gets a try about every hour (or 60 base delays).
        self.max_delay = max_delay if max_delay is not None else max(base_delay * 60, base_delay)
        self.listener = listener
        self.housekeeping = housekeeping
        self.results: deque[DeliveryResult] = deque(maxlen=1000)
        self._busy: set[str] = set()  # channels with a delivery in progress
        self._changed = asyncio.Condition()
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_housekeeping = float("-inf")
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
        loop = asyncio.get_running_loop()
        while not self._stopping:
            self._wake.clear()
            try:
                await self.run_once()
                if (
                    self.housekeeping
                    and loop.time() - self._last_housekeeping > HOUSEKEEPING_INTERVAL
                ):
                    self._last_housekeeping = loop.time()
                    await self.housekeeping()
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
        due = await self.store.next_outbox_due()
        idle = HOUSEKEEPING_INTERVAL
        if due is None:
            return idle
        return min(max((due - utcnow()).total_seconds(), 0.0), idle)

    async def run_once(self) -> int:
        """Attempt every due row once; return how many were attempted."""
        for result in list(self._unrecorded.values()):
            if await self._write_outcome(result):
                await self._record(result)
        # A row whose outcome is still unrecorded stays pending in the database: never again.
        items = [i for i in await self.store.due_outbox_in_order() if i.id not in self._unrecorded]
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
                await self.store.outbox_done(item.id)
            elif result.outcome == "failed":
                await self.store.outbox_failed(item.id, f"{result.code}: {result.error}")
            else:
                at = utcnow() + timedelta(seconds=result.delay or 0.0)
                await self.store.outbox_reschedule(item.id, result.error or "", at)
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
