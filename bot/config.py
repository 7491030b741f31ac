"""Settings: read once from the environment (and an optional ``.env`` file) into a frozen object.

Nothing else in the project reads ``os.environ``. Every error names the variable and the value
that was wrong, so that whoever deploys the bot can fix it from one line.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Run from a source tree (a checkout, `pip install -e .`, the Docker image's /app) the folders at
# its top are used; a normal `pip install .` brings the knowledge base as package data
# (bot/_knowledge) and keeps the database and .env in the working directory.
SOURCE_TREE = (PROJECT_ROOT / "knowledge").is_dir()
DEFAULT_DB = (PROJECT_ROOT if SOURCE_TREE else Path()) / "data" / "bot.sqlite3"
DEFAULT_KNOWLEDGE = (
    PROJECT_ROOT / "knowledge" if SOURCE_TREE else Path(__file__).resolve().parent / "_knowledge"
)
DEFAULT_DOTENV = (PROJECT_ROOT if SOURCE_TREE else Path()) / ".env"
# The learned matching model, cached by the knowledge base's content hash (bot/classifier.py);
# an installed package keeps it in the user's cache folder, not in the working directory.
DEFAULT_MODEL_CACHE = (
    PROJECT_ROOT / "data" / "model-cache"
    if SOURCE_TREE
    else Path.home() / ".cache" / "ankommen-dessau-rosslau" / "model"
)
DEFAULT_WEB_PORT = 8080
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting with its default: the one place a default is written (``load_settings``
    falls back on ``DEFAULTS``, an instance of this class)."""

    telegram_token: str | None = field(default=None, repr=False)
    telegram_base_url: str = "https://api.telegram.org/bot"
    staff_chat_id: int | None = None
    zwk_inbox: str = "zwk@dessau-rosslau.de"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = True
    smtp_from: str | None = None
    db_path: Path = DEFAULT_DB
    knowledge_dir: Path = DEFAULT_KNOWLEDGE
    model_cache_dir: Path = DEFAULT_MODEL_CACHE
    outbox_retry_seconds: float = 60.0
    admin_ids: frozenset[int] = frozenset()
    flood_limit: int = 8  # messages per person ...
    flood_window_seconds: float = 30.0  # ... within this many seconds
    # One account must not flood the staff group and the inbox: additions to one open ticket,
    # and new tickets per person within 24 hours.
    max_follow_ups: int = 10
    tickets_per_day: int = 3
    log_level: str = "INFO"
    smtp_timeout_seconds: float = 30.0
    # Retention (see /privacy): the question log (no chat ids) and the ratings ...
    question_log_days: int = 180
    # ... forwarded questions after the team closed them, and open ones at the latest.
    ticket_retention_days: int = 30
    open_ticket_days: int = 180
    # Webhook mode instead of long polling (behind a reverse proxy that terminates TLS).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_secret: str | None = field(default=None, repr=False)
    # Web chat (bot.web): ``web_port`` None = not alongside the Telegram bot; ``run_bot.py web``
    # then uses DEFAULT_WEB_PORT. Origins that may embed the chat and call its API (CORS), and
    # the reverse proxies whose X-Forwarded-For is believed (nobody else's is).
    web_host: str = "127.0.0.1"
    web_port: int | None = None
    web_allowed_origins: tuple[str, ...] = ()
    web_trusted_proxies: tuple[str, ...] = ()
    # Photos of letters: where Tesseract's German model is (found in Debian's places when
    # unset), how many letters are read at once, and how long one may take.
    tessdata_dir: Path | None = None
    ocr_workers: int = 1
    ocr_timeout_seconds: float = 20.0
    # Machine translation for the staff and residents (off unless one back end is configured).
    translate_url: str | None = None  # LibreTranslate
    translate_api_key: str | None = field(default=None, repr=False)
    deepl_auth_key: str | None = field(default=None, repr=False)
    deepl_api_url: str | None = None  # default from the key: free (":fx") or pro endpoint
    translate_timeout_seconds: float = 5.0

    @property
    def translation_enabled(self) -> bool:
        return bool(self.translate_url or self.deepl_auth_key)

    @property
    def mail_enabled(self) -> bool:
        return self.smtp_host is not None

    @property
    def forwarding_enabled(self) -> bool:
        return self.mail_enabled or self.staff_chat_id is not None


