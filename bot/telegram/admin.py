"""Admin commands (ADMIN_IDS, private chat): reload, status, figures and the report."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta

from telegram import (
    Update,
)

from bot import clock
from bot.assistant import Assistant
from bot.clock import BERLIN
from bot.clusters import matcher_weight
from bot.errors import KnowledgeError
from bot.freshness import check_freshness
from bot.i18n import gettext_for, ngettext_for
from bot.questionlog import QuestionLog
from bot.report import REPORT_DAYS, Report, build_report, period
from bot.report_html import render_html
from bot.report_text import summary_text, unanswered_text
from bot.telegram.context import (
    BotContext,
    esc,
    send,
    ui_lang,
)

log = logging.getLogger(__name__)


async def reload_knowledge(assistant: Assistant, lang: str) -> tuple[bool, str]:
    """Load the knowledge base again; the HTML report for an admin (shared with SIGHUP)."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    try:
        kb = await assistant.reload()
    except KnowledgeError as exc:
        text = ngettext(
            "❌ {count} problem; the bot keeps knowledge base {version}.",
            "❌ {count} problems; the bot keeps knowledge base {version}.",
            len(exc.problems),
        ).format(count=len(exc.problems), version=assistant.kb.version)
        shown = "\n".join(str(p) for p in exc.problems[:10])
        return False, esc(text + "\n\n" + shown)
    text = _("✅ Knowledge base {version}: {entries} entries, {events} events.").format(
        version=kb.version, entries=len(kb.entries), events=len(kb.events)
    )
    return True, esc(text)


async def reload_command(update: Update, context: BotContext) -> None:
    """/reload (admins): load the knowledge base again; a broken one is not used."""
    assert update.effective_chat is not None
    _ok, text = await reload_knowledge(context.services.assistant, await ui_lang(update, context))
    await send(context, update.effective_chat.id, text)


async def status_command(update: Update, context: BotContext) -> None:
    """/status (admins): knowledge-base version, staff group and outbox counts."""
    assert update.effective_chat is not None
    services = context.services
    _ = gettext_for(await ui_lang(update, context))
    counts = await services.escalation.tickets.outbox_counts()
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
    await send(context, update.effective_chat.id, esc(text))


async def _report(
    context: BotContext, days: int, start: datetime | None = None
) -> tuple[Report, datetime]:
    """The curators' report of the last ``days`` days (or since ``start``); clustering runs off
    the event loop."""
    services = context.services
    matcher = services.assistant.matcher
    now = clock.now()
    start, end = (start, now) if start is not None else period(now, days=days)
    rows = await QuestionLog(services.store).load_rows(start, end)
    report = await asyncio.to_thread(
        build_report, rows, start, end, weight=matcher_weight(matcher), score=matcher.score
    )
    return report, now


def _days(context: BotContext) -> int:
    """``/stats 7``: the number of days asked for, 30 by default, at most about two years."""
    arg = context.args[0] if context.args else ""
    return min(int(arg), 800) if arg.isdigit() and int(arg) > 0 else REPORT_DAYS


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats [days] (admins): today's and this week's figures, or the last ``days`` days."""
    assert update.effective_chat is not None
    if context.args:
        reports = [(await _report(context, _days(context)))[0]]
    else:
        now = clock.now()
        today = datetime.combine(now.date(), time.min, BERLIN)
        monday = today - timedelta(days=now.weekday())
        reports = [(await _report(context, 0, start))[0] for start in (today, monday)]
    lang = await ui_lang(update, context)
    text = "\n\n".join(summary_text(report, lang) for report in reports)
    await send(context, update.effective_chat.id, "<pre>" + esc(text) + "</pre>")


async def unanswered_command(update: Update, context: BotContext) -> None:
    """/unanswered [days] (admins): unanswered and 👎 questions in clusters."""
    assert update.effective_chat is not None
    report, _now = await _report(context, _days(context))
    lang = await ui_lang(update, context)
    text = unanswered_text(report, context.services.assistant.kb, lang=lang)
    await send(context, update.effective_chat.id, esc(text))


async def report_command(update: Update, context: BotContext) -> None:
    """/report [days] (admins): the HTML report as a file."""
    assert update.effective_chat is not None
    kb = context.services.assistant.kb
    report, now = await _report(context, _days(context))
    lang = await ui_lang(update, context)
    page = render_html(report, kb, generated=now, freshness=check_freshness(kb, now), lang=lang)
    await context.bot.send_document(
        update.effective_chat.id,
        document=page.encode("utf-8"),
        filename="ankommen-report-" + now.strftime("%Y-%m-%d") + ".html",
    )
