"""A web conversation's state as JSON (kept in SQLite, ``web_sessions.state``), and its buttons.

Telegram keeps a conversation in memory; the web chat keeps it in the database so that any
request (and a restart) finds it. A button on the page is an opaque token: a random string that
this state maps to what the button does. A token the state does not know — forged, from another
session, or too old — is rejected; the page never says what an action means.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from bot.dialogue import (
    Consent,
    Conversation,
    More,
    NoneOfThese,
    Option,
    Pending,
    Person,
    Show,
)

MAX_ACTIONS = 40  # buttons that stay usable: the last few replies' worth
TOKEN_BYTES = 9  # 72 bits per button token, on top of the session's 192


# Web-only actions next to the dialogue's options.
@dataclass(frozen=True, slots=True)
class Rate:
    entry: str
    lang: str
    helpful: bool


@dataclass(frozen=True, slots=True)
class EventsNow:
    """The events of the coming weeks (the page's "Events" button)."""


@dataclass(frozen=True, slots=True)
class Forget:
    confirm: bool


@dataclass(frozen=True, slots=True)
class AddToTicket:
    ticket: int


Action = Option | Rate | EventsNow | Forget | AddToTicket


def encode_action(action: Action) -> dict[str, Any]:
    match action:
        case Show(target, lang):
            return {"k": "show", "target": target, "lang": lang}
        case More(target, lang):
            return {"k": "more", "target": target, "lang": lang}
        case Person():
            return {"k": "person"}
        case NoneOfThese(offer):
            return {"k": "none", "offer": offer}
        case Consent(yes, offer, attach):
            return {"k": "consent", "yes": yes, "offer": offer, "attach": attach}
        case Rate(entry, lang, helpful):
            return {"k": "rate", "entry": entry, "lang": lang, "helpful": helpful}
        case EventsNow():
            return {"k": "events"}
        case Forget(confirm):
            return {"k": "forget", "confirm": confirm}
        case AddToTicket(ticket):
            return {"k": "add", "ticket": ticket}
    raise AssertionError(f"unknown action {action!r}")  # pragma: no cover


def decode_action(data: dict[str, Any]) -> Action:
    kind = data["k"]
    if kind == "show":
        return Show(str(data["target"]), str(data["lang"]))
    if kind == "more":
        return More(str(data["target"]), str(data["lang"]))
    if kind == "person":
        return Person()
    if kind == "none":
        return NoneOfThese(int(data["offer"]))
    if kind == "consent":
        return Consent(bool(data["yes"]), int(data["offer"]), bool(data.get("attach", False)))
    if kind == "rate":
        return Rate(str(data["entry"]), str(data["lang"]), bool(data["helpful"]))
    if kind == "events":
        return EventsNow()
    if kind == "forget":
        return Forget(bool(data["confirm"]))
    if kind == "add":
        return AddToTicket(int(data["ticket"]))
    raise ValueError(f"unknown action kind {kind!r}")


def _pending(data: dict[str, Any] | None) -> Pending | None:
    if not data:
        return None
    return Pending(
        int(data["offer"]), str(data["question"]), str(data["lang"]),
        tuple(data.get("candidates", ())), tuple(float(s) for s in data.get("scores", ())),
    )  # fmt: skip


def _pending_json(pending: Pending | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    return {
        "offer": pending.offer, "question": pending.question, "lang": pending.lang,
        "candidates": list(pending.candidates), "scores": [round(s, 4) for s in pending.scores],
    }  # fmt: skip


@dataclass(slots=True)
class WebState:
    """The dialogue's conversation plus what the web channel remembers itself."""

    talk: Conversation = field(default_factory=Conversation)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> action
    awaiting_ticket: int | None = None  # the next message is a follow-up to this ticket
    awaiting_question: bool = False  # the next message is a question for a person ("/human")
    last_entry: str | None = None  # what a 👍/👎 refers to

    def token(self, action: Action) -> str:
        """A new opaque token for ``action``; the oldest tokens expire beyond MAX_ACTIONS."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.actions[token] = encode_action(action)
        while len(self.actions) > MAX_ACTIONS:
            del self.actions[next(iter(self.actions))]
        return token

    def action(self, token: str) -> Action | None:
        data = self.actions.get(token)
        return decode_action(data) if data is not None else None

    def to_json(self) -> dict[str, Any]:
        talk = self.talk
        return {
            "lang": talk.lang,
            "menu": [encode_action(o) for o in talk.menu],
            "pending": _pending_json(talk.pending),
            "last": _pending_json(talk.last_question),
            "note": talk.machine_note_shown,
            "next": talk.next_offer,
            "actions": self.actions,
            "awaiting": self.awaiting_ticket,
            "person": self.awaiting_question,
            "entry": self.last_entry,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WebState:
        menu: list[Option] = []
        for item in data.get("menu", ()):
            option = decode_action(item)
            if isinstance(option, Show | More | Person | NoneOfThese | Consent):
                menu.append(option)
        talk = Conversation(
            lang=data.get("lang"),
            menu=tuple(menu),
            pending=_pending(data.get("pending")),
            last_question=_pending(data.get("last")),
            machine_note_shown=bool(data.get("note", False)),
            next_offer=int(data.get("next", 1)),
        )
        return cls(
            talk=talk,
            actions=dict(data.get("actions", {})),
            awaiting_ticket=data.get("awaiting"),
            awaiting_question=bool(data.get("person", False)),
            last_entry=data.get("entry"),
        )
