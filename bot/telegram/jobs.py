"""Jobs the bot runs on a timer: retention every day, the database-file check every few minutes."""

from __future__ import annotations

import html
import logging

from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import retention
from bot.escalation import STAFF_LANG
from bot.i18n import gettext_for
from bot.telegram import context

log = logging.getLogger(__name__)


async def retention_job(context: context.BotContext) -> None:
    await _check_database_file(context)
    await enforce_retention(context.services)


async def health_job(context: context.BotContext) -> None:
    await _check_database_file(context)


async def _check_database_file(context: context.BotContext) -> None:
    """Notice a database file deleted or replaced under the running bot: log it and tell the
    admins (directly, not through the outbox: its rows would go to the lost file)."""
    services = context.services
    problem = services.store.file_problem()
    if problem is None or context.bot_data.get("database_problem") == problem:
        return
    context.bot_data["database_problem"] = problem  # once per problem, not every 5 minutes
    path = services.store.path
    log.error(
        "the database file %s was %s while the bot runs: new data is lost at the next restart. "
        "Restore it from a backup or stop the bot, then start it again", path, problem,
    )  # fmt: skip
    _ = gettext_for(STAFF_LANG)
    text = _(
        "⚠️ The bot's database file {path} was deleted or replaced while the bot runs. What it "
        "stores now is lost at the next restart. Please restore the file from a backup (or stop "
        "the bot), then start the bot again."
    ).format(path=path)
    for admin_id in services.settings.admin_ids:
        try:
            await context.bot.send_message(
                admin_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            log.warning("could not tell admin %s about the database file: %r", admin_id, exc)


async def enforce_retention(services: context.Services) -> None:
    try:
        await retention.enforce_retention(services.store, services.settings)
    except Exception:  # the next run is tomorrow; the error is for the admins' log
        log.exception("retention failed")
