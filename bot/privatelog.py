"""Keep people's messages out of the log, whichever process writes it (the Telegram bot, the web
chat on its own): a logging filter for the root logger's handlers."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

_SAFE_ARG = re.compile(r"[\w.:/@`'-]{0,80}")


def _safe_arg(value: object) -> bool:
    """Log arguments that cannot carry a person's text: numbers, names, URLs, exceptions."""
    if value is None or isinstance(value, int | float | BaseException):
        return True
    if isinstance(value, str):
        return _SAFE_ARG.fullmatch(value) is not None
    if isinstance(value, list | tuple) and len(value) <= 100:
        return all(isinstance(v, int) for v in value)  # e.g. PTB's list of update ids
    return False


class PrivateLog(logging.Filter):
    """Keep people's messages out of the log, also at DEBUG level.

    python-telegram-bot logs whole updates and API parameters at DEBUG, aiosqlite its SQL
    parameters, the webhook server the updates it receives. Records of other libraries keep their
    text, but arguments that could carry a message (objects, dicts, free text) become "[…]". The
    bot's own modules (``bot.*``) never log message texts in the first place.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "bot" or record.name.startswith("bot.") or not record.args:
            return True
        if isinstance(record.args, Mapping):
            record.args = {k: v if _safe_arg(v) else "[…]" for k, v in record.args.items()}
        else:
            record.args = tuple(a if _safe_arg(a) else "[…]" for a in record.args)
        return True


def install() -> None:
    """Put ``PrivateLog`` on every handler of the root logger (once)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PrivateLog) for f in handler.filters):
            handler.addFilter(PrivateLog())
