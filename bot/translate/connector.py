"""The translation connector: LibreTranslate or the DeepL API over HTTP (httpx).

Both back ends get the text and two language codes — nothing else: no names, user ids, chat ids
or ticket numbers ever leave the bot this way (the callers pass only message text).

Failures are ``TranslationError``s. A 429 or a 5xx is retried with backoff inside the caller's
time budget (``Retry-After`` is respected when it fits); timeouts, refused connections, other
4xx answers and answers that are not what the API documents are not retried. After a failure
that says the service is unreachable or overloaded, the connector fails fast for a while
(``COOL_DOWN``), so that a dead translator costs one timeout, not one per message.

API references (checked against the projects' documentation):

- LibreTranslate: ``POST /translate`` with JSON ``{"q", "source", "target", "format",
  "api_key"}`` → ``{"translatedText": ...}`` (``q`` may be a list, then ``translatedText`` is a
  list); errors ``{"error": ...}`` with 400/403/429/500. ``GET /languages`` →
  ``[{"code", "name", "targets": [...]}]``.
- DeepL: ``POST /v2/translate`` with header ``Authorization: DeepL-Auth-Key …`` and JSON
  ``{"text": [...], "source_lang", "target_lang"}`` → ``{"translations": [{"text",
  "detected_source_language"}]}``; 429 too many requests, 456 quota exceeded, 403 bad key.
  ``GET /v2/languages?type=source|target`` → ``[{"language", "name", ...}]``. Keys ending in
  ``:fx`` belong to the free plan (``api-free.deepl.com``). DeepL's ``/v2/languages`` omits some
  languages it translates (e.g. Vietnamese, only with its newer models), so for DeepL the list
  is informational and other languages are still tried.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from bot.config import Settings
from bot.language import LANGUAGES

log = logging.getLogger(__name__)

DEEPL_PRO_URL = "https://api.deepl.com"
DEEPL_FREE_URL = "https://api-free.deepl.com"
RETRY_DELAY = 0.5  # seconds before the first retry of a 429/5xx; doubles
COOL_DOWN = 30.0  # seconds of failing fast after the service was unreachable or overloaded
CACHE_SIZE = 256  # recent translations: the staff message and the mail share one request
MAX_CHARS = 5000  # longer texts are not sent (the outbox caps messages at 4,096 anyway)
USER_AGENT = "ankommen-dessau-rosslau-bot/0.1"
# When the current call's time budget ends (event-loop time): retries never wait beyond it.
_DEADLINE: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=float("inf"))


class TranslationError(Exception):
    """A translation that did not happen; ``str()`` is a short reason for logs and notes.

    ``unavailable``: the service is down or overloaded (5xx, 429, no connection, timeout), so
    the next calls fail fast for a while instead of each waiting for it.
    """

    def __init__(
        self, reason: str, *, unavailable: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.unavailable = unavailable
        self.retry_after = retry_after  # the service's own Retry-After, if it sent one


@dataclass(frozen=True, slots=True)
class Languages:
    """What a back end says it translates, in the bot's language codes."""

    source: frozenset[str]
    target: frozenset[str]
    complete: bool  # False: the list may omit languages that work anyway (DeepL)
    pairs: frozenset[tuple[str, str]] | None = None  # LibreTranslate: per source, its targets

    def listed(self, source: str, target: str) -> bool:
        if self.pairs is not None:
            return (source, target) in self.pairs
        return source in self.source and target in self.target

    def supports(self, source: str, target: str) -> bool:
        return self.listed(source, target) or not self.complete


class Backend(Protocol):
    name: str  # shown to staff and residents next to every machine translation
    where: str  # for the start-up line: the host, never a key

    async def translate(
        self, client: httpx.AsyncClient, texts: Sequence[str], source: str, target: str
    ) -> list[str]: ...

    async def languages(self, client: httpx.AsyncClient) -> Languages: ...


# ---------------------------------------------------------------------------- back ends


