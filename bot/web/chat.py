"""The web chat's conversations: the shared dialogue (``bot.dialogue``) behind a JSON API.

One request is one step of a conversation: load the session's state from SQLite, let the
dialogue decide, render the reply as plain text with buttons (opaque tokens), save the state.
Requests of one session are handled one at a time (a lock per session); different sessions
never wait for each other except for the database's short write lock.

Escalation works exactly as on Telegram (consent first; ticket and outbox rows in one
transaction); the ticket names the web session instead of a chat id. The team's answer arrives
in ``web_inbox`` (``bot.web.channel``) and is fetched by the page.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot import clock
from bot import dialogue as dlg
from bot.assistant import Assistant
from bot.config import Settings
from bot.escalation import Escalation, LimitReached
from bot.events import EventAnswer, answer_window
from bot.i18n import gettext_for
from bot.language import LANGUAGES, normalize_code
from bot.letters import LetterDesk, LetterResult
from bot.matching import Decision
from bot.render import PLAIN, render_event_answer
from bot.replies import forwarding_unavailable, limit_text, option_label, reply_text
from bot.store import Store, WebSession
from bot.web.privacy import privacy_text
from bot.web.state import Action, AddToTicket, EventsNow, Forget, Rate, WebState
from bot.web.writer import QuestionRecord, WriteBehind

SESSION_BYTES = 24  # 192 random bits
_SESSION = re.compile(r"[A-Za-z0-9_-]{32}")
_ACTION = re.compile(r"[A-Za-z0-9_-]{8,32}")
# Deliberately simple: one @, a dot in the domain, no spaces or angle brackets; ≤ 254 chars.
_EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}")
MAX_TEXT = 2000  # characters of one message (the API refuses longer ones)
PREVIEW_CHARS = 500
NO_TEXT_LIMIT = 1_000_000  # events: the page scrolls, nothing needs splitting
CACHE_SIZE = 20_000  # conversations kept in memory
CACHE_SECONDS = 600.0  # ... for this long after their last request
# A letter's text (OCR) is never written to SQLite: it waits in memory, keyed by session and
# offer, for the resident's "with the letter's text" — for this long, and at most this many.
LETTER_SECONDS = 900.0
LETTER_TEXTS = 500


class WebChatError(Exception):
    """A request the API refuses: ``code`` names why (JSON ``error``), ``status`` the HTTP code."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def new_session_token() -> str:
    return secrets.token_urlsafe(SESSION_BYTES)


def token_hash(token: str) -> str:
    """Only a hash of the session id is stored: a copy of the database opens no conversation."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def valid_email(text: str) -> bool:
    return len(text) <= 254 and _EMAIL.fullmatch(text) is not None


@dataclass(slots=True)
class Out:
    """One reply as the API returns it."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": self.buttons, **self.extra}


@dataclass(slots=True)
class Turn:
    """What one request works on: the session, its state, and the replies so far."""

    token: str
    session: WebSession
    state: WebState
    lang: str
    replies: list[Out] = field(default_factory=list)
    forgotten: bool = False
    question: QuestionRecord | None = None  # the question this turn logged, if any

    def say(self, text: str, actions: Sequence[tuple[str, Action]] = (), **extra: Any) -> None:
        buttons = [{"label": label, "action": self.state.token(a)} for label, a in actions]
        self.replies.append(Out(text, buttons, dict(extra)))

    def json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "session": self.token,
            "lang": self.lang,
            "replies": [r.json() for r in self.replies],
        }
        if self.forgotten:
            body["forgotten"] = True
        return body


