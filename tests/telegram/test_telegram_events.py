"""End to end, events: /events pages, calendar files, reminders, the weekly digest.

The real bot against the fake Bot API (tests/fakebot.py). Jobs are triggered directly with
``Job.run`` instead of waiting for Monday 08:00; restarts are real (a new application on the same
database). The fixture knowledge base has one weekly event: the Sprachcafé, Wednesdays 17–19.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from bot.assistant import Assistant
from bot.clock import BERLIN
from bot.config import DEFAULT_KNOWLEDGE, Settings
from bot.errors import KnowledgeError
from bot.events import iso_week, occurrence_on
from bot.store import Store
from bot.telegram.app import App
from bot.telegram.events import DIGEST_JOB, reminder_job
from tests.fakebot import Call, FakeTelegram
from tests.telegram.conftest import StartBot

ALICE, BOB, CAROL, DAVE = 5101, 5102, 5103, 5104
BLOCKED = "Forbidden: bot was blocked by the user"


def data_of(call: Call) -> list[str]:
    return [b["callback_data"] for b in call.buttons]


def wednesday_after(days: int) -> date:
    """A Wednesday (a Sprachcafé day) at least ``days`` days from now."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def digest_job(app: App) -> Any:
    assert app.job_queue is not None
    (job,) = app.job_queue.get_jobs_by_name(DIGEST_JOB)
    return job


async def test_events_list_pages_with_buttons_and_calendar_file(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        fake.send_text(ALICE, "/events", lang="en")
        first = await fake.wait_message(ALICE, "Language café")
        assert "1. 🎉 <b>Language café</b>" in first.text and "5. 🎉" in first.text
        assert "6. 🎉" not in first.text  # five per page
        assert "Integrationsbüro der Stadt Dessau-Roßlau, Zerbster Straße 4" in first.text
        assert "Wednesday" in first.text and "17:00" in first.text  # Babel, Berlin time
        buttons = data_of(first)
        assert "v1|p|all|1|en" in buttons and "v1|p|all|0|en" not in buttons
        assert sum(b.startswith("v1|i|sprachcafe|en") for b in buttons) == 5

        fake.press(ALICE, "v1|p|all|1|en", first.result["message_id"], lang="en")
        page = await fake.wait_for(lambda c: c.method == "editMessageText" and c.ok)
        assert "6. 🎉" in page.text and "1. 🎉" not in page.text
        assert {"v1|p|all|0|en", "v1|p|all|2|en"} <= set(data_of(page))

        fake.press(ALICE, "v1|i|sprachcafe|en", first.result["message_id"], lang="en")
        sent = await fake.wait_for(lambda c: c.method == "sendDocument" and c.ok)
    upload = sent.params["document"]
    assert upload["filename"] == "sprachcafe.ics"
    calendar = Calendar.from_ical(upload["content"])
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Language café"
    assert vevent.decoded("dtstart") == datetime(2026, 1, 7, 17, 0, tzinfo=BERLIN)
    assert vevent.decoded("dtend") == datetime(2026, 1, 7, 19, 0, tzinfo=BERLIN)
    assert vevent["rrule"].to_ical() == b"FREQ=WEEKLY;BYDAY=WE"
    assert "Zerbster Straße 4" in str(vevent["location"])


async def test_named_event_and_main_menu(fake: FakeTelegram, start_bot: StartBot) -> None:
    async with start_bot():
        fake.send_text(ALICE, "Wann ist das Sprachcafé?", lang="de")
        answer = await fake.wait_message(ALICE, "Sprachcafé")
        assert "Deutsch sprechen bei Kaffee und Tee." in answer.text  # with its description
        assert "v1|i|sprachcafe|de" in data_of(answer)
        assert not any(b.startswith("v1|f|") for b in data_of(answer))  # no 👍/👎 on events
        fake.send_text(ALICE, "/start", lang="de")
        menu = await fake.wait_message(ALICE, "👋")
        mark = fake.mark()
        fake.press(ALICE, menu.button("🎉")["callback_data"], menu.result["message_id"])
        listed = await fake.wait_message(ALICE, "1. 🎉", after=mark)
        assert "Sprachcafé" in listed.text


@pytest.fixture(scope="module")
def real_assistant_or_skip() -> Assistant:
    try:
        return Assistant.from_directory(DEFAULT_KNOWLEDGE)
    except KnowledgeError as exc:  # content is being edited; the fixture tests still run
        pytest.skip(f"the real knowledge base does not validate right now: {exc}")


@pytest.mark.parametrize(
    ("text", "lang", "expect"),
    [
        ("what's on this weekend", "en", "v1|p|all|0|en"),
        ("що відбувається на вихідних", "uk", "v1|p|all|0|uk"),
        ("bu hafta sonu ne var", "tr", "v1|p|all|0|tr"),
        ("когда Stadtfest?", "ru", "v1|i|stadtfest|ru"),
        ("Bauhausfest date", "en", "v1|i|bauhausfest|en"),
    ],
)
async def test_event_questions_in_several_languages(
    fake: FakeTelegram,
    start_bot: StartBot,
    real_assistant_or_skip: Assistant,
    text: str,
    lang: str,
    expect: str,
) -> None:
    async with start_bot(brain=real_assistant_or_skip, knowledge_dir=DEFAULT_KNOWLEDGE):
        fake.send_text(ALICE, text, lang=lang)
        reply = await fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == ALICE)
    assert reply.ok and "🎉" in reply.text
    assert expect in data_of(reply)  # the events list (or the named event), not the topic page
    if expect.startswith("v1|i|stadtfest"):
        assert "Городской праздник Дессау (Stadtfest)" in reply.text


