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

from bot.config import Settings
from bot.escalation.mail import MailChannel
from bot.escalation.outbox import PermanentFailure
from bot.escalation.payloads import ReplyPayload
from bot.escalation.store import OutboxItem, Ticket, TicketStore
from bot.escalation.texts import StaffTexts
from bot.i18n import gettext_for
from bot.render import PLAIN
from bot.store import Store


class WebChannel:
    """Delivers ``web`` outbox rows (staff answers) into the asking session's inbox."""

    def __init__(self, store: Store, texts: StaffTexts) -> None:
        self.store = store
        self.tickets = TicketStore(store)
        self.texts = texts

    async def deliver(self, item: OutboxItem) -> None:
        ticket = await _ticket(self.tickets, item)
        if ticket.web_session is None:
            raise PermanentFailure("no-chat", "the question was not asked in the web chat")
        text = self.texts.resident_text(ticket, _reply(item), PLAIN)
        await self.store.add_web_inbox(ticket.web_session, ticket.id, item.id, text)


class WebMailChannel(MailChannel):
    """Delivers ``web-mail`` rows: the answer, by e-mail, to the address given for the ticket."""

    def __init__(self, settings: Settings, tickets: TicketStore, texts: StaffTexts) -> None:
        super().__init__(settings, texts)
        self.tickets = tickets
        self._ticket: Ticket | None = None

    async def deliver(self, item: OutboxItem) -> None:
        ticket = await _ticket(self.tickets, item)
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
            self.texts.resident_text(ticket, _reply(item), PLAIN),
            charset="utf-8", cte="quoted-printable",
        )  # fmt: skip
        return message


async def _ticket(tickets: TicketStore, item: OutboxItem) -> Ticket:
    ticket = await tickets.ticket(item.ticket_id) if item.ticket_id is not None else None
    if ticket is None:
        raise PermanentFailure("gone", "the ticket was deleted (delete my data or retention)")
    return ticket


def _reply(item: OutboxItem) -> ReplyPayload:
    if not isinstance(item.payload, ReplyPayload):
        raise PermanentFailure("not-a-reply", f"a {item.payload.KIND} is not for the person")
    return item.payload
