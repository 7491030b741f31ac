"""Telegram handlers: thin typed coroutines — parse the update, call the domain, render.

Residents talk to the bot in private chats; the city's team works in the staff group. Only the
staff group can route text to a resident, and only by replying to a message the bot posted there
for a ticket (the stored ticket ↔ message mapping, never ``forward_from``).

Follow-ups: a resident's message is added to their open ticket only when they said so — by
tapping "Add something" / "Write back to the team" (the next message is the follow-up) or by
replying in Telegram to the bot's ticket confirmation or to the team's answer. Every other
message is a new question, so a person with an open ticket can still use the bot normally.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any, Literal, cast

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from bot.assistant import Assistant
from bot.config import Settings
from bot.console import INTEGRATION_CONTACT
from bot.conversation import FloodGate, reply_language, ui_language
from bot.errors import KnowledgeError
from bot.escalation import RESIDENT, STAFF, STAFF_LANG, Escalation, OutboxWorker
from bot.events import BERLIN
from bot.i18n import gettext_for
from bot.language import NATIVE_NAMES, normalize_code
from bot.matching import EVENT_PREFIX, Decision
from bot.render import HTML, render_contact, split_message
from bot.report import (
    Report,
    build_report,
    check_freshness,
    load_rows,
    matcher_weight,
    period,
    summary_text,
    unanswered_text,
)
from bot.report_html import render_html
from bot.store import Store
from bot.telegram import callbacks as cb
from bot.telegram import keyboards

log = logging.getLogger(__name__)

FOLLOW_UP_WINDOW = 3600.0  # seconds a tapped "Add something" waits for the next message
MAPPING_WAIT = 5.0  # seconds a reply waits for the delivery that maps its message
PREVIEW_CHARS = 500  # how much of a question the consent message quotes
REPORT_DAYS = 30


# --------------------------------------------------------------------------- context


@dataclass(slots=True)
class Services:
    """What handlers need; created and owned by ``bot.telegram.app``."""

    settings: Settings
    assistant: Assistant
    store: Store
    escalation: Escalation
    worker: OutboxWorker
    flood: FloodGate


@dataclass(slots=True)
class Pending:
    """A question the person may agree to forward; ``offer`` ties it to its buttons."""

    offer: int
    question: str
    lang: str
    candidates: tuple[str, ...] = ()
    scores: tuple[float, ...] = ()


@dataclass(slots=True)
class ChatState:
    """Per-chat conversation state, in memory only: after a restart a button may be stale."""

    next_offer: int = 1
    pending: Pending | None = None
    last_question: Pending | None = None
    last_entry: str | None = None
    last_question_id: int | None = None
    awaiting: Literal["question", "followup"] | None = None
    awaiting_ticket: int | None = None
    awaiting_since: float = 0.0

    def new_offer(self) -> int:
        offer, self.next_offer = self.next_offer, self.next_offer + 1
        return offer

    def clear_awaiting(self) -> None:
        self.awaiting, self.awaiting_ticket = None, None


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context with typed access to the services and the chat's state."""

    @property
    def services(self) -> Services:
        return cast(Services, self.bot_data["services"])

    @property
    def state(self) -> ChatState:
        data = self.chat_data if self.chat_data is not None else {}
        state = data.get("state")
        if not isinstance(state, ChatState):
            state = data["state"] = ChatState()
        return state


# --------------------------------------------------------------------------- helpers


