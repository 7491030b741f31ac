"""One conversation for every channel: a message plus the conversation state → a typed reply.

The console, ``ask``, ``match --jsonl`` and Telegram all call this module; they only parse
their input and render the reply (``bot.replies`` has the shared texts, the channels add their
buttons or numbered lines). The dialogue does no I/O: forwarding a question and logging it are
the channel's, so the functions here are plain and synchronous.

What the dialogue decides, from the matcher's ``Decision`` (contract C1):

- "answer" → ``Answer``: the entry; when it is only probable, the alternatives
  ``candidates[1:]`` as options plus "ask a person"; a certain answer (reason "confident") and
  urgent help (reason "emergency") come without alternatives.
- "clarify" → ``Clarify``: a menu of two or more options (a single option is answered).
- "escalate" → ``OfferForwarding`` ("I don't know this yet — shall I forward it?") with at most
  the related topics the matcher gave, or ``Unavailable`` when nothing can be forwarded.
- an event question → ``Events``.

Every reply's options are the conversation's open menu: a button press or a typed number picks
one (``Dialogue.choose``). A new question closes the menu; a bare number with no menu open is
answered with a hint, not matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from bot import clock
from bot.assistant import Assistant
from bot.conversation import reply_language
from bot.events import EVENTS_ENTRY, EventAnswer, answer_event, event_question
from bot.language import normalize_code
from bot.letters import LetterResult
from bot.matching import Decision, event_of, event_target, target_exists

# What the team reads about a letter (the team works in German).
LETTER_QUESTION = "📄 Frage zu einem Brief (automatisch gelesen):"
LETTER_TEXT_HEADER = "\n\n--- Text des Briefs, automatisch gelesen (mit Einwilligung) ---\n"
MAX_ALTERNATIVES = 3
MAX_RELATED = 2
CERTAIN_REASONS = frozenset({"confident", "event-name"})
_NUMBER = re.compile(r"(\d{1,2})[.)]?")
# Consent typed instead of pressed (the console has no buttons); only while an offer is open.
YES = frozenset(
    "y yes j ja + ok да так نعم بله evet da tak có co oui si sí".split()
)  # fmt: skip
NO = frozenset("n no nein - ні нет не لا نه hayır hayir nu nie không khong non".split())


# ------------------------------------------------------------------------------- options


@dataclass(frozen=True, slots=True)
class Show:
    """Show an entry or ``event:<id>`` in ``lang`` (alternative, menu option, related topic)."""

    target: str
    lang: str


@dataclass(frozen=True, slots=True)
class More:
    """The rest of an answer: documents, special cases, background (contract C3 "details")."""

    target: str
    lang: str


@dataclass(frozen=True, slots=True)
class Person:
    """Ask a person about the last question."""


@dataclass(frozen=True, slots=True)
class NoneOfThese:
    """None of the menu's options: offer to forward the question of ``offer``."""

    offer: int


@dataclass(frozen=True, slots=True)
class Consent:
    """Forward (or not) the question pending as ``offer``; ``attach``: with the text of the
    letter it is about (only ever on the person's explicit choice)."""

    yes: bool
    offer: int
    attach: bool = False


Option = Show | More | Person | NoneOfThese | Consent


# ---------------------------------------------------------------------------------- state


@dataclass(frozen=True, slots=True)
class Pending:
    """A question the person may agree to forward; ``offer`` ties it to its buttons."""

    offer: int
    question: str
    lang: str
    candidates: tuple[str, ...] = ()
    scores: tuple[float, ...] = ()
    # The text of a photographed letter, in memory only, sent along only if the person chooses.
    attachment: str = field(default="", repr=False)


