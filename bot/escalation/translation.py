"""Machine translation inside the outbox worker, before a row's first send.

Design: translation happens in the worker, not before the outbox row is written. The ticket and
its rows are written at once (the resident gets the ticket number without waiting for a third
party), and the outbox guarantees stay what they are because this is only a wrapper around a
channel:

1. On a row's first attempt the wrapper translates the text (within TRANSLATE_TIMEOUT_SECONDS,
   retries included) and *stores the result in the row's payload* (``mt``) before anything is
   sent. Every later attempt — after a Telegram outage, after a restart — sends exactly the same
   text, so the parts already sent of a long message (``parts_sent``) still line up, and a row is
   never translated twice.
2. A failure or timeout is stored as well (``mt.failed``): the message goes out untranslated
   with a short note, at once. A translation service that is down never holds up delivery for
   longer than one time budget (then the connector fails fast for a while).
3. Success, retry and permanent failure of the delivery itself are the inner channel's, exactly
   as without translation.

Only the message text goes to the translation service: never the ticket number, chat ids or
names (they are not part of the text; the payload stays in the bot).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.escalation.outbox import Channel
from bot.escalation.payloads import (
    MAIL,
    STAFF,
    TO_RESIDENT,
    FollowUpPayload,
    ReplyPayload,
    TicketPayload,
)
from bot.escalation.store import OutboxItem, TicketStore
from bot.store import Store
from bot.translate.connector import TranslationError, Translator
from bot.translate.texts import STAFF_LANG, VERBATIM_MARK, MachineTranslation

log = logging.getLogger(__name__)


class TranslatingChannel:
    """Wraps a channel: staff and mail rows get German, resident rows the resident's language."""

    def __init__(self, inner: Channel, channel: str, translator: Translator, store: Store) -> None:
        self.inner = inner
        self.channel = channel
        self.translator = translator
        self.tickets = TicketStore(store)

    async def deliver(self, item: OutboxItem) -> None:
        payload = item.payload
        if payload.mt is None and payload.parts_sent == 0:
            mt = await self._translate(item)
            if mt is not None:
                # Stored before the first send: retries and restarts send the same text.
                payload = replace(payload, mt=mt)
                await self.tickets.outbox_set_payload(item.id, payload)
                item = replace(item, payload=payload)
        await self.inner.deliver(item)

    async def _translate(self, item: OutboxItem) -> MachineTranslation | None:
        payload = item.payload
        # Notices are the bot's own texts, already in the reader's language.
        if self.channel in (STAFF, MAIL) and isinstance(payload, TicketPayload | FollowUpPayload):
            text = payload.text
            source, target = payload.lang, STAFF_LANG
        elif self.channel in TO_RESIDENT and isinstance(payload, ReplyPayload):
            text = payload.text
            if text.startswith(VERBATIM_MARK):
                # The staff member wrote it in the person's language.
                return MachineTranslation(verbatim=True)
            source, target = STAFF_LANG, await self._resident_lang(item)
        else:
            return None
        if source == target or not text.strip():
            return None
        engine = self.translator.name
        try:
            translated = await self.translator.translate(text, source, target)
        except TranslationError as exc:
            log.warning(
                "outbox %d (%s, ticket %s): not translated %s→%s: %s",
                item.id, self.channel, item.ticket_id, source, target, exc,
            )  # fmt: skip
            # The note names the service already: "LibreTranslate: HTTP 500", not twice.
            reason = str(exc).removeprefix(engine).lstrip(": ")
            return MachineTranslation(
                engine=engine, source=source, target=target, failed=reason[:200]
            )
        return MachineTranslation(engine=engine, source=source, target=target, text=translated)

    async def _resident_lang(self, item: OutboxItem) -> str:
        ticket = await self.tickets.ticket(item.ticket_id) if item.ticket_id is not None else None
        return ticket.lang if ticket is not None else STAFF_LANG


def with_translation(
    channels: dict[str, Channel], translator: Translator | None, store: Store
) -> dict[str, Channel]:
    """The channels, those that carry people's messages wrapped when translation is on."""
    if translator is None:
        return channels
    return {
        name: TranslatingChannel(channel, name, translator, store)
        if name in (STAFF, MAIL, *TO_RESIDENT) else channel
        for name, channel in channels.items()
    }  # fmt: skip
