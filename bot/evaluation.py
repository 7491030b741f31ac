"""Measure matching quality on a labelled question set (tests/eval/*.jsonl).

Each line: ``{"text": ..., "lang": ..., "expect": <entry id> | "escalate" | "human"}``.
Metrics per language:
- top-1: in-scope questions whose best candidate is the expected entry (answered or offered first);
- answered right / wrong: in-scope questions answered directly, correctly or with a wrong entry;
- out-of-scope answered: "escalate" questions that got a direct answer (the dangerous case);
- human: requests for a person that were escalated.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES
from bot.matching import Decision, event_target

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "eval"
# Realistic messages written without looking at the knowledge base; thresholds are tuned on it.
DEV_DIR = Path(__file__).resolve().parent.parent / "benchmarks" / "devset"


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    lang: str
    expect: str
    kind: str = "short"  # the development set's "short" or "long" (tests/eval: all short)


@dataclass(slots=True)
class Tally:
    in_scope: int = 0
    top1: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    clarified: int = 0
    out_of_scope: int = 0
    oos_answered: int = 0
    human: int = 0
    human_escalated: int = 0
    total: int = 0
    lang_right: int = 0
    misses: list[tuple[Sample, Decision]] = field(default_factory=list)

    def add(self, sample: Sample, decision: Decision) -> None:
        best = decision.entry or (decision.candidates[0] if decision.candidates else None)
        self.total += 1
        self.lang_right += decision.lang == sample.lang
        if sample.expect == "escalate":
            self.out_of_scope += 1
            if decision.decision == "answer":
                self.oos_answered += 1
                self.misses.append((sample, decision))
        elif sample.expect == "human":
            self.human += 1
            if decision.decision == "escalate":
                self.human_escalated += 1
            else:
                self.misses.append((sample, decision))
        else:
            self.in_scope += 1
            if best == sample.expect:
                self.top1 += 1
            else:
                self.misses.append((sample, decision))
            if decision.decision == "answer":
                if decision.entry == sample.expect:
                    self.answered_right += 1
                else:
                    self.answered_wrong += 1
            elif decision.decision == "clarify":
                self.clarified += 1

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.in_scope if self.in_scope else 1.0

    @property
    def oos_answer_rate(self) -> float:
        return self.oos_answered / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def wrong_rate(self) -> float:
        return self.answered_wrong / self.in_scope if self.in_scope else 0.0

    @property
    def right_rate(self) -> float:
        return self.answered_right / self.in_scope if self.in_scope else 1.0

    @property
    def lang_rate(self) -> float:
        return self.lang_right / self.total if self.total else 1.0

    @property
    def human_rate(self) -> float:
        return self.human_escalated / self.human if self.human else 1.0


def load_samples(directory: Path = EVAL_DIR) -> list[Sample]:
    samples = []
    for path in sorted(directory.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                item = json.loads(raw)
                samples.append(
                    Sample(item["text"], item["lang"], item["expect"], item.get("kind", "short"))
                )
    return samples


def known(samples: Iterable[Sample], kb: KnowledgeBase) -> list[Sample]:
    """The samples whose expectation the knowledge base can meet: development rows may name
    entries that are still being written."""
    ids = set(kb.entries) | {event_target(e) for e in kb.events}
    return [s for s in samples if s.expect in ("escalate", "human") or s.expect in ids]


def evaluate(
    samples: Iterable[Sample], match: Callable[[str, str | None], Decision], *, give_lang: bool
) -> dict[str, Tally]:
    """Tally per language (and "all"); ``give_lang`` passes the label's language to the matcher."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for sample in samples:
        decision = match(sample.text, sample.lang if give_lang else None)
        tallies[sample.lang].add(sample, decision)
        tallies["all"].add(sample, decision)
    return dict(tallies)


def report(tallies: dict[str, Tally]) -> str:
    rows = [
        f"{'lang':<5}{'n':>5}{'top-1':>8}{'right':>8}{'wrong':>8}{'clarify':>9}"
        f"{'oos n':>7}{'oos ans':>9}{'human':>7}"
    ]
    for lang in [*LANGUAGES, "all"]:
        t = tallies.get(lang)
        if t is None:
            continue
        rows.append(
            f"{lang:<5}{t.in_scope:>5}{t.top1_rate:>8.1%}"
            f"{t.answered_right / max(t.in_scope, 1):>8.1%}{t.wrong_rate:>8.1%}"
            f"{t.clarified / max(t.in_scope, 1):>9.1%}{t.out_of_scope:>7}"
            f"{t.oos_answer_rate:>9.1%}{t.human_rate:>7.0%}"
        )
    return "\n".join(rows)
