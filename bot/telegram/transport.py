"""The Bot API transport: HTTPX requests that retry a call Telegram cannot have received."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from telegram.error import NetworkError
from telegram.request import HTTPXRequest, RequestData

log = logging.getLogger(__name__)

REQUEST_RETRIES = 3  # extra attempts for a Bot API call that did not reach Telegram (or 5xx)
REQUEST_RETRY_DELAY = 0.5  # seconds before the first of them; doubles


def file_url(base_url: str) -> str:
    """The file URL that belongs to a Bot API base URL (also for self-hosted servers)."""
    root, sep, _tail = base_url.rpartition("/bot")
    return f"{root}/file/bot" if sep else base_url


class ResilientRequest(HTTPXRequest):
    """HTTPXRequest that retries a few times when a call cannot have been processed.

    Connection refused, connect and pool timeouts and a dropped keep-alive connection mean that
    Telegram did not get the call; a 5xx means its front end could not pass it on. Retrying such a
    call for a few seconds keeps a reply from being lost in a short outage (a rare duplicate is
    better than a question without an answer). Read timeouts are not retried: the call may have
    been carried out. Long outages are the outbox's business (escalations, staff answers).
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        delay = REQUEST_RETRY_DELAY
        for attempt in range(REQUEST_RETRIES + 1):
            last = attempt == REQUEST_RETRIES
            try:
                code, payload = await super().do_request(
                    url, method, request_data, read_timeout, write_timeout, connect_timeout,
                    pool_timeout,
                )  # fmt: skip
            except NetworkError as exc:
                if last or not isinstance(exc.__cause__, _NOT_SENT):
                    raise
                reason = f"{type(exc.__cause__).__name__}"
            else:
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            log.warning("Bot API call failed (%s); trying again in %.1f s", reason, delay)
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # the loop returns or raises


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError)