def _json(response: httpx.Response, service: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise TranslationError(
            f"{service} answered HTTP {response.status_code} with something that is not JSON"
        ) from None


def _error(response: httpx.Response, service: str) -> TranslationError:
    """A failed answer as one line; the text of the body is cut short (it is not ours)."""
    detail = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            detail = str(body.get("error") or body.get("message") or "")[:120]
    except ValueError:
        pass
    status = response.status_code
    return TranslationError(
        f"{service} HTTP {status}" + (f": {detail}" if detail else ""),
        unavailable=status == 429 or status >= 500,
        retry_after=_retry_after(response),
    )


class LibreTranslate:
    name = "LibreTranslate"

    def __init__(self, url: str, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.where = urlsplit(self.url).netloc or self.url

    async def translate(
        self, client: httpx.AsyncClient, texts: Sequence[str], source: str, target: str
    ) -> list[str]:
        body: dict[str, Any] = {
            "q": texts[0] if len(texts) == 1 else list(texts),
            "source": source,
            "target": target,
            "format": "text",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        response = await client.post(self.url + "/translate", json=body)
        if response.status_code != 200:
            raise _error(response, self.name)
        data = _json(response, self.name)
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(translated, str) and len(texts) == 1:
            return [translated]
        if (
            isinstance(translated, list)
            and len(translated) == len(texts)
            and all(isinstance(t, str) for t in translated)
        ):
            return list(translated)
        raise TranslationError(f"{self.name} answered without a usable translatedText")

    async def languages(self, client: httpx.AsyncClient) -> Languages:
        response = await client.get(self.url + "/languages")
        if response.status_code != 200:
            raise _error(response, self.name)
        data = _json(response, self.name)
        if not isinstance(data, list):
            raise TranslationError(f"{self.name} /languages: expected a list")
        source: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        for item in data:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                raise TranslationError(f"{self.name} /languages: unexpected item")
            source.add(item["code"])
            targets = item.get("targets")
            if isinstance(targets, list):
                pairs.update((item["code"], t) for t in targets if isinstance(t, str))
        target = {t for _s, t in pairs}
        if not pairs:  # old servers list no targets: every pair of listed languages works
            return Languages(frozenset(source), frozenset(source), complete=True)
        return Languages(frozenset(source), frozenset(target), True, frozenset(pairs))


def deepl_url(auth_key: str) -> str:
    """Free-plan keys end in ":fx" and only work on the free endpoint."""
    return DEEPL_FREE_URL if auth_key.endswith(":fx") else DEEPL_PRO_URL


def _deepl_target(code: str) -> str:
    # Plain "EN" as a target is deprecated; the city's English readers get British English.
    return "EN-GB" if code == "en" else code.upper()


class DeepL:
    name = "DeepL"

    def __init__(self, auth_key: str, url: str | None = None) -> None:
        self.auth_key = auth_key
        self.url = (url or deepl_url(auth_key)).rstrip("/")
        self.where = urlsplit(self.url).netloc or self.url

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"DeepL-Auth-Key {self.auth_key}"}

    async def translate(
        self, client: httpx.AsyncClient, texts: Sequence[str], source: str, target: str
    ) -> list[str]:
        body = {
            "text": list(texts),
            "source_lang": source.upper(),
            "target_lang": _deepl_target(target),
        }
        response = await client.post(self.url + "/v2/translate", json=body, headers=self._headers())
        if response.status_code == 456:
            raise TranslationError("DeepL HTTP 456: the character quota of this key is used up")
        if response.status_code == 403:
            raise TranslationError("DeepL HTTP 403: DEEPL_AUTH_KEY was refused")
        if response.status_code != 200:
            raise _error(response, self.name)
        data = _json(response, self.name)
        items = data.get("translations") if isinstance(data, dict) else None
        if isinstance(items, list) and len(items) == len(texts):
            out = [i.get("text") if isinstance(i, dict) else None for i in items]
            if all(isinstance(t, str) for t in out):
                return [str(t) for t in out]
        raise TranslationError(f"{self.name} answered without usable translations")

    async def languages(self, client: httpx.AsyncClient) -> Languages:
        found: dict[str, set[str]] = {}
        for kind in ("source", "target"):
            response = await client.get(
                self.url + "/v2/languages", params={"type": kind}, headers=self._headers()
            )
            if response.status_code != 200:
                raise _error(response, self.name)
            data = _json(response, self.name)
            if not isinstance(data, list) or not all(
                isinstance(i, dict) and isinstance(i.get("language"), str) for i in data
            ):
                raise TranslationError(f"{self.name} /v2/languages: unexpected answer")
            # "EN-GB" -> "en": the bot's codes name languages, not regional variants.
            found[kind] = {str(i["language"]).split("-")[0].lower() for i in data}
        return Languages(frozenset(found["source"]), frozenset(found["target"]), complete=False)


# ---------------------------------------------------------------------------- translator


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (a number or an HTTP date), if there is one."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class _RetryTransport(httpx.AsyncBaseTransport):
    """Retries 429 and 5xx answers with backoff, honouring Retry-After, within the deadline
    that ``Translator`` sets for the current call."""

    def __init__(self, inner: httpx.AsyncBaseTransport, retries: int) -> None:
        self.inner = inner
        self.retries = retries

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        loop = asyncio.get_running_loop()
        deadline = _DEADLINE.get()
        delay = RETRY_DELAY
        for attempt in range(self.retries + 1):
            response = await self.inner.handle_async_request(request)
            if response.status_code != 429 and response.status_code < 500:
                return response
            wait = _retry_after(response)
            wait = delay if wait is None else wait
            if attempt == self.retries or loop.time() + wait > deadline:
                return response  # the caller reports the status; no time left to wait
            await response.aclose()
            log.info("translation service answered %d; trying again in %.1f s",
                     response.status_code, wait)  # fmt: skip
            await asyncio.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self.inner.aclose()


class Translator:
    """One back end with a time budget per call, retries, a short cache and a cool-down."""

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        cool_down: float = COOL_DOWN,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.backend = backend
        self.timeout = timeout
        self.cool_down = cool_down
        self.languages: Languages | None = None
        self._client = httpx.AsyncClient(
            transport=_RetryTransport(transport or httpx.AsyncHTTPTransport(), retries),
            timeout=httpx.Timeout(timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        self._cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._inflight: dict[tuple[str, str, str], asyncio.Future[str]] = {}
        self._down_until = 0.0
        self._down_reason = ""

    @property
    def name(self) -> str:
        return self.backend.name

    async def start(self) -> None:
        """Ask the back end for its languages and log one line; a failure does not stop the bot."""
        try:
            async with asyncio.timeout(self.timeout):
                self.languages = await self.backend.languages(self._client)
        except (TranslationError, httpx.HTTPError, TimeoutError) as exc:
            log.warning(
                "machine translation: %s at %s did not list its languages (%s); translating "
                "anyway, failures go out untranslated", self.name, self.backend.where,
                _reason(exc),
            )  # fmt: skip
            return
        log.info("machine translation: %s", self.describe())

    def describe(self) -> str:
        """Back end, host and which of the bot's languages it covers (from and into German)."""
        where = f"{self.name} at {self.backend.where}"
        if self.languages is None:
            return where + ", languages unknown"
        ours = [code for code in LANGUAGES if code != "de"]
        both = [
            c for c in ours if self.languages.listed(c, "de") and self.languages.listed("de", c)
        ]
        rest = [c for c in ours if c not in both]
        line = f"{where}, languages {','.join(sorted(self.languages.target)) or '-'}; "
        line += f"the bot's languages with German: {','.join(both) or 'none'}"
        if rest:
            line += f"; not listed: {','.join(rest)}"
            line += " (tried anyway)" if not self.languages.complete else " (sent untranslated)"
        return line

    def supports(self, source: str, target: str) -> bool:
        return self.languages is None or self.languages.supports(source, target)

    async def translate(self, text: str, source: str, target: str) -> str:
        """``text`` in ``target``; raises TranslationError (also on timeout)."""
        return (await self.translate_many([text], source, target))[0]

    async def translate_many(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        if source == target:
            return list(texts)
        if not self.supports(source, target):
            raise TranslationError(f"{self.name} does not translate {source} into {target}")
        if any(len(t) > MAX_CHARS for t in texts):
            raise TranslationError(f"text longer than {MAX_CHARS} characters")
        if len(texts) != 1:
            return await self._request(texts, source, target)
        key = (source, target, texts[0])
        if key in self._cache:
            self._cache.move_to_end(key)
            return [self._cache[key]]
        running = self._inflight.get(key)
        if running is not None:  # the same text for the staff group and the mail at once
            return [await asyncio.shield(running)]
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = (await self._request(texts, source, target))[0]
        except BaseException as exc:
            error = exc if isinstance(exc, TranslationError) else TranslationError(_reason(exc))
            future.set_exception(error)
            future.exception()  # marked retrieved: nobody else may be waiting
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(result)
        self._cache[key] = result
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return [result]

    async def _request(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        loop = asyncio.get_running_loop()
        if loop.time() < self._down_until:
            raise TranslationError(f"{self.name} unavailable ({self._down_reason})")
        token = _DEADLINE.set(loop.time() + self.timeout)
        try:
            async with asyncio.timeout(self.timeout):
                result = await self.backend.translate(self._client, texts, source, target)
        except (TimeoutError, httpx.HTTPError) as exc:
            reason = _reason(exc)
            if reason == "timeout":
                reason = f"no answer within {self.timeout:g} s"
            self._cool_down(reason)
            raise TranslationError(f"{self.name}: {reason}", unavailable=True) from None
        except TranslationError as exc:
            if exc.unavailable:
                self._cool_down(str(exc), exc.retry_after)
            raise
        finally:
            _DEADLINE.reset(token)
        if any(not t.strip() for t in result) and all(t.strip() for t in texts):
            raise TranslationError(f"{self.name} returned an empty translation")
        return result

    def _cool_down(self, reason: str, retry_after: float | None = None) -> None:
        """Fail fast for a while: COOL_DOWN seconds, or longer if the service asked for it."""
        if self.cool_down <= 0:
            log.warning("machine translation failed (%s)", reason)
            return
        pause = max(self.cool_down, retry_after or 0.0)
        self._down_until = asyncio.get_running_loop().time() + pause
        self._down_reason = reason
        log.warning("machine translation failed (%s); not trying for %.0f s", reason, pause)

    async def aclose(self) -> None:
        await self._client.aclose()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return str(exc) or type(exc).__name__


def service_label(settings: Settings) -> str | None:
    """Which service receives texts, for /privacy and the README: name and host."""
    if settings.translate_url:
        return f"LibreTranslate ({urlsplit(settings.translate_url).netloc})"
    if settings.deepl_auth_key:
        url = settings.deepl_api_url or deepl_url(settings.deepl_auth_key)
        return f"DeepL ({urlsplit(url).netloc})"
    return None


def build_translator(
    settings: Settings,
    *,
    timeout: float | None = None,
    retries: int = 3,
    cool_down: float = COOL_DOWN,
) -> Translator | None:
    """The configured translator, or None when translation is off (the default)."""
    backend: Backend
    if settings.translate_url:
        backend = LibreTranslate(settings.translate_url, settings.translate_api_key)
    elif settings.deepl_auth_key:
        backend = DeepL(settings.deepl_auth_key, settings.deepl_api_url)
    else:
        return None
    return Translator(
        backend,
        timeout=timeout if timeout is not None else settings.translate_timeout_seconds,
        retries=retries,
        cool_down=cool_down,
    )
