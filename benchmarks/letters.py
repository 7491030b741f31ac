"""'What is this letter?' on generated phone photos of letters: accuracy, time and memory.

    python -m benchmarks.letters            # 120 letters, 12 kinds from 8 senders
    python -m benchmarks.letters --n 24     # fewer

Each letter is rendered by tests/letters/generator.py and photographed with random damage
(tilt, perspective, blur, shadow, JPEG quality 45-90, 3-12 megapixels), then read exactly as the
bot reads it (in-process Tesseract, one worker). "Wrong deadline" counts a deadline given that
is not the letter's; "not found" is not wrong. Times are per letter, file bytes to explanation
facts, on this machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import DEFAULT_KNOWLEDGE
from bot.letters import understand
from bot.letters.reading import Reader, find_engine
from bot.validation import load_knowledge
from tests.letters.generator import Damage, make

TODAY = date(2026, 12, 7)


@dataclass(slots=True)
class Tally:
    n: int = 0
    sender: int = 0
    entry: int = 0
    kind: int = 0
    deadlines: int = 0  # letters that have one
    deadline_right: int = 0
    deadline_wrong: int = 0
    amounts: int = 0
    amount_right: int = 0
    references: int = 0
    reference_right: int = 0
    appointments: int = 0
    appointment_right: int = 0


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:.1f} % ({a}/{b})" if b else "–"


def run(n: int, megapixels: float | None = None, verbose: bool = False) -> list[str]:
    engine, missing = find_engine()
    if engine is None:
        return [f"letters: skipped ({missing})"]
    kb = load_knowledge(DEFAULT_KNOWLEDGE)
    reader = Reader(engine, workers=1, timeout=60)
    tally = Tally()
    times: list[float] = []
    for seed in range(n):
        damage = None
        if megapixels is not None:
            damage = Damage(tilt=2.0, blur=0.6, shadow=0.3, quality=70, megapixels=megapixels)
        data, truth = make(seed, TODAY, damage)
        start = time.perf_counter()
        reading = understand(reader.read_sync(data), kb)
        times.append(time.perf_counter() - start)
        tally.n += 1
        tally.sender += reading.sender == truth.sender
        tally.entry += reading.entry == truth.entry
        tally.kind += reading.kind == truth.kind
        deadline = reading.facts.deadline.date if reading.facts.deadline else None
        if truth.deadline:
            tally.deadlines += 1
            tally.deadline_right += deadline == truth.deadline
        tally.deadline_wrong += deadline is not None and deadline != truth.deadline
        if truth.amount:
            tally.amounts += 1
            tally.amount_right += truth.amount in reading.facts.amounts
        tally.references += len(truth.references)
        tally.reference_right += sum(r in reading.facts.references for r in truth.references)
        if truth.appointment:
            tally.appointments += 1
            got = reading.facts.appointment
            tally.appointment_right += got is not None and (got.date, got.time) == truth.appointment
        if verbose and (reading.entry != truth.entry or deadline != truth.deadline):
            print(f"seed {seed}: {truth} -> {reading.as_json()}", file=sys.stderr)
    reader.close()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        f"letters read: {tally.n} (12 kinds, 8 senders, random phone-photo damage)",
        f"sender right: {pct(tally.sender, tally.n)}",
        f"entry right: {pct(tally.entry, tally.n)}",
        f"kind right: {pct(tally.kind, tally.n)}",
        f"deadline exactly right: {pct(tally.deadline_right, tally.deadlines)}",
        f"wrong deadline given: {pct(tally.deadline_wrong, tally.n)}",
        f"amount exactly right: {pct(tally.amount_right, tally.amounts)}",
        f"reference numbers exactly right: {pct(tally.reference_right, tally.references)}",
        f"appointment date and time right: {pct(tally.appointment_right, tally.appointments)}",
        f"time per letter: p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s",
        f"peak RSS: {peak:.0f} MiB",
    ]


def section(n: int) -> list[str]:
    """The Markdown section of benchmarks/RESULTS.md (issue 18)."""
    return [
        "## Photos of letters (issue 18)",
        "",
        *(f"- {line}" for line in run(n)),
        "- Targets: sender/entry right ≥ 95 %, deadline exactly right ≥ 95 %, amount exactly "
        "right ≥ 95 %, wrong deadline ≤ 1 %, p95 ≤ 5 s for a 12-megapixel photo.",
        "- The letters are generated (tests/letters/generator.py: 12 kinds from 8 senders, "
        "templates with random names, dates, amounts and numbers, photographed with random tilt, "
        "perspective, blur, shadow, JPEG quality and size). Real letters vary more in layout and "
        "wording than these templates, so these figures are an upper bound for real photos.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=120)
    parser.add_argument("--megapixels", type=float, help="every photo this size (default: mixed)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the misses")
    args = parser.parse_args()
    for line in run(args.n, args.megapixels, args.verbose):
        print(line)


if __name__ == "__main__":
    main()
