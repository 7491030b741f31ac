"""``build``: the one composition of service, channels and worker for every front end."""

from __future__ import annotations

from bot.config import Settings
from bot.escalation import MAIL, RESIDENT, STAFF, Escalation, TicketPayload, build
from bot.escalation.mail import MailChannel
from bot.store import Store
from tests.escalation.recorder import Recorder, run_until


def same(target: str, lang: str) -> str:
    return target


async def test_build_wires_the_transport_channels_mail_and_the_worker(store: Store) -> None:
    settings = Settings(smtp_host="localhost", smtp_from="bot@dessau.example", zwk_inbox="z@x.de")
    staff = Recorder()
    seen: list[Escalation] = []

    def channels(escalation: Escalation) -> dict[str, Recorder]:
        seen.append(escalation)
        return {STAFF: staff}

    escalation, worker = await build(
        settings, store, titles=lambda target, lang: target.upper(), channels=channels,
        staff_chat_id=-5, admin_ids=[7],
    )  # fmt: skip
    assert seen == [escalation]
    assert set(worker.channels) == {STAFF, MAIL}
    assert isinstance(worker.channels[MAIL], MailChannel)
    assert worker.listener == escalation.after_delivery
    assert escalation.admin_ids == (7,) and escalation.channels() == [STAFF, MAIL]
    await worker.start()
    ticket = await escalation.escalate(
        chat_id=1, question="Frage?", lang="de", candidates=["registration"], scores=[0.5]
    )  # the worker is woken at once: no wait for its next round
    await run_until(worker, STAFF, "sent")
    await worker.stop()
    payload = staff.delivered[0].payload
    assert isinstance(payload, TicketPayload) and payload.ticket == ticket
    assert payload.guesses[0].title == "REGISTRATION"


async def test_build_follows_a_staff_group_that_migrated_before_the_start(store: Store) -> None:
    escalation, _worker = await build(Settings(), store, titles=same, staff_chat_id=-5)
    assert await escalation.staff_chat_migrated(-5, -1005)
    again, _worker = await build(Settings(), store, titles=same, staff_chat_id=-5)
    assert again.staff_chat_id == -1005
    assert again.channels() == [STAFF]  # no SMTP: no mail channel


async def test_the_console_has_no_transport_channel_but_mail(store: Store) -> None:
    settings = Settings(smtp_host="localhost", smtp_from="bot@dessau.example", zwk_inbox="z@x.de")
    escalation, worker = await build(settings, store, titles=same)
    assert set(worker.channels) == {MAIL}
    assert escalation.staff_chat_id is None and escalation.forwarding_enabled
    assert RESIDENT not in worker.channels
