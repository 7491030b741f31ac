"""What an outbox row carries: the channel names and one typed payload per kind of message.

A row's payload is stored as JSON in ``outbox.payload``. The JSON keys are those the bot has
always written (``kind``, ``question``, ``guesses``, ``staff_message``, …), so rows already in a
database are read by ``payload_from_json`` and a row written now reads the same way.

Two fields change while a row waits: ``mt`` (the machine translation, stored before the first
send so that every attempt sends the same text) and ``parts_sent`` (how many parts of a long
message have gone out, so that a retry never repeats a part).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, ClassVar

from bot.translate.texts import MachineTranslation

# Outbox channels: where a row goes.
STAFF = "staff"
MAIL = "mail"
RESIDENT = "resident"
ADMIN = "admin"  # notices for the people in ADMIN_IDS (e.g. a mail the server rejected)
WEB = "web"  # a staff answer for a web chat session (bot.web)
WEB_MAIL = "web-mail"  # ... and by e-mail, when the person left an address for that ticket
TO_RESIDENT = (RESIDENT, WEB, WEB_MAIL)  # channels that carry the team's answers to a person


class Notice(StrEnum):
    """What a notice says (its JSON value ``notice``)."""

    DELIVERED = "delivered"  # a staff answer reached the person
    UNREACHABLE = "unreachable"  # ... did not: the person blocked the bot
    GONE = "gone"  # ... did not: the ticket was deleted (/forget, retention)
    REJECTED = "rejected"  # ... did not: Telegram refused the text
    MIGRATED = "migrated"  # the staff group became a supergroup
    MAIL_REJECTED = "mail-rejected"  # for the admins: the inbox's mail server refused for good
    STAFF_REJECTED = "staff-rejected"  # for the admins: Telegram refused the staff message


@dataclass(frozen=True, slots=True)
class Guess:
    """One of the bot's best guesses for the team: an entry, its German title, a score."""

    entry: str
    title: str
    score: float


@dataclass(frozen=True, slots=True)
class _Common:
    """Fields every payload has: its ticket (set when queued) and the delivery's progress."""

    ticket: int | None = None
    mt: MachineTranslation | None = None
    parts_sent: int = 0

    def _common_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ticket": self.ticket}
        if self.mt is not None:
            data["mt"] = self.mt.to_json()
        if self.parts_sent:
            data["parts_sent"] = self.parts_sent
        return data

    @staticmethod
    def _common_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        mt = data.get("mt")
        ticket = data.get("ticket")
        return {
            "ticket": int(ticket) if ticket is not None else None,
            "mt": MachineTranslation.from_json(mt) if isinstance(mt, Mapping) else None,
            "parts_sent": int(data.get("parts_sent", 0)),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketPayload(_Common):
    """A new question for the team (staff group and inbox)."""

    KIND: ClassVar[str] = "ticket"
    lang: str
    question: str
    guesses: tuple[Guess, ...] = ()
    asked: str = ""  # local time in the city, "YYYY-MM-DD HH:MM"
    answerable: bool = True  # False: asked where no answer can go back (the console)

    @property
    def text(self) -> str:
        """What a translation translates: the question."""
        return self.question

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND, "lang": self.lang, "question": self.question,
            "guesses": [[g.entry, g.title, g.score] for g in self.guesses],
            "asked": self.asked, "answerable": self.answerable, **self._common_json(),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TicketPayload:
        return cls(
            lang=str(data.get("lang", "?")),
            question=str(data.get("question", "")),
            guesses=tuple(
                Guess(str(entry), str(title), float(score))
                for entry, title, score in data.get("guesses") or ()
            ),
            asked=str(data.get("asked", "")),
            answerable=bool(data.get("answerable", True)),
            **cls._common_fields(data),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowUpPayload(_Common):
    """The person adds to their open ticket."""

    KIND: ClassVar[str] = "followup"
    lang: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.KIND, "text": self.text, "lang": self.lang, **self._common_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FollowUpPayload:
        return cls(
            lang=str(data.get("lang", "?")), text=str(data.get("text", "")),
            **cls._common_fields(data),
        )  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyPayload(_Common):
    """A staff member's answer for the person (Telegram, web chat, or its e-mail copy)."""

    KIND: ClassVar[str] = "reply"
    text: str
    staff_chat: int | None = None
    staff_message: int | None = None  # what the delivery notice replies to in the staff group
    copy: bool = False  # the e-mail copy of a web chat answer

    def to_json(self) -> dict[str, Any]:
        data = {
            "kind": self.KIND, "text": self.text, "staff_chat": self.staff_chat,
            "staff_message": self.staff_message, **self._common_json(),
        }  # fmt: skip
        if self.copy:
            data["copy"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReplyPayload:
        return cls(
            text=str(data.get("text", "")),
            staff_chat=_int_or_none(data.get("staff_chat")),
            staff_message=_int_or_none(data.get("staff_message")),
            copy=bool(data.get("copy", False)),
            **cls._common_fields(data),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticePayload(_Common):
    """The bot's own news for the staff group or an admin: a delivery's outcome, a migration.

    ``ref`` is the ticket the notice is about (also when ``ticket`` is None because the ticket
    is gone); ``reply_to`` the staff message it answers; ``new`` a migrated group's id;
    ``admin`` the admin's chat for the ``admin`` channel; ``text`` shows a notice this version
    does not know (written by another version) as it is.
    """

    KIND: ClassVar[str] = "notice"
    notice: str  # a Notice; another version's notice is kept as it is
    ref: int | None = None
    reply_to: int | None = None
    error: str = ""
    new: int | None = None
    admin: int | None = None
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.KIND, "notice": self.notice}
        for key in ("ref", "reply_to", "new", "admin"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        data["error"] = self.error
        if self.text:
            data["text"] = self.text
        return {**data, **self._common_json()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NoticePayload:
        return cls(
            notice=_notice(str(data.get("notice", ""))),
            ref=_int_or_none(data.get("ref")),
            reply_to=_int_or_none(data.get("reply_to")),
            error=str(data.get("error", "")),
            new=_int_or_none(data.get("new")),
            admin=_int_or_none(data.get("admin")),
            text=str(data.get("text", "")),
            **cls._common_fields(data),
        )


Payload = TicketPayload | FollowUpPayload | ReplyPayload | NoticePayload
_KINDS: dict[str, Any] = {
    cls.KIND: cls for cls in (TicketPayload, FollowUpPayload, ReplyPayload, NoticePayload)
}


def payload_from_json(data: Mapping[str, Any]) -> Payload:
    """A stored payload; an unknown kind (another version's) becomes a notice shown as is."""
    kind = _KINDS.get(str(data.get("kind", "")), NoticePayload)
    payload: Payload = kind.from_json(data)
    return payload


def with_ticket(payload: Payload, ticket: int | None) -> Payload:
    return replace(payload, ticket=ticket)


def _notice(value: str) -> str:
    return Notice(value) if value in Notice._value2member_map_ else value


def _int_or_none(value: Any) -> int | None:
    return int(value) if value is not None and value != "" else None
