"""Tune the matcher's per-language thresholds by k-fold cross-validation on the knowledge base.

The public evaluation set (tests/eval) is never looked at here: it stays an honest test. Instead
each fold hides a fifth of the knowledge base's own question variants (and out-of-scope examples),
builds the index without them and asks them as if a resident had typed them. Usage:

    python tools/tune_thresholds.py            # prints the table and a THRESHOLDS dict to paste
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import defaultdict
from pathlib import Path
from types import MappingProxyType

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge import HUMAN_ID, KnowledgeBase, load_knowledge
from bot.language import LANGUAGES
from bot.matching import Decision, Matcher, Thresholds, decide

FOLDS = 5
# What a decision is worth to a resident: a wrong confident answer costs far more than a question.
RIGHT, CLARIFY_RIGHT, WRONG, OOS_ANSWERED, OOS_CLARIFIED = 1.0, 0.5, -3.0, -3.0, -0.3


def split(kb: KnowledgeBase, fold: int) -> tuple[KnowledgeBase, list[tuple[str, str, str]]]:
    """The knowledge base without fold ``fold``'s questions, and those questions as samples."""
    held: list[tuple[str, str, str]] = []
    entries = {}
    for entry in kb.entries.values():
        texts = {}
        for lang, text in entry.texts.items():
            keep = [q for i, q in enumerate(text.questions) if i % FOLDS != fold]
            held += [(q, lang, entry.id) for i, q in enumerate(text.questions) if i % FOLDS == fold]
            texts[lang] = dataclasses.replace(text, questions=tuple(keep or text.questions[:1]))
        entries[entry.id] = dataclasses.replace(entry, texts=MappingProxyType(texts))
    groups = {}
    for group in kb.out_of_scope.values():
        label = "human" if group.id == HUMAN_ID else "escalate"
        questions = {}
        for lang, qs in group.questions.items():
            questions[lang] = tuple(q for i, q in enumerate(qs) if i % FOLDS != fold)
            held += [(q, lang, label) for i, q in enumerate(qs) if i % FOLDS == fold]
        groups[group.id] = dataclasses.replace(group, questions=MappingProxyType(questions))
    return (
        dataclasses.replace(
            kb, entries=MappingProxyType(entries), out_of_scope=MappingProxyType(groups)
        ),
        held,
    )


# (ranked targets, entries of an urgent situation (answered before scoring), language, expected)
Sample = tuple[list[tuple[str, float]], tuple[str, ...], str, str]


def utility(samples: list[Sample], limits: Thresholds) -> float:
    """What ``decide`` with ``limits`` is worth over ``samples`` (the definition)."""
    total = 0.0
    for ranked, urgent, lang, expect in samples:
        d = (
            Decision("answer", urgent[0], urgent, 1.0, lang, "emergency")
            if urgent
            else decide(ranked, lang, limits)
        )
        if expect in ("escalate", "human"):
            if d.decision == "answer":
                total += OOS_ANSWERED
            elif d.decision == "clarify":
                total += OOS_CLARIFIED
        elif d.decision == "answer":
            total += RIGHT if d.entry == expect else WRONG
        elif d.decision == "clarify" and expect in d.candidates:
            total += CLARIFY_RIGHT
    return total


