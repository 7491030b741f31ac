"""``translations fill``: machine drafts of missing translations, written with status machine."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.translate.connector import LibreTranslate, Translator
from bot.translate.fill import fill
from bot.validation import load_knowledge
from tests.faketranslate import FakeTranslator

FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "kb"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def libre() -> AsyncIterator[FakeTranslator]:
    server = FakeTranslator("libre")
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the fixture knowledge base: registration (uk) reviewed, childcare (uk) stale."""
    directory = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, directory)
    path = directory / "entries.yaml"
    text = path.read_text(encoding="utf-8")
    uk_registration = "      uk:\n        status: machine\n        updated: 2026-11-26\n" \
        "        title: Реєстрація"  # fmt: skip
    assert text.count(uk_registration) == 1
    text = text.replace(uk_registration, uk_registration.replace("machine", "reviewed"))
    path.write_text(text, encoding="utf-8")
    return directory


def make_stale(directory: Path, entry: str, lang: str) -> None:
    """Give ``entry``'s ``lang`` text an older date than its German text."""
    path = directory / "entries.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {entry}\n")
    block = text.index(f"      {lang}:\n", start)
    updated = text.index("updated: 2026-11-26", block)
    path.write_text(text[:updated] + "updated: 2026-01-01" + text[updated + 19 :], "utf-8")


async def test_fill_drafts_missing_and_keeps_reviewed(kb_dir: Path, libre: FakeTranslator) -> None:
    kb = load_knowledge(kb_dir)
    before = (kb_dir / "entries.yaml").read_text(encoding="utf-8")
    translator = Translator(LibreTranslate(libre.url), timeout=5)
    try:
        result = await fill(kb_dir, kb, "uk", translator)
    finally:
        await translator.aclose()
    assert set(result.drafted) == {"jobcenter", "employment-agency", "language-courses", "greeting"}
    assert result.written and not result.skipped
    after = load_knowledge(kb_dir)
    for eid in result.drafted:
        text = after.entries[eid].texts["uk"]
        german = after.entries[eid].texts["de"]
        assert text.status == "machine" and text.updated == german.updated
        assert text.title == f"[uk] {german.title}"
        assert text.answer.strip() == f"[uk] {german.answer.strip()}"
        assert text.questions == tuple(f"[uk] {q}" for q in german.questions)
        assert after.entries[eid].translation_state("uk") == "machine"
    # Reviewed and up-to-date machine texts are untouched, byte for byte.
    assert after.entries["registration"].texts["uk"] == kb.entries["registration"].texts["uk"]
    assert after.entries["childcare"].texts["uk"] == kb.entries["childcare"].texts["uk"]
    new = (kb_dir / "entries.yaml").read_text(encoding="utf-8")
    assert new.startswith(before[: before.index("  - id: jobcenter")])
    # Only German texts were sent, one request per entry.
    assert {r.body["source"] for r in libre.translations()} == {"de"}
    assert len(libre.translations()) == 4


async def test_fill_redrafts_stale_machine_text_never_stale_reviewed(
    kb_dir: Path, libre: FakeTranslator
) -> None:
    make_stale(kb_dir, "childcare", "uk")  # machine-made from an older German text
    make_stale(kb_dir, "registration", "uk")  # reviewed, but stale
    kb = load_knowledge(kb_dir)
    translator = Translator(LibreTranslate(libre.url), timeout=5)
    try:
        result = await fill(kb_dir, kb, "uk", translator, ["childcare", "registration"])
    finally:
        await translator.aclose()
    assert result.drafted == ("childcare",)
    after = load_knowledge(kb_dir)
    assert after.entries["childcare"].translation_state("uk") == "machine"
    assert after.entries["registration"].translation_state("uk") == "stale"
    assert after.entries["registration"].texts["uk"].status == "reviewed"


async def test_failed_entries_are_named_and_the_rest_is_written(
    kb_dir: Path, libre: FakeTranslator
) -> None:
    libre.fail("403")  # the first entry's request is refused
    kb = load_knowledge(kb_dir)
    translator = Translator(LibreTranslate(libre.url), timeout=5, cool_down=0)
    try:
        result = await fill(kb_dir, kb, "vi", translator, ["jobcenter", "greeting"])
    finally:
        await translator.aclose()
    assert result.drafted == ("greeting",)
    assert result.skipped[0][0] == "jobcenter" and "HTTP 403" in result.skipped[0][1]
    after = load_knowledge(kb_dir)
    assert "vi" not in after.entries["jobcenter"].texts
    assert after.entries["greeting"].texts["vi"].status == "machine"


async def test_a_broken_draft_is_not_written(kb_dir: Path, libre: FakeTranslator) -> None:
    """The import's checks apply: placeholders, web addresses, e-mails and phones survive."""
    kb = load_knowledge(kb_dir)
    german = kb.entries["greeting"].texts["de"]
    libre.dictionary[("de", "pl", german.answer)] = "Cześć {imie}!"
    translator = Translator(LibreTranslate(libre.url), timeout=5)
    try:
        result = await fill(kb_dir, kb, "pl", translator, ["greeting"])
    finally:
        await translator.aclose()
    assert not result.written and not result.drafted
    assert "placeholder {imie} is not in the German text" in result.skipped[0][1]
    assert "pl" not in load_knowledge(kb_dir).entries["greeting"].texts


async def test_cli_fill(kb_dir: Path, libre: FakeTranslator) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DEEPL_AUTH_KEY")}
    env["TRANSLATE_URL"] = libre.url

    async def run(*args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "run_bot.py", "translations", "fill", *args, "--dir", str(kb_dir),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await process.communicate()
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    code, out, err = await run("--lang", "tr", "--entries", "greeting,jobcenter", "--check")
    assert code == 0, err
    assert "2 entries drafted into tr by LibreTranslate" in out and "--check" in out
    assert "tr" not in load_knowledge(kb_dir).entries["greeting"].texts
    code, out, err = await run("--lang", "tr", "--entries", "greeting")
    assert code == 0, err
    assert load_knowledge(kb_dir).entries["greeting"].texts["tr"].status == "machine"
    code, _out, err = await run("--lang", "tr", "--entries", "nope")
    assert code == 2 and "unknown entry id(s): nope" in err
    code, _out, err = await run("--lang", "de")
    assert code == 2
    env.pop("TRANSLATE_URL")
    code, _out, err = await run("--lang", "tr")
    assert code == 2 and "machine translation is off" in err
