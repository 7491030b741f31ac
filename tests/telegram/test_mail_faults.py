"""SMTP faults against a real local SMTP server (aiosmtpd) whose answers are scripted.

Temporary (4xx, timeouts, connection refused, TLS errors): the outbox keeps the mail and retries
with backoff until it is accepted, exactly once. Permanent (5xx to this mail's sender, recipient
or content): the row is marked failed after one attempt, never retried, and the admins are told
in Telegram.
"""

from __future__ import annotations

import asyncio
import html
import shutil
import ssl
import subprocess
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from bot.config import Settings
from bot.escalation import STAFF_LANG, DeliveryResult
from bot.i18n import gettext_for
from tests.fakebot import FakeTelegram
from tests.smtpserver import MailSink, SmtpServer
from tests.telegram.conftest import STAFF, RunningBot, StartBot, with_smtp

ALICE = 5001
ADMIN = 9001
QUESTION = "When does the bus to Berlin leave?"  # escalates


class ScriptedSink(MailSink):
    """Answers MAIL FROM, RCPT TO and DATA from a script; accepts when the script is empty.

    ``stall`` DATA commands first wait (in a thread, so the server stays responsive) until the
    test releases them or 10 s pass, then refuse with 451: a server that stopped answering.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, **script: list[str]) -> None:
        super().__init__(loop)
        self.script = script
        self.stall = 0
        self.release = threading.Event()
        self.commands: list[str] = []

    def _scripted(self, command: str) -> str | None:
        self.commands.append(command)
        answers = self.script.get(command) or []
        return answers.pop(0) if answers else None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        refusal = self._scripted("MAIL")
        if refusal:
            return refusal
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        refusal = self._scripted("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall:
            self.stall -= 1
            self.commands.append("DATA (stalled)")
            await asyncio.to_thread(self.release.wait, 10)
            return "451 4.4.2 Timeout"
        refusal = self._scripted("DATA")
        if refusal:
            return refusal
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
async def scripted() -> Any:
    server = SmtpServer(_free_port(), asyncio.get_running_loop())
    server.sink = ScriptedSink(asyncio.get_running_loop())
    yield server
    server.sink.release.set()  # type: ignore[attr-defined]
    server.stop()


def _free_port() -> int:
    from tests.smtpserver import free_port

    return free_port()


def sink_of(server: SmtpServer) -> ScriptedSink:
    assert isinstance(server.sink, ScriptedSink)
    return server.sink


async def escalate(fake: FakeTelegram) -> int:
    fake.send_text(ALICE, QUESTION, lang="en")
    offer = await fake.wait_message(ALICE, "forward")
    fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "en")
    confirmation = await fake.wait_message(ALICE, "ticket number")
    return int(confirmation.text.split("ticket number is ")[1].split(".")[0])


async def result(bot: RunningBot, channel: str, outcome: str) -> DeliveryResult:
    async with asyncio.timeout(15):
        return await bot.worker.wait_for_result(
            lambda r: r.item.channel == channel and r.outcome == outcome
        )


def mail_results(bot: RunningBot) -> list[str]:
    return [r.outcome for r in bot.worker.results if r.item.channel == "mail"]


async def test_4xx_answers_are_retried_with_backoff_and_the_mail_arrives_once(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, scripted: SmtpServer
) -> None:
    sink = sink_of(scripted)
    sink.script = {
        "RCPT": ["450 4.2.1 Mailbox busy, try again later"],
        "DATA": ["451 4.3.0 Temporary local problem", "452 4.3.1 Insufficient storage"],
    }
    scripted.start()
    async with start_bot(with_smtp(settings, scripted), admin_ids=frozenset({ADMIN})) as bot:
        ticket = await escalate(fake)
        await result(bot, "mail", "sent")
        rows = await bot.tickets.outbox_items(ticket)
        errors = [r.error for r in bot.worker.results if r.item.channel == "mail" and r.error]
        delays = [r.delay for r in bot.worker.results if r.item.channel == "mail" and r.delay]
        outcomes = mail_results(bot)
    assert outcomes == ["retry", "retry", "retry", "sent"]
    assert "450" in (errors[0] or "") and "451" in (errors[1] or "") and "452" in (errors[2] or "")
    assert delays == sorted(delays) and delays[-1] > delays[0]  # backoff grows
    mail = [r for r in rows if r.channel == "mail"]
    assert [(r.status, r.attempts) for r in mail] == [("sent", 4)]
    assert len(sink.messages) == 1 and f"Ticket {ticket}" in sink.messages[0]["Subject"]
    assert fake.sent(ADMIN) == []  # temporary trouble is not the admins' business


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("RCPT", "550 5.1.1 <zwk@example.org>: Recipient address rejected: User unknown"),
        ("DATA", "554 5.7.1 Message rejected as spam"),
        ("MAIL", "553 5.7.1 Sender address rejected: not owned by user"),
    ],
)
async def test_5xx_is_marked_failed_reported_to_admins_and_not_retried(
    fake: FakeTelegram,
    start_bot: StartBot,
    settings: Settings,
    scripted: SmtpServer,
    command: str,
    answer: str,
) -> None:
    sink = sink_of(scripted)
    sink.script = {command: [answer]}
    scripted.start()
    async with start_bot(with_smtp(settings, scripted), admin_ids=frozenset({ADMIN})) as bot:
        ticket = await escalate(fake)
        failed = await result(bot, "mail", "failed")
        notice = await fake.wait_message(ADMIN, f"Ticket {ticket}")
        await result(bot, "admin", "sent")
        await result(bot, "staff", "sent")
        rows = await bot.tickets.outbox_items(ticket)
        assert await bot.tickets.next_outbox_due() is None  # nothing left to retry
        assert mail_results(bot) == ["failed"]
    assert failed.code == "rejected" and answer.split()[0] in (failed.error or "")
    mail = [r for r in rows if r.channel == "mail"]
    assert [(r.status, r.attempts) for r in mail] == [("failed", 1)]
    assert sink.commands.count(command) == 1 and sink.messages == []
    expected = gettext_for(STAFF_LANG)(
        "❌ Ticket {ticket}: the mail server rejected the e-mail to the inbox for good, so it will "
        "not be sent again. The question is still in the staff group if one is set. The server "
        "said: {error}"
    ).format(ticket=ticket, error=failed.error)
    assert html.escape(expected, quote=False) in notice.text and answer.split()[0] in notice.text
    # The staff group still got the ticket: the question itself is not lost.
    assert sum(f"Ticket {ticket}</b>" in c.text for c in fake.sent(STAFF)) == 1


async def test_a_rejected_mail_without_admins_is_logged(
    fake: FakeTelegram,
    start_bot: StartBot,
    settings: Settings,
    scripted: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink_of(scripted).script = {"RCPT": ["550 5.1.1 User unknown"]}
    scripted.start()
    async with start_bot(with_smtp(settings, scripted)) as bot:
        ticket = await escalate(fake)
        await result(bot, "mail", "failed")
        await bot.settle()
    assert f"the e-mail for ticket {ticket} was rejected for good and ADMIN_IDS is empty" in (
        caplog.text
    )


async def test_a_server_that_stops_answering_times_out_and_the_mail_is_sent_later(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, scripted: SmtpServer
) -> None:
    sink = sink_of(scripted)
    sink.stall = 1
    scripted.start()
    config = replace(with_smtp(settings, scripted), smtp_timeout_seconds=0.5)
    async with start_bot(config) as bot:
        ticket = await escalate(fake)
        timed_out = await result(bot, "mail", "retry")
        await result(bot, "mail", "sent")
        sink.release.set()
        rows = await bot.tickets.outbox_items(ticket)
    assert "timed out" in (timed_out.error or "").lower()
    assert [(r.status, r.attempts) for r in rows if r.channel == "mail"] == [("sent", 2)]
    assert len(sink.messages) == 1


async def test_connection_refused_then_the_server_comes_back_while_running(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, scripted: SmtpServer
) -> None:
    async with start_bot(with_smtp(settings, scripted)) as bot:  # not started: refused
        ticket = await escalate(fake)
        refused = await result(bot, "mail", "retry")
        scripted.start()
        await result(bot, "mail", "sent")
        rows = await bot.tickets.outbox_items(ticket)
    assert "refused" in (refused.error or "").lower()
    assert [r.status for r in rows if r.channel == "mail"] == ["sent"]
    assert len(sink_of(scripted).messages) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (what a misconfigured mail server presents)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_tls_errors_are_retried_until_the_certificate_is_trusted(
    fake: FakeTelegram,
    start_bot: StartBot,
    settings: Settings,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.get_running_loop()
    sink = MailSink(loop)
    controller = Controller(
        sink, hostname="127.0.0.1", port=_free_port(), tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        config = replace(
            settings, smtp_host="127.0.0.1", smtp_port=controller.port, smtp_starttls=True,
            smtp_from="bot@example.org",
        )  # fmt: skip
        async with start_bot(config) as bot:
            ticket = await escalate(fake)
            failed = await result(bot, "mail", "retry")
            # The admin fixes the trust store (here: the bot's process trusts the certificate).
            monkeypatch.setenv("SSL_CERT_FILE", str(cert))
            await result(bot, "mail", "sent")
            rows = await bot.tickets.outbox_items(ticket)
        assert "TLS error" in (failed.error or "") and "CERTIFICATE_VERIFY_FAILED" in (
            failed.error or ""
        )
        assert [r.status for r in rows if r.channel == "mail"] == ["sent"]
        assert len(sink.messages) == 1
    finally:
        controller.stop()
