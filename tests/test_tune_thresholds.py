"""The threshold tuner: its vectorised utility is the definition's, and it picks a sane point."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from bot.assistant import Brain
from bot.matching import Thresholds
from tools.tune_thresholds import ANSWER, CLARIFY, MARGIN, Features, choose, utility


def samples(brain: Brain) -> list:  # type: ignore[type-arg]
    """Questions of the knowledge base (and out-of-scope examples), some with a typo."""
    matcher, rng = brain.matcher, random.Random(5)
    found = []
    for entry in list(brain.kb.entries.values())[::3]:
        for lang, text in entry.texts.items():
            for question in text.questions[:2]:
                cut = rng.randrange(1, len(question))
                for asked in (question, question[:cut] + question[cut + 1 :]):
                    ranked = matcher.score(asked)
                    found.append((ranked, matcher.urgent_entries(asked), lang, entry.id))
    for group in brain.kb.out_of_scope.values():
        expect = "human" if group.id == "human" else "escalate"
        for lang, questions in group.questions.items():
            for question in questions[:2]:
                ranked = matcher.score(question)
                found.append((ranked, matcher.urgent_entries(question), lang, expect))
    return found


def test_vectorised_utility_is_the_definition(real_brain: Brain) -> None:
    data = samples(real_brain)
    features = Features(data)
    rng = random.Random(9)
    triples = [(rng.choice(ANSWER), rng.choice(MARGIN), rng.choice(CLARIFY)) for _ in range(40)]
    triples += [(0.44, 0.14, 0.21), (0.4, 0.0, 0.12), (0.78, 0.3, 0.48)]
    got = features.utilities(*(np.array(column) for column in zip(*triples, strict=True)))
    for (a, m, c), value in zip(triples, got, strict=True):
        expected = utility(data, Thresholds(answer=float(a), clarify=float(c), margin=float(m)))
        assert value == np.float64(expected) or abs(value - expected) < 1e-9, (a, m, c)


def test_the_chosen_point_is_on_the_grid_and_asks_back_below_answering(real_brain: Brain) -> None:
    chosen, value, peak = choose(Features(samples(real_brain)))
    assert chosen.clarify < chosen.answer
    assert chosen.answer in np.round(ANSWER, 2) and chosen.margin in np.round(MARGIN, 2)
    assert value <= peak


def test_help_prints_the_usage_and_does_not_tune() -> None:
    done = subprocess.run(
        [sys.executable, "tools/tune_thresholds.py", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0
    assert "usage:" in done.stdout and "cross-validation" in done.stdout
    assert "TUNED" not in done.stdout  # the tuning did not run