async def _send(
    context: BotContext, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """Send HTML text split below Telegram's limit; the keyboard goes with the last part."""
    parts = split_message(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await context.bot.send_message(
            chat_id, part, parse_mode=ParseMode.HTML, reply_markup=keyboard if last else None
        )
    assert message is not None  # split_message never returns nothing for non-empty text
    return message


async def _languages(update: Update, context: BotContext) -> tuple[str | None, str | None]:
    """(chosen language, client language) of the person behind ``update``."""
    chat = update.effective_chat
    user = update.effective_user
    chosen = await context.services.store.language(chat.id) if chat else None
    return chosen, user.language_code if user else None


async def _ui(update: Update, context: BotContext) -> str:
    return ui_language(*await _languages(update, context))


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _quote(text: str) -> str:
    short = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"
    return "«" + _esc(short) + "»"


def _forwarding_unavailable(assistant: Assistant, lang: str) -> str:
    """The Integrationsbüro's contact, for when no forwarding channel is configured."""
    _ = gettext_for(lang)
    text = _esc(_("Forwarding questions is not available here. Please contact the city directly:"))
    contact = assistant.kb.contacts.get(INTEGRATION_CONTACT)
    if contact is None:
        return text
    return text + "\n\n" + render_contact(contact, lang, datetime.now(BERLIN), HTML)


async def _refuse(query: CallbackQuery, lang: str, text: str | None = None) -> None:
    """A polite refusal for a stale or forged button; nothing else happens."""
    _ = gettext_for(lang)
    await query.answer(
        text or _("This button is out of date. Please send /start or ask your question again."),
        show_alert=False,
    )


async def _drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the message a press came from, so it cannot be pressed twice."""
    with suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


# ---------------------------------------------------------------------------- guards


async def flood_guard(update: Update, context: BotContext) -> None:
    """Per-person flood control in private chats: say so once, then ignore until it calms."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        return
    verdict = context.services.flood.check(user.id)
    if verdict == "ok":
        return
    if verdict == "warn":
        _ = gettext_for(await _ui(update, context))
        text = _("You are sending messages very fast. Please wait a moment, then ask again.")
        if update.callback_query:
            await update.callback_query.answer(text)
        else:
            await context.bot.send_message(chat.id, _esc(text), parse_mode=ParseMode.HTML)
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


# -------------------------------------------------------------------------- commands


async def start(update: Update, context: BotContext) -> None:
    """/start: greeting in the person's language, a privacy line and the main menu."""
    chat = update.effective_chat
    assert chat is not None
    code = normalize_code(context.args[0]) if context.args else None
    if code:  # a deep link such as t.me/<bot>?start=uk chooses the language
        await context.services.store.set_language(chat.id, code)
    context.state.clear_awaiting()
    lang = await _ui(update, context)
    _ = gettext_for(lang)
    text = "\n\n".join(
        (
            "👋 " + _esc(_("Welcome to Ankommen Dessau-Roßlau, the welcome bot of the city!")),
            _esc(
                _(
                    "Ask me about arriving and living in Dessau-Roßlau: just type your question "
                    "in your own words, or choose a topic below."
                )
            ),
            "🌐 " + _esc(_("I answer in {language}. Change it with /language.").format(
                language=NATIVE_NAMES[lang]
            )),
            "🔒 " + _esc(_(
                "I keep your questions without your name; the city's team only sees what you "
                "agree to forward. Details: /privacy"
            )),
        )
    )  # fmt: skip
    await _send(context, chat.id, text, keyboards.main_menu(lang))


async def language_command(update: Update, context: BotContext) -> None:
    """/language: the ten languages as buttons."""
    assert update.effective_chat is not None
    _ = gettext_for(await _ui(update, context))
    await _send(
        context, update.effective_chat.id, _esc(_("Choose your language:")), keyboards.languages()
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the bot can do and its commands."""
    assert update.effective_chat is not None
    _ = gettext_for(await _ui(update, context))
    text = _(
        "Type your question in your own words, in one of ten languages. I answer from the "
        "city's information; if I do not know something, I can forward your question to the "
        "city's team.\n\n"
        "/topics – browse all topics\n"
        "/events – events in the coming weeks\n"
        "/language – choose your language\n"
        "/human – ask a person\n"
        "/privacy – what I store\n"
        "/forget – delete what I store about you"
    )
    await _send(context, update.effective_chat.id, _esc(text))


async def topics_command(update: Update, context: BotContext) -> None:
    """/topics: the categories as buttons."""
    assert update.effective_chat is not None
    lang = await _ui(update, context)
    _ = gettext_for(lang)
    await _send(
        context,
        update.effective_chat.id,
        _esc(_("Choose a topic:")),
        keyboards.categories(lang, context.services.assistant),
    )


def _events() -> ModuleType:
    """``bot.telegram.events`` (/events, event questions); it imports this module, so it is
    loaded when first needed."""
    from bot.telegram import events

    return events


async def privacy_command(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, for how long, who sees it, how to delete it."""
    assert update.effective_chat is not None
    _ = gettext_for(await _ui(update, context))
    settings = context.services.settings
    sections = [
        ("🔒", _("Privacy"), None),
        ("💾", _("What I store"), _(
            "Your chat number and the language you chose, so that I can answer you. Your "
            "questions, without your name or chat number, to improve the answers. Your 👍/👎 "
            "ratings, without your name."
        )),
        ("🙋", _("When you ask a person"), _(
            "Only after you agree: your question, its language and your chat number, so that the "
            "answer can reach you. The city's integration team (Integrationsbüro / ZWK) sees the "
            "question and its language in their Telegram group and e-mail inbox — not your name "
            "or phone number. You never see which team member answered."
        )),
        ("⏳", _("How long"), _(
            "Forwarded questions are deleted {closed} days after the team has closed them, and "
            "at the latest {open} days after you asked. Your questions without your name and "
            "your ratings are deleted after {log} days."
        ).format(
            closed=settings.ticket_retention_days, open=settings.open_ticket_days,
            log=settings.question_log_days,
        )),
        ("📅", _("Events"), _(
            "Only if you use them: that you get the weekly events (until /unsubscribe) and the "
            "reminders you set (until the event), with your chat number and language."
        )),
        ("🗑", _("Deleting"), _(
            "/forget deletes your language and your forwarded questions in the bot at once. "
            "E-mails that already reached the city's inbox are kept by the city; ask the "
            "Integrationsbüro to delete them."
        )),
        ("⚠️", _("Please note"), _(
            "Do not send health information, ID or passport numbers, or photos of documents. "
            "I do not need them to answer you."
        )),
    ]  # fmt: skip
    parts = [
        icon + " <b>" + _esc(title) + "</b>" + ("\n" + _esc(body) if body else "")
        for icon, title, body in sections
    ]
    await _send(context, update.effective_chat.id, "\n\n".join(parts))


async def forget_command(update: Update, context: BotContext) -> None:
    """/forget: ask before deleting everything stored about the person."""
    assert update.effective_chat is not None
    lang = await _ui(update, context)
    _ = gettext_for(lang)
    text = _(
        "Shall I delete everything I store about you: your language and your questions to the "
        "city's team (open ones can then not be answered here)?"
    )
    await _send(context, update.effective_chat.id, _esc(text), keyboards.forget(lang))


async def human_command(update: Update, context: BotContext) -> None:
    """/human: offer to forward the last question, or ask for the question."""
    assert update.effective_chat is not None
    await _ask_person(update.effective_chat.id, await _ui(update, context), context)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Any other command in a private chat."""
    assert update.effective_chat is not None
    _ = gettext_for(await _ui(update, context))
    await _send(context, update.effective_chat.id, _esc(_("Unknown command. Try /help.")))


async def reload_knowledge(assistant: Assistant, lang: str) -> tuple[bool, str]:
    """Load the knowledge base again; the HTML report for an admin (shared with SIGHUP)."""
    _ = gettext_for(lang)
    try:
        kb = await assistant.reload()
    except KnowledgeError as exc:
        text = _("❌ {count} problem(s); the bot keeps knowledge base {version}.").format(
            count=len(exc.problems), version=assistant.kb.version
        )
        shown = "\n".join(str(p) for p in exc.problems[:10])
        return False, _esc(text + "\n\n" + shown)
    text = _("✅ Knowledge base {version}: {entries} entries, {events} events.").format(
        version=kb.version, entries=len(kb.entries), events=len(kb.events)
    )
    return True, _esc(text)


async def reload_command(update: Update, context: BotContext) -> None:
    """/reload (admins): load the knowledge base again; a broken one is not used."""
    assert update.effective_chat is not None
    _ok, text = await reload_knowledge(context.services.assistant, await _ui(update, context))
    await _send(context, update.effective_chat.id, text)


async def status_command(update: Update, context: BotContext) -> None:
    """/status (admins): knowledge-base version, staff group and outbox counts."""
    assert update.effective_chat is not None
    services = context.services
    _ = gettext_for(await _ui(update, context))
    counts = await services.store.outbox_counts()
    text = _(
        "Knowledge base: {version}\nStaff group: {staff}\nE-mail: {mail}\n"
        "Outbox: {sent} sent, {pending} pending, {failed} failed"
    ).format(
        version=services.assistant.kb.version,
        staff=services.escalation.staff_chat_id or "-",
        mail=services.settings.zwk_inbox if services.escalation.mail_enabled else "-",
        sent=counts.get("sent", 0), pending=counts.get("pending", 0),
        failed=counts.get("failed", 0),
    )  # fmt: skip
    await _send(context, update.effective_chat.id, _esc(text))


async def _report(context: BotContext, days: int) -> tuple[Report, datetime]:
    """The curators' report of the last ``days`` days; clustering runs off the event loop."""
    services = context.services
    matcher = services.assistant.matcher
    now = datetime.now(BERLIN)
    start, end = period(now, days=days)
    rows = await load_rows(services.store, start, end)
    report = await asyncio.to_thread(
        build_report, rows, start, end, weight=matcher_weight(matcher), score=matcher.score
    )
    return report, now


def _days(context: BotContext) -> int:
    """``/stats 7``: the number of days asked for, 30 by default, at most about two years."""
    arg = context.args[0] if context.args else ""
    return min(int(arg), 800) if arg.isdigit() and int(arg) > 0 else REPORT_DAYS


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats [days] (admins): volume, decisions, languages and tickets."""
    assert update.effective_chat is not None
    report, _now = await _report(context, _days(context))
    await _send(context, update.effective_chat.id, "<pre>" + _esc(summary_text(report)) + "</pre>")


async def unanswered_command(update: Update, context: BotContext) -> None:
    """/unanswered [days] (admins): unanswered and 👎 questions in clusters."""
    assert update.effective_chat is not None
    report, _now = await _report(context, _days(context))
    text = unanswered_text(report, context.services.assistant.kb)
    await _send(context, update.effective_chat.id, _esc(text))


async def report_command(update: Update, context: BotContext) -> None:
    """/report [days] (admins): the HTML report as a file."""
    assert update.effective_chat is not None
    kb = context.services.assistant.kb
    report, now = await _report(context, _days(context))
    page = render_html(report, kb, generated=now, freshness=check_freshness(kb, now))
    await context.bot.send_document(
        update.effective_chat.id,
        document=page.encode("utf-8"),
        filename="ankommen-report-" + now.strftime("%Y-%m-%d") + ".html",
    )


# ------------------------------------------------------------------------ questions


async def on_text(update: Update, context: BotContext) -> None:
    """A text message in a private chat: a follow-up if the person said so, else a question."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    text = (message.text or "").replace("\x00", "").strip()
    chosen, client = await _languages(update, context)
    ui = ui_language(chosen, client)
    if not text:
        _ = gettext_for(ui)
        await _send(context, chat.id, _esc(_("Please type your question.")))
        return
    state = context.state
    if await _maybe_follow_up(message, text, ui, context):
        return
    services = context.services
    lang = reply_language(text, chosen, client)
    if state.awaiting == "question":
        state.clear_awaiting()
        pending = Pending(state.new_offer(), text, lang or ui)
        state.last_question = pending
        await services.store.log_question(
            channel="telegram", lang=pending.lang, text=text, decision="escalate", entry=None,
            candidates=[], score=0.0, reason="asked-for-person",
        )  # fmt: skip
        await _offer_forwarding(chat.id, pending, context, unknown=False)
        return
    decision = services.assistant.match(text, lang=lang, hint=chosen or client)
    question_id = await services.store.log_question(
        channel="telegram", lang=decision.lang, text=text, decision=decision.decision,
        entry=decision.entry, candidates=decision.candidates, score=decision.score,
        reason=decision.reason,
    )  # fmt: skip
    pending = Pending(state.new_offer(), text, decision.lang, decision.candidates, decision.scores)
    state.last_question = pending
    if await _events().answer_question(context, chat.id, text, decision):
        return  # "what's on this weekend", "when is the Stadtfest": the events asked for
    if decision.decision == "answer" and decision.entry:
        state.last_entry, state.last_question_id = decision.entry, question_id
        await _show_answer(chat.id, decision.entry, decision.lang, context)
    elif decision.decision == "clarify":
        await _clarify(chat.id, pending, decision, context)
    else:
        await _offer_forwarding(chat.id, pending, context, unknown=decision.reason != "human")


async def _maybe_follow_up(message: Message, text: str, ui: str, context: BotContext) -> bool:
    """Add ``text`` to a ticket if the person chose to (button or Telegram reply); True if so."""
    state, services = context.state, context.services
    ticket_id: int | None = None
    if state.awaiting == "followup" and time.monotonic() - state.awaiting_since < FOLLOW_UP_WINDOW:
        ticket_id = state.awaiting_ticket
    elif message.reply_to_message is not None:
        replied = message.reply_to_message
        from_bot = replied.from_user is not None and replied.from_user.id == context.bot.id
        ticket_id = await _ticket_of(
            context, RESIDENT, from_bot, message.chat_id, replied.message_id
        )
    if state.awaiting == "followup":
        state.clear_awaiting()
    if ticket_id is None:
        return False
    result = await services.escalation.follow_up(ticket_id, message.chat_id, text)
    _ = gettext_for(ui)
    if result == "added":
        reply = _("✅ Added to your question {ticket}. The team will see it.").format(
            ticket=ticket_id
        )
        await _send(context, message.chat_id, _esc(reply))
        return True
    if result == "closed":
        reply = _("Your question {ticket} is already closed, so I treat this as a new question.")
        await _send(context, message.chat_id, _esc(reply.format(ticket=ticket_id)))
    return False


async def _ticket_of(
    context: BotContext, channel: str, from_bot: bool, chat_id: int, message_id: int
) -> int | None:
    """The ticket a replied-to message belongs to (staff group or resident chat)."""
    store, worker = context.services.store, context.services.worker
    lookup = (
        store.ticket_for_staff_message if channel == STAFF else store.ticket_for_resident_message
    )
    ticket_id = await lookup(chat_id, message_id)
    if ticket_id is None and from_bot:
        # The bot's own message may be mapped a moment after Telegram returned its id.
        with suppress(TimeoutError):
            async with asyncio.timeout(MAPPING_WAIT):
                await worker.wait_idle(channel)
        ticket_id = await lookup(chat_id, message_id)
    return ticket_id


async def _show_answer(chat_id: int, target: str, lang: str, context: BotContext) -> None:
    event_id = target.removeprefix(EVENT_PREFIX) if target.startswith(EVENT_PREFIX) else None
    if event_id and await _events().show_event(context, chat_id, event_id, lang):
        return  # with its calendar and reminder buttons
    assistant = context.services.assistant
    entry = assistant.entry(target)
    keyboard = keyboards.answer(entry, lang, assistant) if entry else None
    await _send(context, chat_id, assistant.render(target, lang, HTML), keyboard)


async def _clarify(chat_id: int, pending: Pending, decision: Decision, context: BotContext) -> None:
    context.state.pending = pending
    _ = gettext_for(pending.lang)
    keyboard = keyboards.clarify(
        decision.candidates, pending.lang, context.services.assistant, pending.offer
    )
    await _send(context, chat_id, "🤔 " + _esc(_("Did you mean…")), keyboard)


async def _offer_forwarding(
    chat_id: int, pending: Pending, context: BotContext, *, unknown: bool
) -> None:
    """Ask before forwarding: say what will be sent (question, language) and to whom."""
    services = context.services
    escalation = services.escalation
    _ = gettext_for(pending.lang)
    lead = ("🤷 " + _esc(_("I don't know that yet.")) + "\n\n") if unknown else ""
    if not escalation.forwarding_enabled:
        await _send(
            context, chat_id, lead + _forwarding_unavailable(services.assistant, pending.lang)
        )
        return
    context.state.pending = pending
    inbox = services.settings.zwk_inbox
    if escalation.staff_chat_id is not None and escalation.mail_enabled:
        whom = _(
            "The city's integration team (Integrationsbüro / ZWK) will get your question and its "
            "language — not your name or phone number — in their Telegram group and by e-mail "
            "to {inbox}."
        )
    elif escalation.staff_chat_id is not None:
        whom = _(
            "The city's integration team (Integrationsbüro / ZWK) will get your question and its "
            "language — not your name or phone number — in their Telegram group."
        )
    else:
        whom = _(
            "The city's integration team (Integrationsbüro / ZWK) will get your question and its "
            "language — not your name or phone number — by e-mail to {inbox}."
        )
    if escalation.staff_chat_id is not None:
        how = _("They answer you here in this chat.")
    else:
        how = _("They cannot answer you in this chat; for a reply, please also contact them.")
    text = (
        lead
        + "📨 " + _esc(_("Shall I forward your question to the city's team?")) + "\n\n"
        + _quote(pending.question) + "\n\n"
        + "ℹ️ " + _esc(whom.format(inbox=inbox) + " " + how)
    )  # fmt: skip
    await _send(context, chat_id, text, keyboards.consent(pending.offer, pending.lang))


async def _ask_person(chat_id: int, lang: str, context: BotContext) -> None:
    """The "ask a person" path: an open ticket, the last question, or a new one."""
    services, state = context.services, context.state
    _ = gettext_for(lang)
    if not services.escalation.forwarding_enabled:
        await _send(context, chat_id, _forwarding_unavailable(services.assistant, lang))
        return
    ticket = await services.store.open_ticket_for(chat_id)
    if ticket is not None:
        text = _(
            "Your question {ticket} is already with the city's team; the answer will come here. "
            "Do you want to add something?"
        ).format(ticket=ticket.id)
        await _send(context, chat_id, _esc(text), keyboards.add_to_ticket(ticket.id, lang))
        return
    last = state.last_question
    if last is not None:
        pending = Pending(state.new_offer(), last.question, last.lang, last.candidates, last.scores)
        await _offer_forwarding(chat_id, pending, context, unknown=False)
        return
    state.awaiting, state.awaiting_since = "question", time.monotonic()
    text = _("Please type your question for the city's team in one message.")
    await _send(context, chat_id, _esc(text))


async def on_other(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice messages…: the bot reads only text."""
    assert update.effective_chat is not None
    _ = gettext_for(await _ui(update, context))
    text = _("I can only read text messages. Please type your question.")
    await _send(context, update.effective_chat.id, _esc(text))


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Every inline button: validate the callback data, re-check it, then act."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    lang = await _ui(update, context)
    data = cb.parse(query.data)
    if data is None or chat is None or chat.type != ChatType.PRIVATE:
        await _refuse(query, lang)
        return
    assistant = context.services.assistant
    match data:
        case cb.SetLanguage(code):
            await _set_language(query, chat.id, code, context)
        case cb.ShowEntry(target, entry_lang):
            if not _exists(assistant, target):
                await _refuse(query, lang)
                return
            await query.answer()
            await _show_answer(chat.id, target, entry_lang, context)
        case cb.Rate():
            await _rate(query, chat.id, data, lang, context)
        case cb.ShowCategory(category):
            await _show_category(query, category, lang, context)
        case cb.ShowTopic(topic):
            await _show_topic(query, chat.id, topic, lang, context)
        case cb.ShowMenu(menu):
            await _show_menu(query, chat.id, menu, lang, context)
        case cb.Consent():
            await _consent(query, chat.id, data, lang, context)
        case cb.NoneOfThese(offer):
            pending = context.state.pending
            if pending is None or pending.offer != offer:
                await _refuse(query, lang)
                return
            await query.answer()
            await _drop_keyboard(query)
            await _offer_forwarding(chat.id, pending, context, unknown=False)
        case cb.AskPerson():
            await query.answer()
            await _ask_person(chat.id, lang, context)
        case cb.AddToTicket(ticket_id):
            await _add_to_ticket(query, chat.id, ticket_id, lang, context)
        case cb.Forget(confirm):
            await _forget(query, chat.id, confirm, lang, context)


def _exists(assistant: Assistant, target: str) -> bool:
    if target.startswith(EVENT_PREFIX):
        return target.removeprefix(EVENT_PREFIX) in assistant.kb.events
    return target in assistant.kb.entries


async def _set_language(query: CallbackQuery, chat_id: int, code: str, context: BotContext) -> None:
    await context.services.store.set_language(chat_id, code)
    _ = gettext_for(code)
    await query.answer()
    await _drop_keyboard(query)
    text = "✅ " + _esc(_("Language set to {language}.").format(language=NATIVE_NAMES[code]))
    await _send(context, chat_id, text, keyboards.main_menu(code))


async def _rate(
    query: CallbackQuery, chat_id: int, data: cb.Rate, lang: str, context: BotContext
) -> None:
    services, state = context.services, context.state
    assistant = services.assistant
    entry = assistant.entry(data.entry)
    _ = gettext_for(data.lang)
    if entry is None or not assistant.kb.version.startswith(data.kb):
        await _refuse(query, lang, _("This answer has changed since. Thank you anyway!"))
        return
    question_id = state.last_question_id if state.last_entry == data.entry else None
    await services.store.add_feedback(data.entry, data.lang, data.helpful, question_id)
    await query.answer(_("Thank you!"))
    with suppress(BadRequest):
        await query.edit_message_reply_markup(keyboards.without_rating(entry, data.lang, assistant))
    if data.helpful:
        return
    text = _("Thank you for telling me — that helps to improve the answers.")
    await _send(context, chat_id, _esc(text), keyboards.ask_person(data.lang))


async def _show_category(
    query: CallbackQuery, category: str, lang: str, context: BotContext
) -> None:
    assistant = context.services.assistant
    entries = sorted(assistant.kb.entries_in(category), key=lambda e: assistant.title(e.id, lang))
    if not entries:
        await _refuse(query, lang)
        return
    await query.answer()
    text = "<b>" + _esc(keyboards.category_label(category, lang)) + "</b>"
    markup = keyboards.entry_list(entries, lang, assistant)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest:  # an old or inaccessible message: send a new one instead
        assert query.message is not None
        await _send(context, query.message.chat.id, text, markup)


async def _show_topic(
    query: CallbackQuery, chat_id: int, topic: str, lang: str, context: BotContext
) -> None:
    assistant = context.services.assistant
    await query.answer()
    if topic == "events":
        await _events().send_window(context, chat_id, "all", lang)
        return
    spec = keyboards.TOPICS[topic]
    entries = [e for eid in spec.entries if (e := assistant.entry(eid)) is not None]
    if not entries:  # content not written yet: fall back to the topic's category
        entries = assistant.kb.entries_in(spec.category)
    if len(entries) == 1:
        await _show_answer(chat_id, entries[0].id, lang, context)
        return
    _ = gettext_for(lang)
    if not entries:
        await _send(context, chat_id, _esc(_("Nothing here yet. Please type your question.")))
        return
    markup = keyboards.entry_list(entries, lang, assistant, back=False)
    await _send(context, chat_id, "<b>" + _esc(_(spec.label)) + "</b>", markup)


async def _show_menu(
    query: CallbackQuery, chat_id: int, menu: str, lang: str, context: BotContext
) -> None:
    _ = gettext_for(lang)
    await query.answer()
    if menu == "language":
        await _send(context, chat_id, _esc(_("Choose your language:")), keyboards.languages())
    elif menu == "topics":
        markup = keyboards.categories(lang, context.services.assistant)
        try:
            await query.edit_message_text(
                _esc(_("Choose a topic:")), parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest:
            await _send(context, chat_id, _esc(_("Choose a topic:")), markup)
    elif menu == "events":
        await _events().send_window(context, chat_id, "all", lang)
    else:
        await _send(context, chat_id, _esc(_("How can I help?")), keyboards.main_menu(lang))


async def _consent(
    query: CallbackQuery, chat_id: int, data: cb.Consent, lang: str, context: BotContext
) -> None:
    state, services = context.state, context.services
    pending = state.pending
    if pending is None or pending.offer != data.offer:
        _ = gettext_for(lang)
        text = _("This question is no longer waiting. Please type it again if you need to.")
        await _refuse(query, lang, text)
        return
    state.pending = None  # a second press of the same button finds nothing to forward
    await query.answer()
    await _drop_keyboard(query)
    _ = gettext_for(pending.lang)
    if not data.yes:
        await _send(context, chat_id, _esc(_("OK, I will not forward it. Ask me anything else.")))
        return
    ticket = await services.escalation.escalate(
        chat_id=chat_id, question=pending.question, lang=pending.lang,
        candidates=pending.candidates, scores=pending.scores,
    )  # fmt: skip
    if ticket is None:
        await _send(context, chat_id, _forwarding_unavailable(services.assistant, pending.lang))
        return
    lines = [
        "✅ " + _("Thank you! I forwarded your question to the city's team."),
        _("Your ticket number is {ticket}.").format(ticket=ticket),
    ]
    if services.escalation.staff_chat_id is not None:
        lines.append(
            _(
                "The answer will come here in this chat. To add something, tap the button or "
                "reply to this message."
            )
        )
    else:
        lines.append(_("The team cannot answer you in this chat; please also contact them."))
    message = await _send(
        context, chat_id, _esc("\n".join(lines)), keyboards.add_to_ticket(ticket, pending.lang)
    )
    await services.store.map_resident_message(chat_id, message.message_id, ticket)


async def _add_to_ticket(
    query: CallbackQuery, chat_id: int, ticket_id: int, lang: str, context: BotContext
) -> None:
    ticket = await context.services.store.ticket(ticket_id)
    _ = gettext_for(lang)
    if ticket is None or ticket.chat_id != chat_id:
        await _refuse(query, lang)
        return
    if ticket.status != "open":
        await _refuse(query, lang, _("This question is closed. Just ask me again."))
        return
    await query.answer()
    state = context.state
    state.awaiting, state.awaiting_ticket = "followup", ticket_id
    state.awaiting_since = time.monotonic()
    text = _("Please type what you want to add to your question {ticket}.").format(ticket=ticket_id)
    await _send(context, chat_id, _esc(text))


async def _forget(
    query: CallbackQuery, chat_id: int, confirm: bool, lang: str, context: BotContext
) -> None:
    _ = gettext_for(lang)
    await query.answer()
    await _drop_keyboard(query)
    if not confirm:
        await _send(context, chat_id, _esc(_("OK, nothing was deleted.")))
        return
    await context.services.store.forget(chat_id)
    if context.chat_data is not None:
        context.chat_data.clear()
    text = _(
        "Done: I deleted your language and your questions to the city's team. E-mails that "
        "already reached the city's inbox are kept by the city."
    )
    await _send(context, chat_id, _esc(text))


# ----------------------------------------------------------------------- staff group


async def staff_reply(update: Update, context: BotContext) -> None:
    """A reply in the staff group to a ticket message: deliver it to the resident."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.reply_to_message is None:
        return
    escalation = context.services.escalation
    if not escalation.is_staff_chat(chat.id):
        return  # only the staff group may route text to residents
    if message.from_user and message.from_user.is_bot and message.sender_chat is None:
        return  # other bots; anonymous admins come with sender_chat and are welcome
    replied = message.reply_to_message
    from_bot = replied.from_user is not None and replied.from_user.id == context.bot.id
    ticket_id = await _ticket_of(context, STAFF, from_bot, chat.id, replied.message_id)
    _ = gettext_for(STAFF_LANG)
    if ticket_id is None:
        if from_bot:
            text = _("I cannot find a ticket for that message (it may have been deleted).")
            await message.reply_text(_esc(text), parse_mode=ParseMode.HTML, do_quote=True)
        return
    text = message.text or message.caption
    if not text:
        note = _("Only text can be passed on to the person. Please write your answer as text.")
        await message.reply_text(_esc(note), parse_mode=ParseMode.HTML, do_quote=True)
        return
    result = await escalation.staff_reply(
        ticket_id=ticket_id, text=text, staff_chat_id=chat.id, staff_message_id=message.message_id
    )
    if result == "no-resident":
        note = _("Ticket {ticket} was not asked on Telegram; the bot cannot answer the person.")
        await message.reply_text(
            _esc(note.format(ticket=ticket_id)), parse_mode=ParseMode.HTML, do_quote=True
        )
    elif result == "unknown":
        note = _("Ticket {ticket} no longer exists (the person deleted their data).")
        await message.reply_text(
            _esc(note.format(ticket=ticket_id)), parse_mode=ParseMode.HTML, do_quote=True
        )


async def close_command(update: Update, context: BotContext) -> None:
    """/close in the staff group, as a reply to a ticket message or as /close <number>."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    services = context.services
    if not services.escalation.is_staff_chat(chat.id):
        return
    _ = gettext_for(STAFF_LANG)
    ticket_id: int | None = None
    if message.reply_to_message is not None:
        ticket_id = await services.store.ticket_for_staff_message(
            chat.id, message.reply_to_message.message_id
        )
    elif context.args and context.args[0].lstrip("#").isdigit():
        ticket_id = int(context.args[0].lstrip("#"))
    if ticket_id is None:
        text = _("Reply /close to a ticket message, or write /close and the ticket number.")
    elif await services.escalation.close(ticket_id):
        text = _("🔒 Ticket {ticket} is closed.").format(ticket=ticket_id)
    else:
        text = _("Ticket {ticket} is already closed or does not exist.").format(ticket=ticket_id)
    await message.reply_text(_esc(text), parse_mode=ParseMode.HTML, do_quote=True)


async def chat_id_command(update: Update, context: BotContext) -> None:
    """/chatid in a group: the id to put into STAFF_CHAT_ID."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text = _esc("STAFF_CHAT_ID=" + str(chat.id))
    await message.reply_text("<code>" + text + "</code>", parse_mode=ParseMode.HTML)


async def group_help(update: Update, context: BotContext) -> None:
    """/start or /help in a group: how the staff group works, or where to talk to the bot."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if context.services.escalation.is_staff_chat(chat.id):
        _ = gettext_for(STAFF_LANG)
        text = _(
            "I post residents' questions here as tickets. Reply to a ticket message to answer "
            "the person (they do not see your name). Reply /close to close a ticket."
        )
    else:
        user = update.effective_user
        _ = gettext_for(ui_language(None, user.language_code if user else None))
        text = _("Please write to me in a private chat: @{username}").format(
            username=context.bot.username
        )
    await message.reply_text(_esc(text), parse_mode=ParseMode.HTML)


async def on_migration(update: Update, context: BotContext) -> None:
    """The staff group became a supergroup: follow it to its new id."""
    message = update.effective_message
    if message is None:
        return
    escalation = context.services.escalation
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    if escalation.is_staff_chat(old):
        await escalation.staff_chat_migrated(old, new)


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """Log when the bot is added to or removed from a group: helps to find STAFF_CHAT_ID."""
    change = update.my_chat_member
    if change is None:
        return
    log.info(
        "bot is now %s in %s chat %s (STAFF_CHAT_ID is %s)",
        change.new_chat_member.status, change.chat.type, change.chat.id,
        context.services.escalation.staff_chat_id,
    )  # fmt: skip


# ----------------------------------------------------------------------------- errors


async def on_error(update: object, context: BotContext) -> None:
    """Log the error without message content; apologise to a person in a private chat."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("a person has blocked the bot: %s", error)
        return
    if update is None and isinstance(error, NetworkError):
        log.warning("network problem while polling: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    with suppress(Exception):  # the error handler itself must never fail
        chosen = await context.services.store.language(chat.id)
        user = update.effective_user
        _ = gettext_for(ui_language(chosen, user.language_code if user else None))
        text = _("Sorry, something went wrong on my side. Please try again.")
        await context.bot.send_message(chat.id, _esc(text), parse_mode=ParseMode.HTML)
