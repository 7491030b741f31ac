"""The staff group: replies to ticket messages reach residents, /close, group housekeeping.

Only the configured staff group routes text to a resident, and only by replying to a message the
bot posted there for a ticket (the stored ticket ↔ message mapping, never ``forward_from``).
"""

from __future__ import annotations

import logging
import re
import time

from telegram import (
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.conversation import ui_language
from bot.escalation import STAFF, STAFF_LANG
from bot.i18n import gettext_for
from bot.telegram.context import BotContext, esc, ticket_of

log = logging.getLogger(__name__)

# ASCII digits only: str.isdigit() accepts "١٢" and int() would read it as 12; SQLite integers
# end at 2**63 - 1, and no ticket number comes near 18 digits.
_TICKET_NUMBER = re.compile(r"#?([0-9]{1,18})")
GROUP_ANSWER_INTERVAL = 60.0  # seconds between two answers (/chatid, /help) in another group
_GROUP_COMMAND = re.compile(r"^/(chatid|start|help)(@\w+)?(\s|$)", re.IGNORECASE)


# ------------------------------------------------------------------------- group guard


async def group_guard(update: Update, context: BotContext) -> None:
    """Groups: the staff group works (with flood control per chat and per member); any other
    group gets at most one answer to /chatid, /start or /help a minute, and nothing else.

    Anyone can add the bot to a group; without this, 100 × /chatid there (whose replies
    Telegram limits to 20 a minute) kept residents waiting for nearly a minute.
    """
    chat, message = update.effective_chat, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE or update.my_chat_member is not None:
        return
    if message is not None and (message.migrate_to_chat_id or message.migrate_from_chat_id):
        return  # the staff group becoming a supergroup: followed by on_migration
    services = context.services
    if services.escalation.is_staff_chat(chat.id):
        # Anonymous admins all appear as one user (GroupAnonymousBot): the group's budget only.
        anonymous = message is not None and message.sender_chat is not None
        user = None if anonymous else update.effective_user
        # The member first: a member's dropped burst must not use up the group's budget.
        if (user is not None and services.flood.check(user.id) != "ok") or (
            services.group_flood.check(chat.id) != "ok"
        ):
            raise ApplicationHandlerStop  # silently: a note would add to the flood
        return
    text = message.text if message is not None else None
    if text and _GROUP_COMMAND.match(text):
        answered: dict[int, float] = context.bot_data.setdefault("group_answers", {})
        now = time.monotonic()
        if now - answered.get(chat.id, float("-inf")) >= GROUP_ANSWER_INTERVAL:
            answered[chat.id] = now
            if len(answered) > 10_000:  # forget old groups now and then
                for key in [k for k, v in answered.items() if now - v > GROUP_ANSWER_INTERVAL]:
                    del answered[key]
            return
    raise ApplicationHandlerStop


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
    ticket_id = await ticket_of(context, STAFF, from_bot, chat.id, replied.message_id)
    if ticket_id is None and from_bot:
        ticket_id = await _ticket_in_text(context, chat.id, replied)
    _ = gettext_for(STAFF_LANG)
    if ticket_id is None:
        if from_bot:
            text = _("I cannot find a ticket for that message (it may have been deleted).")
            await message.reply_text(esc(text), parse_mode=ParseMode.HTML, do_quote=True)
        return
    text = message.text or message.caption
    if not text:
        note = _("Only text can be passed on to the person. Please write your answer as text.")
        await message.reply_text(esc(note), parse_mode=ParseMode.HTML, do_quote=True)
        return
    result = await escalation.staff_reply(
        ticket_id=ticket_id, text=text, staff_chat_id=chat.id, staff_message_id=message.message_id
    )
    if result == "no-resident":
        note = _("Ticket {ticket} was not asked on Telegram; the bot cannot answer the person.")
        await message.reply_text(
            esc(note.format(ticket=ticket_id)), parse_mode=ParseMode.HTML, do_quote=True
        )
    elif result == "unknown":
        note = _("Ticket {ticket} no longer exists (the person deleted their data).")
        await message.reply_text(
            esc(note.format(ticket=ticket_id)), parse_mode=ParseMode.HTML, do_quote=True
        )


def _ticket_headers() -> re.Pattern[str]:
    """The first line of the bot's ticket and follow-up messages, with the ticket number."""
    _ = gettext_for(STAFF_LANG)
    heads = [
        re.escape(_(template).split("{ticket}", 1)[0]) + r"([0-9]{1,18})"
        for template in ("Ticket {ticket}", "Ticket {ticket}: the person adds")
    ]
    return re.compile(r"^(?:🎫|➕) (?:" + "|".join(heads) + ")")


async def _ticket_in_text(context: BotContext, chat_id: int, replied: Message) -> int | None:
    """The ticket a message of the bot names in its first line, for a copy whose mapping was
    never recorded (a crash between Telegram accepting it and the bot writing it down, or a
    database that refused the write). Only the bot's own messages in the staff group count, so
    nobody can route a reply by writing a ticket number. The mapping is recorded now."""
    found = _ticket_headers().match(replied.text or "")
    if found is None:
        return None
    ticket_id = int(next(group for group in found.groups() if group))
    tickets = context.services.escalation.tickets
    if await tickets.ticket(ticket_id) is None:
        return None
    await tickets.map_staff_message(chat_id, replied.message_id, ticket_id)
    log.info("staff message %s mapped to ticket %d by its text", replied.message_id, ticket_id)
    return ticket_id


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
    number = _TICKET_NUMBER.fullmatch(context.args[0]) if context.args else None
    if message.reply_to_message is not None:
        replied = message.reply_to_message
        ticket_id = await services.escalation.tickets.ticket_for_staff_message(
            chat.id, replied.message_id
        )
        if ticket_id is None and replied.from_user and replied.from_user.id == context.bot.id:
            ticket_id = await _ticket_in_text(context, chat.id, replied)
    elif number is not None:
        ticket_id = int(number.group(1))
    if ticket_id is None and context.args and message.reply_to_message is None:
        text = _("Please write the ticket number in the digits 0–9, e.g. /close 12.")
    elif ticket_id is None:
        text = _("Reply /close to a ticket message, or write /close and the ticket number.")
    elif await services.escalation.close(ticket_id):
        text = _("🔒 Ticket {ticket} is closed.").format(ticket=ticket_id)
    else:
        text = _("Ticket {ticket} is already closed or does not exist.").format(ticket=ticket_id)
    await message.reply_text(esc(text), parse_mode=ParseMode.HTML, do_quote=True)


async def chat_id_command(update: Update, context: BotContext) -> None:
    """/chatid in a group: the id to put into STAFF_CHAT_ID."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text = esc("STAFF_CHAT_ID=" + str(chat.id))
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
    await message.reply_text(esc(text), parse_mode=ParseMode.HTML)


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
    """Log when the bot is added to or removed from a group: helps to find STAFF_CHAT_ID.

    Once the staff group is configured, the bot leaves any other group it is added to, with a
    short note (before that it stays, so that /chatid can name the staff group's id).
    """
    change = update.my_chat_member
    if change is None:
        return
    escalation = context.services.escalation
    log.info(
        "bot is now %s in %s chat %s (STAFF_CHAT_ID is %s)",
        change.new_chat_member.status, change.chat.type, change.chat.id,
        escalation.staff_chat_id,
    )  # fmt: skip
    joined = change.new_chat_member.status in (
        ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR
    )  # fmt: skip
    chat = change.chat
    if (
        not joined
        or chat.type == ChatType.PRIVATE
        or escalation.staff_chat_id is None
        or escalation.is_staff_chat(chat.id)
    ):
        return
    user = change.from_user
    _ = gettext_for(ui_language(None, user.language_code if user else None))
    text = _(
        "Sorry, I only work in private chats and in the city team's group. Please write to me "
        "in a private chat: @{username}"
    ).format(username=context.bot.username)
    try:
        await context.bot.send_message(chat.id, esc(text), parse_mode=ParseMode.HTML)
    except TelegramError as exc:  # e.g. not allowed to write there: leave all the same
        log.info("could not say goodbye in chat %s: %s", chat.id, exc)
    await context.bot.leave_chat(chat.id)
    log.info("left chat %s: it is not the staff group", chat.id)
