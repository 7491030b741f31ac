"""The command line contracts: match --jsonl, kb dump --json, validate, ask."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CONTACT, WriteKB, entry_yaml

ROOT = Path(__file__).resolve().parent.parent


def run(
    args: list[str], kb: Path | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN",)}
    if kb is not None:
        env["KNOWLEDGE_DIR"] = str(kb)
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def small_kb(write_kb: WriteKB) -> Path:
    entries = (
        "entries:\n"
        + entry_yaml(
            "registration",
            ["Wo melde ich meine Wohnung an?", "Anmeldung Wohnung"],
            ["Where do I register my address?", "register flat"],
            contacts="amt",
            keywords="Anmeldung",
        )
        + entry_yaml("childcare", ["Kita Platz bekommen"], ["kita place"], keywords="Kita")
    )
    return write_kb({"c.yaml": CONTACT, "e.yaml": entries})


def test_match_jsonl_contract(small_kb: Path) -> None:
    lines = [
        json.dumps({"text": "Wo melde ich meine Wohnung an?", "lang": "de"}),
        "",
        "this is not json",
        json.dumps({"text": "kita place"}),
        json.dumps({"text": "x", "lang": "xx"}),
        json.dumps({"text": "a" * 100_000}),
        json.dumps({"text": "Anmeldung\u0000\u202e"}),
    ]
    result = run(["match", "--jsonl"], small_kb, "\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6  # one per non-empty input line, in order
    first = out[0]
    assert set(first) == {"decision", "entry", "candidates", "score", "lang"}
    assert (first["decision"], first["entry"], first["lang"]) == ("answer", "registration", "de")
    assert first["candidates"][0] == "registration"
    assert "error" in out[1] and "invalid JSON" in out[1]["error"]
    assert out[2]["entry"] == "childcare" and out[2]["lang"] == "en"
    assert "unknown language" in out[3]["error"]
    assert "longer than" in out[4]["error"]
    assert out[5]["decision"] in ("answer", "clarify", "escalate")
    assert "line 3: invalid JSON" in result.stderr
    assert result.returncode == 1  # some lines failed, all others were answered


def test_kb_dump_json(small_kb: Path) -> None:
    result = run(["kb", "dump", "--json"], small_kb)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data[0] == {
        "id": "registration",
        "questions": {
            "de": ["Wo melde ich meine Wohnung an?", "Anmeldung Wohnung"],
            "en": ["Where do I register my address?", "register flat"],
        },
        "answer": {
            "de": "Answer for registration in de.",
            "en": "Answer for registration in en.",
        },
        "details": {},
    }


def test_validate_ok_and_broken(small_kb: Path) -> None:
    ok = run(["validate"], small_kb)
    assert ok.returncode == 0
    assert ok.stdout.startswith("OK: 2 entries, 1 contacts")
    assert "registration" in ok.stdout  # coverage table
    (small_kb / "broken.yaml").write_text("entries:\n  - id: Bad Id\n", encoding="utf-8")
    broken = run(["validate"], small_kb)
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert lines and all(line.startswith("knowledge/broken.yaml:2: ") for line in lines)


def test_ask_answers_with_address(small_kb: Path) -> None:
    result = run(["ask", "Wo melde ich meine Wohnung an?"], small_kb)
    assert result.returncode == 0
    assert "Zerbster Straße 4" in result.stdout


def test_broken_knowledge_base_stops_start_with_the_problems(small_kb: Path) -> None:
    (small_kb / "broken.yaml").write_text("contacts: [\n", encoding="utf-8")
    result = run(["ask", "hallo"], small_kb)
    assert result.returncode == 1
    assert "knowledge/broken.yaml:" in result.stderr


def test_bad_setting_names_the_variable(small_kb: Path) -> None:
    env_kb = small_kb
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "validate"],
        capture_output=True,
        text=True,
        env={**os.environ, "KNOWLEDGE_DIR": str(env_kb), "OUTBOX_RETRY_SECONDS": "soon"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "OUTBOX_RETRY_SECONDS must be a number, got 'soon'" in result.stderr
