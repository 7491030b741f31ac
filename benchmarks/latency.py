"""Matching latency per question: a cold first pass over distinct queries, then a warm one."""

from __future__ import annotations

import gc
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.queries import Query
from benchmarks.results import percentile
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher

# Modules whose functools caches (normalisation, detection, token matches) make repeats cheap.
_CACHED_MODULES = ("bot.normalize", "bot.language", "bot.matching")


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds per ``match`` call over ``queries`` distinct questions."""

    label: str
    queries: int
    build_s: float
    cold_p50: float
    cold_p99: float
    cold_max: float
    warm_p50: float
    warm_p99: float
    warm_max: float
    vocabulary: int | None  # distinct index tokens, when the matcher exposes them


def clear_module_caches() -> None:
    """Empty the ``lru_cache``s of the matching code (module functions and class methods).

    Clearing the class-level ones also releases matchers of earlier measurements, which such a
    cache keeps alive through its ``self`` keys.
    """
    for name in _CACHED_MODULES:
        module = importlib.import_module(name)
        values = list(vars(module).values())
        values += [v for cls in values if isinstance(cls, type) for v in vars(cls).values()]
        for value in values:
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def timed_pass(match: Callable[[str, str | None], object], queries: Sequence[Query]) -> list[float]:
    """Milliseconds per call. The language is left to detection, as for a first message."""
    timings = []
    clock = time.perf_counter_ns
    for query in queries:
        start = clock()
        match(query.text, None)
        timings.append((clock() - start) / 1e6)
    return timings


def measure(label: str, kb: KnowledgeBase, queries: Sequence[Query]) -> tuple[Latency, Matcher]:
    """Build a fresh matcher (timed), then run the queries twice: cold, then warm.

    The matcher is returned for reuse (building one costs as much as many queries).
    """
    clear_module_caches()
    gc.collect()
    start = time.perf_counter()
    matcher = Matcher(kb)
    build_s = time.perf_counter() - start
    clear_module_caches()  # building may have normalised texts that queries would reuse
    gc.collect()

    def match(text: str, lang: str | None) -> object:
        return matcher.match(text, lang)

    cold = timed_pass(match, queries)
    warm = timed_pass(match, queries)
    vocabulary = getattr(matcher, "vocabulary", None)
    result = Latency(
        label=label,
        queries=len(queries),
        build_s=build_s,
        cold_p50=percentile(cold, 50),
        cold_p99=percentile(cold, 99),
        cold_max=max(cold, default=0.0),
        warm_p50=percentile(warm, 50),
        warm_p99=percentile(warm, 99),
        warm_max=max(warm, default=0.0),
        vocabulary=len(vocabulary) if vocabulary is not None else None,
    )
    return result, matcher
