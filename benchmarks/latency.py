"""Matching latency per question: a cold first pass over distinct queries, then a warm one.

On a shared machine one pass can catch another process's burst; with ``repeats`` the passes run
on that many freshly built matchers and each figure is the median over the repeats.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.queries import Query
from benchmarks.results import percentile
from bot.config import DEFAULT_MODEL_CACHE
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher

# Modules whose functools caches (normalisation, detection, token matches) make repeats cheap.
_CACHED_MODULES = ("bot.normalize", "bot.language", "bot.vocabulary", "bot.index", "bot.matching")


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds per ``match`` call over ``queries`` distinct questions."""

    label: str
    queries: int
    repeats: int  # fresh matchers measured; figures are medians over them
    build_s: float
    cold_p50: float
    cold_p99: float
    cold_max: float
    warm_p50: float
    warm_p99: float
    warm_max: float
    vocabulary: int | None  # distinct index tokens, when the matcher exposes them


def clear_module_caches() -> None:
    """Empty the caches of the matching code: ``lru_cache``s of module functions and class
    methods, and anything else there with a ``cache_clear`` (the character tables).

    Clearing the class-level ones also releases matchers of earlier measurements, which such a
    cache keeps alive through its ``self`` keys.
    """
    for name in _CACHED_MODULES:
        module = importlib.import_module(name)
        values = list(vars(module).values())
        values += [v for cls in values if isinstance(cls, type) for v in vars(cls).values()]
        for value in values:
            clear = None if isinstance(value, type) else getattr(value, "cache_clear", None)
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


def measure(
    label: str, kb: KnowledgeBase, queries: Sequence[Query], repeats: int = 1
) -> tuple[Latency, Matcher]:
    """Build a fresh matcher (timed), then run the queries twice: cold, then warm; ``repeats``
    times. The last matcher is returned for reuse (building one costs as much as many queries).
    """
    passes: list[tuple[float, list[float], list[float]]] = []
    for _ in range(max(repeats, 1)):
        clear_module_caches()
        gc.collect()
        start = time.perf_counter()
        matcher = Matcher(kb, cache_dir=DEFAULT_MODEL_CACHE)
        build_s = time.perf_counter() - start
        clear_module_caches()  # building may have normalised texts that queries would reuse
        gc.collect()
        cold = timed_pass(matcher.match, queries)
        warm = timed_pass(matcher.match, queries)
        passes.append((build_s, cold, warm))

    def median(figure: Callable[[tuple[float, list[float], list[float]]], float]) -> float:
        return statistics.median(figure(p) for p in passes)

    vocabulary = getattr(matcher, "vocabulary", None)
    result = Latency(
        label=label,
        queries=len(queries),
        repeats=len(passes),
        build_s=median(lambda p: p[0]),
        cold_p50=median(lambda p: percentile(p[1], 50)),
        cold_p99=median(lambda p: percentile(p[1], 99)),
        cold_max=median(lambda p: max(p[1], default=0.0)),
        warm_p50=median(lambda p: percentile(p[2], 50)),
        warm_p99=median(lambda p: percentile(p[2], 99)),
        warm_max=median(lambda p: max(p[2], default=0.0)),
        vocabulary=len(vocabulary) if vocabulary is not None else None,
    )
    return result, matcher
