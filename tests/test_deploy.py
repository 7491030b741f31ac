"""The Dockerfile and the systemd unit say what README "Operations" promises (no daemon here to
build or start them, so these are static checks plus ``systemd-analyze verify`` when present)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "ankommen-bot.service"


def unit_settings() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_systemd_unit_restarts_on_failure_stops_with_sigterm_and_is_hardened() -> None:
    unit = unit_settings()
    assert unit["EnvironmentFile"] == ["/etc/ankommen/bot.env"]
    assert unit["ExecStart"][0].endswith("python run_bot.py")
    assert unit["Restart"] == ["on-failure"] and unit["KillSignal"] == ["SIGTERM"]
    assert unit["RestartPreventExitStatus"] == ["2 3"]  # settings/token error, 409 conflict
    assert unit["User"] == ["ankommen"] and unit["StateDirectory"] == ["ankommen"]
    assert "BOT_DB_PATH=/var/lib/ankommen/bot.sqlite3" in unit["Environment"][0]
    hardening = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }
    for key, value in hardening.items():
        assert unit[key] == [value], key


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_unit_verifies() -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    # On a build machine only the missing /opt/ankommen installation may be reported.
    problems = [
        line for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "/opt/ankommen/.venv/bin/python" not in line
    ]  # fmt: skip
    assert problems == []


def test_dockerfile_runs_the_bot_as_a_non_root_user_with_a_data_volume() -> None:
    lines = [
        line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]  # fmt: skip
    assert lines[0] == "FROM python:3.11-slim"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert 'VOLUME ["/data"]' in lines
    assert "BOT_DB_PATH=/data/bot.sqlite3" in " ".join(lines)
    assert lines[-1] == 'CMD ["python", "run_bot.py"]'
    ignored = {
        line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    }
    for line in lines:
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
    # What the bot needs at run time reaches the image; secrets and local data do not.
    assert not {"bot", "knowledge", "locales", "run_bot.py", "pyproject.toml"} & ignored
    assert {".env", "data", ".git", ".venv"} <= ignored


def test_every_docker_run_example_restarts_the_bot_on_failure() -> None:
    for name in ("Dockerfile", "README.md"):
        text = (ROOT / name).read_text(encoding="utf-8").replace("\\\n", " ")
        runs = [  # commands (also in the Dockerfile's comment), not prose about them
            line for line in text.splitlines() if re.match(r"^(# `)?docker run ", line)
        ]
        assert runs, name
        for line in runs:
            assert "--restart on-failure" in line, (name, line)
