"""Tune the matcher's per-language thresholds by k-fold cross-validation on the knowledge base.

The public evaluation set (tests/eval) is never looked at here: it stays an honest test. Instead
each fold hides a fifth of the knowledge base's own question variants (and out-of-scope examples),
builds the index without them and asks them as if a resident had typed them. Usage:

    python tools/tune_thresholds.py            # prints the table and a THRESHOLDS dict to paste
"""

from __future__ import annotations

import dataclasses
import sys
from collections import defaultdict
from itertools import product
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge import HUMAN_ID, KnowledgeBase, load_knowledge
from bot.language import LANGUAGES
from bot.matching import Matcher, Thresholds, decide

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


def utility(samples: list[tuple[list[tuple[str, float]], bool, list[str], str, str]],
            limits: Thresholds) -> float:  # fmt: skip
    total = 0.0
    for ranked, emergency, emergency_ids, lang, expect in samples:
        d = decide(ranked, emergency, emergency_ids, lang, limits)
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


def main() -> None:
    kb = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    by_lang: dict[str, list[tuple[list[tuple[str, float]], bool, list[str], str, str]]] = (
        defaultdict(list)
    )
    for fold in range(FOLDS):
        fold_kb, held = split(kb, fold)
        matcher = Matcher(fold_kb)
        for text, lang, expect in held:
            ranked = matcher.score(text)
            emergency = bool(matcher.emergency_ids) and matcher._emergency(text)
            by_lang[lang].append((ranked, emergency, matcher.emergency_ids, lang, expect))
    grid = list(
        product(
            [x / 100 for x in range(40, 80, 2)],  # answer
            [x / 100 for x in range(0, 32, 2)],  # margin
            [x / 100 for x in range(12, 50, 3)],  # clarify
        )
    )
    chosen: dict[str, Thresholds] = {}
    for lang in LANGUAGES:
        samples = by_lang[lang]
        best = max(
            ((utility(samples, Thresholds(a, c, m)), a, m, c) for a, m, c in grid if c < a),
        )
        chosen[lang] = Thresholds(answer=best[1], clarify=best[3], margin=best[2])
        default = utility(samples, Thresholds())
        print(f"{lang}: n={len(samples)} utility {default:.1f} -> {best[0]:.1f}", chosen[lang])
    print("\nTUNED = {")
    for lang, t in chosen.items():
        values = f"answer={t.answer}, clarify={t.clarify}, margin={t.margin}"
        print(f'    "{lang}": Thresholds({values}),')
    print("}")


if __name__ == "__main__":
    main()
