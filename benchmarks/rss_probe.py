"""Run in a subprocess by footprint.py: what the bot process holds while it answers questions.

It imports what the running bot imports (the command line and, if present, the Telegram wiring),
loads the knowledge base, answers and renders every evaluation question twice, and prints one
JSON line with its peak resident memory. With ``--distinct N`` it then answers N generated
questions that are all different (words of the knowledge base, some misspelt), as months of
traffic would, and reports the peak again: the caches must stay bounded. A separate process, so
that the benchmark's own data (the synthetic knowledge base) is not counted.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import resource
import time
from pathlib import Path

from benchmarks.queries import typo


def peak_rss_mib() -> float:
    """The process's high-water mark of resident memory (VmHWM; ru_maxrss where missing)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> int:
    import bot.cli  # noqa: F401 - the running bot imports it
    from bot.assistant import Assistant
    from bot.config import DEFAULT_KNOWLEDGE
    from bot.evaluation import load_samples
    from bot.render import HTML

    try:  # the Telegram stack is part of the running bot, when it is there
        importlib.import_module("bot.telegram.app")
        telegram = True
    except ImportError:
        importlib.import_module("telegram.ext")
        telegram = False
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rss_probe")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE)
    parser.add_argument("--step", type=int, default=1, help="every n-th evaluation question")
    parser.add_argument("--distinct", type=int, default=0, help="then N generated questions")
    args = parser.parse_args()
    assistant = Assistant.from_directory(args.knowledge)
    samples = load_samples()[:: args.step]
    start = time.perf_counter()
    answered = 0
    for _ in range(2):
        for sample in samples:
            decision = assistant.match(sample.text)
            target = decision.entry or (decision.candidates[0] if decision.candidates else None)
            if target:
                assistant.render(target, decision.lang, HTML)
                answered += 1
    evaluation_peak = peak_rss_mib()
    rng = random.Random(20261126)
    words = assistant.matcher.vocabulary
    for _ in range(args.distinct):
        question = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
        assistant.match(typo(question, rng) if rng.random() < 0.5 else question)
    print(
        json.dumps(
            {
                "peak_rss_mib": evaluation_peak,
                "distinct_peak_rss_mib": peak_rss_mib(),
                "distinct": args.distinct,
                "questions": 2 * len(samples),
                "rendered": answered,
                "seconds": time.perf_counter() - start,
                "telegram_app": telegram,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
