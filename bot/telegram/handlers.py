"""Residents' handlers: thin typed coroutines — parse the update, call the domain, render.

Residents talk to the bot in private chats; the city's team works in the staff group
(``bot.telegram.staff``), admins use ``bot.telegram.admin``, events live in
``bot.telegram.events``; what they share is in ``bot.telegram.context``.

Follow-ups: a resident's message is added to their open ticket only when they said so — by
tapping "Add something" / "Write back to the team" (the next message is the follow-up) or by
replying in Telegram to the bot's ticket confirmation or to the team's answer. Every other
message is a new question, so a person with an open ticket can still use the bot normally.
"""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from types import ModuleType

from telegram import (
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import clock
from bot import dialogue as dlg
from bot.assistant import Assistant
from bot.conversation import ui_language
from bot.dialogue import Pending
from bot.escalation import RESIDENT, LimitReached
from bot.i18n import days_text, gettext_for
from bot.language import NATIVE_NAMES, normalize_code
from bot.letters import LetterResult
from bot.letters.reading import MAX_BYTES as MAX_LETTER_BYTES
from bot.matching import Decision, target_exists
from bot.questionlog import QuestionLog
from bot.render import HTML
from bot.replies import closing_privacy_sections, limit_text, reply_text
from bot.telegram import callbacks as cb
from bot.telegram import keyboards
from bot.telegram.context import (
    BotContext,
    chat_languages,
    drop_keyboard,
    esc,
    forwarding_unavailable_html,
    quote,
    refuse,
    send,
    ticket_of,
    ui_lang,
)
from bot.translate.texts import translation_privacy

log = logging.getLogger(__name__)

FOLLOW_UP_WINDOW = 3600.0  # seconds a tapped "Add something" waits for the next message


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
        _ = gettext_for(await ui_lang(update, context))
        text = _("You are sending messages very fast. Please wait a moment, then ask again.")
        if update.callback_query:
            await update.callback_query.answer(text)
        else:
            await context.bot.send_message(chat.id, esc(text), parse_mode=ParseMode.HTML)
    elif update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def button_guard(update: Update, context: BotContext) -> None:
    """Every button belongs to a resident's private chat, and only that resident may press it.

    In a private chat the chat id is the user's id; a press from anybody else (a forged
    callback, a message forwarded with its keyboard) is refused before any handler acts.
    """
    query = update.callback_query
    if query is None:
        return
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE and query.from_user.id == chat.id:
        return
    await refuse(query, await ui_lang(update, context))
    raise ApplicationHandlerStop


# -------------------------------------------------------------------------- commands


async def start(update: Update, context: BotContext) -> None:
    """/start: greeting in the person's language, a privacy line and the main menu."""
    chat = update.effective_chat
    assert chat is not None
    code = normalize_code(context.args[0]) if context.args else None
    if code:  # a deep link such as t.me/<bot>?start=uk chooses the language
        await context.services.store.set_language(chat.id, code)
        context.state.talk.choose_language(code)
    context.state.clear_awaiting()
    lang = await ui_lang(update, context)
    _ = gettext_for(lang)
    text = "\n\n".join(
        (
            "👋 " + esc(_("Welcome to Ankommen Dessau-Roßlau, the welcome bot of the city!")),
            esc(
                _(
                    "Ask me about arriving and living in Dessau-Roßlau: just type your question "
                    "in your own words, or choose a topic below."
                )
            ),
            "🌐 " + esc(_("I answer in {language}. Change it with /language.").format(
                language=NATIVE_NAMES[lang]
            )),
            "🔒 " + esc(_(
                "I keep your questions without your name; the city's team only sees what you "
                "agree to forward. Details: /privacy"
            )),
        )
    )  # fmt: skip
    await send(context, chat.id, text, keyboards.main_menu(lang))


async def language_command(update: Update, context: BotContext) -> None:
    """/language: the ten languages as buttons."""
    assert update.effective_chat is not None
    _ = gettext_for(await ui_lang(update, context))
    await send(
        context, update.effective_chat.id, esc(_("Choose your language:")), keyboards.languages()
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the bot can do and its commands."""
    assert update.effective_chat is not None
    _ = gettext_for(await ui_lang(update, context))
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
    await send(context, update.effective_chat.id, esc(text))


async def topics_command(update: Update, context: BotContext) -> None:
    """/topics: the categories as buttons."""
    assert update.effective_chat is not None
    lang = await ui_lang(update, context)
    _ = gettext_for(lang)
    await send(
        context,
        update.effective_chat.id,
        esc(_("Choose a topic:")),
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
    lang = await ui_lang(update, context)
    _ = gettext_for(lang)
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
        *translation_privacy(lang, settings),
        ("⏳", _("How long"), _(
            "Forwarded questions are deleted {closed} after the team has closed them, and at "
            "the latest {open} after you asked. Your questions without your name and your "
            "ratings are deleted after {log}."
        ).format(
            closed=days_text(lang, settings.ticket_retention_days),
            open=days_text(lang, settings.open_ticket_days),
            log=days_text(lang, settings.question_log_days),
        )),
        ("📅", _("Events"), _(
            "Only if you use them: that you get the weekly events (until /unsubscribe) and the "
            "reminders you set (until the event), with your chat number and language."
        )),
        ("🗑", _("Deleting"), _(
            "/forget deletes at once what the bot keeps about you: your language, your "
            "forwarded questions, and your questions and ratings in the question log. E-mails "
            "that already reached the city's inbox are kept by the city; ask the Integrationsbüro "
            "to delete them."
        )),
        *closing_privacy_sections(lang),
    ]  # fmt: skip
    parts = [
        icon + " <b>" + esc(title) + "</b>" + ("\n" + esc(body) if body else "")
        for icon, title, body in sections
    ]
    await send(context, update.effective_chat.id, "\n\n".join(parts))


async def forget_command(update: Update, context: BotContext) -> None:
    """/forget: ask before deleting everything stored about the person."""
    assert update.effective_chat is not None
    lang = await ui_lang(update, context)
    _ = gettext_for(lang)
    text = _(
        "Shall I delete everything I store about you: your language and your questions to the "
        "city's team (open ones can then not be answered here)?"
    )
    await send(context, update.effective_chat.id, esc(text), keyboards.forget(lang))


async def human_command(update: Update, context: BotContext) -> None:
    """/human: offer to forward the last question, or ask for the question."""
    assert update.effective_chat is not None
    await _ask_person(update.effective_chat.id, await ui_lang(update, context), context)


async def unknown_command(update: Update, context: BotContext) -> None:
    """Any other command in a private chat."""
    assert update.effective_chat is not None
    _ = gettext_for(await ui_lang(update, context))
    await send(context, update.effective_chat.id, esc(_("Unknown command. Try /help.")))


# ------------------------------------------------------------------------ questions


async def on_text(update: Update, context: BotContext) -> None:
    """A text message in a private chat: a follow-up if the person said so, else the dialogue."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    text = (message.text or "").replace("\x00", "").strip()
    chosen, client = await chat_languages(update, context)
    ui = ui_language(chosen, client)
    if not text:
        _ = gettext_for(ui)
        await send(context, chat.id, esc(_("Please type your question.")))
        return
    state = context.state
    if await _maybe_follow_up(message, text, ui, context):
        return
    services = context.services
    talk = state.talk
    if state.awaiting == "question":
        state.clear_awaiting()
        lang = _dialogue(context).language_of(text, talk, chosen=chosen, client=client) or ui
        pending = Pending(talk.new_offer(), text, lang)
        talk.last_question = pending
        await QuestionLog(services.store).log_question(
            channel="telegram", lang=pending.lang, text=text, decision="escalate", entry=None,
            candidates=[], score=0.0, reason="asked-for-person", chat_id=chat.id,
        )  # fmt: skip
        await _send_reply(chat.id, _dialogue(context).offer(pending, talk, unknown=False), context)
        return
    reply = _dialogue(context).message(text, talk, chosen=chosen, client=client)
    decision = getattr(reply, "decision", None)
    if isinstance(decision, Decision):
        question_id = await QuestionLog(services.store).log_question(
            channel="telegram", lang=decision.lang, text=text, decision=decision.decision,
            entry=decision.entry, candidates=decision.candidates, score=decision.score,
            reason=decision.reason, chat_id=chat.id,
        )  # fmt: skip
        if isinstance(reply, dlg.Answer):
            state.last_entry, state.last_question_id = reply.target, question_id
    await _send_reply(chat.id, reply, context)


def _dialogue(context: BotContext) -> dlg.Dialogue:
    services = context.services
    return dlg.Dialogue(
        services.assistant, forwarding=services.escalation.forwarding_enabled, now=clock.now
    )


async def _send_reply(chat_id: int, reply: dlg.Reply, context: BotContext) -> None:
    """Render a reply of the dialogue as a message with its buttons (or forward, on consent)."""
    assistant = context.services.assistant
    match reply:
        case dlg.Events():
            await _events().send_answer(context, chat_id, reply.answer, reply.lang)
        case dlg.Answer() | dlg.Details():
            text = reply_text(reply, assistant, HTML)
            await send(context, chat_id, text, keyboards.answer(reply, assistant))
        case dlg.Clarify():
            text = reply_text(reply, assistant, HTML)
            await send(context, chat_id, text, keyboards.clarify(reply, assistant))
        case dlg.OfferForwarding():
            await _offer_forwarding(chat_id, reply, context)
        case dlg.Forward():
            await _forward(chat_id, reply.pending, context)
        case _:
            markup = keyboards.options(reply.options, assistant, reply.lang)
            await send(context, chat_id, reply_text(reply, assistant, HTML), markup)


async def _maybe_follow_up(message: Message, text: str, ui: str, context: BotContext) -> bool:
    """Add ``text`` to a ticket if the person chose to (button or Telegram reply); True if so."""
    state, services = context.state, context.services
    ticket_id: int | None = None
    if state.awaiting == "followup" and time.monotonic() - state.awaiting_since < FOLLOW_UP_WINDOW:
        ticket_id = state.awaiting_ticket
    elif message.reply_to_message is not None:
        replied = message.reply_to_message
        from_bot = replied.from_user is not None and replied.from_user.id == context.bot.id
        ticket_id = await ticket_of(
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
        await send(context, message.chat_id, esc(reply))
        return True
    if result == "limit":
        await send(
            context, message.chat_id, esc(limit_text(LimitReached("follow-ups", ticket_id), ui))
        )
        return True
    if result == "closed":
        reply = _("Your question {ticket} is already closed, so I treat this as a new question.")
        await send(context, message.chat_id, esc(reply.format(ticket=ticket_id)))
    return False


async def _show_answer(chat_id: int, target: str, lang: str, context: BotContext) -> None:
    """An entry or event chosen by a button, with the dialogue's options."""
    await _send_reply(chat_id, _dialogue(context).show(target, lang, context.state.talk), context)


async def _offer_forwarding(chat_id: int, reply: dlg.OfferForwarding, context: BotContext) -> None:
    """Ask before forwarding: say what will be sent (question, language) and to whom."""
    services = context.services
    escalation = services.escalation
    pending = reply.pending
    _ = gettext_for(pending.lang)
    lead = reply_text(reply, services.assistant, HTML)
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
        (lead + "\n\n" if lead else "")
        + "📨 " + esc(_("Shall I forward your question to the city's team?")) + "\n\n"
        + quote(pending.question) + "\n\n"
        + "ℹ️ " + esc(whom.format(inbox=inbox) + " " + how)
    )  # fmt: skip
    markup = keyboards.options(reply.options, services.assistant, pending.lang)
    await send(context, chat_id, text, markup)


async def _ask_person(chat_id: int, lang: str, context: BotContext) -> None:
    """The "ask a person" path: an open ticket, the last question, or a new one."""
    services, state = context.services, context.state
    _ = gettext_for(lang)
    if services.escalation.forwarding_enabled:
        ticket = await services.escalation.tickets.open_ticket_for(chat_id)
        if ticket is not None:
            text = _(
                "Your question {ticket} is already with the city's team; the answer will come "
                "here. Do you want to add something?"
            ).format(ticket=ticket.id)
            await send(context, chat_id, esc(text), keyboards.add_to_ticket(ticket.id, lang))
            return
    reply = _dialogue(context).ask_person(state.talk, lang)
    if isinstance(reply, dlg.Notice) and reply.kind == "type-question":
        state.awaiting, state.awaiting_since = "question", time.monotonic()
    await _send_reply(chat_id, reply, context)


async def _forward(chat_id: int, pending: dlg.Pending, context: BotContext) -> None:
    """The person agreed: write the ticket (the outbox delivers it) and confirm its number."""
    services = context.services
    _ = gettext_for(pending.lang)
    try:
        forwarded = await services.escalation.forward(
            chat_id=chat_id, question=pending.question, lang=pending.lang,
            candidates=pending.candidates, scores=pending.scores,
        )  # fmt: skip
    except LimitReached as exc:
        await send(context, chat_id, esc(limit_text(exc, pending.lang)))
        return
    if forwarded is None:
        await send(context, chat_id, forwarding_unavailable_html(services.assistant, pending.lang))
        return
    ticket = forwarded.ticket
    if forwarded.added:  # one open ticket per person: the new question joins it
        reply = _("✅ Added to your question {ticket}. The team will see it.").format(ticket=ticket)
        message = await send(context, chat_id, esc(reply))
        await services.escalation.tickets.map_resident_message(chat_id, message.message_id, ticket)
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
    message = await send(
        context, chat_id, esc("\n".join(lines)), keyboards.add_to_ticket(ticket, pending.lang)
    )
    await services.escalation.tickets.map_resident_message(chat_id, message.message_id, ticket)


async def on_other(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice messages…: the bot reads only text."""
    assert update.effective_chat is not None
    _ = gettext_for(await ui_lang(update, context))
    text = _("I can read text messages and photos of letters. Please type your question.")
    await send(context, update.effective_chat.id, esc(text))


async def on_letter(update: Update, context: BotContext) -> None:
    """A photo, or an image or PDF sent as a file: "what is this letter?" (bot.letters)."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    chosen, client = await chat_languages(update, context)
    talk = context.state.talk
    desk = context.services.letters
    if message.photo:
        item, name = message.photo[-1], None  # the largest size Telegram made
    else:
        assert message.document is not None
        item, name = message.document, message.document.file_name
    if desk is None or not desk.available:
        result = LetterResult(None, "", "unavailable")
    elif (item.file_size or 0) > MAX_LETTER_BYTES:
        result = LetterResult(None, "", "unreadable")
    else:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        try:
            file = await context.bot.get_file(item.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:  # a file too large for the Bot API, or gone
            log.info("letter not downloaded: %s", type(exc).__name__)
            result = LetterResult(None, "", "unreadable")
        else:
            result = await desk.read(data, context.services.assistant.kb, name)
    reply = _dialogue(context).letter(
        result, talk, caption=message.caption, chosen=chosen, client=client
    )
    await _send_reply(chat.id, reply, context)


# --------------------------------------------------------------------------- buttons


async def on_button(update: Update, context: BotContext) -> None:
    """Every inline button: validate the callback data, re-check it, then act."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    lang = await ui_lang(update, context)
    data = cb.parse(query.data)
    if data is None or chat is None or chat.type != ChatType.PRIVATE:
        await refuse(query, lang)
        return
    assistant = context.services.assistant
    match data:
        case cb.SetLanguage(code):
            await _set_language(query, chat.id, code, context)
        case cb.ShowEntry(target, entry_lang):
            if not _exists(assistant, target):
                await refuse(query, lang)
                return
            await query.answer()
            await _show_answer(chat.id, target, entry_lang, context)
        case cb.ShowDetails(target, entry_lang):
            if target not in assistant.kb.entries:
                await refuse(query, lang)
                return
            await query.answer()
            reply = _dialogue(context).details(target, entry_lang, context.state.talk)
            await _send_reply(chat.id, reply, context)
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
            reply = _dialogue(context).choose(dlg.NoneOfThese(offer), context.state.talk)
            if isinstance(reply, dlg.Notice):
                await refuse(query, lang)
                return
            await query.answer()
            await drop_keyboard(query)
            await _send_reply(chat.id, reply, context)
        case cb.AskPerson():
            await query.answer()
            await _ask_person(chat.id, lang, context)
        case cb.AddToTicket(ticket_id):
            await _add_to_ticket(query, chat.id, ticket_id, lang, context)
        case cb.Forget(confirm):
            await _forget(query, chat.id, confirm, lang, context)


def _exists(assistant: Assistant, target: str) -> bool:
    return target_exists(assistant.kb, target)


async def _set_language(query: CallbackQuery, chat_id: int, code: str, context: BotContext) -> None:
    await context.services.store.set_language(chat_id, code)
    context.state.talk.choose_language(code)
    _ = gettext_for(code)
    await query.answer()
    await drop_keyboard(query)
    text = "✅ " + esc(_("Language set to {language}.").format(language=NATIVE_NAMES[code]))
    await send(context, chat_id, text, keyboards.main_menu(code))


async def _rate(
    query: CallbackQuery, chat_id: int, data: cb.Rate, lang: str, context: BotContext
) -> None:
    services, state = context.services, context.state
    assistant = services.assistant
    entry = assistant.entry(data.entry)
    _ = gettext_for(data.lang)
    if entry is None or not assistant.kb.version.startswith(data.kb):
        await refuse(query, lang, _("This answer has changed since. Thank you anyway!"))
        return
    question_id = state.last_question_id if state.last_entry == data.entry else None
    await QuestionLog(services.store).add_feedback(
        data.entry, data.lang, data.helpful, question_id, chat_id
    )
    await query.answer(_("Thank you!"))
    with suppress(BadRequest):
        markup = query.message.reply_markup if isinstance(query.message, Message) else None
        await query.edit_message_reply_markup(keyboards.without_rating(markup))
    if data.helpful:
        return
    text = _("Thank you for telling me — that helps to improve the answers.")
    await send(context, chat_id, esc(text), keyboards.ask_person(data.lang))


async def _show_category(
    query: CallbackQuery, category: str, lang: str, context: BotContext
) -> None:
    assistant = context.services.assistant
    entries = sorted(assistant.kb.entries_in(category), key=lambda e: assistant.title(e.id, lang))
    if not entries:
        await refuse(query, lang)
        return
    await query.answer()
    text = "<b>" + esc(keyboards.category_label(category, lang)) + "</b>"
    markup = keyboards.entry_list(entries, lang, assistant)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest:  # an old or inaccessible message: send a new one instead
        assert query.message is not None
        await send(context, query.message.chat.id, text, markup)


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
        await send(context, chat_id, esc(_("Nothing here yet. Please type your question.")))
        return
    markup = keyboards.entry_list(entries, lang, assistant, back=False)
    await send(context, chat_id, "<b>" + esc(_(spec.label)) + "</b>", markup)


async def _show_menu(
    query: CallbackQuery, chat_id: int, menu: str, lang: str, context: BotContext
) -> None:
    _ = gettext_for(lang)
    await query.answer()
    if menu == "language":
        await send(context, chat_id, esc(_("Choose your language:")), keyboards.languages())
    elif menu == "topics":
        markup = keyboards.categories(lang, context.services.assistant)
        try:
            await query.edit_message_text(
                esc(_("Choose a topic:")), parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except BadRequest:
            await send(context, chat_id, esc(_("Choose a topic:")), markup)
    elif menu == "events":
        await _events().send_window(context, chat_id, "all", lang)
    else:
        await send(context, chat_id, esc(_("How can I help?")), keyboards.main_menu(lang))


async def _consent(
    query: CallbackQuery, chat_id: int, data: cb.Consent, lang: str, context: BotContext
) -> None:
    reply = _dialogue(context).choose(
        dlg.Consent(data.yes, data.offer, data.attach), context.state.talk
    )
    if isinstance(reply, dlg.Notice):  # a second press finds nothing to forward
        _ = gettext_for(lang)
        text = _("This question is no longer waiting. Please type it again if you need to.")
        await refuse(query, lang, text)
        return
    await query.answer()
    await drop_keyboard(query)
    await _send_reply(chat_id, reply, context)


async def _add_to_ticket(
    query: CallbackQuery, chat_id: int, ticket_id: int, lang: str, context: BotContext
) -> None:
    ticket = await context.services.escalation.tickets.ticket(ticket_id)
    _ = gettext_for(lang)
    if ticket is None or ticket.chat_id != chat_id:
        await refuse(query, lang)
        return
    if ticket.status != "open":
        await refuse(query, lang, _("This question is closed. Just ask me again."))
        return
    await query.answer()
    state = context.state
    state.awaiting, state.awaiting_ticket = "followup", ticket_id
    state.awaiting_since = time.monotonic()
    text = _("Please type what you want to add to your question {ticket}.").format(ticket=ticket_id)
    await send(context, chat_id, esc(text))


async def _forget(
    query: CallbackQuery, chat_id: int, confirm: bool, lang: str, context: BotContext
) -> None:
    _ = gettext_for(lang)
    await query.answer()
    await drop_keyboard(query)
    if not confirm:
        await send(context, chat_id, esc(_("OK, nothing was deleted.")))
        return
    await context.services.store.forget(chat_id)
    if context.chat_data is not None:
        context.chat_data.clear()
    text = _(
        "Done: I deleted your language and your questions to the city's team. E-mails that "
        "already reached the city's inbox are kept by the city."
    )
    await send(context, chat_id, esc(text))


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
        await context.bot.send_message(chat.id, esc(text), parse_mode=ParseMode.HTML)
