"""Events on Telegram: /events, event questions, calendar files, reminders, the weekly digest.

Thin handlers over the domain: ``bot.events`` decides what is on, ``bot.render`` how it reads,
``bot.ics`` writes the calendar files. Registered in ``bot.telegram.app``.

Jobs run on python-telegram-bot's JobQueue and are (re)scheduled at every start by
``schedule_jobs``: the digest every Monday at 08:00 Europe/Berlin, and one job per reminder that
has not been sent yet (from the database). Both write "sent" to SQLite *before* sending — the
ISO week for a digest, ``sent_at`` for a reminder — so that a restart or a second run never sends
twice; a delivery that fails for a passing reason undoes the mark and tries again later. A person
who blocked the bot (Forbidden) is unsubscribed and their reminders are dropped, once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import JobQueue

from bot import clock
from bot.clock import BERLIN
from bot.events import (
    EVENTS_ENTRY,
    PAGE_SIZE,
    REMINDER_TIME,
    EventAnswer,
    Window,
    answer_window,
    between,
    digest_window,
    iso_week,
    occurrence_on,
    reminder_time,
)
from bot.i18n import gettext_for
from bot.ics import event_ics
from bot.render import HTML, render_event_answer, render_occurrence
from bot.store import Reminder
from bot.telegram import callbacks as cb
from bot.telegram.context import App, BotContext, esc, refuse, send, ui_lang
from bot.telegram.limits import TELEGRAM_LIMIT

log = logging.getLogger(__name__)


DIGEST_JOB = "events-digest"  # the weekly job; one-off runs add "-catch-up", "-retry"
DIGEST_TIME = time(8, 0, tzinfo=BERLIN)  # aware: the JobQueue's own zone is UTC
MONDAY = 1  # python-telegram-bot ≥ 20 numbers days from Sunday = 0 (cron style)
RETRY_DELAY = timedelta(minutes=10)  # a digest or reminder that failed for a passing reason
# APScheduler skips a job that starts more than a second late; ours must run however late (an
# overdue reminder is scheduled before the scheduler starts, a busy loop may delay 08:00).
LATE_OK = {"misfire_grace_time": None}


def _reminder_job_name(reminder_id: int) -> str:
    return f"event-reminder-{reminder_id}"


# --------------------------------------------------------------------------- keyboards


def _button(label: str, callback: cb.Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=callback.data())


def _keyboard(
    answer: EventAnswer, lang: str, page: int, context: BotContext
) -> InlineKeyboardMarkup | None:
    """Per event "Add to calendar" and "Remind me" (while a reminder the day before is still
    possible), then previous/next page and the general events topic."""
    _ = gettext_for(lang)
    now = clock.now()
    assistant = context.services.assistant
    number, pages, items = answer.page(page)
    rows: list[list[InlineKeyboardButton]] = []
    numbered = answer.window != "event"
    for index, occurrence in enumerate(items, number * PAGE_SIZE + 1):
        prefix = f"{index}. " if numbered else ""
        event_id = occurrence.event.id
        row = [_button("📅 " + prefix + _("Add to calendar"), cb.EventCalendar(event_id, lang))]
        if reminder_time(occurrence) > now:
            day = occurrence.start.date()
            row.append(_button("⏰ " + prefix + _("Remind me"), cb.EventReminder(event_id, day)))
        rows.append(row)
    if numbered:
        window: Window = answer.window
        nav = []
        if number > 0:
            nav.append(_button("⬅️ " + _("Previous"), cb.EventsPage(window, number - 1, lang)))
        if number < pages - 1:
            nav.append(_button(_("Next") + " ➡️", cb.EventsPage(window, number + 1, lang)))
        if nav:
            rows.append(nav)
    if answer.window != "all":
        rows.append([_button(_("🎉 Events"), cb.EventsPage("all", 0, lang))])
    if EVENTS_ENTRY in assistant.kb.entries:
        title = "ℹ️ " + assistant.title(EVENTS_ENTRY, lang)
        rows.append([_button(title, cb.ShowEntry(EVENTS_ENTRY, lang))])
    return InlineKeyboardMarkup(rows) if rows else None


async def _send_answer(
    context: BotContext, chat_id: int, answer: EventAnswer, lang: str, intro: str = ""
) -> None:
    kb = context.services.assistant.kb
    limit = TELEGRAM_LIMIT - len(intro)
    text = intro + render_event_answer(answer, kb, lang, HTML, limit=limit)
    await send(context, chat_id, text, _keyboard(answer, lang, 0, context))


# ---------------------------------------------------------------- called by handlers.py


async def send_window(context: BotContext, chat_id: int, window: Window, lang: str) -> None:
    """The events of ``window`` (first page) as a new message."""
    answer = answer_window(context.services.assistant.kb, window, clock.now())
    await _send_answer(context, chat_id, answer, lang)


async def send_answer(context: BotContext, chat_id: int, answer: EventAnswer, lang: str) -> None:
    """The events a question asked for (the dialogue's ``Events`` reply), with buttons."""
    await _send_answer(context, chat_id, answer, lang)


# -------------------------------------------------------------------------- commands


async def events_command(update: Update, context: BotContext) -> None:
    """/events: what is on in the coming weeks, five per page, with buttons."""
    assert update.effective_chat is not None
    await send_window(context, update.effective_chat.id, "all", await ui_lang(update, context))


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/subscribe: the coming week's events every Monday morning."""
    assert update.effective_chat is not None
    lang = await ui_lang(update, context)
    _ = gettext_for(lang)
    if await context.services.store.subscribe_events(update.effective_chat.id, lang):
        text = _(
            "✅ Subscribed. Every Monday morning I send you the events of the coming week "
            "(nothing when there are none). /unsubscribe stops it."
        )
    else:
        text = _("You already get the weekly events. /unsubscribe stops them.")
    await send(context, update.effective_chat.id, esc(text))


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    """/unsubscribe: no more weekly events."""
    assert update.effective_chat is not None
    _ = gettext_for(await ui_lang(update, context))
    if await context.services.store.unsubscribe_events(update.effective_chat.id):
        text = _("Done: you will get no more weekly events. /subscribe starts them again.")
    else:
        text = _("You do not get the weekly events. /subscribe starts them.")
    await send(context, update.effective_chat.id, esc(text))


# --------------------------------------------------------------------------- buttons


def is_event_button(data: object) -> bool:
    """Whether callback data belongs to the buttons of this module."""
    return isinstance(cb.parse(data), cb.EVENT_CALLBACKS)


async def on_event_button(update: Update, context: BotContext) -> None:
    """Event buttons: turn a page, send a calendar file, set a reminder."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    lang = await ui_lang(update, context)
    data = cb.parse(query.data)
    if chat is None or chat.type != ChatType.PRIVATE:
        await refuse(query, lang)
        return
    match data:
        case cb.EventsPage(window, page, page_lang):
            await _turn_page(query, chat.id, window, page, page_lang, context)
        case cb.EventCalendar(event_id, ics_lang):
            await _send_calendar(query, chat.id, event_id, ics_lang, context)
        case cb.EventReminder(event_id, day):
            await _remind(query, chat.id, event_id, day, lang, context)
        case _:
            await refuse(query, lang)


async def _turn_page(
    query: CallbackQuery, chat_id: int, window: Window, page: int, lang: str, context: BotContext
) -> None:
    await query.answer()
    kb = context.services.assistant.kb
    answer = answer_window(kb, window, clock.now())
    text = render_event_answer(answer, kb, lang, HTML, page=page)
    markup = _keyboard(answer, lang, page, context)
    try:
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in exc.message:  # pressed twice: already showing that page
            return
        await send(context, chat_id, text, markup)  # an old or inaccessible message


async def _send_calendar(
    query: CallbackQuery, chat_id: int, event_id: str, lang: str, context: BotContext
) -> None:
    kb = context.services.assistant.kb
    event = kb.events.get(event_id)
    if event is None:
        await refuse(query, lang)
        return
    _ = gettext_for(lang)
    await query.answer()
    await context.bot.send_document(
        chat_id,
        document=event_ics(event, kb, lang, clock.now()),
        filename=f"{event.id}.ics",
        caption="📅 " + esc(event.text(lang)[1].title),
        parse_mode=ParseMode.HTML,
    )


async def _remind(
    query: CallbackQuery, chat_id: int, event_id: str, day: date, lang: str, context: BotContext
) -> None:
    services = context.services
    event = services.assistant.kb.events.get(event_id)
    occurrence = occurrence_on(event, day) if event is not None else None
    if event is None or occurrence is None:
        await refuse(query, lang)
        return
    _ = gettext_for(lang)
    at = reminder_time(occurrence)
    if at <= clock.now():
        await query.answer(_("That is too soon for a reminder the day before."), show_alert=True)
        return
    reminder_id = await services.store.add_reminder(chat_id, event_id, occurrence.start, at, lang)
    if reminder_id is None:
        await query.answer(_("You already have a reminder for this."))
        return
    reminder = await services.store.reminder(reminder_id)
    if reminder is not None and context.job_queue is not None:
        _schedule_reminder(context.job_queue, reminder)
    await query.answer()
    text = _("⏰ I will remind you of {event} on {date} at {time}.").format(
        event=event.text(lang)[1].title,
        date=format_date(at.date(), "full", locale=lang),
        time=REMINDER_TIME.strftime("%H:%M"),
    )
    await send(context, chat_id, esc(text))


# ------------------------------------------------------------------------------ jobs


async def schedule_jobs(app: App) -> None:
    """At start-up: the weekly digest, and every reminder not sent yet (from the database).

    If the bot was down at Monday 08:00, the digest goes out when it starts later that Monday.
    """
    job_queue = app.job_queue
    if job_queue is None:
        log.warning("no JobQueue: no weekly events digest and no event reminders")
        return
    job_queue.run_daily(
        digest_job, time=DIGEST_TIME, days=(MONDAY,), name=DIGEST_JOB, job_kwargs=LATE_OK
    )
    # Reminders are kept only until their event begins (as /privacy says).
    job_queue.run_repeating(purge_job, interval=timedelta(days=1), first=timedelta(hours=1))
    now = clock.now()
    if now.weekday() == 0 and now.time() >= DIGEST_TIME.replace(tzinfo=None):
        job_queue.run_once(digest_job, when=0, name=DIGEST_JOB + "-catch-up", job_kwargs=LATE_OK)
    store = app.bot_data["services"].store
    purged = await store.purge_reminders(started_before=now)
    pending = await store.pending_reminders()
    for reminder in pending:
        _schedule_reminder(job_queue, reminder)
    log.info("events: %d reminder(s) scheduled, %d expired removed", len(pending), purged)


def _schedule_reminder(job_queue: JobQueue[Any], reminder: Reminder) -> None:
    """One job per reminder; one whose time passed while the bot was down goes out now."""
    when: datetime | float = reminder.remind_at if reminder.remind_at > clock.now() else 0
    job_queue.run_once(
        reminder_job,
        when=when,
        data=reminder.id,
        name=_reminder_job_name(reminder.id),
        chat_id=reminder.chat_id,
        job_kwargs=LATE_OK,
    )


async def digest_job(context: BotContext) -> None:
    """The coming week's events to every subscriber who has not had them this ISO week."""
    services = context.services
    store, kb = services.store, services.assistant.kb
    now = clock.now()
    week = iso_week(now)
    start, end = digest_window(now)
    answer = EventAnswer("week", tuple(between(kb, start, end)))
    if not answer.occurrences:
        log.info("events digest %s: nothing on in the coming week, nothing sent", week)
        return
    sent = retry = 0
    for chat_id, lang in await store.digest_recipients(week):
        if not await store.claim_digest(chat_id, week):
            continue  # another run got there first
        _ = gettext_for(lang)
        intro = "📬 " + esc(_("Your weekly events. /unsubscribe stops them.")) + "\n\n"
        try:
            await _send_answer(context, chat_id, answer, lang, intro)
            sent += 1
        except (Forbidden, BadRequest) as exc:  # blocked, deleted account: never retried
            log.info("events digest: chat %s unreachable (%s), unsubscribed", chat_id, exc)
            await store.drop_event_recipient(chat_id)
        except TelegramError as exc:
            log.warning("events digest: delivery to %s failed (%s); will retry", chat_id, exc)
            await store.release_digest(chat_id, week)
            retry += 1
    log.info("events digest %s: sent to %d subscriber(s), %d to retry", week, sent, retry)
    if retry and context.job_queue is not None:
        context.job_queue.run_once(
            digest_job, when=RETRY_DELAY, name=DIGEST_JOB + "-retry", job_kwargs=LATE_OK
        )


async def purge_job(context: BotContext) -> None:
    """Delete reminders whose event has begun, sent or not."""
    await context.services.store.purge_reminders(started_before=clock.now())


async def reminder_job(context: BotContext) -> None:
    """One reminder, the day before the event; never twice, nothing once the event began."""
    assert context.job is not None
    reminder_id = int(context.job.data)  # type: ignore[arg-type]
    services = context.services
    store, kb = services.store, services.assistant.kb
    reminder = await store.reminder(reminder_id)
    if reminder is None or reminder.sent_at is not None:
        return
    event = kb.events.get(reminder.event_id)
    starts = reminder.starts_at.astimezone(BERLIN)
    occurrence = occurrence_on(event, starts.date()) if event is not None else None
    now = clock.now()
    if event is None or occurrence is None or occurrence.start <= now:  # removed, moved, begun
        await store.delete_reminder(reminder_id)
        return
    if not await store.claim_reminder(reminder_id):
        return
    _ = gettext_for(reminder.lang)
    text = (
        "⏰ <b>" + esc(_("Reminder")) + "</b>\n\n"
        + render_occurrence(occurrence, kb, reminder.lang, HTML)
    )  # fmt: skip
    markup = InlineKeyboardMarkup(
        [[_button("📅 " + _("Add to calendar"), cb.EventCalendar(event.id, reminder.lang))]]
    )
    try:
        await send(context, reminder.chat_id, text, markup)
    except (Forbidden, BadRequest) as exc:
        log.info("event reminder: chat %s unreachable (%s), dropped", reminder.chat_id, exc)
        await store.drop_event_recipient(reminder.chat_id)
    except TelegramError as exc:
        await store.release_reminder(reminder_id)
        if now + RETRY_DELAY < occurrence.start and context.job_queue is not None:
            log.warning("event reminder %s failed (%s); will retry", reminder_id, exc)
            context.job_queue.run_once(
                reminder_job, when=RETRY_DELAY, data=reminder_id,
                name=_reminder_job_name(reminder_id), chat_id=reminder.chat_id, job_kwargs=LATE_OK,
            )  # fmt: skip
