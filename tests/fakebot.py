"""A local fake of the Telegram Bot API for end-to-end tests, served over real HTTP.

It answers the methods the bot uses, records every call, and behaves like Telegram where it
matters for correctness:

- getUpdates is real long polling: it waits (on a condition, not a sleep) until an update is
  pushed or ``timeout`` runs out; an update stays queued until a later call confirms it with a
  higher ``offset`` — so updates in flight survive a restart of the bot.
- HTML parse mode is validated like Telegram does (only supported tags, balanced, entities
  escaped, at most 4096 characters of text), callback data at most 64 bytes; violations get
  Telegram's 400 errors, so an escaping bug fails the test instead of passing silently.
- A reply to a message that does not exist fails with "message to be replied not found" unless
  ``allow_sending_without_reply`` is set.
- Failures can be injected for the next N calls of a method (optionally for one chat): a 502
  with an HTML body, a 429 with ``retry_after``, a 403, a 400 with ``migrate_to_chat_id``, a 409
  conflict, … or ``status=HANG``: no answer at all (the client times out).
- ``hold(method)`` keeps the next matching call waiting until the test releases it (work in
  flight at a given moment); ``close()`` and ``start(port)`` take the server down and bring it
  back on the same address (an outage: connection refused) without losing its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")
HANG = 0  # Failure.status: never answer (until the server closes)
TOKEN = "123456:TEST-fake-token-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 4242
ANONYMOUS_ADMIN_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
_JSON_PARAMS = {
    "reply_markup", "reply_parameters", "link_preview_options", "allowed_updates", "commands",
    "scope", "entities",
}  # fmt: skip
_INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id"}
_BOOL_PARAMS = {
    "allow_sending_without_reply", "disable_notification", "protect_content", "show_alert",
    "drop_pending_updates",
}  # fmt: skip
_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=\"[^\"]*\"|='[^']*')?)*)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


class Pulse:
    """Wake every waiter whenever something changed; firing needs no await."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], T | None]) -> T:
        """Until ``predicate()`` is truthy; bound it with ``asyncio.timeout``."""
        while True:
            result = predicate()
            if result:
                return result
            await self._event.wait()


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    ok: bool
    result: Any = None
    error: str | None = None
    at: float = field(default_factory=time.monotonic)  # when the call arrived

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    def button(self, contains: str) -> dict[str, Any]:
        for b in self.buttons:
            if contains in b["text"] or contains == b.get("callback_data"):
                return b
        raise AssertionError(f"no button {contains!r} in {[b['text'] for b in self.buttons]}")


@dataclass
class Failure:
    method: str
    times: int
    status: int
    description: str
    chat_id: int | None = None
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hold:
    """One held call: ``reached`` is set when it arrives, ``release()`` lets it proceed."""

    method: str
    chat_id: int | None = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        self.released.set()


def html_problem(text: str) -> str | None:
    """Telegram's verdict on an HTML-mode text: None if fine, else its error message."""
    stack: list[str] = []
    plain: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                return "Bad Request: can't parse entities: unexpected '<'"
            closing, tag = match.group(1), match.group(2).lower()
            if tag not in _ALLOWED_TAGS:
                return f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            if closing:
                if not stack or stack[-1] != tag:
                    return f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"'
                stack.pop()
            else:
                stack.append(tag)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                return "Bad Request: can't parse entities: unsupported entity"
            plain.append(html.unescape(match.group(0)))
            pos = match.end()
        elif char == ">":
            return "Bad Request: can't parse entities: unexpected '>'"
        else:
            plain.append(char)
            pos += 1
    if stack:
        return f"Bad Request: can't parse entities: can't find end tag for \"{stack[-1]}\""
    content = "".join(plain)
    if not content.strip():
        return "Bad Request: message text is empty"
    if len(content.encode("utf-16-le")) // 2 > 4096:
        return "Bad Request: message is too long"
    return None


