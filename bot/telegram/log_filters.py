"""No bot token in the log, at any level; with ``bot.privatelog``, no person's message either."""

from __future__ import annotations

import logging

from bot.privatelog import PrivateLog


class RedactToken(logging.Filter):
    """Replace the bot token in every log line: PTB's own DEBUG lines contain the API URL."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "[TOKEN]"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "[TOKEN]")
        return True


def redact_token(token: str) -> None:
    """Install ``PrivateLog`` and ``RedactToken`` (in this order) on the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PrivateLog) for f in handler.filters):
            handler.addFilter(PrivateLog())
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))
