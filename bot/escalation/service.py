"""The ticket service: a question goes to the city's team, their answer comes back.

On consent, ``Escalation.escalate`` (or ``forward``, which adds to the person's open ticket)
writes the ticket and one outbox row per configured channel (staff group, e-mail) in a single
SQLite transaction; only then is the resident told the ticket number. A staff member's reply
becomes a row for the resident's channel; when the worker reports it delivered (or not),
``after_delivery`` queues a notice for the staff group.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal

from bot import clock
from bot.escalation.outbox import DeliveryResult
from bot.escalation.payloads import (
    ADMIN,
    MAIL,
    RESIDENT,
    STAFF,
    WEB,
    WEB_MAIL,
    FollowUpPayload,
    Guess,
    Notice,
    NoticePayload,
    Payload,
    ReplyPayload,
    TicketPayload,
)
from bot.escalation.store import TicketStore
from bot.escalation.texts import STAFF_LANG, StaffTexts
from bot.store import Store, utcnow

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4096
MAX_NOTICE_ERROR_CHARS = 300  # of the far side's reason quoted in a notice


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
        self.store = store  # the bot's key/value state: where the staff group migrated to
        self.tickets = TicketStore(store)
        self.max_follow_ups = max_follow_ups
        self.tickets_per_day = tickets_per_day
        self.admin_ids = tuple(sorted(admin_ids))
        self._configured_staff_chat = staff_chat_id
        self._staff_chat = staff_chat_id
        self.mail_enabled = mail_enabled
        self.titles = titles
        # The texts read the staff group's current id: a mail says whether one is set.
        self.texts = StaffTexts(lambda: self._staff_chat is not None)
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
        guesses = tuple(
            Guess(target, self.titles(target, STAFF_LANG), round(score, 2))
            for target, score in zip(candidates, padded, strict=False)
        )
        payload = TicketPayload(
            lang=lang,
            question=question,
            guesses=guesses,
            asked=_berlin_now(),
            answerable=chat_id is not None or web_session is not None,
        )
        ticket = await self.tickets.create_ticket(
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
            ticket = await self.tickets.open_web_ticket(web_session)
        else:
            assert chat_id is not None
            ticket = await self.tickets.open_ticket_for(chat_id)
        if ticket is not None:
            result = await self.follow_up(ticket.id, chat_id, question, web_session=web_session)
            if result == "limit":
                raise LimitReached("follow-ups", ticket.id)
            if result == "added":
                return Forwarded(ticket.id, added=True)
        since = utcnow() - timedelta(days=1)
        opened = await self.tickets.tickets_since(chat_id, since, web_session=web_session)
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
        ticket = await self.tickets.ticket(ticket_id)
        if ticket is None or (ticket.chat_id, ticket.web_session) != (chat_id, web_session):
            return "not-yours"
        if ticket.status != "open":
            return "closed"
        if await self.tickets.count_follow_ups(ticket_id) >= self.max_follow_ups:
            log.info("ticket %d reached the follow-up limit (%d)", ticket_id, self.max_follow_ups)
            return "limit"
        text = text.strip()[:MAX_QUESTION_CHARS]
        payload = FollowUpPayload(text=text, lang=ticket.lang)
        await self.tickets.add_ticket_message(
            ticket_id, "followup", text, [(name, payload) for name in self.channels()]
        )
        self._wake()
        return "added"

    async def staff_reply(
        self, *, ticket_id: int, text: str, staff_chat_id: int, staff_message_id: int
    ) -> StaffReplyResult:
        """Queue a staff member's reply for the resident (the staff member stays anonymous)."""
        ticket = await self.tickets.ticket(ticket_id)
        if ticket is None:
            return "unknown"
        if ticket.chat_id is None and ticket.web_session is None:
            return "no-resident"
        payload = ReplyPayload(
            text=text.strip()[:MAX_QUESTION_CHARS],
            staff_chat=staff_chat_id,
            staff_message=staff_message_id,
        )
        rows: list[tuple[str, Payload]]
        if ticket.web_session is None:
            rows = [(RESIDENT, payload)]
        else:  # the web page shows it; a copy by e-mail only if the person asked for one
            rows = [(WEB, payload)]
            if ticket.email and self.mail_enabled:
                rows.append((WEB_MAIL, replace(payload, copy=True)))
        await self.tickets.add_ticket_message(ticket_id, "reply", payload.text, rows)
        self._wake()
        return "queued"

    async def close(self, ticket_id: int) -> bool:
        closed = await self.tickets.close_ticket(ticket_id)
        if closed:
            log.info("ticket %d closed", ticket_id)
        return closed

    async def staff_chat_migrated(self, old: int, new: int) -> bool:
        """Follow the staff group to its new (supergroup) id; True if this was news."""
        if self._staff_chat == new or (self._staff_chat is not None and self._staff_chat != old):
            return False
        self._staff_chat = new
        await self.tickets.migrate_staff_chat(old, new)
        if self._configured_staff_chat is not None:
            await self.store.set_state(_migration_key(self._configured_staff_chat), str(new))
        log.warning("the staff group %s became supergroup %s; set STAFF_CHAT_ID=%s", old, new, new)
        await self.tickets.enqueue(None, STAFF, NoticePayload(notice=Notice.MIGRATED, new=new))
        self._wake()
        return True

    async def after_delivery(self, result: DeliveryResult) -> None:
        """React to a delivery: confirm replies in the staff group, note unreachable people."""
        item = result.item
        if item.channel == MAIL and result.outcome == "failed":
            await self._tell_admins(result, Notice.MAIL_REJECTED)
            return
        if item.channel == STAFF and result.outcome == "failed":
            await self._tell_admins(result, Notice.STAFF_REJECTED)
            return
        if item.channel not in (RESIDENT, WEB) or result.outcome == "retry":
            return
        ticket_id = item.ticket_id
        reply_to = item.payload.staff_message if isinstance(item.payload, ReplyPayload) else None
        error = ""
        if result.outcome == "sent":
            notice = Notice.DELIVERED
        elif result.code == "gone" or ticket_id is None:
            notice = Notice.GONE
        elif result.code == "rejected":  # Telegram refused the text itself; the person is there
            notice, error = Notice.REJECTED, (result.error or "")[:MAX_NOTICE_ERROR_CHARS]
        else:
            notice = Notice.UNREACHABLE
            if ticket_id is not None:
                await self.tickets.mark_unreachable(ticket_id)
        if self._staff_chat is None:
            return
        payload = NoticePayload(notice=notice, reply_to=reply_to, ref=ticket_id, error=error)
        await self.tickets.enqueue(ticket_id if notice != Notice.GONE else None, STAFF, payload)
        self._wake()

    async def _tell_admins(self, result: DeliveryResult, notice: Notice) -> None:
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
            payload = NoticePayload(
                notice=notice, admin=admin, ref=ticket_id,
                error=(result.error or "")[:MAX_NOTICE_ERROR_CHARS],
            )  # fmt: skip
            await self.tickets.enqueue(ticket_id, ADMIN, payload)
        self._wake()


def _migration_key(chat_id: int) -> str:
    return f"staff_chat_migrated_from:{chat_id}"


def _berlin_now() -> str:
    return clock.now().strftime("%Y-%m-%d %H:%M")
