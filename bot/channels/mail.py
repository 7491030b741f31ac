"""E-mail to the ZWK inbox: plain text, UTF-8 for every script, sent with the standard smtplib.

smtplib blocks, so each mail is sent in a worker thread (``asyncio.to_thread``). Every SMTP or
network failure is temporary for the outbox: a wrong password or an unreachable server is fixed
by whoever runs the bot, and the mail then goes out on a later attempt.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

from bot.config import Settings
from bot.escalation import Escalation, RetryLater
from bot.render import PLAIN
from bot.store import OutboxItem

SMTPS_PORT = 465  # implicit TLS; every other port speaks plain SMTP, optionally with STARTTLS


class MailChannel:
    """Delivers ticket and follow-up outbox rows to ``settings.zwk_inbox``."""

    def __init__(self, settings: Settings, escalation: Escalation, timeout: float = 30.0) -> None:
        if not settings.smtp_host or not settings.smtp_from:
            raise ValueError("MailChannel needs SMTP_HOST and SMTP_FROM")
        self.settings = settings
        self.escalation = escalation
        self.timeout = timeout

    def build(self, item: OutboxItem) -> EmailMessage:
        """The message for one outbox row; its Message-ID is stable across retries."""
        settings = self.settings
        message = EmailMessage(policy=SMTP_POLICY)
        message["Subject"] = self.escalation.mail_subject(item.payload)
        message["From"] = settings.smtp_from
        message["To"] = settings.zwk_inbox
        message["Date"] = formatdate(localtime=True)
        domain = (settings.smtp_from or "localhost").rpartition("@")[2]
        # The same id on every attempt lets mail systems drop a duplicate after a crash.
        message["Message-ID"] = f"<ankommen.outbox-{item.id}.ticket-{item.ticket_id}@{domain}>"
        body = self.escalation.staff_text(item.payload, PLAIN, for_mail=True)
        # quoted-printable keeps every line 7-bit clean, whatever script the question uses.
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    async def deliver(self, item: OutboxItem) -> None:
        message = self.build(item)
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError too
            raise RetryLater(f"SMTP {self.settings.smtp_host}: {exc!r}") from exc

    def _send(self, message: EmailMessage) -> None:
        settings = self.settings
        host, port = settings.smtp_host or "", settings.smtp_port
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if port == SMTPS_PORT:
            smtp = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        with smtp:
            smtp.ehlo()
            if settings.smtp_starttls and port != SMTPS_PORT:
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
