"""The e-mail to the inbox: 7-bit clean for every script, a stable Message-ID."""

from __future__ import annotations

import email
import email.policy

import pytest

from bot.config import Settings
from bot.escalation import MAIL, Escalation, TicketStore
from bot.escalation.mail import MailChannel
from bot.store import Store

SCRIPTS = {
    "uk": "Де зареєструвати квартиру?",
    "ar": "أين أسجل شقتي؟",
    "fa": "کجا آپارتمانم را ثبت کنم؟",
    "vi": "Tôi đăng ký căn hộ ở đâu?",
    "tr": "Daireyi nerede kaydettiririm? ğış",
    "de": "Wo melde ich meine Wohnung an? äöüß",
}


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
async def test_mail_is_utf8_safe_for_every_script(store: Store, lang: str) -> None:
    settings = Settings(smtp_host="localhost", smtp_from="bot@dessau.example", zwk_inbox="z@x.de")
    escalation = Escalation(store, staff_chat_id=-5, mail_enabled=True)
    ticket = await escalation.escalate(
        chat_id=1, question=SCRIPTS[lang], lang=lang, candidates=["registration"], scores=[0.4]
    )
    item = next(i for i in await TicketStore(store).due_outbox_in_order() if i.channel == MAIL)
    message = MailChannel(settings, escalation.texts).build(item)
    raw = message.as_bytes()
    assert max(raw) < 128  # 7-bit clean on the wire
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert f"Ticket {ticket}" in parsed["Subject"]
    body = parsed.get_body(("plain",))
    assert body is not None
    assert SCRIPTS[lang] in body.get_content()
    assert "registration" in body.get_content()
    assert "Telegram" in body.get_content()  # how to answer
    assert parsed["Message-ID"] == message["Message-ID"]
    assert (
        message["Message-ID"] == MailChannel(settings, escalation.texts).build(item)["Message-ID"]
    )