@dataclass(slots=True)
class Conversation:
    """What the dialogue remembers about one person's conversation (in memory: a restart
    starts a new conversation; the chosen language is the channel's to persist)."""

    lang: str | None = None  # the current language: just chosen, else the last answer's
    menu: tuple[Option, ...] = ()  # the options of the last reply, for a typed number
    pending: Pending | None = None  # the question a menu or a consent offer is about
    last_question: Pending | None = None  # for "ask a person" after an answer
    machine_note_shown: bool = False  # "translated automatically": once per conversation
    next_offer: int = 1

    def new_offer(self) -> int:
        offer, self.next_offer = self.next_offer, self.next_offer + 1
        return offer

    def choose_language(self, lang: str) -> None:
        self.lang = lang


# ---------------------------------------------------------------------------------- replies


@dataclass(frozen=True, slots=True)
class Answer:
    """An entry's answer (its first part); ``options``: More, alternatives, "ask a person"."""

    target: str
    lang: str
    options: tuple[Option, ...] = ()
    alternatives: tuple[str, ...] = ()
    urgent: bool = False  # urgent help (decision reason "emergency"): the numbers come first
    machine_note: bool = False  # say once that the text was translated automatically
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class Details:
    """The rest of an answer, after "More"."""

    target: str
    lang: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Events:
    """Events asked for: a window ("this weekend") or one named event."""

    answer: EventAnswer
    lang: str
    options: tuple[Option, ...] = ()
    decision: Decision | None = None

    @property
    def target(self) -> str:
        if self.answer.window == "event" and self.answer.event_id:
            return event_target(self.answer.event_id)
        return EVENTS_ENTRY


@dataclass(frozen=True, slots=True)
class Clarify:
    """ "Did you mean…": two or more genuinely close entries, then "none of these"."""

    lang: str
    candidates: tuple[str, ...]
    options: tuple[Option, ...]
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class OfferForwarding:
    """Ask before forwarding ``pending`` to the city's team; ``unknown``: the bot did not know
    the answer (else the person asked for a person). ``related``: at most two related topics."""

    pending: Pending
    unknown: bool
    related: tuple[str, ...]
    options: tuple[Option, ...]
    decision: Decision | None = None

    @property
    def lang(self) -> str:
        return self.pending.lang


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Nothing can be forwarded here: the Integrationsbüro's contact instead."""

    lang: str
    unknown: bool
    related: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    decision: Decision | None = None


@dataclass(frozen=True, slots=True)
class Forward:
    """The person agreed: the channel forwards ``pending`` and confirms with the ticket."""

    pending: Pending
    options: tuple[Option, ...] = ()

    @property
    def lang(self) -> str:
        return self.pending.lang


@dataclass(frozen=True, slots=True)
class Declined:
    """The person does not want the question forwarded."""

    lang: str
    options: tuple[Option, ...] = ()


@dataclass(frozen=True, slots=True)
class Letter:
    """A photographed or sent letter, read (or not: ``result.problem``); its options: "More"
    of the entry that says what to do, and asking the team (with or without the letter's text)."""

    result: LetterResult
    lang: str
    options: tuple[Option, ...] = ()


NoticeKind = Literal["empty", "no-menu", "out-of-range", "stale", "type-question", "letter-gone"]


@dataclass(frozen=True, slots=True)
class Notice:
    """A short hint: an empty message, a number without a menu, a stale choice."""

    kind: NoticeKind
    lang: str
    count: int = 0  # "out-of-range": how many options there are
    options: tuple[Option, ...] = ()


Reply = (
    Answer | Details | Events | Clarify | OfferForwarding | Unavailable | Forward | Declined
    | Notice | Letter
)  # fmt: skip


