"""The command line contracts: match --jsonl, kb dump --json, validate, ask."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.dialogue import Answer, Conversation, Dialogue
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
        "   \t",
        json.dumps({"text": ""}),
        json.dumps({"text": " \n "}),
    ]
    result = run(["match", "--jsonl"], small_kb, "\ufeff" + "\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)  # one per input line, blank ones too, in order
    first = out[0]  # the byte-order mark before it is ignored
    assert set(first) == {"decision", "entry", "candidates", "score", "lang"}
    assert (first["decision"], first["entry"], first["lang"]) == ("answer", "registration", "de")
    assert first["candidates"][0] == "registration"
    assert out[1] == {"error": "empty line", "line": 2}
    assert "error" in out[2] and "invalid JSON" in out[2]["error"]
    assert out[3]["entry"] == "childcare" and out[3]["lang"] == "en"
    assert "unknown language" in out[4]["error"]
    assert "longer than" in out[5]["error"]
    assert out[6]["decision"] in ("answer", "clarify", "escalate")
    assert out[7] == {"error": "empty line", "line": 8}
    assert out[8] == {"error": '"text" is empty', "line": 9}  # an error, not an escalation
    assert out[9] == {"error": '"text" is empty', "line": 10}
    assert "line 3: invalid JSON" in result.stderr
    assert result.returncode == 1  # some lines failed, all others were answered


def test_match_jsonl_keeps_going_after_a_line_that_is_not_utf8(small_kb: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["KNOWLEDGE_DIR"] = str(small_kb)
    result = subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), "match", "--jsonl"],
        input=b'{"text": "\xff"}\n{"text": "kita place"}\n',
        capture_output=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert out[0]["line"] == 1 and "not UTF-8" in out[0]["error"]
    assert out[1]["entry"] == "childcare"


@pytest.mark.parametrize(
    "args", [["ask", "Wo melde ich meine Wohnung an?"], ["kb", "dump", "--json"], ["validate"]]
)
def test_output_into_a_closed_pipe_ends_quietly(small_kb: Path, args: list[str]) -> None:
    """``run_bot.py ... | head -c 1``: the reader goes away; no traceback, SIGPIPE's status."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["KNOWLEDGE_DIR"] = str(small_kb)
    reader, writer = os.pipe()
    with subprocess.Popen(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        stdout=writer, stderr=subprocess.PIPE, env=env,
    ) as process:  # fmt: skip
        os.close(writer)
        os.close(reader)  # closed before the command writes anything: its first write fails
        _out, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert process.returncode == 141


def test_kb_dump_piped_into_head(small_kb: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["KNOWLEDGE_DIR"] = str(small_kb)
    command = f"{sys.executable} {ROOT / 'run_bot.py'} kb dump --json --pretty | head -n 2"
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=env, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.stdout.splitlines()[0] == "["
    assert "Traceback" not in result.stderr


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


def test_readme_ask_examples_answer_directly(real_assistant: Assistant) -> None:
    """The README's own ``ask`` examples get an answer, not a menu or an offer to forward."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r'run_bot\.py ask "([^"]+)"', readme)
    assert examples
    for text in examples:
        reply = Dialogue(real_assistant).question(text, Conversation())
        assert isinstance(reply, Answer), (text, reply)
