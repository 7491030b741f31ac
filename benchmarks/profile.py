"""Where matching time goes: ``python -m benchmarks.profile [--scale N] [--warm] [--top K]``.

Runs the benchmark queries through a fresh matcher under cProfile (on the real knowledge base,
or on a synthetic one ``--scale`` times larger) and prints the functions with the most own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.latency import clear_module_caches, timed_pass
from benchmarks.queries import build_queries
from benchmarks.synthetic import generate
from bot.config import DEFAULT_KNOWLEDGE, DEFAULT_MODEL_CACHE
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.validation import load_knowledge


def profile(kb: KnowledgeBase, variants: int, warm: bool, top: int) -> str:
    queries = build_queries(variants=variants)
    clear_module_caches()
    matcher = Matcher(kb, cache_dir=DEFAULT_MODEL_CACHE)
    clear_module_caches()
    if warm:
        timed_pass(matcher.match, queries)
    profiler = cProfile.Profile()
    profiler.enable()
    timed_pass(matcher.match, queries)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return f"{len(queries)} queries, {'warm' if warm else 'cold'} pass\n{out.getvalue()}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("--scale", type=int, default=1, help="synthetic KB this many times larger")
    parser.add_argument("--warm", action="store_true", help="profile the second pass")
    parser.add_argument("--variants", type=int, default=2, help="typo versions per question")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if args.scale <= 1:
        print(profile(load_knowledge(DEFAULT_KNOWLEDGE), args.variants, args.warm, args.top))
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp:
        syn = generate(DEFAULT_KNOWLEDGE, Path(tmp) / "knowledge", args.scale)
        kb = load_knowledge(syn.directory)
        print(profile(kb, args.variants, args.warm, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
