"""E-mail to the ZWK inbox: plain text, UTF-8 for every script, sent with the standard smtplib.

smtplib blocks, so each mail is sent in a worker thread (``asyncio.to_thread``). Failures:

- temporary, retried by the outbox with backoff: connection refused, timeouts, TLS errors, 4xx
  answers, and everything that concerns the bot's own set-up rather than this mail (a rejected
  login, a server without STARTTLS, a 5xx greeting): whoever runs the bot fixes it, and the mail
  then goes out on a later attempt;
- permanent: a 5xx answer to this mail's sender, recipient or content. Sending it again would be
  refused again, so the row is marked failed and the admins are told (``Escalation``).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

from bot.config import Settings
from bot.escalation.outbox import PermanentFailure, RetryLater
from bot.escalation.store import OutboxItem
from bot.escalation.texts import StaffTexts
from bot.render import PLAIN

log = logging.getLogger(__name__)

SMTPS_PORT = 465  # implicit TLS; every other port speaks plain SMTP, optionally with STARTTLS


class MailChannel:
    """Delivers ticket and follow-up outbox rows to ``settings.zwk_inbox``."""

    def __init__(self, settings: Settings, texts: StaffTexts, timeout: float | None = None) -> None:
        if not settings.smtp_host or not settings.smtp_from:
            raise ValueError("MailChannel needs SMTP_HOST and SMTP_FROM")
        self.settings = settings
        self.texts = texts
        self.timeout = timeout if timeout is not None else settings.smtp_timeout_seconds

    def build(self, item: OutboxItem) -> EmailMessage:
        """The message for one outbox row; its Message-ID is stable across retries."""
        settings = self.settings
        message = EmailMessage(policy=SMTP_POLICY)
        message["Subject"] = self.texts.mail_subject(item.payload)
        message["From"] = settings.smtp_from
        message["To"] = settings.zwk_inbox
        message["Date"] = formatdate(localtime=True)
        domain = (settings.smtp_from or "localhost").rpartition("@")[2]
        # The same id on every attempt lets mail systems drop a duplicate after a crash.
        message["Message-ID"] = f"<ankommen.outbox-{item.id}.ticket-{item.ticket_id}@{domain}>"
        body = self.texts.staff_text(item.payload, PLAIN, for_mail=True)
        # quoted-printable keeps every line 7-bit clean, whatever script the question uses.
        message.set_content(body, charset="utf-8", cte="quoted-printable")
        return message

    async def deliver(self, item: OutboxItem) -> None:
        message = self.build(item)
        server = f"SMTP {self.settings.smtp_host}:{self.settings.smtp_port}"
        try:
            await asyncio.to_thread(self._send, message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if codes and all(_permanent(code) for code in codes):
                raise PermanentFailure("rejected", f"{server}: {exc.recipients!r}") from exc
            raise RetryLater(f"{server}: {exc.recipients!r}") from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            reason = f"{server}: {exc.smtp_code} {_text(exc.smtp_error)}"
            if _permanent(exc.smtp_code):
                raise PermanentFailure("rejected", reason) from exc
            raise RetryLater(reason) from exc
        except smtplib.SMTPAuthenticationError as exc:
            log.error("%s refused the login: check SMTP_USER and SMTP_PASSWORD", server)
            raise RetryLater(f"{server}: login refused ({exc.smtp_code})") from exc
        except ssl.SSLError as exc:  # certificate, hostname or protocol: the set-up, not the mail
            log.error("TLS with %s failed: %s", server, exc)
            raise RetryLater(f"{server}: TLS error {exc!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:  # SMTPException is an OSError too
            raise RetryLater(f"{server}: {exc!r}") from exc

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


def _permanent(code: int) -> bool:
    """5xx: the server will refuse this mail again; 4xx and anything odd: try again later."""
    return 500 <= code < 600


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
