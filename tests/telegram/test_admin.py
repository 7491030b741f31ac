"""Admin features: hot reload (/reload, SIGHUP) keeps a working knowledge base; /stats."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.assistant import Assistant
from bot.escalation import STAFF_LANG
from bot.i18n import ngettext_for
from bot.telegram.lifecycle import reload_on_signal
from tests.fakebot import FakeTelegram
from tests.telegram.conftest import FIXTURE_KB, StartBot

ADMIN = 4242
RESIDENT = 4343


def copy_kb(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KB, target)
    return target


async def test_reload_rejects_a_broken_knowledge_base_and_keeps_serving(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    directory = copy_kb(tmp_path)
    assistant = Assistant.from_directory(directory)
    old_version = assistant.kb.version
    async with start_bot(brain=assistant, admin_ids=frozenset({ADMIN})):
        (directory / "broken.yaml").write_text("entries:\n  - id: Not An Id\n", encoding="utf-8")
        fake.send_text(ADMIN, "/reload", lang="de")
        refusal = await fake.wait_message(ADMIN, "knowledge/broken.yaml:2:")
        assert old_version in refusal.text
        assert assistant.kb.version == old_version
        # The old knowledge base still answers residents.
        fake.send_text(RESIDENT, "Wo melde ich meine Wohnung an?", lang="de")
        await fake.wait_message(RESIDENT, "Zerbster Straße 4")
        # Fixed file: the next reload takes it.
        (directory / "broken.yaml").unlink()
        first = sorted(directory.rglob("*.yaml"))[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        mark = len(fake.calls)
        fake.send_text(ADMIN, "/reload", lang="de")
        done = await fake.wait_message(ADMIN, "✅", after=mark)
        assert assistant.kb.version != old_version
        assert assistant.kb.version in done.text


async def test_sighup_reload_tells_the_admins(
    fake: FakeTelegram, start_bot: StartBot, tmp_path: Path
) -> None:
    directory = copy_kb(tmp_path)
    assistant = Assistant.from_directory(directory)
    old_version = assistant.kb.version
    async with start_bot(brain=assistant, admin_ids=frozenset({ADMIN})) as bot:
        (directory / "broken.yaml").write_text("contacts: [\n", encoding="utf-8")
        await reload_on_signal(bot.app)
        message = await fake.wait_message(ADMIN, "knowledge/broken.yaml:")
        expected = ngettext_for(STAFF_LANG)(
            "❌ {count} problem; the bot keeps knowledge base {version}.",
            "❌ {count} problems; the bot keeps knowledge base {version}.",
            1,
        ).format(count=1, version=old_version)
        assert expected in message.text
        assert assistant.kb.version == old_version


async def test_stats_without_days_shows_today_and_this_week(
    fake: FakeTelegram, start_bot: StartBot
) -> None:
    async with start_bot(admin_ids=frozenset({ADMIN})) as bot:
        fake.send_text(RESIDENT, "Wo melde ich meine Wohnung an?", lang="de")
        await fake.wait_message(RESIDENT, "Zerbster Straße 4")
        await bot.settle()
        fake.send_text(ADMIN, "/stats", lang="de")
        stats = await fake.wait_message(ADMIN, "<pre>")
        blocks = stats.text.removeprefix("<pre>").removesuffix("</pre>").split("\n\n")
        # Today, then since Monday: the resident's question counts in both.
        assert len(blocks) == 2
        # In the admin's language (de), one question in the singular.
        assert all(block.startswith("1 Frage von ") for block in blocks)
