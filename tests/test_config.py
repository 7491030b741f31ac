"""Settings from the environment and .env (issue 15): the committed .env.example works as it is
with `python run_bot.py`, `docker run --env-file` and systemd's EnvironmentFile, and a comment
after a value is refused with a clear message wherever the value comes from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DEFAULTS, PROJECT_ROOT, VARIABLES, Settings, load_settings
from bot.errors import ConfigError
from tests.test_translate import DEEPL_KEY

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


# ----------------------------------------------------------- defaults, values and errors


def test_defaults_are_the_settings_class_defaults() -> None:
    """The loader falls back on the class's defaults: each default is written once."""
    assert load_settings({}, dotenv=None) == DEFAULTS == Settings()


def test_retention_settings_defaults_and_errors() -> None:
    defaults = load_settings({}, dotenv=None)
    assert (defaults.question_log_days, defaults.ticket_retention_days,
            defaults.open_ticket_days) == (180, 30, 180)  # fmt: skip
    custom = load_settings(
        {"QUESTION_LOG_DAYS": "90", "TICKET_RETENTION_DAYS": "14", "OPEN_TICKET_DAYS": "60"},
        dotenv=None,
    )
    assert (custom.question_log_days, custom.ticket_retention_days,
            custom.open_ticket_days) == (90, 14, 60)  # fmt: skip
    for name, value in (("QUESTION_LOG_DAYS", "0"), ("TICKET_RETENTION_DAYS", "-3"),
                        ("OPEN_TICKET_DAYS", "a week")):  # fmt: skip
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value}, dotenv=None)


def test_webhook_settings() -> None:
    secret = "A" * 20
    webhook = load_settings(
        {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": secret,
         "WEBHOOK_PORT": "8443", "WEBHOOK_LISTEN": "0.0.0.0"},
        dotenv=None,
    )  # fmt: skip
    assert (webhook.webhook_url, webhook.webhook_port, webhook.webhook_listen) == (
        "https://bot.example.org/hook",
        8443,
        "0.0.0.0",
    )
    assert secret not in repr(webhook)
    assert load_settings({}, dotenv=None).webhook_url is None
    bad = [
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET must be set"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET": secret}, "https://"),
        ({"WEBHOOK_URL": "https://x.org/h", "WEBHOOK_SECRET": "short"}, "16 to 256"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
    ]
    for env, message in bad:
        with pytest.raises(ConfigError, match=message) as caught:
            load_settings(env, dotenv=None)
        assert "short" not in str(caught.value)  # the secret is never echoed


def test_web_settings_defaults_and_values() -> None:
    settings = load_settings({}, dotenv=None)
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", None)
    assert settings.web_allowed_origins == () and settings.web_trusted_proxies == ()
    settings = load_settings(
        {
            "WEB_PORT": "8081", "WEB_HOST": "0.0.0.0",
            "WEB_ALLOWED_ORIGINS": "https://www.dessau-rosslau.de, http://localhost:8000",
            "WEB_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        },
        dotenv=None,
    )  # fmt: skip
    assert settings.web_port == 8081 and settings.web_host == "0.0.0.0"
    assert settings.web_allowed_origins == (
        "https://www.dessau-rosslau.de", "http://localhost:8000",
    )  # fmt: skip
    assert settings.web_trusted_proxies == ("127.0.0.1", "10.0.0.0/8")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_PORT", "0"), ("WEB_PORT", "http"), ("WEB_PORT", "70000"),
        ("WEB_ALLOWED_ORIGINS", "https://city.de/path"), ("WEB_ALLOWED_ORIGINS", "*"),
        ("WEB_ALLOWED_ORIGINS", "city.de"), ("WEB_TRUSTED_PROXIES", "proxy.local"),
    ],
)  # fmt: skip
def test_bad_web_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, dotenv=None)


def test_web_port_must_differ_from_the_webhook_port() -> None:
    webhook = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s" * 20}
    with pytest.raises(ConfigError, match="WEB_PORT and WEBHOOK_PORT"):
        load_settings({**webhook, "WEB_PORT": "8080"}, dotenv=None)
    assert load_settings({**webhook, "WEB_PORT": "8081"}, dotenv=None).web_port == 8081


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRANSLATE_URL": "localhost:5000"}, "TRANSLATE_URL must start with http"),
        ({"TRANSLATE_URL": "http://a", "DEEPL_AUTH_KEY": DEEPL_KEY}, "both set"),
        ({"TRANSLATE_API_KEY": "k"}, "TRANSLATE_URL is not"),
        ({"DEEPL_API_URL": "http://x"}, "DEEPL_AUTH_KEY is not"),
        ({"DEEPL_AUTH_KEY": "bad key!"}, "does not look like a DeepL API key"),
        ({"TRANSLATE_URL": "http://a", "TRANSLATE_TIMEOUT_SECONDS": "soon"},
         "TRANSLATE_TIMEOUT_SECONDS must be a number, got 'soon'"),
    ],
)  # fmt: skip
def test_bad_translation_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, dotenv=None)


def test_settings_object_default() -> None:
    assert Settings().translation_enabled is False


def test_the_readme_table_shows_the_defaults_of_the_settings_class() -> None:
    """README "Configuration" repeats each default for readers; it must say what the code does."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    field_of = {"BOT_DB_PATH": "db_path"}
    checked = 0
    for names, defaults in re.findall(r"^\| (`[A-Z_]+`(?: / `[A-Z_]+`)?) \| ([^|]+) \|", readme,
                                      re.MULTILINE):  # fmt: skip
        values = re.fullmatch(r"`([^`]+)`(?: / `([^`]+)`)?(?: \(.*\))?", defaults.strip())
        if values is None:  # "—", "Debian's folders", "from the key": no default value
            continue
        for name, shown in zip(re.findall(r"`([A-Z_]+)`", names), values.groups(), strict=False):
            if shown is None or re.fullmatch(r"[A-Z_]+", shown):  # SMTP_FROM: another variable
                continue
            default = getattr(DEFAULTS, field_of.get(name, name.lower()))
            if isinstance(default, Path):
                assert default.as_posix().endswith(shown), name
            elif isinstance(default, bool):
                assert shown == str(int(default)), name
            else:
                assert shown == str(default).removesuffix(".0"), name
            checked += 1
    assert checked >= 20
