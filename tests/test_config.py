"""Settings from the environment and .env (issue 15): the committed .env.example works as it is
with `python run_bot.py`, `docker run --env-file` and systemd's EnvironmentFile, and a comment
after a value is refused with a clear message wherever the value comes from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, VARIABLES, load_settings
from bot.errors import ConfigError

EXAMPLE = PROJECT_ROOT / ".env.example"


def as_docker_reads(path: Path) -> dict[str, str]:
    """The variables as `docker run --env-file` and systemd's EnvironmentFile pass them on for
    this file: `#` lines are comments, everything after the first `=` is the value as it is."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_]+", key), line
        assert not value.startswith(("'", '"')), f"docker keeps quotes: {line}"
        values[key] = value
    return values


def test_env_example_works_as_it_is_with_all_three_consumers(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    from_dotenv = load_settings({}, dotenv=dotenv)  # python run_bot.py
    from_docker = load_settings(as_docker_reads(EXAMPLE), dotenv=None)  # docker, systemd
    assert from_dotenv == from_docker
    assert from_dotenv.telegram_token is None  # as it is: the console chat
    mentioned = set(re.findall(r"^#? ?([A-Z_]+)=", EXAMPLE.read_text(), re.MULTILINE))
    assert set(VARIABLES) <= mentioned


def test_the_readme_points_to_env_example_and_its_block_has_no_trailing_comments() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert ".env.example" in readme
    for block in re.findall(r"```\n(.*?)```", readme, re.DOTALL):
        for line in block.splitlines():
            if re.match(r"^[A-Z_]+=", line):
                assert not re.search(r"\s#", line), line


@pytest.mark.parametrize("how", ["dotenv", "environment"])
def test_a_comment_after_a_value_is_refused_clearly(tmp_path: Path, how: str) -> None:
    line = "ADMIN_IDS=11111111       # numeric Telegram user ids of the curators"
    dotenv = tmp_path / ".env"
    dotenv.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ADMIN_IDS has a comment after its value") as caught:
        if how == "dotenv":
            load_settings({}, dotenv=dotenv)
        else:  # what docker --env-file and systemd hand over for that line
            load_settings(as_docker_reads(dotenv), dotenv=None)
    assert "own line" in str(caught.value)


def test_a_secret_with_a_comment_is_refused_without_echoing_it() -> None:
    secret = "abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(ConfigError) as caught:
        load_settings({"WEBHOOK_SECRET": secret + " # mine"}, dotenv=None)
    assert secret not in str(caught.value)
    # A mail password is taken as it is, " #" included.
    settings = load_settings({"SMTP_PASSWORD": "pass #word"}, dotenv=None)
    assert settings.smtp_password == "pass #word"
