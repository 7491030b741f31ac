"""Accuracy on the public evaluation set (tests/eval), side by side with a naive baseline.

The baseline is the obvious approach, run in the same process on the same knowledge base:
``rapidfuzz.process.extractOne`` with ``fuzz.WRatio`` and ``utils.default_process`` over every
question variant of every language, cutoff 70; it answers with the entry of the best variant,
else escalates. Nothing here is tuned: both run with their defaults, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.evaluation import Sample, Tally, evaluate, known
from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES
from bot.matching import Decision, Matcher

NAIVE_CUTOFF = 70


class NaiveMatcher:
    """``extractOne`` over all question variants of all languages (the baseline of issue 9)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.variants: list[str] = []
        self.entry_of: list[str] = []
        for entry in kb.entries.values():
            for text in entry.texts.values():
                for question in text.questions:
                    self.variants.append(question)
                    self.entry_of.append(entry.id)

    def match(self, text: str, lang: str | None = None) -> Decision:
        found = process.extractOne(
            text,
            self.variants,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=NAIVE_CUTOFF,
        )
        used = lang or "de"
        if found is None:
            return Decision("escalate", None, (), 0.0, used, "naive: below cutoff")
        _variant, score, index = found
        entry = self.entry_of[index]
        return Decision("answer", entry, (entry,), score / 100, used, "naive")


@dataclass(frozen=True, slots=True)
class Accuracy:
    bot: dict[str, Tally]
    naive: dict[str, Tally]
    naive_ms: list[float]  # milliseconds per naive look-up, timed during its evaluation

    @property
    def languages(self) -> list[str]:
        return [lang for lang in [*LANGUAGES, "all"] if lang in self.bot]


def measure(
    kb: KnowledgeBase, samples: Sequence[Sample], matcher: Matcher | None = None
) -> Accuracy:
    """Both matchers on the same samples; the language is detected, never given (harder case)."""
    matcher = matcher or Matcher(kb)
    naive = NaiveMatcher(kb)
    timings: list[float] = []

    def timed_naive(text: str, lang: str | None) -> Decision:
        # Timed here rather than in a second pass: the baseline is slow, CI time is not.
        start = time.perf_counter_ns()
        decision = naive.match(text, lang)
        timings.append((time.perf_counter_ns() - start) / 1e6)
        return decision

    return Accuracy(
        bot=evaluate(samples, matcher.match, give_lang=False),
        naive=evaluate(samples, timed_naive, give_lang=False),
        naive_ms=timings,
    )


def harmful(t: Tally) -> int:
    """Confident answers a resident is hurt by: a wrong entry, or an answer to out-of-scope."""
    return t.answered_wrong + t.oos_answered


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf") if a else 1.0


def reduction(bot: float, naive: float) -> float:
    """Share of the baseline's errors that the bot avoids (1.0 = all, negative = more errors)."""
    return 1 - bot / naive if naive else 0.0


PER_LANGUAGE_COLUMNS: tuple[str, ...] = (
    "lang",
    "in-scope",
    "top-1 bot",
    "top-1 naive",
    "wrong bot",
    "wrong naive",
    "oos",
    "oos answered bot",
    "oos answered naive",
)


def per_language(acc: Accuracy) -> list[tuple[str, ...]]:
    """One row per language (and "all"): rates, with counts for the error columns."""
    rows = []
    for lang in acc.languages:
        b, n = acc.bot[lang], acc.naive[lang]
        rows.append(
            (
                lang,
                str(b.in_scope),
                f"{b.top1_rate:.1%}",
                f"{n.top1_rate:.1%}",
                f"{b.wrong_rate:.1%} ({b.answered_wrong})",
                f"{n.wrong_rate:.1%} ({n.answered_wrong})",
                str(b.out_of_scope),
                f"{b.oos_answer_rate:.1%} ({b.oos_answered})",
                f"{n.oos_answer_rate:.1%} ({n.oos_answered})",
            )
        )
    return rows


def text_table(acc: Accuracy) -> str:
    rows = [PER_LANGUAGE_COLUMNS, *per_language(acc)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(PER_LANGUAGE_COLUMNS))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    )


# ----------------------------------------------------------------------------- issue 13 table

# (name, short target, long target, value of a tally, higher is better)
ISSUE_METRICS: tuple[tuple[str, float, float, Callable[[Tally], float], bool], ...] = (
    ("answered directly and right", 0.93, 0.70, lambda t: t.right_rate, True),
    ("right entry first", 0.98, 0.92, lambda t: t.top1_rate, True),
    ("wrong direct answers", 0.02, 0.03, lambda t: t.wrong_rate, False),
    ("out-of-scope answered", 0.05, 0.10, lambda t: t.oos_answer_rate, False),
    ("requests for a person escalated", 0.95, 0.95, lambda t: t.human_rate, True),
    ("language right (no client hint)", 0.97, 0.95, lambda t: t.lang_rate, True),
)


@dataclass(frozen=True, slots=True)
class SetResult:
    name: str
    kind: str  # "short" or "long": which column of the issue's targets applies
    tally: Tally


def issue_sets(
    matcher: Matcher, public: Sequence[Sample], dev: Sequence[Sample]
) -> list[SetResult]:
    """The public set (short typical questions) and the development set by kind; the language
    is detected, never given. Development rows whose entry is not in the knowledge base are
    left out (see ``known``)."""
    results = [SetResult("tests/eval (public, short)", "short", _tally(matcher, public))]
    usable = known(dev, matcher.kb)
    for kind in ("short", "long"):
        part = [s for s in usable if s.kind == kind]
        if part:
            results.append(SetResult(f"devset {kind}", kind, _tally(matcher, part)))
    return results


def _tally(matcher: Matcher, samples: Sequence[Sample]) -> Tally:
    return evaluate(samples, matcher.match, give_lang=False).get("all", Tally())


def issue_rows(results: Sequence[SetResult]) -> list[tuple[str, ...]]:
    """One row per set: n, then each metric with its target and ✓/✗."""
    rows = []
    for r in results:
        t = r.tally
        cells = [r.name, f"{t.in_scope}+{t.out_of_scope}+{t.human}"]
        for _name, short, long, value, higher in ISSUE_METRICS:
            target = short if r.kind == "short" else long
            v = value(t)
            ok = v >= target if higher else v <= target
            sign = "≥" if higher else "≤"
            cells.append(f"{v:.1%} ({sign} {target:.0%}) {'✓' if ok else '✗'}")
        rows.append(tuple(cells))
    return rows


ISSUE_COLUMNS: tuple[str, ...] = (
    "set",
    "n (in-scope+oos+person)",
    *(name for name, *_ in ISSUE_METRICS),
)


def issue_text(results: Sequence[SetResult]) -> str:
    rows = [ISSUE_COLUMNS, *issue_rows(results)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(ISSUE_COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
