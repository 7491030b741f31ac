"""The threshold tuner counts decisions as defined, keeps the ceilings, and --help is cheap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.assistant import Brain
from bot.evaluation import Sample, known, load_samples
from bot.matching import Decision, Thresholds, decide
from tools.tune_thresholds import CEILINGS, cases, evaluate, search

ROOT = Path(__file__).resolve().parent.parent


def _samples(brain: Brain) -> list[Sample]:
    """Knowledge-base questions with a story before them, and out-of-scope examples: not a
    development set, only material with known answers for the tuner's mechanics."""
    found = []
    for entry in list(brain.kb.entries.values())[::4]:
        for lang, text in entry.texts.items():
            for question in text.questions[:2]:
                found.append(Sample(question, lang, entry.id, "short"))
                story = f"Hallo. Wir sind neu hier. {question}"
                found.append(Sample(story, lang, entry.id, "long"))
    for group in brain.kb.out_of_scope.values():
        expect = "human" if group.id == "human" else "escalate"
        for lang, questions in group.questions.items():
            found += [Sample(q, lang, expect) for q in questions[:2]]
    return found


def test_evaluate_counts_what_decide_decides(real_brain: Brain) -> None:
    matcher = real_brain.matcher
    found = cases(matcher, _samples(real_brain))
    limits = Thresholds()
    outcome = evaluate(found, limits)
    right = wrong = 0
    for case in found:
        d = decide(case.ranked, "de", limits, case.support)
        if case.urgent:  # urgent help is answered before any scoring
            d = Decision("answer", case.urgent[0], case.urgent, 1.0, "de", "emergency")
        if case.sample.expect not in ("escalate", "human") and d.decision == "answer":
            right += d.entry == case.sample.expect
            wrong += d.entry != case.sample.expect
    assert (outcome.right.total(), outcome.wrong.total()) == (right, wrong)
    in_scope = sum(s.sample.expect not in ("escalate", "human") for s in found)
    assert outcome.in_scope.total() == in_scope


def test_search_keeps_the_ceilings(real_brain: Brain) -> None:
    matcher = real_brain.matcher
    found = cases(matcher, _samples(real_brain))
    chosen, outcome = search(found)
    assert outcome.excess() == 0
    for kind, (wrong, oos) in CEILINGS.items():
        assert outcome.wrong[kind] <= wrong * outcome.in_scope[kind]
        assert outcome.oos_answered[kind] <= oos * outcome.oos[kind]
    assert outcome.right.total() > outcome.in_scope.total() / 2
    assert isinstance(chosen, Thresholds)


def test_rows_for_entries_not_yet_written_are_left_out(real_brain: Brain, tmp_path: Path) -> None:
    rows = [
        {"text": "wo melde ich mich an", "lang": "de", "expect": "registration", "kind": "short"},
        {"text": "mein hund ist krank", "lang": "de", "expect": "no-such-entry", "kind": "short"},
        {"text": "wie wird das wetter", "lang": "de", "expect": "escalate", "kind": "long"},
    ]
    (tmp_path / "de.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    kept = known(load_samples(tmp_path), real_brain.kb)
    assert [s.expect for s in kept] == ["registration", "escalate"]
    assert [s.kind for s in kept] == ["short", "long"]


def test_help_does_not_tune() -> None:
    done = subprocess.run(
        [sys.executable, "tools/tune_thresholds.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "--devset" in done.stdout
