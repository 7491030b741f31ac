"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests of the e-mail channel: it keeps every
message it receives, and it can be started late to simulate an outage."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.fakebot import Pulse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailSink:
    """An aiosmtpd handler that keeps every message; runs in the controller's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = Pulse()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.loop.call_soon_threadsafe(self._add, message, envelope)
        return "250 Message accepted for delivery"

    def _add(self, message: EmailMessage, envelope: Any) -> None:
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self._arrived.fire()

    async def wait_count(self, count: int, within: float = 10) -> list[EmailMessage]:
        async with asyncio.timeout(within):
            await self._arrived.wait_for(lambda: len(self.messages) >= count)
        return self.messages


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be started late (to simulate an outage)."""

    def __init__(self, port: int, loop: asyncio.AbstractEventLoop) -> None:
        self.port = port
        self.sink = MailSink(loop)
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
