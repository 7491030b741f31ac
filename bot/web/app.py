"""The web chat's HTTP server (aiohttp): the chat page, the embed script and the JSON API v1.

Routes:

- ``GET /`` the chat page; ``/chat.css``, ``/chat.js``, ``/widget.js`` (the embed snippet's
  script), ``/embed-test.html`` (a page that embeds the widget), ``/privacy?lang=xx``;
- ``POST /api/v1/message`` ``{"text", "lang", "session"}`` and ``POST /api/v1/action``
  ``{"session", "action"[, "email"]}`` → ``{"session", "lang", "replies": [{"text", "buttons":
  [{"label", "action"}]}]}``; ``GET /api/v1/session/{session}?after=N`` → the team's answers
  that arrived (``cursor``: pass it as ``after`` next time); ``POST /api/v1/letter``
  (multipart/form-data: ``session``, ``lang``, ``caption``, ``file`` — a photo or PDF of a letter,
  at most 10 MB; the same answer as a message); ``GET /api/v1/ui`` the page's
  labels in the ten languages; ``GET /healthz`` → ``{"status": "ok", "knowledge_base": …}``.

Security: the API answers only its own origin and ``WEB_ALLOWED_ORIGINS`` (CORS); every
response carries a strict Content-Security-Policy (no inline script), ``nosniff`` and
``no-referrer``; no cookies; bodies over 16 KB are refused; rate limits per client address and
per session refuse a flood before any work is done (a letter counts as LETTER_COST requests: OCR
is expensive). X-Forwarded-For is believed only from
``WEB_TRUSTED_PROXIES``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, web

from bot import clock
from bot.config import Settings
from bot.i18n import gettext_for
from bot.ics import event_ics
from bot.language import RTL_LANGUAGES, normalize_code
from bot.letters import LetterDesk
from bot.render import HTML
from bot.web.chat import MAX_TEXT, WebChat, WebChatError
from bot.web.limits import RateLimiter, client_address, networks
from bot.web.privacy import privacy_text
from bot.web.texts import ui_texts, widget_labels

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
MAX_LETTER = 10 * 1024 * 1024  # a photo or PDF of a letter (POST /api/v1/letter only)
LETTER_COST = 5.0  # a letter counts as this many requests in the rate limits
STATIC = {
    "/": ("index.html", "text/html"),
    "/chat.css": ("chat.css", "text/css"),
    "/chat.js": ("chat.js", "text/javascript"),
    "/widget.js": ("widget.js", "text/javascript"),
    "/embed-test.html": ("embed-test.html", "text/html"),
}


@dataclass(frozen=True, slots=True)
class Rates:
    """Rate limits per client address (requests, and new conversations); per session the rule
    is Telegram's flood control (FLOOD_LIMIT in FLOOD_WINDOW_SECONDS)."""

    # Generous: many newcomers may share one address (a shelter's Wi-Fi).
    ip_per_second: float = 10.0
    ip_burst: float = 60.0
    # New conversations per address: a flood must not fill the database with sessions.
    new_per_second: float = 0.2
    new_burst: float = 20.0


DEFAULT_RATES = Rates()
UNLIMITED = Rates(1e9, 1e9, 1e9, 1e9)  # the benchmark: all its load comes from one address
# Polls of the team's answers count less than messages (the page polls while a ticket is open).
POLL_COST = 0.25

CHAT: web.AppKey[WebChat] = web.AppKey("chat", WebChat)
KB_VERSION: web.AppKey[Callable[[], str]] = web.AppKey("kb_version", Callable[[], str])
LETTERS: web.AppKey[LetterDesk] = web.AppKey("letters", LetterDesk)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _csp(settings: Settings) -> str:
    ancestors = " ".join(("'self'", *settings.web_allowed_origins))
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {ancestors}"
    )


def _error(code: str, status: int, **headers: str) -> web.Response:
    return web.json_response({"error": code}, status=status, headers=headers)


class Limits:
    """The API's rate limits; per session the same rule as Telegram's flood control."""

    def __init__(self, settings: Settings, rates: Rates) -> None:
        per_session = settings.flood_limit / settings.flood_window_seconds
        self.session = RateLimiter(per_session, settings.flood_limit)
        self.ip = RateLimiter(rates.ip_per_second, rates.ip_burst)
        self.new = RateLimiter(rates.new_per_second, rates.new_burst)
        self.trusted = networks(settings.web_trusted_proxies)


