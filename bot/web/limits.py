"""Rate limits of the web API: token buckets per client address and per session.

A request over the limit is refused at once (429) before any matching or database work, so a
flood from one client costs the others nothing but the refusal itself. The tables are bounded:
full (idle) buckets are dropped when a table grows large.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Sequence

MAX_KEYS = 50_000


class RateLimiter:
    """At most ``burst`` requests at once, refilled at ``per_second``, per key."""

    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second = per_second
        self.burst = max(burst, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last update)
        self._clock = time.monotonic

    def allow(self, key: str, cost: float = 1.0) -> bool:
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - cost, now)
        if len(self._buckets) > MAX_KEYS:
            self._prune(now)
        return True

    def retry_after(self, key: str) -> float:
        tokens, _last = self._buckets.get(key, (self.burst, 0.0))
        return max(0.0, (1.0 - tokens) / self.per_second)

    def _prune(self, now: float) -> None:
        full = [
            k for k, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.per_second >= self.burst
        ]  # fmt: skip
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > MAX_KEYS:  # a spread-out flood: forget the oldest half
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client's address: the peer's, or — only when the peer is a trusted proxy — the
    right-most address in X-Forwarded-For that is not itself a trusted proxy."""
    peer = peer or "unknown"
    if not trusted or not forwarded_for or not _within(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed header: believe nothing in it
        if not _within(hop, trusted):
            return hop
    return peer


def _within(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)
