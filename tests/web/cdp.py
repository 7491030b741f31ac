"""A headless Chromium driven over the DevTools protocol (aiohttp's WebSocket client; no extra
dependency): navigate, type with real key events, click with the mouse, evaluate, screenshot."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
    "--remote-debugging-port=0", "--remote-allow-origins=*",
)  # fmt: skip


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Page:
    """One browser tab."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.errors: list[str] = []  # console errors, exceptions, CSP violations
        self.frames: list[dict[str, Any]] = []  # Page.frameNavigated, in order
        self._navigated = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            elif data.get("method") == "Page.frameNavigated":
                self.frames.append(data["params"]["frame"])
                self._navigated.set()
            elif data.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(data["params"]["exceptionDetails"])[:500])
            elif data.get("method") == "Log.entryAdded":
                entry = data["params"]["entry"]
                if entry.get("level") == "error":
                    self.errors.append(entry.get("text", "")[:500])
            elif (
                data.get("method") == "Runtime.consoleAPICalled"
                and data["params"].get("type") == "error"
            ):
                self.errors.append(json.dumps(data["params"]["args"])[:500])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[ident] = future
        await self.ws.send_json({"id": ident, "method": method, "params": params})
        async with asyncio.timeout(30):
            data = await future
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        return dict(data.get("result", {}))

    async def js(self, expression: str) -> Any:
        """Evaluate ``expression`` (promises are awaited) and return its JSON value."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:800])
        return result["result"].get("value")

    async def until(self, condition: str, within: float = 15) -> Any:
        """Until the JS ``condition`` is truthy (checked in the page on every animation frame)."""
        script = (
            "new Promise((resolve, reject) => { const end = Date.now() + MS;"
            " const check = () => { let v; try { v = (COND); } catch (e) { v = null; }"
            " if (v) resolve(v); else if (Date.now() > end) reject(new Error('timeout: ' + TEXT));"
            " else requestAnimationFrame(check); }; check(); })"
        )
        script = script.replace("MS", str(int(within * 1000))).replace(
            "TEXT", json.dumps(condition)
        )
        script = script.replace("COND", condition)
        return await self.js(script)

    async def child_frame(self, within: float = 15) -> dict[str, Any]:
        """The first frame inside the page that has navigated (e.g. an iframe's document)."""
        async with asyncio.timeout(within):
            while True:
                found = next((f for f in self.frames if f.get("parentId")), None)
                if found is not None:
                    return found
                self._navigated.clear()
                await self._navigated.wait()

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        await self.until("document.readyState === 'complete'")

    async def type(self, text: str) -> None:
        """Type into the focused element, then press Enter (real key events)."""
        await self.send("Input.insertText", text=text)
        await self.key("Enter")

    async def key(self, key: str) -> None:
        codes = {"Enter": (13, "\r"), "Tab": (9, ""), " ": (32, " ")}
        code, text = codes[key]
        common = {"key": key, "code": "Space" if key == " " else key,
                  "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}  # fmt: skip
        await self.send("Input.dispatchKeyEvent", type="keyDown", text=text, **common)
        await self.send("Input.dispatchKeyEvent", type="keyUp", **common)

    async def click(self, selector_js: str) -> None:
        """Click the middle of the element ``selector_js`` evaluates to, with the mouse."""
        box = await self.js(
            f"(() => {{ const e = {selector_js}; e.scrollIntoView({{block: 'center'}});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2];"
            " })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1
            )

    async def screenshot(self) -> bytes:
        """The visible page as PNG bytes."""
        return base64.b64decode((await self.send("Page.captureScreenshot", format="png"))["data"])


@asynccontextmanager
async def browser(profile: Path, width: int = 412, height: int = 860) -> AsyncIterator[Page]:
    """A fresh headless Chromium (its own profile folder) and one page in it."""
    binary = chromium()
    assert binary is not None
    process = await asyncio.create_subprocess_exec(
        binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        async with asyncio.timeout(30):  # Chromium prints where DevTools listens
            while True:
                line = (await process.stderr.readline()).decode()
                if not line:
                    raise RuntimeError("chromium exited before DevTools was ready")
                if line.startswith("DevTools listening on "):
                    endpoint = line.split(" on ", 1)[1].strip()
                    break
        port = endpoint.split(":")[2].split("/")[0]
        drain = asyncio.create_task(_drain(process.stderr))
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = await response.json()
            target = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                for domain in ("Page", "Runtime", "Log"):
                    await page.send(f"{domain}.enable")
                await page.send(
                    "Emulation.setDeviceMetricsOverride", width=width, height=height,
                    deviceScaleFactor=1, mobile=True,
                )  # fmt: skip
                try:
                    yield page
                finally:
                    page._reader.cancel()
                    with suppress(asyncio.CancelledError):
                        await page._reader
        drain.cancel()
        with suppress(asyncio.CancelledError):
            await drain
    finally:
        if process.returncode is None:
            process.terminate()
            async with asyncio.timeout(15):
                await process.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, unfiltered."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [_rgb(r, channels) for r in rows]


def _rgb(row: bytes, channels: int) -> bytes:
    if channels == 3:
        return row
    return bytes(b for i, b in enumerate(row) if i % 4 != 3)