class WebChat:
    """Conversations of the web chat; one instance per process, shared by all requests."""

    def __init__(
        self,
        assistant: Assistant,
        store: Store,
        escalation: Escalation,
        settings: Settings,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.assistant = assistant
        self.store = store
        self.escalation = escalation
        self.settings = settings
        self._now = now or (clock.now)
        self._locks: dict[str, _Lock] = {}
        self.writer = WriteBehind(store)
        # Sessions in use, so that a request does not read its state back from SQLite. Entries
        # expire (retention may delete an idle session in the database meanwhile).
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # (session hash, offer) -> (monotonic time, the letter's text); memory only.
        self._letters: OrderedDict[tuple[str, int], tuple[float, str]] = OrderedDict()

    async def close(self) -> None:
        """Write what is still queued; call after the server stopped taking requests."""
        await self.writer.close()

    async def flush(self) -> None:
        await self.writer.flush()

    # ------------------------------------------------------------------ entry points

    async def message(self, token: str | None, text: str, lang: str | None) -> dict[str, Any]:
        chosen = _lang(lang)
        async with self._turn(token, chosen, create=True) as turn:
            await self._message(turn, text, chosen)
            return turn.json()

    async def letter(
        self,
        token: str | None,
        data: bytes,
        desk: LetterDesk | None,
        *,
        filename: str | None = None,
        caption: str | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        """A photo or PDF of a letter: read it (OCR off the loop), explain it, offer forwarding.
        The letter's text stays in memory only (``_letters``), never in the session's state."""
        chosen = _lang(lang)
        if caption is not None and len(caption) > MAX_TEXT:
            raise WebChatError("text-too-long", 413)
        async with self._turn(token, chosen, create=True) as turn:
            if desk is None or not desk.available:
                result = LetterResult(None, "", "unavailable")
            else:
                result = await desk.read(data, self.assistant.kb, filename)
            talk = turn.state.talk
            reply = self._dialogue().letter(
                result, talk, caption=caption, chosen=chosen or turn.session.lang
            )
            pending = talk.pending
            if pending is not None and pending.attachment:
                self._keep_letter(token_hash(turn.token), pending.offer, pending.attachment)
                talk.pending = replace(pending, attachment="")
            await self._reply(turn, reply)
            return turn.json()

    def _keep_letter(self, key: str, offer: int, text: str) -> None:
        self._letters[(key, offer)] = (time.monotonic(), text)
        self._letters.move_to_end((key, offer))
        while len(self._letters) > LETTER_TEXTS:
            self._letters.popitem(last=False)

    def _letter_text(self, key: str, offer: int) -> str | None:
        """The letter's text for this offer (and forget it: it is used once), if still kept."""
        kept = self._letters.pop((key, offer), None)
        if kept is None or time.monotonic() - kept[0] > LETTER_SECONDS:
            return None
        return kept[1]

    def _drop_letters(self, key: str) -> None:
        for item in [k for k in self._letters if k[0] == key]:
            del self._letters[item]

    async def action(self, token: str, action: str, email: str | None = None) -> dict[str, Any]:
        if not isinstance(action, str) or not _ACTION.fullmatch(action):
            raise WebChatError("unknown-action")
        if email is not None and not valid_email(email):
            raise WebChatError("invalid-email")
        async with self._turn(token, None, create=False) as turn:
            chosen = turn.state.action(action)
            if chosen is None:
                raise WebChatError("unknown-action")
            # A used token is spent: a double click never forwards a question twice.
            turn.state.actions.pop(action, None)
            if isinstance(chosen, dlg.Consent) and not self._with_letter(turn, chosen):
                return turn.json()
            await self._act(turn, chosen, email)
            return turn.json()

    def _with_letter(self, turn: Turn, consent: dlg.Consent) -> bool:
        """Before a consent: the letter's text back from memory into the pending question if
        the resident chose "with the letter's text"; False (and a notice) if it is gone. The
        question stays pending: its "without the text" button still works."""
        talk = turn.state.talk
        text = self._letter_text(token_hash(turn.token), consent.offer)
        pending = talk.pending
        wanted = consent.yes and consent.attach
        if not wanted or pending is None or pending.offer != consent.offer:
            return True
        if text is None:
            notice = dlg.Notice("letter-gone", turn.lang)
            turn.say(reply_text(notice, self.assistant, PLAIN, self._now()))
            return False
        talk.pending = replace(pending, attachment=text)
        return True

    async def pending(self, token: str, after: int = 0) -> dict[str, Any]:
        """Answers from the city's team that arrived for this session (after ``after``)."""
        async with self._turn(token, None, create=False, touch=False) as turn:
            waiting = await self.store.web_inbox(turn.session.id)
            if any(item_id <= after for item_id, _text in waiting):
                await self.store.ack_web_inbox(turn.session.id, after)
            items = [(item_id, text) for item_id, text in waiting if item_id > after]
            ticket = (
                await self.escalation.tickets.open_web_ticket(turn.session.id) if items else None
            )
            _ = gettext_for(turn.lang)
            for _id, text in items:
                actions: list[tuple[str, Action]] = []
                if ticket is not None:
                    actions.append((_("↩️ Write back to the team"), AddToTicket(ticket.id)))
                turn.say(text, actions, kind="team")
            body = turn.json()
            body["cursor"] = items[-1][0] if items else after
            return body

    # ---------------------------------------------------------------------- sessions

    def _turn(
        self, token: str | None, chosen: str | None, *, create: bool, touch: bool = True
    ) -> _TurnContext:
        return _TurnContext(self, token, chosen, create, touch)

    async def _load(self, token: str | None, chosen: str | None, create: bool) -> Turn:
        session: WebSession | None = None
        if token is not None:
            if not isinstance(token, str) or not _SESSION.fullmatch(token):
                raise WebChatError("unknown-session", 404)
            session = await self._cached_session(token_hash(token))
            if session is None and not create:
                raise WebChatError("unknown-session", 404)
        if session is None:
            # An unknown (e.g. forgotten or expired) id is never taken over: a fresh one.
            token = new_session_token()
            session = await self.store.create_web_session(token_hash(token), chosen)
            self._remember(token_hash(token), session)
        assert token is not None
        state = WebState.from_json(session.state)
        if chosen is not None and chosen != session.lang:
            state.talk.choose_language(chosen)
        lang = dlg.ui_lang(state.talk, chosen or session.lang)
        return Turn(token, session, state, lang)

    async def _save(self, turn: Turn, chosen: str | None) -> None:
        key = token_hash(turn.token)
        if turn.forgotten:
            self._cache.pop(key, None)
            self.writer.drop(turn.session.id)
            return
        lang, state = chosen or turn.session.lang, turn.state.to_json()
        self.writer.state(turn.session.id, lang, state)
        session = WebSession(turn.session.id, lang, state, turn.session.last_seen)
        self._remember(key, session, turn.question or self._question_of(key))

    async def _cached_session(self, key: str) -> WebSession | None:
        cached = self._cache.get(key)
        now = time.monotonic()
        if cached is not None and now - cached.used < CACHE_SECONDS:
            self._cache.move_to_end(key)
            cached.used = now
            return cached.session
        self._cache.pop(key, None)
        session = await self.store.web_session(key)
        if session is not None:
            self._remember(key, session)
        return session

    def _remember(
        self, key: str, session: WebSession, question: QuestionRecord | None = None
    ) -> None:
        self._cache[key] = _Cached(session, time.monotonic(), question)
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _question_of(self, key: str) -> QuestionRecord | None:
        cached = self._cache.get(key)
        return cached.question if cached is not None else None

    def _log(self, turn: Turn, **row: Any) -> QuestionRecord:
        record = self.writer.question(turn.session.id, **row)
        cached = self._cache.get(token_hash(turn.token))
        if cached is not None:
            cached.question = record
        return record

    # ---------------------------------------------------------------------- messages

    def _dialogue(self) -> dlg.Dialogue:
        return dlg.Dialogue(
            self.assistant, forwarding=self.escalation.forwarding_enabled, now=self._now
        )

    async def _message(self, turn: Turn, text: str, chosen: str | None) -> None:
        text = text.replace("\x00", "").strip()
        state = turn.state
        if text.startswith("/") and await self._command(turn, text.split()[0].lower()):
            return
        if text and state.awaiting_ticket is not None:
            ticket, state.awaiting_ticket = state.awaiting_ticket, None
            result = await self.escalation.follow_up(
                ticket, None, text, web_session=turn.session.id
            )
            _ = gettext_for(turn.lang)
            if result == "limit":
                turn.say(limit_text(LimitReached("follow-ups", ticket), turn.lang))
                return
            if result == "added":
                turn.say(_("✅ Added to your question {ticket}. The team will see it.").format(
                    ticket=ticket))  # fmt: skip
                return
            if result == "closed":
                turn.say(_(
                    "Your question {ticket} is already closed, so I treat this as a new question."
                ).format(ticket=ticket))  # fmt: skip
        if state.awaiting_question and text:
            # After "ask a person" the next message is the question for the team: offered for
            # forwarding as it is, like on Telegram.
            state.awaiting_question = False
            talk = state.talk
            chosen_lang = chosen or turn.session.lang
            lang = self._dialogue().language_of(text, talk, chosen=chosen_lang) or turn.lang
            pending = dlg.Pending(talk.new_offer(), text, lang)
            talk.last_question = pending
            self._log(
                turn, lang=lang, text=text, decision="escalate", entry=None, candidates=[],
                score=0.0, reason="asked-for-person",
            )  # fmt: skip
            await self._reply(turn, self._dialogue().offer(pending, talk, unknown=False))
            return
        reply = self._dialogue().message(text, state.talk, chosen=chosen or turn.session.lang)
        decision = getattr(reply, "decision", None)
        if isinstance(decision, Decision):
            record = self._log(
                turn, lang=decision.lang, text=text, decision=decision.decision,
                entry=decision.entry, candidates=list(decision.candidates),
                score=decision.score, reason=decision.reason,
            )  # fmt: skip
            if isinstance(reply, dlg.Answer):
                state.last_entry, turn.question = reply.target, record
        await self._reply(turn, reply)

    async def _command(self, turn: Turn, command: str) -> bool:
        """/events, /privacy, /forget, /human, /start, /help typed into the chat."""
        _ = gettext_for(turn.lang)
        if command == "/events":
            await self._act(turn, EventsNow(), None)
        elif command == "/privacy":
            turn.say(privacy_text(turn.lang, self.settings, PLAIN))
        elif command == "/forget":
            self._ask_forget(turn)
        elif command == "/human":
            await self._ask_person(turn)
        elif command in ("/start", "/help"):
            turn.say(_(
                "Ask me about arriving and living in Dessau-Roßlau: just type your question "
                "in your own words, or choose a topic below."
            ), [(_("🎉 Events"), EventsNow())])  # fmt: skip
        else:
            return False
        return True

    def _ask_forget(self, turn: Turn) -> None:
        _ = gettext_for(turn.lang)
        text = _(
            "Shall I delete everything I store about you: your language and your questions to "
            "the city's team (open ones can then not be answered here)?"
        )
        turn.say(text, [(_("🗑 Yes, delete"), Forget(True)), (_("✖️ No"), Forget(False))])

    async def _ask_person(self, turn: Turn) -> None:
        _ = gettext_for(turn.lang)
        if self.escalation.forwarding_enabled:
            ticket = await self.escalation.tickets.open_web_ticket(turn.session.id)
            if ticket is not None:
                text = _(
                    "Your question {ticket} is already with the city's team; the answer will "
                    "come here. Do you want to add something?"
                ).format(ticket=ticket.id)
                turn.say(text, [(_("➕ Add something"), AddToTicket(ticket.id))])
                return
        reply = self._dialogue().ask_person(turn.state.talk, turn.lang)
        if isinstance(reply, dlg.Notice) and reply.kind == "type-question":
            turn.state.awaiting_question = True
        await self._reply(turn, reply)

    # ----------------------------------------------------------------------- actions

    async def _act(self, turn: Turn, action: Action, email: str | None) -> None:
        state = turn.state
        _ = gettext_for(turn.lang)
        match action:
            case Rate(entry, lang, helpful):
                asked = self._question_of(token_hash(turn.token))
                question = asked if state.last_entry == entry else None
                if entry in self.assistant.kb.entries:
                    self.writer.rating(turn.session.id, entry, lang, helpful, question)
                if helpful:
                    turn.say(_("Thank you!"))
                else:
                    turn.say(
                        _("Thank you for telling me — that helps to improve the answers."),
                        [(_("🙋 Ask a person"), dlg.Person())],
                    )
            case EventsNow():
                answer = answer_window(self.assistant.kb, "all", self._now())
                text = render_event_answer(
                    answer, self.assistant.kb, turn.lang, PLAIN, limit=NO_TEXT_LIMIT
                )
                turn.say(text, links=calendar_links(answer, turn.lang))
            case Forget(confirm=False):
                turn.say(_("OK, nothing was deleted."))
            case Forget(confirm=True):
                self._drop_letters(token_hash(turn.token))
                self.writer.drop(turn.session.id)
                await self.writer.flush()  # a batch under way is written before the deletion
                await self.store.forget_web_session(turn.session.id)
                turn.forgotten = True
                turn.say(_(
                    "Done: I deleted your language and your questions to the city's team. "
                    "E-mails that already reached the city's inbox are kept by the city."
                ))  # fmt: skip
            case AddToTicket(ticket_id):
                ticket = await self.escalation.tickets.ticket(ticket_id)
                if ticket is None or ticket.web_session != turn.session.id:
                    raise WebChatError("unknown-action")
                if ticket.status != "open":
                    turn.say(_("This question is closed. Just ask me again."))
                    return
                state.awaiting_ticket = ticket_id
                turn.say(_("Please type what you want to add to your question {ticket}.").format(
                    ticket=ticket_id))  # fmt: skip
            case dlg.Person():
                await self._ask_person(turn)
            case dlg.Consent(yes=True) if email is not None:
                await self._reply(turn, self._dialogue().choose(action, state.talk), email)
            case _:
                await self._reply(turn, self._dialogue().choose(action, state.talk))

    # ----------------------------------------------------------------------- replies

    async def _reply(self, turn: Turn, reply: dlg.Reply, email: str | None = None) -> None:
        """Render a reply of the dialogue: plain text and its options as buttons."""
        assistant = self.assistant
        lang = reply.lang
        options = [(option_label(o, assistant, lang), o) for o in reply.options]
        match reply:
            case dlg.Answer():
                text = reply_text(reply, assistant, PLAIN, self._now())
                entry = assistant.entry(reply.target)
                rating: list[tuple[str, Action]] = []
                if entry is not None and entry.category != "smalltalk":
                    rating = [("👍", Rate(reply.target, lang, True)),
                              ("👎", Rate(reply.target, lang, False))]  # fmt: skip
                turn.say(text, [*options, *rating], entry=reply.target)
            case dlg.Events():
                text = render_event_answer(
                    reply.answer, assistant.kb, lang, PLAIN, limit=NO_TEXT_LIMIT
                )
                turn.say(text, options, links=calendar_links(reply.answer, lang))
            case dlg.OfferForwarding():
                turn.say(self._offer_text(reply), options, ask_email=self.escalation.mail_enabled)
            case dlg.Forward():
                await self._forward(turn, reply.pending, email)
            case _:
                turn.say(reply_text(reply, assistant, PLAIN, self._now()), options)

    def _offer_text(self, reply: dlg.OfferForwarding) -> str:
        """Ask before forwarding: what will be sent (question, language) and to whom."""
        escalation = self.escalation
        pending = reply.pending
        _ = gettext_for(pending.lang)
        lead = reply_text(reply, self.assistant, PLAIN)
        if escalation.staff_chat_id is not None and escalation.mail_enabled:
            whom = _(
                "The city's integration team (Integrationsbüro / ZWK) will get your question and "
                "its language — not your name or phone number — in their Telegram group and by "
                "e-mail to {inbox}."
            )
        elif escalation.staff_chat_id is not None:
            whom = _(
                "The city's integration team (Integrationsbüro / ZWK) will get your question and "
                "its language — not your name or phone number — in their Telegram group."
            )
        else:
            whom = _(
                "The city's integration team (Integrationsbüro / ZWK) will get your question and "
                "its language — not your name or phone number — by e-mail to {inbox}."
            )
        if escalation.staff_chat_id is not None:
            how = _("They answer you here in this chat.")
        else:
            how = _("They cannot answer you in this chat; for a reply, please also contact them.")
        question = pending.question
        if len(question) > PREVIEW_CHARS:
            question = question[:PREVIEW_CHARS].rstrip() + " …"
        parts = [
            *([lead] if lead else []),
            "📨 " + _("Shall I forward your question to the city's team?"),
            "«" + question + "»",
            "ℹ️ " + whom.format(inbox=self.settings.zwk_inbox) + " " + how,
        ]
        if escalation.mail_enabled and escalation.staff_chat_id is not None:
            parts.append("✉️ " + _(
                "If you like, leave an e-mail address: the answer then also goes there. It is "
                "kept only with this question and deleted with it."
            ))  # fmt: skip
        return "\n\n".join(parts)

    async def _forward(self, turn: Turn, pending: dlg.Pending, email: str | None) -> None:
        """The person agreed: write the ticket (the outbox delivers it) and confirm its number."""
        _ = gettext_for(pending.lang)
        can_answer = self.escalation.staff_chat_id is not None
        try:
            forwarded = await self.escalation.forward(
                chat_id=None, question=pending.question, lang=pending.lang,
                candidates=pending.candidates, scores=pending.scores,
                web_session=turn.session.id,
                email=email if can_answer and self.escalation.mail_enabled else None,
            )  # fmt: skip
        except LimitReached as exc:
            turn.say(limit_text(exc, pending.lang))
            return
        if forwarded is None:
            turn.say(forwarding_unavailable(self.assistant.kb, pending.lang, self._now(), PLAIN))
            return
        ticket = forwarded.ticket
        if forwarded.added:  # one open ticket per person: the new question joins it
            turn.say(_("✅ Added to your question {ticket}. The team will see it.").format(
                ticket=ticket), ticket=ticket)  # fmt: skip
            return
        lines = [
            "✅ " + _("Thank you! I forwarded your question to the city's team."),
            _("Your ticket number is {ticket}.").format(ticket=ticket),
        ]
        if can_answer:
            lines.append(_(
                "The answer will appear here, also if you close the page and come back later. "
                "To add something, use the button."
            ))  # fmt: skip
        else:
            lines.append(_("The team cannot answer you in this chat; please also contact them."))
        turn.say("\n".join(lines), [(_("➕ Add something"), AddToTicket(ticket))], ticket=ticket)


def calendar_links(answer: EventAnswer, lang: str) -> list[dict[str, str]]:
    """ "Add to calendar" for each event shown (an .ics file from ``/calendar/<id>.ics``)."""
    _ = gettext_for(lang)
    _number, _pages, items = answer.page(0)
    numbered = answer.window != "event"
    links = []
    for index, occurrence in enumerate(items, 1):
        prefix = f"{index}. " if numbered else ""
        url = f"calendar/{occurrence.event.id}.ics?lang={lang}"
        links.append({"label": "📅 " + prefix + _("Add to calendar"), "url": url})
    return links


def _lang(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise WebChatError("invalid-lang")
    code = normalize_code(value)
    if code is None or code not in LANGUAGES:
        raise WebChatError("invalid-lang")
    return code


@dataclass(slots=True)
class _Cached:
    session: WebSession
    used: float
    question: QuestionRecord | None = None  # the last logged question (what 👍/👎 refer to)


class _Lock:
    """A per-session lock that is dropped when nobody holds or waits for it."""

    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class _TurnContext:
    """``async with chat._turn(...) as turn``: one request of one session, state saved after."""

    def __init__(
        self, chat: WebChat, token: str | None, chosen: str | None, create: bool, touch: bool
    ) -> None:
        self.chat, self.token, self.chosen = chat, token, chosen
        self.create, self.touch = create, touch
        self.turn: Turn | None = None
        self.key = token or ""
        self.entry: _Lock | None = None

    async def __aenter__(self) -> Turn:
        if self.token:
            self.entry = self.chat._locks.setdefault(self.key, _Lock())
            self.entry.users += 1
            await self.entry.lock.acquire()
        try:
            self.turn = await self.chat._load(self.token, self.chosen, self.create)
        except BaseException:
            self._release()
            raise
        return self.turn

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None and self.turn is not None and (self.touch or self.turn.replies):
                await self.chat._save(self.turn, self.chosen)
        finally:
            self._release()

    def _release(self) -> None:
        if self.entry is None:
            return
        self.entry.lock.release()
        self.entry.users -= 1
        if self.entry.users == 0:
            self.chat._locks.pop(self.key, None)
        self.entry = None