class Features:
    """What ``decide`` looks at, per sample, as arrays: ``utilities`` then scores a whole grid
    of thresholds in numpy (seconds) instead of calling ``decide`` per sample and grid point."""

    def __init__(self, samples: list[Sample], human: float = Thresholds().human) -> None:
        n = len(samples)
        self.fixed = np.zeros(n)  # utility of a decision no threshold changes ...
        self.is_fixed = np.zeros(n, bool)  # ... (urgent, a person asked for, nothing to answer)
        self.oos_top = np.zeros(n, bool)  # an out-of-scope example ranks first
        self.top = np.zeros(n)
        self.best = np.zeros(n)  # best answerable score
        self.gap = np.zeros(n)  # ... minus the runner-up's
        self.oos = np.zeros(n, bool)  # the sample should be escalated
        self.right = np.zeros(n, bool)  # the best answerable target is the expected one
        self.expected = np.full(n, -np.inf)  # score of the expected entry among the first four
        for i, (ranked, urgent, _lang, expect) in enumerate(samples):
            self.oos[i] = expect in ("escalate", "human")
            answerable = [(t, s) for t, s in ranked if not t.startswith("!")]
            if urgent:
                self.is_fixed[i] = True
                self.fixed[i] = (
                    OOS_ANSWERED if self.oos[i] else RIGHT if urgent[0] == expect else WRONG
                )
                continue
            if not ranked or not answerable or (ranked[0][0] == "!human" and ranked[0][1] >= human):
                self.is_fixed[i] = True  # escalated whatever the thresholds: worth 0
                continue
            self.top[i] = ranked[0][1]
            self.oos_top[i] = ranked[0][0].startswith("!")
            best_id, self.best[i] = answerable[0]
            self.gap[i] = self.best[i] - max((s for t, s in ranked if t != best_id), default=0.0)
            self.right[i] = best_id == expect
            self.expected[i] = next((s for t, s in answerable[:4] if t == expect), -np.inf)

    def utilities(self, answer: np.ndarray, margin: np.ndarray, clarify: np.ndarray) -> np.ndarray:
        """Total utility for each (answer, margin, clarify) triple of equal-length arrays."""
        worth_answer = np.where(self.oos, OOS_ANSWERED, np.where(self.right, RIGHT, WRONG))
        totals = []
        for start in range(0, len(answer), 256):  # grid × samples arrays of modest size
            a, m, c = (x[start : start + 256, None] for x in (answer, margin, clarify))
            open_ = ~self.is_fixed & ~(self.oos_top & (self.top >= c))
            answered = open_ & (self.best >= a) & (self.gap >= m)
            clarified = open_ & ~answered & (self.best >= c)
            in_list = self.expected >= np.maximum(0.7 * c, self.best - 0.2)
            worth_clarify = np.where(self.oos, OOS_CLARIFIED, in_list * CLARIFY_RIGHT)
            value = np.where(self.is_fixed, self.fixed, 0.0)
            value = value + answered * worth_answer + clarified * worth_clarify
            totals.append(value.sum(axis=-1))
        return np.concatenate(totals)


ANSWER = np.arange(40, 80, 2) / 100
MARGIN = np.arange(0, 32, 2) / 100
CLARIFY = np.arange(12, 50, 3) / 100


def choose(features: Features) -> tuple[Thresholds, float, float]:
    """The grid point whose neighbourhood is best on average, its utility and the grid's best.

    The utility surface is flat and ragged: the single best point moves with any small change
    of the knowledge base. The mean over each point and its grid neighbours (one step in every
    direction) picks the middle of a good region instead, which stays put.
    """
    a, m, c = np.meshgrid(ANSWER, MARGIN, CLARIFY, indexing="ij")
    values = features.utilities(a.ravel(), m.ravel(), c.ravel()).reshape(a.shape)
    values[c >= a] = np.nan  # asking back above the answer threshold makes no sense
    padded = np.pad(values, 1, constant_values=np.nan)
    shifts = [
        padded[1 + i : 1 + i + values.shape[0], 1 + j : 1 + j + values.shape[1],
               1 + k : 1 + k + values.shape[2]]
        for i in (-1, 0, 1) for j in (-1, 0, 1) for k in (-1, 0, 1)
    ]  # fmt: skip
    stacked = np.stack(shifts)
    counted = (~np.isnan(stacked)).sum(axis=0)
    mean = np.nansum(stacked, axis=0) / np.maximum(counted, 1)
    smoothed = np.where(np.isnan(values) | (counted == 0), np.nan, mean)
    i, j, k = np.unravel_index(np.nanargmax(smoothed), values.shape)
    chosen = Thresholds(
        answer=round(float(ANSWER[i]), 2),
        clarify=round(float(CLARIFY[k]), 2),
        margin=round(float(MARGIN[j]), 2),
    )
    return chosen, float(values[i, j, k]), float(np.nanmax(values))


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        description="Tune the matcher's per-language thresholds by 5-fold cross-validation on "
        "the knowledge base's own questions (never on tests/eval); prints a table and a "
        "THRESHOLDS dict to paste into bot/matching.py. Takes a few minutes."
    ).parse_args(argv)
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    by_lang: dict[str, list[Sample]] = defaultdict(list)
    for fold in range(FOLDS):
        fold_kb, held = split(kb, fold)
        matcher = Matcher(fold_kb)
        for text, lang, expect in held:
            ranked = matcher.score(text)
            by_lang[lang].append((ranked, matcher.urgent_entries(text), lang, expect))
    chosen: dict[str, Thresholds] = {}
    for lang in LANGUAGES:
        samples = by_lang[lang]
        chosen[lang], value, peak = choose(Features(samples))
        default = utility(samples, Thresholds())
        print(
            f"{lang}: n={len(samples)} utility {default:.1f} -> {value:.1f} (grid best {peak:.1f})",
            chosen[lang],
        )
    print("\nTUNED = {")
    for lang, t in chosen.items():
        values = f"answer={t.answer}, clarify={t.clarify}, margin={t.margin}"
        print(f'    "{lang}": Thresholds({values}),')
    print("}")


if __name__ == "__main__":
    main()