async def test_reminder_is_sent_once_and_rescheduled_after_a_restart(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    first_day, second_day = wednesday_after(2), wednesday_after(9)
    press = [f"v1|r|sprachcafe|{day:%Y%m%d}" for day in (first_day, second_day)]
    async with start_bot() as bot:
        fake.press(ALICE, press[0], lang="en")
        await fake.wait_message(ALICE, "remind you")
        fake.press(ALICE, press[0], lang="en")  # pressed twice: still one reminder
        fake.press(ALICE, press[1], lang="en")
        await bot.settle()
        reminders = await bot.store.pending_reminders()
        assert [r.remind_at for r in reminders] == [
            datetime.combine(day - timedelta(days=1), time(9, 0), BERLIN)
            for day in (first_day, second_day)
        ]
        first, second = (f"event-reminder-{r.id}" for r in reminders)
        mark = fake.mark()
        thursday = first_day + timedelta(days=1)  # no Sprachcafé that day: a forged button
        fake.press(ALICE, f"v1|r|sprachcafe|{thursday:%Y%m%d}", lang="en")
        await bot.settle()
        assert [c.method for c in fake.calls[mark:] if c.chat_id == ALICE] == []
        assert len(await bot.store.pending_reminders()) == 2

    async with start_bot() as bot:  # both rescheduled from the database
        assert bot.app.job_queue is not None
        jobs = {job.name: job for job in bot.app.job_queue.jobs()}
        assert first in jobs and second in jobs
        assert jobs[first].next_t == reminders[0].remind_at
        mark = fake.mark()
        await jobs[first].run(bot.app)
        reminder = await fake.wait_message(ALICE, "Reminder", after=mark)
        assert "Language café" in reminder.text and "v1|i|sprachcafe|en" in data_of(reminder)
        await jobs[first].run(bot.app)  # a second run sends nothing
        await bot.settle()
        sent = [c for c in fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == ALICE]
        assert sum("Reminder" in c.text for c in sent) == 1

    async with start_bot() as bot:  # sent ones are not scheduled again
        assert bot.app.job_queue is not None
        names = {job.name for job in bot.app.job_queue.jobs()}
        assert first not in names and second in names
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        sent = db.execute("SELECT COUNT(*) FROM event_reminders WHERE sent_at IS NOT NULL")
        assert sent.fetchone()[0] == 1


async def test_weekly_digest_once_per_week_per_person_across_a_restart(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    async with start_bot() as bot:
        daily = digest_job(bot.app)
        monday = daily.next_t.astimezone(BERLIN)
        assert (monday.weekday(), monday.time()) == (0, time(8, 0))  # Monday 08:00 in Berlin
        fake.send_text(ALICE, "/subscribe", lang="en")
        await fake.wait_message(ALICE, "✅")
        fake.send_text(BOB, "/subscribe", lang="de")
        await fake.wait_message(BOB, "✅")
        fake.send_text(ALICE, "/subscribe", lang="en")
        await fake.wait_message(ALICE, "already")
        mark = fake.mark()
        await daily.run(bot.app)
        alice = await fake.wait_message(ALICE, "📬", after=mark)
        bob = await fake.wait_message(BOB, "📬", after=mark)
        assert "Language café" in alice.text  # each in their own language
        assert "Sprachcafé" in bob.text
        assert "v1|i|sprachcafe|en" in data_of(alice) and "v1|i|sprachcafe|de" in data_of(bob)
        await daily.run(bot.app)  # the same week again: nothing
        await bot.settle()

    async with start_bot() as bot:  # a restart (e.g. on Monday at 08:00 sharp)
        await digest_job(bot.app).run(bot.app)
        await bot.settle()

    digests = [c.chat_id for c in fake.sent() if "📬" in c.text]
    assert sorted(digests) == [ALICE, BOB]
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        weeks = dict(db.execute("SELECT chat_id, last_week FROM event_subscriptions").fetchall())
    assert weeks == {ALICE: iso_week(datetime.now(BERLIN)), BOB: iso_week(datetime.now(BERLIN))}


async def test_blocked_bot_unsubscribes_and_drops_reminders(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    fake.fail("sendMessage", times=10, status=403, description=BLOCKED, chat_id=CAROL)
    fake.fail("sendMessage", times=10, status=403, description=BLOCKED, chat_id=DAVE)
    async with start_bot() as bot:
        store = bot.store
        occurrence = occurrence_on(bot.services.assistant.kb.events["sprachcafe"],
                                   wednesday_after(2))  # fmt: skip
        assert occurrence is not None
        remind_at = datetime.now(BERLIN) + timedelta(hours=1)
        for person in (ALICE, CAROL, DAVE):
            await store.subscribe_events(person, "en")
        carol = await store.add_reminder(CAROL, "sprachcafe", occurrence.start, remind_at, "en")
        dave = await store.add_reminder(DAVE, "sprachcafe", occurrence.start, remind_at, "en")
        assert carol and dave

        daily = digest_job(bot.app)
        await daily.run(bot.app)  # CAROL and DAVE have blocked the bot
        await fake.wait_message(ALICE, "📬")
        assert await store.digest_recipients("2000-W01") == [(ALICE, "en")]
        assert await store.reminder(carol) is None and await store.reminder(dave) is None
        attempts = [c for c in fake.calls if c.chat_id in (CAROL, DAVE) and not c.ok]
        assert len(attempts) == 2

        await store.subscribe_events(DAVE, "en")
        dave = await store.add_reminder(DAVE, "sprachcafe", occurrence.start, remind_at, "en")
        assert bot.app.job_queue is not None and dave
        job = bot.app.job_queue.run_once(
            reminder_job, when=timedelta(hours=1), data=dave, chat_id=DAVE
        )
        await job.run(bot.app)  # a reminder finds DAVE blocked too
        assert await store.reminder(dave) is None
        assert await store.digest_recipients("2000-W01") == [(ALICE, "en")]
        await daily.run(bot.app)  # nobody is retried
        await bot.settle()
        assert len([c for c in fake.calls if c.chat_id in (CAROL, DAVE) and not c.ok]) == 3

        fake.send_text(ALICE, "/unsubscribe", lang="en")
        await fake.wait_message(ALICE, "no more weekly events")
        assert await store.digest_recipients("2000-W01") == []


async def test_forget_deletes_subscription_and_reminders(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        await bot.store.subscribe_events(ALICE, "en")
        start = datetime.now(BERLIN) + timedelta(days=3)
        await bot.store.add_reminder(ALICE, "sprachcafe", start, start - timedelta(days=1), "en")
        await bot.store.forget(ALICE)
        assert await bot.store.digest_recipients("2000-W01") == []
        assert await bot.store.pending_reminders() == []


async def test_overdue_reminder_goes_out_by_itself_at_start_and_expired_ones_are_removed(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings, assistant: Assistant
) -> None:
    # Written while the bot was down: one due an hour ago (the event is still ahead), one for an
    # event that has begun meanwhile.
    store = await Store.open(settings.db_path)
    occurrence = occurrence_on(assistant.kb.events["sprachcafe"], wednesday_after(2))
    assert occurrence is not None
    now = datetime.now(BERLIN)
    due = await store.add_reminder(
        ALICE, "sprachcafe", occurrence.start, now - timedelta(hours=1), "en"
    )
    begun = now - timedelta(hours=2)
    expired = await store.add_reminder(BOB, "sprachcafe", begun, begun - timedelta(days=1), "en")
    await store.close()
    async with start_bot() as bot:
        reminder = await fake.wait_message(ALICE, "Reminder")  # nobody triggers it by hand
        assert "Language café" in reminder.text
        assert await bot.store.reminder(expired) is None
        sent = await bot.store.reminder(due or 0)
        assert sent is not None and sent.sent_at is not None
    assert not fake.sent(BOB)
