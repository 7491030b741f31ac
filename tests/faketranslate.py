"""A local fake LibreTranslate and a fake DeepL API: real HTTP (aiohttp) on 127.0.0.1.

Each server speaks its service's documented request and answer formats, checks the parts the bot
must get right (JSON body, field names, the DeepL ``Authorization`` header, a LibreTranslate
API key when one is required) and records every request, so that tests can assert what left
the bot. Faults are scripted per ``/translate`` request: ``fail("429", retry_after=1)``,
``"500"``, ``"garbage"`` (not JSON), ``"shape"`` (JSON of the wrong form), ``"hang"`` (never
answers until the server closes), ``"456"``, ``"403"``.

Translations come from a small dictionary of known texts; anything else becomes
``"[<target>] <text>"``, so a test can always tell a translation from its original.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakebot import Pulse

LANGUAGES = ("de", "en", "uk", "ru", "ar", "fa", "tr", "ro", "pl", "vi")


@dataclass
class Request:
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Fault:
    kind: str
    retry_after: float | None = None


@dataclass
class FakeTranslator:
    """Base: the server, its request log and the fault script."""

    kind: str = "libre"
    dictionary: dict[tuple[str, str, str], str] = field(default_factory=dict)
    languages: tuple[str, ...] = LANGUAGES
    api_key: str | None = None  # LibreTranslate: required key; DeepL: the expected auth key
    requests: list[Request] = field(default_factory=list)
    _faults: deque[Fault] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: Pulse = field(default_factory=Pulse)
    url: str = ""

    def fail(self, kind: str, *, times: int = 1, retry_after: float | None = None) -> None:
        for _ in range(times):
            self._faults.append(Fault(kind, retry_after))

    def translations(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/translate")]

    async def wait_requests(self, count: int, within: float = 10) -> list[Request]:
        async with asyncio.timeout(within):
            await self._arrived.wait_for(lambda: len(self.translations()) >= count)
        return self.translations()

    def translate_text(self, text: str, source: str, target: str) -> str:
        return self.dictionary.get((source, target, text), f"[{target}] {text}")

    # ------------------------------------------------------------------------ server

    async def start(self) -> str:
        app = web.Application()
        if self.kind == "libre":
            app.router.add_post("/translate", self._libre_translate)
            app.router.add_get("/languages", self._libre_languages)
        else:
            app.router.add_post("/v2/translate", self._deepl_translate)
            app.router.add_get("/v2/languages", self._deepl_languages)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _record(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(Request(request.path, body, dict(request.headers)))
        self._arrived.fire()
        return body

    async def _fault(self) -> web.StreamResponse | None:
        if not self._faults:
            return None
        fault = self._faults.popleft()
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        if fault.kind == "hang":
            await self._release.wait()
            raise web.HTTPServiceUnavailable()
        if fault.kind == "garbage":
            return web.Response(text="<html>Bad Gateway</html>", content_type="text/html")
        if fault.kind == "shape":
            return web.json_response({"unexpected": ["shape"]})
        status = int(fault.kind)
        message = {"error": f"scripted {status}"} if self.kind == "libre" else {"message": "x"}
        return web.json_response(message, status=status, headers=headers)

    # ----------------------------------------------------------------- LibreTranslate

    async def _libre_translate(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        if not isinstance(body, dict) or request.content_type != "application/json":
            return web.json_response({"error": "Invalid JSON format"}, status=400)
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        fault = await self._fault()
        if fault is not None:
            return fault
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        if source not in self.languages or target not in self.languages:
            return web.json_response({"error": f"{source} is not supported"}, status=400)
        if body.get("format", "text") != "text":
            return web.json_response({"error": "expected format text"}, status=400)
        if isinstance(q, list):
            out: Any = [self.translate_text(str(t), source, target) for t in q]
        elif isinstance(q, str):
            out = self.translate_text(q, source, target)
        else:
            return web.json_response({"error": "Invalid request: missing q parameter"}, status=400)
        return web.json_response({"translatedText": out})

    async def _libre_languages(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        return web.json_response(
            [{"code": c, "name": c, "targets": [t for t in self.languages if t != c]}
             for c in self.languages]
        )  # fmt: skip

    # --------------------------------------------------------------------------- DeepL

    def _deepl_authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"DeepL-Auth-Key {self.api_key}"

    async def _deepl_translate(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        if not self._deepl_authorised(request):
            return web.json_response({"message": "Authorization failed"}, status=403)
        if not isinstance(body, dict) or not isinstance(body.get("text"), list):
            return web.json_response({"message": "Parameter 'text' not specified."}, status=400)
        fault = await self._fault()
        if fault is not None:
            return fault
        target = str(body.get("target_lang", ""))
        source = str(body.get("source_lang", ""))
        if target in ("EN", "PT") or target.split("-")[0].lower() not in self.languages:
            return web.json_response({"message": "Value for 'target_lang' not supported."}, 400)
        ours_source, ours_target = source.lower(), target.split("-")[0].lower()
        return web.json_response(
            {"translations": [
                {"detected_source_language": source,
                 "text": self.translate_text(str(t), ours_source, ours_target)}
                for t in body["text"]
            ]}
        )  # fmt: skip

    async def _deepl_languages(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        if not self._deepl_authorised(request):
            return web.json_response({"message": "Authorization failed"}, status=403)
        # Like the real one: Vietnamese and Persian are translated but not listed.
        listed = [c for c in self.languages if c not in ("vi", "fa")]
        if request.query.get("type") == "target":
            items = [{"language": "EN-GB" if c == "en" else c.upper(), "name": c,
                      "supports_formality": False} for c in listed]  # fmt: skip
            items.append({"language": "EN-US", "name": "English (American)"})
        else:
            items = [{"language": c.upper(), "name": c} for c in listed]
        return web.json_response(items)
