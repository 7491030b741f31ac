"""Delivery of the team's answers to web chat sessions (outbox channels ``web`` and
``web-mail``).

``WebChannel`` puts the answer into the session's ``web_inbox``, where the page finds it when it
polls or the next time it is opened. ``WebMailChannel`` also sends it to the e-mail address the
person left for that ticket (the ZWK mail settings, the person as recipient). Like the Telegram
resident channel, the ticket is read at delivery time: after "delete my data" or retention it is
gone and nothing is delivered.
"""

from __future__ import annotations

from email.message import EmailMessage

from bot.channels.mail import MailChannel
from bot.config import Settings
from bot.escalation import Escalation, PermanentFailure
from bot.i18n import gettext_for
from bot.render import PLAIN
from bot.store import OutboxItem, Ticket


class WebChannel:
    """Delivers ``web`` outbox rows (staff answers) into the asking session's inbox."""

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def deliver(self, item: OutboxItem) -> None:
        store = self.escalation.store
        ticket = await _ticket(self.escalation, item)
        if ticket.web_session is None:
            raise PermanentFailure("no-chat", "the question was not asked in the web chat")
        text = self.escalation.resident_text(ticket, item.payload, PLAIN)
        await store.add_web_inbox(ticket.web_session, ticket.id, item.id, text)


class WebMailChannel(MailChannel):
    """Delivers ``web-mail`` rows: the answer, by e-mail, to the address given for the ticket."""

    def __init__(self, settings: Settings, escalation: Escalation) -> None:
        super().__init__(settings, escalation)
        self._ticket: Ticket | None = None

    async def deliver(self, item: OutboxItem) -> None:
        ticket = await _ticket(self.escalation, item)
        if not ticket.email:
            raise PermanentFailure("no-address", "no e-mail address was left for this ticket")
        self._ticket = ticket
        try:
            await super().deliver(item)
        finally:
            self._ticket = None

    def build(self, item: OutboxItem) -> EmailMessage:
        ticket = self._ticket
        assert ticket is not None and ticket.email
        message = super().build(item)
        _ = gettext_for(ticket.lang)
        del message["Subject"], message["To"]
        message["Subject"] = _("Answer from the city team") + f" ({ticket.id})"
        message["To"] = ticket.email
        message.set_content(
            self.escalation.resident_text(ticket, item.payload, PLAIN),
            charset="utf-8", cte="quoted-printable",
        )  # fmt: skip
        return message


async def _ticket(escalation: Escalation, item: OutboxItem) -> Ticket:
    ticket = await escalation.store.ticket(item.ticket_id) if item.ticket_id is not None else None
    if ticket is None:
        raise PermanentFailure("gone", "the ticket was deleted (delete my data or retention)")
    return ticket
