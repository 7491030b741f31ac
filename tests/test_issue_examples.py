"""Issues 13 and 14, checked on the real knowledge base where their examples had no test yet.

Each test names the item of the issue it checks: the first part of every answer within the limit
(14.4), the fifteen new topics (14.5), facts of 14.2 that a rule can check (seasonal hours of the
real Bauhaus contacts, the emergency department round the clock, the Kita and electricity texts,
the files' header comments), and the `match --jsonl` and `ask` contract on the real knowledge
base for urgent help and the README's example (13.6, 14.1).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.assistant import Assistant
from bot.language import LANGUAGES
from tests.conftest import REAL_KB

ROOT = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")
# Issue 14.4: "at most ≈ 700 characters including the contact line". validate measures at one
# fixed time; the "open now / opens at" line differs by a few characters with the time of day,
# so this test reads every first part at three times and holds it to the same 700.
FIRST_PART_LIMIT = 700
SUMMER_MONDAY = datetime(2026, 7, 6, 11, 0, tzinfo=BERLIN)
WINTER_MONDAY = datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN)
NEW_TOPICS = (
    "domestic-violence pregnancy mental-health asylum family-reunification work-rights "
    "phone-internet debt-counselling insurance dog deregistration food-bank discrimination "
    "renting-rules interpreters"
).split()


def test_the_first_part_of_every_answer_is_within_the_limit_in_every_language(
    real_assistant: Assistant,
) -> None:
    """14.4: measured as the resident reads it (plain text, contact lines with "open now"), on
    a summer Monday morning and afternoon and a winter night, in all ten languages."""
    too_long = []
    for entry_id in real_assistant.kb.entries:
        for lang in LANGUAGES:
            for now in (
                SUMMER_MONDAY,
                datetime(2026, 7, 6, 16, 0, tzinfo=BERLIN),
                datetime(2026, 12, 8, 2, 0, tzinfo=BERLIN),
            ):
                length = len(real_assistant.render(entry_id, lang, now=now, part="first"))
                if length > FIRST_PART_LIMIT:
                    too_long.append((entry_id, lang, length))
    assert too_long == []


def test_the_fifteen_new_topics_exist_with_sources_dates_and_ten_languages(
    real_assistant: Assistant,
) -> None:
    """14.5: each under its own id, sourced (URLs), checked, written in every language."""
    kb = real_assistant.kb
    assert set(NEW_TOPICS) <= set(kb.entries), set(NEW_TOPICS) - set(kb.entries)
    for entry_id in NEW_TOPICS:
        entry = kb.entries[entry_id]
        assert entry.sources, entry_id
        assert all(re.match(r"https?://", url) for url in entry.sources), entry_id
        assert entry.checked is not None, entry_id
        for lang in LANGUAGES:
            used, text = entry.text(lang)
            assert used == lang, (entry_id, lang)  # its own text, not the German fallback
            assert text.title and text.answer and text.questions, (entry_id, lang)


def test_the_real_bauhaus_hours_follow_the_season(real_assistant: Assistant) -> None:
    """14.2: the building and the Meisterhäuser are open daily March–October, so on a summer
    Monday the contact says "open now"; the museum keeps its Monday closing."""
    kb = real_assistant.kb
    entry = next(e for e in kb.entries.values() if "bauhaus" in e.contacts)

    def block(contact_id: str, now: datetime) -> str:
        text = real_assistant.render(entry.id, "de", now=now, part="details")
        name = kb.contacts[contact_id].name
        return next(b for b in text.split("📍 ") if b.startswith(name))

    assert "Jetzt geöffnet" in block("bauhaus", SUMMER_MONDAY)
    assert "Jetzt geschlossen" in block("bauhaus", WINTER_MONDAY)
    if "bauhaus-museum" in entry.contacts:
        museum = block("bauhaus-museum", SUMMER_MONDAY)
        assert "10:00–18:00" in museum and "Jetzt geschlossen" in museum


def test_the_emergency_department_is_open_24_hours_at_any_time(real_assistant: Assistant) -> None:
    """14.2: never "open now, until 23:59" for a round-the-clock place."""
    kb = real_assistant.kb
    entry = next(e for e in kb.entries.values() if "klinikum" in e.contacts)
    for now in (datetime(2026, 12, 7, 23, 30, tzinfo=BERLIN), SUMMER_MONDAY):
        for lang, said in (("de", "Rund um die Uhr geöffnet"), ("en", "Open 24 hours")):
            text = real_assistant.render(entry.id, lang, now=now, part="details")
            assert said in text, (lang, now)
            assert "23:59" not in text


def test_kita_right_until_grade_7_and_registration_as_early_as_allowed(
    real_assistant: Assistant,
) -> None:
    """14.2: a full-day place until promotion into grade 7, then up to 14 where places are
    free; register as early as allowed (at the earliest about 6 months before)."""
    childcare = real_assistant.kb.entries["childcare"]
    for lang in LANGUAGES:
        _used, text = childcare.text(lang)
        whole = text.answer + "\n" + (text.details or "")
        assert "7" in whole and "14" in whole, lang
        assert "6" in whole, lang
    german = childcare.text("de")[1]
    assert "frühestens etwa 6 Monate" in german.answer + (german.details or "")
    assert "Ende der 7" not in german.answer + (german.details or "")


def test_people_choose_their_electricity_supplier(real_assistant: Assistant) -> None:
    """14.2: "Strom und Wasser: Stadtwerke" was wrong; people choose their supplier."""
    kb = real_assistant.kb
    housing = kb.entries["housing"].text("de")[1]
    assert "Stromanbieter wählen Sie selbst" in (housing.details or "")
    stadtwerke = [c for c in kb.contacts.values() if "Stadtwerke" in c.name]
    assert stadtwerke
    for contact in stadtwerke:
        assert "Anbieter wählen Sie selbst" in contact.note.get("de", ""), contact.id


def test_knowledge_file_comments_point_to_sources_not_to_a_development_machine() -> None:
    """14.2: curators never have the facts file; the headers name `sources` and the guide."""
    for path in sorted(REAL_KB.rglob("*.yaml")):
        comments = [
            line for line in path.read_text(encoding="utf-8").splitlines()
            if line.lstrip().startswith("#")
        ]  # fmt: skip
        text = "\n".join(comments)
        assert not re.search(r"/(work|home|Users|tmp)/|city-facts|facts\.md", text), path
    for folder in ("entries", "contacts"):
        for path in sorted((REAL_KB / folder).glob("*.yaml")):
            header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
            assert "sources" in header and "knowledge/README.md" in header, path


def _run(args: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "KNOWLEDGE_DIR")}
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                json.dumps({"text": "my child swallowed cleaning liquid"}),
                "",
                json.dumps({"text": "Mein Mann schlägt mich"}),
                json.dumps({"text": ""}),
                json.dumps({"text": "Notfallplan der Kita"}),
            ],
            [
                ("answer", "emergency"),
                {"error": "empty line", "line": 2},
                ("answer", "domestic-violence"),
                {"error": '"text" is empty', "line": 4},
                None,  # any decision, but not urgent help
            ],
        )
    ],
)
def test_match_jsonl_on_the_real_knowledge_base(lines: list[str], expected: list[object]) -> None:
    """13.6: one line out per line in (a BOM first), urgent help is an "answer" with the entry
    that carries the numbers, an empty text is an error; an ordinary question that shares a word
    with an emergency is not urgent help (14.1)."""
    result = _run(["match", "--jsonl"], "\ufeff" + "\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    for got, want in zip(out, expected, strict=True):
        if isinstance(want, tuple):
            assert (got["decision"], got["entry"]) == want, got
            assert got["candidates"][0] == want[1]
        elif isinstance(want, dict):
            assert got == want
        else:
            assert got.get("entry") not in ("emergency", "domestic-violence", "mental-health")
    assert result.returncode == 1  # some lines were errors


def test_the_readmes_ask_example_answers_directly(real_assistant: Assistant) -> None:
    """13 "Done when": `python run_bot.py ask "Wo melde ich mich an?"` answers (no menu)."""
    result = _run(["ask", "Wo melde ich mich an?"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == real_assistant.title("registration", "de")


def test_validate_warns_about_no_first_part_of_the_real_knowledge_base() -> None:
    """14.4: `validate` warns when a first part grows past the limit; none does."""
    result = _run(["validate"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the first message is" not in result.stdout
