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


# ------------------------------------------------------------- errors: last line, exit code


def run_env(args: list[str], kb: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    return subprocess.run(
        [sys.executable, str(ROOT / "run_bot.py"), *args],
        capture_output=True,
        text=True,
        env={**base, "KNOWLEDGE_DIR": str(kb), **env},
        timeout=60,
        check=False,
    )


def test_every_kind_of_error_ends_with_its_line_and_exit_code(
    small_kb: Path, tmp_path: Path
) -> None:
    """One case per kind of bot.errors.BotError, through the real command line."""
    usage = run_env(["ask", "hallo", "--lang", "xx"], small_kb)
    assert usage.returncode == 2
    assert usage.stderr.splitlines()[-1].startswith("unknown language 'xx'; use one of de en")

    config = run_env(["validate"], small_kb, SMTP_PORT="99999")
    assert config.returncode == 2
    assert config.stderr.splitlines()[-1] == (
        "configuration error: SMTP_PORT must be between 1 and 65535, got '99999'"
    )

    corrupt = tmp_path / "bot.sqlite3"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    store = run_env(["retention"], small_kb, BOT_DB_PATH=str(corrupt))
    assert store.returncode == 1
    assert store.stderr.splitlines()[-1].startswith(f"database error: database {corrupt}")

    missing = tmp_path / "nowhere.ics"
    events = run_env(["events", "import", str(missing), "--dir", str(small_kb)], small_kb)
    assert events.returncode == 1
    assert events.stderr.splitlines() == [
        f"cannot read {missing}: No such file or directory",
        f"{missing}: nothing was imported.",
    ]

    csv = tmp_path / "nowhere.csv"
    translations = run_env(["translations", "import", str(csv), "--dir", str(small_kb)], small_kb)
    assert translations.returncode == 1
    assert translations.stderr.splitlines() == [
        f"cannot read {csv}: No such file or directory",
        f"{csv}: 1 problem(s); nothing was written.",
    ]

    (small_kb / "broken.yaml").write_text("entries:\n  - id: Bad Id\n", encoding="utf-8")
    knowledge = run_env(["kb", "dump", "--json"], small_kb)
    assert knowledge.returncode == 1 and knowledge.stdout == ""
    *problems, last = knowledge.stderr.splitlines()
    assert problems and all(p.startswith("knowledge/broken.yaml:2: ") for p in problems)
    assert last == (
        f"{len(problems)} problem(s) in the knowledge base; nothing was changed. Fix them, "
        "then check with `python run_bot.py validate`."
    )


def test_validate_lists_the_problems_on_stdout_and_the_summary_on_stderr(
    small_kb: Path,
) -> None:
    (small_kb / "broken.yaml").write_text("entries:\n  - id: Bad Id\n", encoding="utf-8")
    broken = run(["validate"], small_kb)
    assert broken.returncode == 1
    problems = broken.stdout.splitlines()
    assert broken.stderr.splitlines()[-1].startswith(f"{len(problems)} problem(s) in the know")


def test_help_lists_the_exit_codes() -> None:
    from bot.cli import EXIT_CODES, EXIT_CONFLICT
    from bot.telegram import lifecycle

    shown = run(["--help"]).stdout
    assert "exit codes (every command):" in shown
    for code, meaning in EXIT_CODES:
        assert re.search(rf"^  {code} +{re.escape(meaning.split()[0])}", shown, re.MULTILINE)
    assert lifecycle.EXIT_CONFLICT == EXIT_CONFLICT  # what the Telegram bot returns on a 409
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, _meaning in EXIT_CODES:
        assert f"| {code} |" in readme  # the README's table of exit codes
