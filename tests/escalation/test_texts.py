"""The texts of the escalation as the team reads them."""

from __future__ import annotations

from bot.escalation import Escalation, payload_from_json
from bot.render import HTML, PLAIN
from bot.store import Store


async def test_staff_text_escapes_html(store: Store) -> None:
    escalation = Escalation(store, staff_chat_id=-5, mail_enabled=False)
    payload = payload_from_json(
        {"kind": "ticket", "ticket": 3, "lang": "de", "question": "<b>x</b> & <a>",
         "guesses": [["a-b", "Title <i>", 0.5]], "asked": "2026-11-26 10:00"}
    )  # fmt: skip
    text = escalation.texts.staff_text(payload, HTML)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;a&gt;" in text
    assert "Title &lt;i&gt;" in text
    assert "<b>x</b>" in escalation.texts.staff_text(payload, PLAIN)