class FakeTelegram:
    """The fake server. ``await start()`` returns the base URL to give the bot."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_user = {
            "id": BOT_ID, "is_bot": True, "first_name": "Ankommen", "username": "ankommen_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }  # fmt: skip
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.failures: list[Failure] = []
        self.left: set[int] = set()  # chats the bot left (leaveChat)
        self.files: dict[str, bytes] = {}  # what residents sent as photos or files, by file_id
        self.downloads: list[str] = []  # file_ids the bot downloaded
        self.holds: list[Hold] = []
        self.webhook: dict[str, Any] = {}
        self.confirmed = 0  # highest update id the bot has confirmed
        self._next_update = 1
        self._next_message: dict[int, int] = {}
        self._next_callback = 1
        self._changed = Pulse()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---------------------------------------------------------------------- server

    async def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a free port, or ``port`` to come back after ``close``)."""
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/bot"
        return self.base_url

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1].split("/")[0])

    async def close(self) -> None:
        """Stop serving (connections are refused from now on); state and updates are kept."""
        self._closing = True
        self._changed.fire()
        for hold in self.holds:
            hold.release()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        hold = self._take_hold(method, params)
        if hold is not None:
            hold.reached.set()
            self._changed.fire()
            await hold.released.wait()
        failure = self._take_failure(method, params)
        if failure is not None:
            call = Call(method, params, ok=False, error=failure.description)
            await self._record(call)
            if failure.status == HANG:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(60):
                        await self._changed.wait_for(lambda: self._closing)
                return _error(504, "Gateway Timeout")
            if failure.status == 502:
                return web.Response(status=502, text="<html>502 Bad Gateway</html>")
            return _error(failure.status, failure.description, failure.parameters)
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            await self._record(Call(method, params, ok=False, error="method not found"))
            return _error(404, "Not Found: method not found")
        try:
            result = handler(params)
        except _ApiError as exc:
            await self._record(Call(method, params, ok=False, error=exc.description))
            return _error(400, exc.description)
        await self._record(Call(method, params, ok=True, result=result))
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        """A file download (what getFile's file_path points to), as Telegram serves it."""
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        file_id = request.match_info["path"].rsplit("/", 1)[-1].split(".")[0]
        if file_id not in self.files:
            return _error(404, "Not Found")
        self.downloads.append(file_id)
        self._changed.fire()
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._changed.fire()

    def _take_hold(self, method: str, params: dict[str, Any]) -> Hold | None:
        for hold in self.holds:
            if hold.method != method or hold.reached.is_set():
                continue
            if hold.chat_id is not None and params.get("chat_id") != hold.chat_id:
                continue
            return hold
        return None

    def hold(self, method: str, *, chat_id: int | None = None) -> Hold:
        """The next call of ``method`` (to ``chat_id``) waits until ``release()``."""
        hold = Hold(method, chat_id)
        self.holds.append(hold)
        return hold

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        for failure in self.failures:
            if failure.method != method or failure.times <= 0:
                continue
            if failure.chat_id is not None and params.get("chat_id") != failure.chat_id:
                continue
            failure.times -= 1
            return failure
        return None

    # --------------------------------------------------------------------- updates

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if offset:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            self.confirmed = max(self.confirmed, offset - 1)
        await self._record(Call("getUpdates", params, ok=True))

        def ready() -> list[dict[str, Any]]:
            return [u for u in self.updates if u["update_id"] >= offset][:limit]

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._changed.wait_for(lambda: bool(ready()) or self._closing)
        return web.json_response({"ok": True, "result": ready()})

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update (its ``update_id`` is assigned here) and wake a waiting long poll."""
        update_id = self._next_update
        self._next_update += 1
        self.updates.append({"update_id": update_id, **update})
        self._changed.fire()
        return update_id

    async def wait_confirmed(self, update_id: int, within: float = 10) -> None:
        """Until the bot has fetched ``update_id`` and asked for the next ones."""
        async with asyncio.timeout(within):
            await self._changed.wait_for(lambda: self.confirmed >= update_id)

    # ---------------------------------------------------------------- update makers

    def _message_id(self, chat_id: int) -> int:
        self._next_message[chat_id] = self._next_message.get(chat_id, 0) + 1
        return self._next_message[chat_id]

    @staticmethod
    def user(user_id: int, lang: str | None = "de", first_name: str = "Test") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if lang:
            user["language_code"] = lang
        return user

    @staticmethod
    def chat(chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        return {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}

    def new_message(
        self, chat_id: int, sender: dict[str, Any], *, reply_to: int | None = None, **content: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._message_id(chat_id),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": sender,
            **content,
        }
        if reply_to is not None:
            replied = self.messages.get((chat_id, reply_to))
            message["reply_to_message"] = replied or {
                "message_id": reply_to, "date": int(time.time()), "chat": self.chat(chat_id),
            }  # fmt: skip
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def send_text(
        self, chat_id: int, text: str, *, lang: str | None = "de", reply_to: int | None = None
    ) -> int:
        """A resident types ``text`` in their private chat (chat id = user id)."""
        entities = []
        if text.startswith("/"):
            entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = self.new_message(
            chat_id, self.user(chat_id, lang), reply_to=reply_to, text=text,
            **({"entities": entities} if entities else {}),
        )  # fmt: skip
        return self.push({"message": message})

    def send_group(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int = 777,
        reply_to: int | None = None,
        anonymous: bool = False,
    ) -> int:
        """A staff member (or an anonymous admin) writes in a group."""
        sender = ANONYMOUS_ADMIN_BOT if anonymous else self.user(user_id, "de", "Staff")
        extra: dict[str, Any] = {"sender_chat": self.chat(chat_id)} if anonymous else {}
        if text.startswith("/"):
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        message = self.new_message(chat_id, sender, reply_to=reply_to, text=text, **extra)
        return self.push({"message": message})

    def press(
        self, chat_id: int, data: str, message_id: int | None = None, lang: str | None = "de"
    ) -> int:
        """A resident presses an inline button with ``data`` under ``message_id``."""
        message = self.messages.get((chat_id, message_id or 0)) or {
            "message_id": message_id or 1, "date": int(time.time()), "chat": self.chat(chat_id),
            "from": self.bot_user, "text": "…",
        }  # fmt: skip
        query = {
            "id": str(self._next_callback), "from": self.user(chat_id, lang),
            "chat_instance": f"ci{chat_id}", "message": message, "data": data,
        }  # fmt: skip
        self._next_callback += 1
        return self.push({"callback_query": query})

    def _file(self, data: bytes) -> dict[str, Any]:
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(data)}

    def send_photo(
        self, chat_id: int, data: bytes, *, caption: str | None = None, lang: str | None = "de"
    ) -> int:
        """A resident sends a photo; Telegram offers it in sizes, the largest last."""
        thumb = {**self._file(b"thumbnail"), "width": 90, "height": 120}
        full = {**self._file(data), "width": 1500, "height": 2000}
        content: dict[str, Any] = {"photo": [thumb, full]}
        if caption:
            content["caption"] = caption
        return self.push(
            {"message": self.new_message(chat_id, self.user(chat_id, lang), **content)}
        )

    def send_file(
        self, chat_id: int, data: bytes, file_name: str, mime_type: str, *, lang: str | None = "de"
    ) -> int:
        """A resident sends a file (an image or PDF as a document)."""
        document = {**self._file(data), "file_name": file_name, "mime_type": mime_type}
        message = self.new_message(chat_id, self.user(chat_id, lang), document=document)
        return self.push({"message": message})

    def add_bot_to_group(self, chat_id: int, by: int = 777, lang: str | None = "en") -> int:
        """Somebody adds the bot to a group (a ``my_chat_member`` update)."""
        change = {
            "chat": self.chat(chat_id), "from": self.user(by, lang), "date": int(time.time()),
            "old_chat_member": {"user": self.bot_user, "status": "left"},
            "new_chat_member": {"user": self.bot_user, "status": "member"},
        }  # fmt: skip
        return self.push({"my_chat_member": change})

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """Someone deleted a message in a chat."""
        self.messages.pop((chat_id, message_id), None)

    # -------------------------------------------------------------- failures, waits

    def fail(
        self,
        method: str,
        *,
        times: int = 1,
        status: int = 502,
        description: str = "Bad Gateway",
        chat_id: int | None = None,
        **parameters: Any,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``) fail like this."""
        self.failures.append(Failure(method, times, status, description, chat_id, parameters))

    def sent(self, chat_id: int | None = None, method: str = "sendMessage") -> list[Call]:
        """Successful calls of ``method`` (to ``chat_id``)."""
        return [
            c for c in self.calls
            if c.method == method and c.ok and (chat_id is None or c.chat_id == chat_id)
        ]  # fmt: skip

    async def wait_for(self, predicate: Callable[[Call], bool], within: float = 10) -> Call:
        """The first recorded call, past or future, matching ``predicate``."""

        def find() -> Call | None:
            return next((c for c in self.calls if predicate(c)), None)

        async with asyncio.timeout(within):
            return await self._changed.wait_for(find)

    async def wait_message(
        self, chat_id: int, contains: str = "", *, after: int = 0, within: float = 10
    ) -> Call:
        """The first sendMessage to ``chat_id`` containing ``contains``, from call ``after`` on."""

        def find() -> Call | None:
            return next(
                (
                    c for c in self.calls[after:]
                    if c.method == "sendMessage" and c.ok and c.chat_id == chat_id
                    and contains in c.text
                ),
                None,
            )  # fmt: skip

        async with asyncio.timeout(within):
            return await self._changed.wait_for(find)

    async def wait_until(self, condition: Callable[[], T | None], within: float = 10) -> T:
        """Until ``condition()`` is truthy, checked after every change (e.g. a recorded call)."""
        async with asyncio.timeout(within):
            return await self._changed.wait_for(condition)

    def mark(self) -> int:
        """A position in the call log, for ``wait_message(after=…)``."""
        return len(self.calls)

    # --------------------------------------------------------------------- methods

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise _ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""), "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }  # fmt: skip

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params.get("commands") or []:
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _ApiError("Bad Request: command description is invalid")
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> list[Any]:
        return []

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if len(str(params.get("text", ""))) > 200:
            raise _ApiError("Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_leaveChat(self, params: dict[str, Any]) -> bool:
        self.left.add(int(params["chat_id"]))
        return True

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _check_markup(self, params: dict[str, Any]) -> None:
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise _ApiError("Bad Request: BUTTON_DATA_INVALID")
                if not button.get("text"):
                    raise _ApiError(
                        "Bad Request: text buttons are unallowed in the inline keyboard"
                    )

    def _check_text(self, params: dict[str, Any], key: str = "text") -> None:
        text = str(params.get(key, ""))
        if params.get("parse_mode", "").upper() == "HTML":
            problem = html_problem(text)
        elif not text.strip():
            problem = "Bad Request: message text is empty"
        elif len(text) > 4096:
            problem = "Bad Request: message is too long"
        else:
            problem = None
        if problem:
            raise _ApiError(problem)

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        self._check_text(params)
        self._check_markup(params)
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        # Like Telegram, the message keeps the text without markup (the formatting would be in
        # entities, which the bot never reads back).
        text = str(params["text"])
        if str(params.get("parse_mode", "")).upper() == "HTML":
            text = html.unescape(re.sub(r"<[^>]*>", "", text))
        content: dict[str, Any] = {"text": text}
        if reply_to:
            if (chat_id, int(reply_to)) in self.messages:
                content["reply_to_message"] = self.messages[(chat_id, int(reply_to))]
            elif not (
                reply.get("allow_sending_without_reply")
                or params.get("allow_sending_without_reply")
            ):
                raise _ApiError("Bad Request: message to be replied not found")
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return self.new_message(chat_id, self.bot_user, **content)

    def _m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise _ApiError("Bad Request: invalid file_id")
        size = len(self.files[file_id])
        path = f"documents/{file_id}.bin"
        return {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": size,
                "file_path": path}  # fmt: skip

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        document = {"file_id": "doc1", "file_unique_id": "doc1u", "file_name": "file"}
        return self.new_message(chat_id, self.bot_user, document=document)

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise _ApiError("Bad Request: message to edit not found")
        return self.messages[key]

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        self._check_text(params)
        self._check_markup(params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise _ApiError("Bad Request: message is not modified")
        message["text"] = params["text"]
        message["reply_markup"] = markup
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._stored(params)
        self._check_markup(params)
        markup = params.get("reply_markup")
        if message.get("reply_markup") == markup:
            raise _ApiError("Bad Request: message is not modified")
        message["reply_markup"] = markup
        return message


class _ApiError(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    """The call's parameters: JSON body, form or query string; JSON-typed fields decoded."""
    raw: dict[str, Any]
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(request.query)
        if request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):  # an upload, e.g. sendDocument
                    raw[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_PARAMS:
            value = json.loads(value)
        elif isinstance(value, str) and key in _INT_PARAMS and re.fullmatch(r"-?\d+", value):
            value = int(value)
        elif isinstance(value, str) and key in _BOOL_PARAMS:
            value = value == "true"
        params[key] = value
    return params