def create_app(
    chat: WebChat,
    settings: Settings,
    kb_version: Callable[[], str],
    *,
    rates: Rates = DEFAULT_RATES,
    letters: LetterDesk | None = None,
) -> web.Application:
    """The aiohttp application of the web chat (not started). It reads letters with its own
    ``LetterDesk`` (opened at start-up, closed at shutdown) unless ``letters`` is given."""
    limits = Limits(settings, rates)
    csp = _csp(settings)
    allowed = frozenset(settings.web_allowed_origins)
    files = {path: (_read(name), kind) for path, (name, kind) in STATIC.items()}
    widget, kind = files["/widget.js"]
    files["/widget.js"] = (widget.replace(b"__LABELS__", widget_labels()), kind)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Origin check and CORS, size limits, security headers on every response."""
        origin = request.headers.get("Origin")
        cors = origin is not None and origin.lower() in allowed
        api = request.path.startswith("/api/")
        response: web.StreamResponse
        if api and origin is not None and not cors and not _same_origin(origin, request):
            response = _error("origin-not-allowed", 403)
        elif request.method == "OPTIONS":
            response = web.Response(status=204 if cors else 403)
            if cors:
                response.headers["Access-Control-Allow-Methods"] = "GET, POST"
                response.headers["Access-Control-Allow-Headers"] = "Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
        else:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                if not api:
                    raise
                response = _error(exc.reason.lower().replace(" ", "-"), exc.status)
        if cors and api:
            response.headers["Access-Control-Allow-Origin"] = origin or ""
            response.headers["Vary"] = "Origin"
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if api:
            response.headers["Cache-Control"] = "no-store"
        return response

    async def static(request: web.Request) -> web.Response:
        body, kind = files[request.path]
        return web.Response(
            body=body, content_type=kind, charset="utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )  # fmt: skip

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "knowledge_base": kb_version()})

    async def ui(request: web.Request) -> web.Response:
        return web.json_response(ui_texts(), headers={"Cache-Control": "public, max-age=300"})

    async def privacy(request: web.Request) -> web.Response:
        lang = normalize_code(request.query.get("lang")) or "de"
        _ = gettext_for(lang)
        direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
        body = privacy_text(lang, settings, HTML).replace("\n", "<br>\n")
        page = (
            f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{HTML.esc(_("Privacy"))}</title><link rel="stylesheet" href="chat.css">'
            f'</head><body class="page"><main class="privacy"><p>{body}</p></main></body></html>'
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8")

    async def calendar(request: web.Request) -> web.Response:
        """One event as an iCalendar file ("Add to calendar" under an events answer)."""
        kb = chat.assistant.kb
        event = kb.events.get(request.match_info["event"])
        if event is None:
            raise web.HTTPNotFound()
        lang = normalize_code(request.query.get("lang")) or "de"
        body = event_ics(event, kb, lang, clock.now())
        return web.Response(
            body=body, content_type="text/calendar", charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{event.id}.ics"'},
        )  # fmt: skip

    async def message(request: web.Request) -> web.Response:
        data = await _body(request)
        text, lang, session = data.get("text"), data.get("lang"), data.get("session")
        if not isinstance(text, str):
            raise WebChatError("invalid-text")
        if len(text) > MAX_TEXT:
            raise WebChatError("text-too-long", 413)
        if session is not None and not isinstance(session, str):
            raise WebChatError("unknown-session", 404)
        if not _allowed(request, limits, session):
            return _limited()
        return web.json_response(await chat.message(session, text, lang))

    async def action(request: web.Request) -> web.Response:
        data = await _body(request)
        session, token, email = data.get("session"), data.get("action"), data.get("email")
        if not isinstance(session, str):
            raise WebChatError("unknown-session", 404)
        if not isinstance(token, str):
            raise WebChatError("unknown-action")
        if email is not None and not isinstance(email, str):
            raise WebChatError("invalid-email")
        email = (email or "").strip() or None  # an empty field: no address
        if not _allowed(request, limits, session):
            return _limited()
        return web.json_response(await chat.action(session, token, email))

    async def letter(request: web.Request) -> web.Response:
        """A photo or PDF of a letter (multipart/form-data), read in memory only."""
        if request.content_type != "multipart/form-data":
            raise WebChatError("expected-form-data", 415)
        if request.content_length is not None and request.content_length > MAX_LETTER + MAX_BODY:
            raise WebChatError("request-too-large", 413)
        address = _address(request, limits)
        if not limits.ip.allow(address, LETTER_COST):  # before the upload is read
            return _limited()
        fields, upload = await _letter_form(request)
        session = fields.get("session") or None
        if upload is None:
            raise WebChatError("missing-file")
        data, filename = upload
        if not data:
            raise WebChatError("empty-file")
        if session is None:
            if not limits.new.allow(address):
                return _limited()
        elif not limits.session.allow(session[:64], LETTER_COST):
            return _limited()
        return web.json_response(
            await chat.letter(
                session, data, request.app.get(LETTERS), filename=filename,
                caption=fields.get("caption") or None, lang=fields.get("lang") or None,
            )
        )  # fmt: skip

    async def pending(request: web.Request) -> web.Response:
        session = request.match_info["session"]
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            raise WebChatError("invalid-after") from None
        if not _allowed(request, limits, session, cost=POLL_COST):
            return _limited()
        return web.json_response(await chat.pending(session, max(after, 0)))

    @web.middleware
    async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except WebChatError as exc:
            return _error(exc.code, exc.status)

    async def open_letters(app: web.Application) -> None:
        if letters is not None:
            app[LETTERS] = letters
            return
        desk = LetterDesk(settings.tessdata_dir, settings.ocr_workers, settings.ocr_timeout_seconds)
        if not desk.available:
            log.warning("web chat: photos of letters cannot be read: %s", desk.missing)
        app[LETTERS] = desk

    async def close_letters(app: web.Application) -> None:
        desk = app.get(LETTERS)
        if desk is not None and letters is None:  # a desk handed in belongs to the caller
            desk.close()

    app = web.Application(client_max_size=MAX_BODY, middlewares=[guard, errors])
    app[CHAT] = chat
    app[KB_VERSION] = kb_version
    app.on_startup.append(open_letters)
    app.on_cleanup.append(close_letters)
    for path in STATIC:
        app.router.add_get(path, static)
    app.router.add_get("/privacy", privacy)
    app.router.add_get("/healthz", healthz)
    app.router.add_get(r"/calendar/{event:[a-z0-9-]+}.ics", calendar)
    app.router.add_get("/api/v1/ui", ui)
    app.router.add_post("/api/v1/message", message)
    app.router.add_post("/api/v1/action", action)
    app.router.add_post("/api/v1/letter", letter)
    app.router.add_get("/api/v1/session/{session}", pending)
    return app


def _read(name: str) -> bytes:
    return resources.files("bot.web").joinpath("static", name).read_bytes()


def _same_origin(origin: str, request: web.Request) -> bool:
    return urlsplit(origin).netloc.lower() == (request.host or "").lower()


async def _body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise WebChatError("expected-json", 415)
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise WebChatError("request-too-large", 413)
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise WebChatError("request-too-large", 413) from None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise WebChatError("invalid-json") from None
    if not isinstance(data, dict):
        raise WebChatError("invalid-json")
    return data


LETTER_TYPES = ("application/pdf",)
TEXT_FIELDS = ("session", "lang", "caption")


async def _letter_form(
    request: web.Request,
) -> tuple[dict[str, str], tuple[bytes, str | None] | None]:
    """The letter form's text fields and its file, read with a size limit (the app's 16 KB
    limit does not apply to a multipart reader; this one counts every byte itself)."""
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError):
        raise WebChatError("invalid-form-data") from None
    fields: dict[str, str] = {}
    upload: tuple[bytes, str | None] | None = None
    total = 0
    while True:
        try:
            part = await reader.next()
        except (ValueError, AssertionError):
            raise WebChatError("invalid-form-data") from None
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise WebChatError("invalid-form-data")
        limit = MAX_LETTER if part.name == "file" else MAX_BODY
        chunks: list[bytes] = []
        size = 0
        while chunk := await part.read_chunk(64 * 1024):
            size += len(chunk)
            total += len(chunk)
            if size > limit or total > MAX_LETTER + MAX_BODY:
                raise WebChatError("request-too-large", 413)
            chunks.append(chunk)
        body = b"".join(chunks)
        if part.name == "file":
            kind = (part.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if not (kind.startswith("image/") or kind in LETTER_TYPES):
                raise WebChatError("unsupported-file-type", 415)
            upload = (body, part.filename)
        elif part.name in TEXT_FIELDS:
            try:
                fields[part.name] = body.decode("utf-8")
            except UnicodeDecodeError:
                raise WebChatError("invalid-form-data") from None
    return fields, upload


def _allowed(request: web.Request, limits: Limits, session: str | None, cost: float = 1.0) -> bool:
    """Rate limits, checked before any work: per address, per session, new sessions."""
    address = _address(request, limits)
    if not limits.ip.allow(address, cost):
        return False
    if session is None:
        return limits.new.allow(address)
    return limits.session.allow(session[:64], cost)


def _address(request: web.Request, limits: Limits) -> str:
    return client_address(request.remote, request.headers.get("X-Forwarded-For"), limits.trusted)


def _limited() -> web.Response:
    return _error("rate-limited", 429, **{"Retry-After": "5"})
