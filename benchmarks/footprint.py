"""Start-up and memory: knowledge-base load and index build, ``run_bot.py ask`` wall time, RSS."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.latency import clear_module_caches
from bot.config import DEFAULT_MODEL_CACHE
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher
from bot.validation import load_knowledge

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class LoadTimes:
    load_s: float  # read + validate the YAML (median)
    build_s: float  # build the matcher's index (median)
    runs: int
    kb: KnowledgeBase  # the last one loaded, for the other measurements


def load_and_build(directory: Path, runs: int) -> LoadTimes:
    if runs < 1:
        raise ValueError("runs must be at least 1")
    loads, builds = [], []
    kb: KnowledgeBase | None = None
    for _ in range(runs):
        clear_module_caches()  # a real start has empty caches
        start = time.perf_counter()
        kb = load_knowledge(directory)
        loaded = time.perf_counter()
        Matcher(kb, cache_dir=DEFAULT_MODEL_CACHE)
        builds.append(time.perf_counter() - loaded)
        loads.append(loaded - start)
    assert kb is not None  # for the type checker: the loop ran at least once
    return LoadTimes(statistics.median(loads), statistics.median(builds), runs, kb)


def _child_env() -> dict[str, str]:
    """The environment of a bot started by hand, minus a token (``ask`` never needs one)."""
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a deployed bot keeps its compiled bytecode
    return env


@dataclass(frozen=True, slots=True)
class Startup:
    median_s: float
    first_s: float  # the untimed warm-up run: bytecode compiled, files in the page cache
    runs: int


def startup(
    runs: int, question: str = "hallo", warm_up: bool = True, timeout: float = 60.0
) -> Startup:
    """Wall time of ``python run_bot.py ask QUESTION`` in a fresh process (median of ``runs``).

    The warm-up run (not counted) compiles bytecode and fills the page cache, as on a server
    that has started the bot before.
    """
    command = [sys.executable, "run_bot.py", "ask", question]
    times = []
    for _ in range(runs + warm_up):
        start = time.perf_counter()
        subprocess.run(
            command, cwd=ROOT, env=_child_env(), check=True, capture_output=True, timeout=timeout
        )
        times.append(time.perf_counter() - start)
    return Startup(statistics.median(times[warm_up:]), times[0], runs)


@dataclass(frozen=True, slots=True)
class Memory:
    peak_rss_mib: float
    questions: int
    telegram_app: bool
    distinct: int = 0  # generated questions asked afterwards ...
    distinct_peak_rss_mib: float = 0.0  # ... and the peak after them


def peak_rss(sample_step: int = 1, distinct: int = 0, timeout: float = 300.0) -> Memory:
    """Peak RSS of a bot process that loaded everything and answered the evaluation set twice,
    and after ``distinct`` generated questions, all different."""
    options = ["--step", str(sample_step), "--distinct", str(distinct)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.rss_probe", *options],
        cwd=ROOT,
        env=_child_env(),
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Memory(
        report["peak_rss_mib"],
        report["questions"],
        report["telegram_app"],
        report["distinct"],
        report["distinct_peak_rss_mib"],
    )
