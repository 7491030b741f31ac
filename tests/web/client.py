"""A small client of the web chat's JSON API for the tests (real HTTP on 127.0.0.1)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.i18n import gettext_for


class Api:
    """Talks to one running web chat like the page does; remembers the session."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base
        self.session: str | None = None
        self.cursor = 0

    async def raw(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[int, dict[str, Any], aiohttp.typedefs.LooseHeaders]:
        async with self.http.request(method, self.base + path, **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else {}
            return response.status, body, response.headers

    async def message(self, text: str, lang: str | None = "de") -> dict[str, Any]:
        status, body, _headers = await self.raw(
            "POST", "/api/v1/message", json={"text": text, "lang": lang, "session": self.session}
        )
        assert status == 200, body
        self.session = body["session"]
        return body

    async def press(self, reply: dict[str, Any], label: str, **extra: Any) -> dict[str, Any]:
        token = button(reply, label)
        status, body, _headers = await self.raw(
            "POST", "/api/v1/action", json={"session": self.session, "action": token, **extra}
        )
        assert status == 200, body
        return body

    async def poll(self) -> list[dict[str, Any]]:
        status, body, _headers = await self.raw(
            "GET", f"/api/v1/session/{self.session}", params={"after": str(self.cursor)}
        )
        assert status == 200, body
        self.cursor = body["cursor"]
        return list(body["replies"])


def button(reply: dict[str, Any], label: str) -> str:
    """The action token of the button whose label contains ``label``."""
    for item in reply["buttons"]:
        if label in item["label"]:
            return str(item["action"])
    raise AssertionError(f"no button {label!r} in {[b['label'] for b in reply['buttons']]}")


def t(lang: str, msgid: str, **placeholders: object) -> str:
    text = gettext_for(lang)(msgid)
    return text.format(**placeholders) if placeholders else text
