"""Choose the matcher's decision thresholds on the development set (benchmarks/devset).

The development set holds realistic messages (stories before the question, indirect wording,
keyword queries, typos, transliteration, near-domain questions the bot must not answer, requests
for a person) written from the topic list alone, without looking at the knowledge base. The
public evaluation set (tests/eval) is never looked at here: it stays an honest test. Rows whose
expected entry is not in the knowledge base (yet) are left out.

Every message is scored once per blend (the learned model's weight and temperature); then a
coordinate search over the thresholds maximises what the decisions are worth to residents
(``WORTH``), under the issue's limits on wrong answers and answered out-of-scope questions.
Messages of more than ``LONG_WORDS`` words get a set of thresholds of their own (``_TUNED_LONG``),
searched on those messages alone: a story scores lower than a short question.
Usage:

    python tools/tune_thresholds.py            # prints the table and the values to paste
    python tools/tune_thresholds.py --devset DIR
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evaluation import DEV_DIR, Sample, known, load_samples
from bot.matching import Decision, Matcher, Thresholds, decide, is_long

# What a decision is worth to a resident: a wrong direct answer costs far more than a question
# back; an answer with the right entry among its alternatives is still worth something.
WORTH = {
    "right": 1.0,
    "wrong-with-alternative": -2.0,  # answered another entry, the right one offered below it
    "clarify-right": 0.5,
    "escalate-related-right": 0.2,  # escalated, the right topic offered next to it
    "escalate-related-wrong": -0.1,  # escalated with topics that are not what was asked
    "wrong": -4.0,
    "oos-answered": -3.0,
    "oos-clarified": -1.5,  # a menu of unrelated topics instead of "I don't know this yet"
    "oos-escalated": 0.5,
    "oos-escalated-with-topics": 0.3,  # unrelated topics offered with "I don't know this"
    "human-escalated": 1.0,
    "human-missed": -1.0,
}
# The ceilings (wrong direct answers, out-of-scope answered) by kind of message, kept
# with some room: ≤ 2 % / ≤ 5 % for short messages, ≤ 3 % / ≤ 10 % for long ones.
CEILINGS = {"short": (0.015, 0.04), "long": (0.025, 0.08)}
GRID: dict[str, tuple[float, ...]] = {
    "answer": tuple(round(0.3 + 0.02 * i, 2) for i in range(26)),
    "margin": tuple(round(0.02 * i, 2) for i in range(21)),
    "probable": tuple(round(0.14 + 0.02 * i, 2) for i in range(22)),
    "close": tuple(round(0.025 * i, 3) for i in range(17)),
    "clarify": tuple(round(0.1 + 0.02 * i, 2) for i in range(16)),
    "related": tuple(round(0.1 + 0.02 * i, 2) for i in range(16)),
    "support": (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3),
    "human": tuple(round(0.15 + 0.03 * i, 2) for i in range(15)),
}
# (model weight for short messages, for long ones, temperature)
BLENDS = ((0.5, 0.5, 3.0), (0.5, 0.6, 3.0), (0.4, 0.5, 3.0))


@dataclass(frozen=True, slots=True)
class Case:
    sample: Sample
    ranked: list[tuple[str, float]]
    urgent: tuple[str, ...]  # the entries urgent help answers with, before any scoring
    support: dict[str, float] | None


def cases(matcher: Matcher, samples: Sequence[Sample]) -> list[Case]:
    found = []
    for s in samples:
        ranked = matcher.score(s.text)
        urgent = matcher.urgent_entries(s.text)
        found.append(Case(s, ranked, urgent, matcher.support(s.text, ranked)))
    return found


@dataclass(slots=True)
class Outcome:
    worth: float = 0.0
    in_scope: Counter[str] = field(default_factory=Counter)  # by kind ("short", "long")
    right: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    oos: Counter[str] = field(default_factory=Counter)
    oos_answered: Counter[str] = field(default_factory=Counter)

    def excess(self) -> float:
        """How far the ceilings are exceeded (0 when all hold), in questions."""
        over = 0.0
        for kind, (wrong, oos) in CEILINGS.items():
            over += max(0.0, self.wrong[kind] - wrong * self.in_scope[kind])
            over += max(0.0, self.oos_answered[kind] - oos * self.oos[kind])
        return over


def evaluate(found: Sequence[Case], limits: Thresholds) -> Outcome:
    out = Outcome()
    for case in found:
        expect, kind = case.sample.expect, case.sample.kind
        lang = case.sample.lang
        d = (
            Decision("answer", case.urgent[0], case.urgent, 1.0, lang, "emergency")
            if case.urgent
            else decide(case.ranked, lang, limits, case.support)
        )
        if expect in ("escalate", "human"):
            out.oos[kind] += expect == "escalate"
            if expect == "human":
                key = "human-escalated" if d.reason == "human" else "human-missed"
            elif d.decision == "answer":
                key = "oos-answered"
                out.oos_answered[kind] += 1
            else:
                key = "oos-clarified" if d.decision == "clarify" else "oos-escalated"
                if key == "oos-escalated" and d.candidates:
                    key = "oos-escalated-with-topics"
            out.worth += WORTH[key]
            continue
        out.in_scope[kind] += 1
        if d.decision == "answer":
            if d.entry == expect:
                out.right[kind] += 1
                out.worth += WORTH["right"]
            else:
                out.wrong[kind] += 1
                out.worth += WORTH["wrong-with-alternative" if expect in d.candidates else "wrong"]
        elif d.decision == "clarify" and expect in d.candidates:
            out.worth += WORTH["clarify-right"]
        elif d.decision == "escalate" and d.candidates[:1] == (expect,):
            out.worth += WORTH["escalate-related-right"]
        elif d.decision == "escalate" and d.candidates:
            out.worth += WORTH["escalate-related-wrong"]
    return out


def _objective(outcome: Outcome) -> float:
    # Infeasible points are worse than any feasible one, and the less so the nearer they are.
    excess = outcome.excess()
    return outcome.worth - (1000.0 + 10 * excess if excess else 0.0)


# Coordinate search finds a local optimum: it starts from these points and keeps the best.
STARTS = (
    Thresholds(),
    Thresholds(answer=0.5, margin=0.1, probable=0.25, close=0.1, clarify=0.2, related=0.2),
    Thresholds(answer=0.4, margin=0.2, probable=0.2, close=0.05, clarify=0.16, related=0.25),
)


def search(found: Sequence[Case]) -> tuple[Thresholds, Outcome]:
    """The best of the coordinate searches from ``STARTS``."""
    results = [_coordinate_search(found, start) for start in STARTS]
    return max(results, key=lambda result: _objective(result[1]))


def _coordinate_search(found: Sequence[Case], start: Thresholds) -> tuple[Thresholds, Outcome]:
    """Coordinate search over ``GRID``: each threshold in turn moves to its best value, until
    nothing improves. Among equally good values the middle one is taken (a plateau's centre
    moves less with small content changes than its edge)."""
    best = start
    best_out = evaluate(found, best)
    for _round in range(6):
        improved = False
        for name, values in GRID.items():
            scored = []
            for value in values:
                candidate = dataclasses.replace(best, **{name: value})
                outcome = evaluate(found, candidate)
                scored.append((_objective(outcome), value, outcome))
            top = max(score for score, _, _ in scored)
            plateau = [(value, outcome) for score, value, outcome in scored if score == top]
            value, outcome = plateau[len(plateau) // 2]
            if getattr(best, name) != value:
                improved = True
                best = dataclasses.replace(best, **{name: value})
                best_out = outcome
        if not improved:
            break
    return best, best_out


def describe(outcome: Outcome) -> str:
    parts = [f"worth {outcome.worth:.1f}"]
    for kind in ("short", "long"):
        parts.append(
            f"{kind}: right {outcome.right[kind]}/{outcome.in_scope[kind]}, "
            f"wrong {outcome.wrong[kind]}, "
            f"oos answered {outcome.oos_answered[kind]}/{outcome.oos[kind]}"
        )
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=DEV_DIR, help="folder of *.jsonl files")
    parser.add_argument("--knowledge", type=Path, default=None, help="knowledge folder")
    args = parser.parse_args(argv)

    from bot.config import DEFAULT_KNOWLEDGE, DEFAULT_MODEL_CACHE
    from bot.validation import load_knowledge

    kb = load_knowledge(args.knowledge or DEFAULT_KNOWLEDGE)
    samples = known(load_samples(args.devset), kb)
    if not samples:
        print(f"no usable samples in {args.devset}", file=sys.stderr)
        return 1
    matcher = Matcher(kb, cache_dir=DEFAULT_MODEL_CACHE)
    results = []
    for weight, weight_long, temperature in BLENDS:
        matcher.model_weight, matcher.model_weight_long = weight, weight_long
        matcher.temperature = temperature
        found = cases(matcher, samples)
        # Short and long messages are decided with thresholds of their own, split as the
        # matcher splits them: each set is searched on its own messages.
        score, chosen = 0.0, {}
        for name, long in (("_TUNED", False), ("_TUNED_LONG", True)):
            chosen[name], outcome = search([c for c in found if is_long(c.sample.text) == long])
            score += _objective(outcome)
            print(f"blend {weight} / {weight_long}, temperature {temperature}, {name}: "
                  f"{describe(outcome)}")  # fmt: skip
        results.append((score, (weight, weight_long, temperature), chosen))
    _score, (weight, weight_long, temperature), chosen = max(results, key=lambda r: r[0])
    print(f"\n{len(samples)} development samples; chosen:")
    print(f"MODEL_WEIGHT = {weight}\nMODEL_WEIGHT_LONG = {weight_long}")
    print(f"TEMPERATURE = {temperature}")
    for name, limits in chosen.items():
        values = ", ".join(
            f"{f.name}={getattr(limits, f.name)}" for f in dataclasses.fields(limits)
        )
        print(f"{name} = Thresholds({values})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
