"""What every Telegram handler shares: the services, per-chat state, and sending helpers."""

from __future__ import annotations

import asyncio
import html
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot import clock
from bot.assistant import Assistant
from bot.config import Settings
from bot.conversation import FloodGate, ui_language
from bot.dialogue import Conversation
from bot.escalation import STAFF, Escalation, OutboxWorker
from bot.i18n import gettext_for
from bot.letters import LetterDesk
from bot.render import HTML
from bot.replies import forwarding_unavailable
from bot.store import Store
from bot.telegram.limits import split_message

log = logging.getLogger(__name__)


PREVIEW_CHARS = 500  # how much of a question the consent message quotes
MAPPING_WAIT = 5.0  # seconds a reply waits for the delivery that maps its message


# --------------------------------------------------------------------------- context


@dataclass(slots=True)
class Services:
    """What handlers need; created and owned by ``bot.telegram.app``."""

    settings: Settings
    assistant: Assistant
    store: Store
    escalation: Escalation
    worker: OutboxWorker
    flood: FloodGate  # per person (private chats, and members of the staff group)
    group_flood: FloodGate  # per group chat
    letters: LetterDesk | None = None  # photos of letters (None: not set up, e.g. in tests)


@dataclass(slots=True)
class ChatState:
    """Per-chat state, in memory only: after a restart a button may be stale.

    ``talk`` is the conversation the dialogue keeps (open menu, pending question, language,
    whether the machine-translation note was shown); the rest is Telegram's own: what to rate,
    and whether the next message is a question for the team or a follow-up to a ticket.
    """

    talk: Conversation = field(default_factory=Conversation)
    last_entry: str | None = None
    last_question_id: int | None = None
    awaiting: Literal["question", "followup"] | None = None
    awaiting_ticket: int | None = None
    awaiting_since: float = 0.0

    def clear_awaiting(self) -> None:
        self.awaiting, self.awaiting_ticket = None, None


App = Application[Any, Any, Any, Any, Any, Any]  # the application, however configured


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


async def send(
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


async def chat_languages(update: Update, context: BotContext) -> tuple[str | None, str | None]:
    """(chosen language, client language) of the person behind ``update``."""
    chat = update.effective_chat
    user = update.effective_user
    chosen = await context.services.store.language(chat.id) if chat else None
    return chosen, user.language_code if user else None


async def ui_lang(update: Update, context: BotContext) -> str:
    return ui_language(*await chat_languages(update, context))


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def quote(text: str) -> str:
    short = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"
    return "«" + esc(short) + "»"


def forwarding_unavailable_html(assistant: Assistant, lang: str) -> str:
    """The Integrationsbüro's contact, for when no forwarding channel is configured."""
    return forwarding_unavailable(assistant.kb, lang, clock.now(), HTML)


async def refuse(query: CallbackQuery, lang: str, text: str | None = None) -> None:
    """A polite refusal for a stale or forged button; nothing else happens."""
    _ = gettext_for(lang)
    await query.answer(
        text or _("This button is out of date. Please send /start or ask your question again."),
        show_alert=False,
    )


async def drop_keyboard(query: CallbackQuery) -> None:
    """Remove the buttons of the message a press came from, so it cannot be pressed twice."""
    with suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def ticket_of(
    context: BotContext, channel: str, from_bot: bool, chat_id: int, message_id: int
) -> int | None:
    """The ticket a replied-to message belongs to (staff group or resident chat)."""
    tickets, worker = context.services.escalation.tickets, context.services.worker
    if channel == STAFF:
        lookup = tickets.ticket_for_staff_message
    else:
        lookup = tickets.ticket_for_resident_message
    ticket_id = await lookup(chat_id, message_id)
    if ticket_id is None and from_bot:
        # The bot's own message may be mapped a moment after Telegram returned its id.
        with suppress(TimeoutError):
            async with asyncio.timeout(MAPPING_WAIT):
                await worker.wait_idle(channel)
        ticket_id = await lookup(chat_id, message_id)
    return ticket_id