DEFAULTS = Settings()

# Every variable the bot reads (the table in README "Configuration", and .env.example).
VARIABLES = (
    "TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "STAFF_CHAT_ID", "ZWK_INBOX", "SMTP_HOST",
    "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "SMTP_FROM", "BOT_DB_PATH",
    "KNOWLEDGE_DIR", "OUTBOX_RETRY_SECONDS", "ADMIN_IDS", "FLOOD_LIMIT", "FLOOD_WINDOW_SECONDS",
    "MAX_FOLLOW_UPS", "TICKETS_PER_DAY", "LOG_LEVEL", "SMTP_TIMEOUT_SECONDS",
    "QUESTION_LOG_DAYS", "TICKET_RETENTION_DAYS", "OPEN_TICKET_DAYS", "WEBHOOK_URL",
    "WEBHOOK_LISTEN", "WEBHOOK_PORT", "WEBHOOK_SECRET",
)  # fmt: skip
_SECRET = frozenset({"TELEGRAM_BOT_TOKEN", "SMTP_PASSWORD", "WEBHOOK_SECRET"})
_TRAILING_COMMENT = re.compile(r"\s#")


def _refuse_trailing_comments(env: Mapping[str, str]) -> None:
    """A value that ends in `` # comment`` is refused, wherever it comes from.

    python-dotenv would strip such a comment, but docker's ``--env-file`` and systemd's
    ``EnvironmentFile`` pass it on as part of the value; refusing it everywhere means one
    ``.env`` file behaves the same with all three. SMTP_PASSWORD may contain " #" (it is taken
    as it is).
    """
    for name in VARIABLES:
        value = env.get(name, "")
        if name == "SMTP_PASSWORD" or not _TRAILING_COMMENT.search(value):
            continue
        shown = "" if name in _SECRET else f" ({value!r})"
        raise ConfigError(
            f"{name} has a comment after its value{shown}: put comments on their own line "
            "(docker --env-file and systemd would keep it as part of the value)"
        )


def _read_dotenv(path: Path) -> dict[str, str]:
    """Minimal ``.env`` reader: KEY=VALUE lines, # comments on their own lines, optional quotes.

    The subset that docker ``--env-file`` and systemd ``EnvironmentFile`` read the same way;
    a comment after a value is refused with a clear message (``_refuse_trailing_comments``).
    """
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")