def reply_json(reply: Reply, score: float = 0.0) -> dict[str, object]:
    """The ``match --jsonl`` object for a reply to a question (contract C1, as shown)."""
    decision = getattr(reply, "decision", None)
    if isinstance(decision, Decision):
        score = decision.score
    kind: str
    entry: str | None
    match reply:
        case Answer(target=target, alternatives=alternatives):
            kind, entry, candidates = "answer", target, (target, *alternatives)
        case Events():
            kind, entry, candidates = "answer", reply.target, (reply.target,)
        case Clarify(candidates=options):
            kind, entry, candidates = "clarify", None, options
        case OfferForwarding(related=related) | Unavailable(related=related):
            kind, entry, candidates = "escalate", None, related
        case _:
            raise ValueError(f"not a reply to a question: {reply!r}")
    return {
        "decision": kind,
        "entry": entry,
        "candidates": list(candidates),
        "score": round(score, 4),
        "lang": reply.lang,
    }


# -------------------------------------------------------------------------------- dialogue


class Dialogue:
    """The decision tree of a conversation, shared by every channel.

    ``forwarding``: whether questions can be forwarded to the city's team here (a channel is
    configured). ``now``: the clock for event questions (injectable in tests).
    """

    def __init__(
        self,
        assistant: Assistant,
        *,
        forwarding: bool = True,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.assistant = assistant
        self.forwarding = forwarding
        self._now = now or (clock.now)

    # ------------------------------------------------------------------ incoming messages

    def message(
        self,
        text: str,
        state: Conversation,
        *,
        chosen: str | None = None,
        client: str | None = None,
    ) -> Reply:
        """A typed message: a choice from the open menu, a typed yes/no, or a question."""
        text = text.replace("\x00", "").strip()
        ui = ui_lang(state, chosen, client)
        if not text:
            return Notice("empty", ui)
        number = _NUMBER.fullmatch(text)
        if number is not None:
            if not state.menu:
                return Notice("no-menu", ui)
            index = int(number.group(1))
            if not 1 <= index <= len(state.menu):
                return Notice("out-of-range", ui, count=len(state.menu), options=state.menu)
            return self.choose(state.menu[index - 1], state)
        word = text.casefold().rstrip("!.")
        consent = [o for o in state.menu if isinstance(o, Consent)]
        if consent and (word in YES or word in NO):
            yes = word in YES
            return self.choose(next(o for o in consent if o.yes == yes), state)
        return self.question(text, state, chosen=chosen, client=client)

    def language_of(
        self,
        text: str,
        state: Conversation,
        *,
        chosen: str | None = None,
        client: str | None = None,
    ) -> str | None:
        """The language to answer ``text`` in by the conversation's rule, detected with the
        knowledge base's language model; None lets the matcher decide. Channels use it for a
        message they do not match (the question typed after "ask a person")."""
        return reply_language(
            text, chosen, client, state.lang, self.assistant.matcher.detect_language
        )

    def question(
        self,
        text: str,
        state: Conversation,
        *,
        chosen: str | None = None,
        client: str | None = None,
        lang: str | None = None,
    ) -> Reply:
        """Match a question and decide the reply. ``lang`` forces the answer's language
        (``ask --lang``, ``match --jsonl``); else the conversation's language rule applies."""
        forced = normalize_code(lang)
        reply_lang = forced or self.language_of(text, state, chosen=chosen, client=client)
        hint = state.lang or normalize_code(chosen) or normalize_code(client)
        decision = self.assistant.match(text, lang=reply_lang, hint=hint)
        lang = decision.lang
        pending = Pending(state.new_offer(), text, lang, decision.candidates, decision.scores)
        # An earlier offer stays pending (its buttons still work) until a new one replaces it;
        # typed numbers and yes/no refer to this reply's options only.
        state.last_question, state.menu = pending, ()
        state.lang = lang
        events = event_question(self.assistant.kb, text, decision, self._now())
        if events is not None:  # "what's on this weekend", "when is the Stadtfest"
            return self._remember(state, Events(events, lang, decision=decision))
        if decision.decision == "answer" and decision.entry:
            urgent = decision.reason == "emergency"
            # C1: alternatives come with a "probable" answer; a certain one ("confident", a
            # named event) and urgent help stand alone, whatever else was ranked.
            certain = urgent or decision.reason in CERTAIN_REASONS
            alternatives = () if certain else self._alternatives(decision)
            return self.answer(
                decision.entry, lang, state, alternatives=alternatives, urgent=urgent,
                decision=decision,
            )  # fmt: skip
        if decision.decision == "clarify":
            options = self._existing(decision.candidates)
            if len(options) == 1:  # never a one-option "did you mean"
                return self.answer(options[0], lang, state, decision=decision)
            if len(options) > 1:
                state.pending = pending
                menu: tuple[Option, ...] = (
                    *(Show(t, lang) for t in options), NoneOfThese(pending.offer),
                )  # fmt: skip
                return self._remember(state, Clarify(lang, options, menu, decision))
        human = decision.reason == "human"
        related = () if human else self._existing(decision.candidates)[:MAX_RELATED]
        return self.offer(pending, state, unknown=not human, related=related, decision=decision)

    # --------------------------------------------------------------------- menu choices

    def choose(self, option: Option, state: Conversation) -> Reply:
        """A pressed button or a typed number."""
        match option:
            case Show(target, lang):
                return self.show(target, lang, state)
            case More(target, lang):
                return self.details(target, lang, state)
            case Person():
                return self.ask_person(state, ui_lang(state))
            case NoneOfThese(offer):
                pending = state.pending
                if pending is None or pending.offer != offer:
                    return Notice("stale", ui_lang(state))
                return self.offer(pending, state, unknown=False)
            case Consent(yes, offer, attach):
                pending = state.pending
                if pending is None or pending.offer != offer:
                    return Notice("stale", ui_lang(state))
                state.pending, state.menu = None, ()
                if not yes:
                    return Declined(pending.lang)
                question = pending.question
                if attach and pending.attachment:
                    question += LETTER_TEXT_HEADER + pending.attachment
                return Forward(replace(pending, question=question, attachment=""))
        raise AssertionError(f"unknown option {option!r}")  # pragma: no cover

    def show(self, target: str, lang: str, state: Conversation) -> Reply:
        """An entry or event chosen from a menu or a button."""
        if not self.exists(target):
            return Notice("stale", lang)
        event_id = event_of(target)
        if event_id is not None:
            events = answer_event(self.assistant.kb, event_id, self._now())
            if events is not None:
                state.lang = lang
                return self._remember(state, Events(events, lang))
        return self.answer(target, lang, state)

    def answer(
        self,
        target: str,
        lang: str,
        state: Conversation,
        *,
        alternatives: tuple[str, ...] = (),
        urgent: bool = False,
        decision: Decision | None = None,
    ) -> Answer:
        state.lang = lang
        note = not state.machine_note_shown and self.machine_translated(target, lang)
        state.machine_note_shown = state.machine_note_shown or note
        options: list[Option] = []
        if self.has_details(target, lang):
            options.append(More(target, lang))
        options += [Show(t, lang) for t in alternatives]
        if alternatives:
            options.append(Person())
        reply = Answer(target, lang, tuple(options), alternatives, urgent, note, decision)
        state.menu = reply.options
        return reply

    def details(self, target: str, lang: str, state: Conversation) -> Reply:
        if not self.exists(target) or event_of(target) is not None:
            return Notice("stale", lang)
        state.lang = lang
        options = tuple(o for o in state.menu if not isinstance(o, More))
        return self._remember(state, Details(target, lang, options))

    def ask_person(self, state: Conversation, lang: str) -> Reply:
        """ "Ask a person": offer to forward the last question, or ask for the question."""
        last = state.last_question
        if last is None:
            if not self.forwarding:
                return self._remember(state, Unavailable(lang, unknown=False))
            state.menu = ()
            return Notice("type-question", lang)
        pending = Pending(state.new_offer(), last.question, last.lang, last.candidates,
                          last.scores)  # fmt: skip
        return self.offer(pending, state, unknown=False)

    def offer(
        self,
        pending: Pending,
        state: Conversation,
        *,
        unknown: bool,
        related: tuple[str, ...] = (),
        decision: Decision | None = None,
    ) -> Reply:
        """Offer to forward ``pending`` (or say that nothing can be forwarded here)."""
        shown = tuple(Show(t, pending.lang) for t in related)
        if not self.forwarding:
            state.pending = None
            reply: Reply = Unavailable(pending.lang, unknown, related, shown, decision)
            return self._remember(state, reply)
        state.pending = pending
        options = (Consent(True, pending.offer), Consent(False, pending.offer), *shown)
        return self._remember(state, OfferForwarding(pending, unknown, related, options, decision))

    def letter(
        self,
        result: LetterResult,
        state: Conversation,
        *,
        caption: str | None = None,
        chosen: str | None = None,
        client: str | None = None,
    ) -> Reply:
        """A letter the person sent as a photo or file, read by ``bot.letters``."""
        caption = (caption or "").replace("\x00", "").strip() or None
        lang = ui_lang(state, chosen, client)
        if caption:  # a caption is a question: its language wins as for any question
            lang = self.language_of(
                caption, state, chosen=chosen, client=client
            ) or self.assistant.matcher.detect_language(caption, lang)
        state.lang, state.menu = lang, ()
        reading = result.reading
        if reading is None:
            return Letter(result, lang)
        summary = [LETTER_QUESTION]
        if caption:
            summary.append(caption)
        kind = self.assistant.kb.letter_kinds.get(reading.kind or "")
        facts = [
            f"Absender: {reading.sender}" if reading.sender else None,
            f"Art: {kind.names['de']}" if kind else None,
            f"Frist: {reading.facts.deadline.date}" if reading.facts.deadline else None,
        ]
        summary.append(" · ".join(f for f in facts if f) or "?")
        pending = Pending(
            state.new_offer(), "\n".join(summary), lang,
            (reading.entry,) if reading.entry else (), attachment=result.text,
        )  # fmt: skip
        # a later "ask a person" forwards the letter's summary, never its text
        state.last_question = replace(pending, attachment="")
        options: list[Option] = []
        if reading.entry and self.has_details(reading.entry, lang):
            options.append(More(reading.entry, lang))
        if self.forwarding:
            state.pending = pending
            options += [Consent(True, pending.offer), Consent(True, pending.offer, attach=True)]
        return self._remember(state, Letter(result, lang, tuple(options)))

    # ----------------------------------------------------------------------- knowledge

    def exists(self, target: str) -> bool:
        return target_exists(self.assistant.kb, target)

    def machine_translated(self, target: str, lang: str) -> bool:
        """Whether the answer to ``target`` in ``lang`` is a machine translation nobody checked."""
        entry = self.assistant.entry(target)
        if entry is None or entry.category == "smalltalk":
            return False
        used, text = entry.text(lang)
        return used != "de" and text.status == "machine"

    def has_details(self, target: str, lang: str) -> bool:
        """Whether the answer has a second part behind "More" (contract C3)."""
        if event_of(target) is not None or not self.exists(target):
            return False
        return self.assistant.has_details(target, lang)

    def _existing(self, targets: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for t in targets if self.exists(t)))

    def _alternatives(self, decision: Decision) -> tuple[str, ...]:
        rest = tuple(t for t in self._existing(decision.candidates[1:]) if t != decision.entry)
        return rest[:MAX_ALTERNATIVES]

    @staticmethod
    def _remember(state: Conversation, reply: Reply) -> Reply:
        state.menu = reply.options
        return reply


def ui_lang(state: Conversation, chosen: str | None = None, client: str | None = None) -> str:
    """The language of hints and menus: the conversation's, else chosen, else the client's."""
    return normalize_code(state.lang) or normalize_code(chosen) or normalize_code(client) or "en"
