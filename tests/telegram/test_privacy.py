"""Privacy end to end: /privacy in every language, /forget, the daily retention job, and stale
buttons (a knowledge base that changed, a restart) that are refused without changing anything."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

from bot.assistant import Assistant
from bot.config import Settings
from bot.i18n import days_text, gettext_for
from bot.language import LANGUAGES
from bot.questionlog import QuestionLog
from tests.fakebot import Call, FakeTelegram
from tests.telegram.conftest import FIXTURE_KB, STAFF, StartBot, t, t_html
from tests.telegram.process import delivered
from tests.telegram.test_telegram_faults import watch_log
from tests.test_retention import counts, fill

ALICE, BOB = 5001, 5002
QUESTION = "Wo melde ich meine Wohnung an?"
UNKNOWN = "When does the bus to Berlin leave?"
WARNING = (
    "Do not type health information or ID or passport numbers into your questions. I do "
    "not need them to answer you."
)
LETTERS = (
    "I read a photo or PDF of a letter only in memory, to explain it to you. I do not keep the "
    "picture or its text and do not write them to a log; I only count which kind of letter it "
    "was. Its text goes to the city's team only if you choose \"with the letter's text\"."
)
RETENTION = (
    "Forwarded questions are deleted {closed} after the team has closed them, and at the latest "
    "{open} after you asked. Your questions without your name and your ratings are deleted after "
    "{log}."
)
# The day counts in the plural form their numbers take (14, 121 and 1 need different ones).
DAYS = {"en": ("14 days", "121 days", "1 day"), "de": ("14 Tage", "121 Tage", "1 Tag"),
        "ru": ("14 дней", "121 день", "1 день"), "uk": ("14 днів", "121 день", "1 день"),
        "pl": ("14 dni", "121 dni", "1 dzień")}  # fmt: skip


def esc(text: str) -> str:
    return html.escape(text, quote=False)


async def test_privacy_in_all_ten_languages_warns_and_states_the_retention(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot(question_log_days=1, ticket_retention_days=14, open_ticket_days=121):
        for offset, lang in enumerate(LANGUAGES):
            fake.send_text(ALICE + offset, "/privacy", lang=lang)
        for offset, lang in enumerate(LANGUAGES):
            _ = gettext_for(lang)
            reply = await fake.wait_message(ALICE + offset, esc(_("What I store")))
            assert esc(_(WARNING)) in reply.text, lang
            assert esc(_(LETTERS)) in reply.text, lang
            closed, open_, log = (days_text(lang, n) for n in (14, 121, 1))
            retention = _(RETENTION).format(closed=closed, open=open_, log=log)
            assert esc(retention) in reply.text, lang
            if lang in DAYS:
                assert (closed, open_, log) == DAYS[lang]
            assert "/forget" in reply.text


async def test_forget_deletes_every_row_about_the_person_and_says_so(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings
) -> None:
    async with start_bot() as bot:
        await bot.store.set_language(BOB, "de")
        other = await bot.escalation.escalate(chat_id=BOB, question="Bob fragt", lang="de")
        # Alice: a ticket delivered to the staff group, answered, and a chosen language.
        fake.send_text(ALICE, UNKNOWN, lang="en")
        offer = await fake.wait_message(ALICE, "forward")
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "en")
        staff = await fake.wait_message(STAFF, "Ticket 2")
        fake.send_group(STAFF, "Antwort", reply_to=staff.result["message_id"])
        await fake.wait_message(ALICE, "Antwort")
        await bot.store.set_language(ALICE, "en")
        await fake.wait_message(STAFF, delivered(2))
        # ticket, messages (question, reply), outbox (ticket, reply, notice), mappings
        assert counts(settings.db_path, 2)[:3] == [1, 2, 3] and all(counts(settings.db_path, 2))

        fake.send_text(ALICE, "/forget", lang="en")
        confirm = await fake.wait_message(ALICE, "delete everything")
        mark = fake.mark()
        fake.press(ALICE, confirm.button("Yes, delete")["callback_data"])
        done = await fake.wait_message(ALICE, "Done", after=mark)
        assert "I deleted your language and your questions to the city's team" in done.text
        await bot.settle()
        assert await bot.store.language(ALICE) is None
        assert await bot.tickets.open_ticket_for(ALICE) is None
        # Bob's data is untouched.
        assert await bot.store.language(BOB) == "de"
        assert other is not None and await bot.tickets.ticket(other) is not None
    assert counts(settings.db_path, 2) == [0, 0, 0, 0, 0]


async def test_the_daily_retention_job_runs_at_start_and_every_day(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings
) -> None:
    tickets = await fill(settings.db_path)
    with watch_log() as log:
        async with start_bot() as bot:
            line = await log.wait("retention: deleted")
            jobs = bot.app.job_queue.get_jobs_by_name("retention") if bot.app.job_queue else ()
            intervals = [job.job.trigger.interval.total_seconds() for job in jobs]
    assert "1 logged questions" in line and "2 tickets" in line
    assert intervals == [86400.0]
    assert counts(settings.db_path, tickets["closed-old"]) == [0, 0, 0, 0, 0]
    assert counts(settings.db_path, tickets["open-recent"])[0] == 1


async def test_a_rating_button_from_an_older_knowledge_base_is_refused(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    knowledge = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, knowledge)
    brain = Assistant.from_directory(knowledge)
    async with start_bot(brain=brain, knowledge_dir=knowledge) as bot:
        fake.send_text(ALICE, QUESTION, lang="en")
        answer = await fake.wait_message(ALICE, "Zerbster Straße 4")
        old_version = bot.services.assistant.kb.version
        # A curator edits the knowledge base; the bot reloads it.
        entry = knowledge / "entries.yaml"
        entry.write_text(entry.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        await bot.services.assistant.reload()
        assert bot.services.assistant.kb.version[:4] != old_version[:4]
        mark = fake.mark()
        fake.press(ALICE, answer.button("👎")["callback_data"], answer.result["message_id"], "en")
        refusal = await fake.wait_for(
            lambda c: c.method == "answerCallbackQuery" and fake.calls.index(c) >= mark
        )
        await bot.settle()
        assert await QuestionLog(bot.store).feedback_counts() == {}
    lang = answer.button("👎")["callback_data"].split("|")[4]
    assert refusal.params["text"] == gettext_for(lang)(
        "This answer has changed since. Thank you anyway!"
    )
    assert [c for c in fake.calls[mark:] if c.method == "sendMessage"] == []


async def test_a_consent_button_from_before_a_restart_is_refused(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot():
        fake.send_text(ALICE, UNKNOWN, lang="en")
        offer = await fake.wait_message(ALICE, "forward")
    async with start_bot() as bot:
        mark = fake.mark()
        fake.press(ALICE, offer.button("✅")["callback_data"], offer.result["message_id"], "en")
        refusal = await fake.wait_for(
            lambda c: c.method == "answerCallbackQuery" and fake.calls.index(c) >= mark
        )
        await bot.settle()
        assert await bot.tickets.open_ticket_for(ALICE) is None
    assert "no longer waiting" in refusal.params["text"]
    assert [c for c in fake.calls[mark:] if c.method == "sendMessage"] == []
    assert fake.sent(STAFF) == []


async def test_a_button_pressed_by_someone_else_than_the_chats_resident_is_refused(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot() as bot:
        mark = fake.mark()
        fake.send_text(ALICE, "/language", lang="en")
        menu = await fake.wait_message(ALICE, t_html("en", "Choose your language:"), after=mark)
        data = menu.button("Українська")["callback_data"]
        message = fake.messages[(ALICE, menu.result["message_id"])]
        intruder = {"id": 6666, "is_bot": False, "first_name": "Mallory", "language_code": "en"}
        fake.push(
            {"callback_query": {"id": "forged-1", "from": intruder, "chat_instance": "x",
                                "message": message, "data": data}}
        )  # fmt: skip
        await bot.settle()
        assert await bot.store.language(ALICE) is None
        refused = t(
            "en", "This button is out of date. Please send /start or ask your question again."
        )
        assert any(
            c.method == "answerCallbackQuery" and c.params.get("text") == refused
            for c in fake.calls
        )
        fake.press(ALICE, data, menu.result["message_id"], "en")  # Alice herself may
        await bot.settle()
        assert await bot.store.language(ALICE) == "uk"


async def rated_answer(fake: FakeTelegram, chat_id: int) -> Call:
    """The first answer with 👍/👎 buttons sent to ``chat_id``."""
    return await fake.wait_for(
        lambda c: c.ok and c.chat_id == chat_id and any(b["text"] == "👎" for b in c.buttons)
    )


async def test_forget_removes_the_persons_questions_and_ratings_from_the_log(
    fake: FakeTelegram, start_bot: StartBot, settings: Settings
) -> None:
    secret = "Zyxwvu here: where do I register my flat?"  # answered, so it can be rated
    async with start_bot() as bot:
        fake.send_text(BOB, QUESTION, lang="en")  # Bob's question and rating stay
        bob_answer = await rated_answer(fake, BOB)
        fake.press(BOB, bob_answer.button("👍")["callback_data"], bob_answer.result["message_id"])
        mark = fake.mark()
        fake.send_text(ALICE, secret, lang="en")
        answer = await rated_answer(fake, ALICE)
        fake.press(ALICE, answer.button("👎")["callback_data"], answer.result["message_id"], "en")
        await bot.settle()
        assert await bot.store.count_rows("questions") == 2
        assert await bot.store.count_rows("feedback") == 2
        fake.send_text(ALICE, "/forget", lang="en")
        confirm = await fake.wait_message(ALICE, "delete everything")
        mark = fake.mark()
        fake.press(ALICE, confirm.button("Yes, delete")["callback_data"], lang="en")
        await fake.wait_message(ALICE, "Done", after=mark)
        await bot.settle()
        assert await bot.store.count_rows("questions") == 1
        assert await bot.store.count_rows("feedback") == 1
        # Nothing of it is left in the files either (secure_delete, WAL checkpointed).
        wal = Path(str(settings.db_path) + "-wal")
        for path in (settings.db_path, wal):
            assert not path.exists() or b"Zyxwvu" not in path.read_bytes(), path


async def test_a_new_database_is_private_to_the_bots_user(
    start_bot: StartBot, settings: Settings, tmp_path: Path
) -> None:
    db_path = tmp_path / "new" / "state" / "bot.sqlite3"
    async with start_bot(db_path=db_path):
        pass
    assert db_path.stat().st_mode & 0o777 == 0o600
    assert db_path.parent.stat().st_mode & 0o777 == 0o700