def _email(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = env.get(name, "").strip() or default
    if raw is not None and not _EMAIL.match(raw):
        raise ConfigError(f"{name} must be an e-mail address, got {raw!r}")
    return raw


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value is None or value < 1:
        raise ConfigError(f"{name} must be a number of days (1 or more), got {env.get(name)!r}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value is None or value < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, got {env.get(name)!r}")
    return value


def _webhook(env: Mapping[str, str]) -> dict[str, Any]:
    """WEBHOOK_*: all or nothing; the secret is required so that nobody can post fake updates."""
    url = env.get("WEBHOOK_URL", "").strip() or None
    secret = env.get("WEBHOOK_SECRET", "").strip() or None
    listen = env.get("WEBHOOK_LISTEN", "").strip() or DEFAULTS.webhook_listen
    port = _int(env, "WEBHOOK_PORT", DEFAULTS.webhook_port)
    if port is None or not 0 < port < 65536:
        raise ConfigError(
            f"WEBHOOK_PORT must be between 1 and 65535, got {env.get('WEBHOOK_PORT')!r}"
        )
    if url is not None:
        if not re.match(r"^https://[^/\s]+", url):
            raise ConfigError(f"WEBHOOK_URL must be an https:// address, got {url!r}")
        if secret is None:
            raise ConfigError("WEBHOOK_SECRET must be set when WEBHOOK_URL is set")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
        # Never echo the secret itself.
        raise ConfigError("WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and -")
    return {"webhook_url": url, "webhook_secret": secret, "webhook_listen": listen,
            "webhook_port": port}  # fmt: skip


def _translation(env: Mapping[str, str]) -> dict[str, Any]:
    """TRANSLATE_URL (LibreTranslate) or DEEPL_AUTH_KEY (DeepL API): at most one back end."""
    url = env.get("TRANSLATE_URL", "").strip() or None
    key = env.get("TRANSLATE_API_KEY", "").strip() or None
    deepl = env.get("DEEPL_AUTH_KEY", "").strip() or None
    deepl_url = env.get("DEEPL_API_URL", "").strip() or None
    for name, value in (("TRANSLATE_URL", url), ("DEEPL_API_URL", deepl_url)):
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ConfigError(f"{name} must start with http:// or https://, got {value!r}")
    if url and deepl:
        raise ConfigError(
            "TRANSLATE_URL and DEEPL_AUTH_KEY are both set: choose one translation service"
        )
    if key and not url:
        raise ConfigError("TRANSLATE_API_KEY is set but TRANSLATE_URL is not")
    if deepl_url and not deepl:
        raise ConfigError(f"DEEPL_API_URL is set ({deepl_url!r}) but DEEPL_AUTH_KEY is not")
    if deepl is not None and not re.fullmatch(r"[A-Za-z0-9:._-]{8,200}", deepl):
        # Never echo the key itself.
        raise ConfigError("DEEPL_AUTH_KEY does not look like a DeepL API key")
    return {
        "translate_url": url,
        "translate_api_key": key,
        "deepl_auth_key": deepl,
        "deepl_api_url": deepl_url,
        "translate_timeout_seconds": _float(
            env, "TRANSLATE_TIMEOUT_SECONDS", DEFAULTS.translate_timeout_seconds, 0.5
        ),
    }


def _web(env: Mapping[str, str]) -> dict[str, Any]:
    """WEB_*: where the web chat listens, who may embed it, which proxies are believed."""
    port = _int(env, "WEB_PORT", DEFAULTS.web_port)
    if port is not None and not 0 < port < 65536:
        raise ConfigError(f"WEB_PORT must be between 1 and 65535, got {env.get('WEB_PORT')!r}")
    origins: list[str] = []
    for part in filter(None, (p.strip() for p in env.get("WEB_ALLOWED_ORIGINS", "").split(","))):
        if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", part):
            raise ConfigError(
                "WEB_ALLOWED_ORIGINS must be comma-separated origins such as "
                f"https://www.dessau-rosslau.de (no path), got {part!r}"
            )
        origins.append(part.lower())
    proxies: list[str] = []
    for part in filter(None, (p.strip() for p in env.get("WEB_TRUSTED_PROXIES", "").split(","))):
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigError(
                f"WEB_TRUSTED_PROXIES must be IP addresses or networks, got {part!r}"
            ) from None
        proxies.append(part)
    return {
        "web_host": env.get("WEB_HOST", "").strip() or DEFAULTS.web_host,
        "web_port": port,
        "web_allowed_origins": tuple(origins),
        "web_trusted_proxies": tuple(proxies),
    }


def _web_next_to_webhook(webhook: dict[str, Any], web: dict[str, Any]) -> dict[str, Any]:
    """The web chat and the webhook server run in one process: never on the same port."""
    if webhook["webhook_url"] and web["web_port"] == webhook["webhook_port"]:
        raise ConfigError(
            f"WEB_PORT and WEBHOOK_PORT are both {web['web_port']}: give the web chat another port"
        )
    return web


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv: Path | None = DEFAULT_DOTENV
) -> Settings:
    """Build the settings; real environment variables win over ``.env`` values."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(_read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)
    _refuse_trailing_comments(env)

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", token):
        # Never echo the token itself: it is a secret.
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a token from @BotFather")
    base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULTS.telegram_base_url
    if not re.match(r"^https?://", base_url):
        raise ConfigError(
            f"TELEGRAM_BASE_URL must start with http:// or https://, got {base_url!r}"
        )

    admin_raw = env.get("ADMIN_IDS", "").strip()
    admins: set[int] = set()
    for part in filter(None, (p.strip() for p in admin_raw.split(","))):
        try:
            admins.add(int(part))
        except ValueError:
            raise ConfigError(
                f"ADMIN_IDS must be comma-separated user ids, got {admin_raw!r}"
            ) from None

    smtp_port = _int(env, "SMTP_PORT", DEFAULTS.smtp_port)
    if smtp_port is None or not 0 < smtp_port < 65536:
        raise ConfigError(f"SMTP_PORT must be between 1 and 65535, got {env.get('SMTP_PORT')!r}")
    smtp_host = env.get("SMTP_HOST", "").strip() or None
    smtp_user = env.get("SMTP_USER", "").strip() or None
    smtp_from = _email(env, "SMTP_FROM", None)
    if smtp_host and smtp_from is None:
        if smtp_user and _EMAIL.match(smtp_user):
            smtp_from = smtp_user
        else:
            raise ConfigError("SMTP_FROM must be set when SMTP_HOST is set (the sender address)")
    level = env.get("LOG_LEVEL", "").strip().upper() or DEFAULTS.log_level
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return Settings(
        telegram_token=token,
        telegram_base_url=base_url,
        staff_chat_id=_int(env, "STAFF_CHAT_ID", DEFAULTS.staff_chat_id),
        zwk_inbox=_email(env, "ZWK_INBOX", DEFAULTS.zwk_inbox) or DEFAULTS.zwk_inbox,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        smtp_user=smtp_user,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env, "SMTP_STARTTLS", DEFAULTS.smtp_starttls),
        smtp_from=smtp_from,
        db_path=Path(env.get("BOT_DB_PATH", "").strip() or DEFAULTS.db_path),
        knowledge_dir=Path(env.get("KNOWLEDGE_DIR", "").strip() or DEFAULTS.knowledge_dir),
        model_cache_dir=Path(env.get("MODEL_CACHE_DIR", "").strip() or DEFAULTS.model_cache_dir),
        outbox_retry_seconds=_float(
            env, "OUTBOX_RETRY_SECONDS", DEFAULTS.outbox_retry_seconds, 0.05
        ),
        admin_ids=frozenset(admins),
        flood_limit=_int(env, "FLOOD_LIMIT", DEFAULTS.flood_limit) or DEFAULTS.flood_limit,
        flood_window_seconds=_float(
            env, "FLOOD_WINDOW_SECONDS", DEFAULTS.flood_window_seconds, 1.0
        ),
        max_follow_ups=_count(env, "MAX_FOLLOW_UPS", DEFAULTS.max_follow_ups),
        tickets_per_day=_count(env, "TICKETS_PER_DAY", DEFAULTS.tickets_per_day),
        log_level=level,
        smtp_timeout_seconds=_float(
            env, "SMTP_TIMEOUT_SECONDS", DEFAULTS.smtp_timeout_seconds, 1.0
        ),
        question_log_days=_days(env, "QUESTION_LOG_DAYS", DEFAULTS.question_log_days),
        ticket_retention_days=_days(env, "TICKET_RETENTION_DAYS", DEFAULTS.ticket_retention_days),
        open_ticket_days=_days(env, "OPEN_TICKET_DAYS", DEFAULTS.open_ticket_days),
        **_webhook(env),
        **_web_next_to_webhook(_webhook(env), _web(env)),
        tessdata_dir=Path(raw) if (raw := env.get("TESSDATA_DIR", "").strip()) else None,
        ocr_workers=_count(env, "OCR_WORKERS", DEFAULTS.ocr_workers),
        ocr_timeout_seconds=_float(env, "OCR_TIMEOUT_SECONDS", DEFAULTS.ocr_timeout_seconds, 1.0),
        **_translation(env),
    )
