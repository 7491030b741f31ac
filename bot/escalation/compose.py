"""The one place that puts the escalation together: the service, its channels, the worker.

The Telegram bot, the web chat on its own and the console chat all call ``build``; they differ
only in the transport's channels they pass (``channels``) and the staff group and admins they
have. E-mail to the inbox is added whenever SMTP is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from bot.config import Settings
from bot.escalation.mail import MailChannel
from bot.escalation.outbox import Channel, OutboxWorker
from bot.escalation.payloads import MAIL
from bot.escalation.service import Escalation
from bot.escalation.translation import with_translation
from bot.store import Store
from bot.translate.connector import Translator

ChannelFactory = Callable[[Escalation], Mapping[str, Channel]]


async def build(
    settings: Settings,
    store: Store,
    *,
    titles: Callable[[str, str], str],
    channels: ChannelFactory | None = None,
    staff_chat_id: int | None = None,
    admin_ids: Collection[int] = (),
    translator: Translator | None = None,
) -> tuple[Escalation, OutboxWorker]:
    """The escalation service and its (not yet started) outbox worker.

    ``channels`` makes the transport's channels from the service (they take its ticket store,
    texts and staff group); ``staff_chat_id`` and ``admin_ids`` only where Telegram delivers
    to them; ``translator`` (started by the caller) translates people's messages on the way.
    """
    escalation = Escalation(
        store,
        staff_chat_id=staff_chat_id,
        mail_enabled=settings.mail_enabled,
        titles=titles,
        admin_ids=admin_ids,
        max_follow_ups=settings.max_follow_ups,
        tickets_per_day=settings.tickets_per_day,
    )
    await escalation.load()
    found: dict[str, Channel] = dict(channels(escalation)) if channels is not None else {}
    if settings.mail_enabled:
        found[MAIL] = MailChannel(settings, escalation.texts)
    worker = OutboxWorker(
        store,
        with_translation(found, translator, store),
        base_delay=settings.outbox_retry_seconds,
        listener=escalation.after_delivery,
    )
    escalation.on_enqueue(worker.wake)
    return escalation, worker
