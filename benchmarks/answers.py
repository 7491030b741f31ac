"""Answer lengths on a phone: the first message of every answer, before and after issue 14.

    python -m benchmarks.answers    # prints the Markdown table that RESULTS.md carries

Lengths are characters of the plain-text rendering (the console's; Telegram's HTML adds tags,
not text) with the contact lines, at a fixed moment so that "open now" lines do not vary.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from bot.clock import BERLIN
from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES
from bot.render import PLAIN, render_entry
from bot.validation import FIRST_PART_LIMIT

MEASURED_AT = datetime(2026, 12, 8, 10, 0, tzinfo=BERLIN)  # a Tuesday morning: offices open

# Whole answers before issue 14 (commit cdca826, one message per answer, 36 entries), measured
# the same way: (median, max) per language and over all 360 answers.
BEFORE: dict[str, tuple[float, int]] = {
    "de": (2228.5, 3187), "en": (2298.0, 3295), "uk": (2252.0, 3276), "ru": (2266.5, 3278),
    "ar": (2107.5, 3238), "fa": (2123.5, 3257), "tr": (2211.5, 3244), "ro": (2347.5, 3364),
    "pl": (2291.5, 3331), "vi": (2244.0, 3192), "all": (2231.5, 3364),
}  # fmt: skip

COLUMNS: tuple[str, ...] = (
    "lang", "before: median", "before: max", "first part: median", "first part: max",
    f"first parts over {FIRST_PART_LIMIT}", "first + details: median",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Lengths:
    lang: str
    first: list[int]
    whole: list[int]  # first part + details part, what a reader gets after "More"

    def over(self) -> list[int]:
        return [n for n in self.first if n > FIRST_PART_LIMIT]


def measure(kb: KnowledgeBase) -> list[Lengths]:
    """Per language and over all languages ("all" last)."""
    rows = []
    every_first: list[int] = []
    every_whole: list[int] = []
    for lang in LANGUAGES:
        first, whole = [], []
        for entry in kb.entries.values():
            one = len(render_entry(entry, kb, lang, MEASURED_AT, PLAIN, "first"))
            more = entry.text(lang)[1].details is not None
            rest = len(render_entry(entry, kb, lang, MEASURED_AT, PLAIN, "details")) if more else 0
            first.append(one)
            whole.append(one + rest)
        rows.append(Lengths(lang, first, whole))
        every_first += first
        every_whole += whole
    rows.append(Lengths("all", every_first, every_whole))
    return rows


def table(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    out = []
    for row in measure(kb):
        before = BEFORE.get(row.lang)
        out.append(
            (
                row.lang,
                f"{before[0]:,.0f}" if before else "",
                f"{before[1]:,}" if before else "",
                f"{statistics.median(row.first):,.0f}",
                f"{max(row.first):,}",
                f"{len(row.over())} of {len(row.first)}",
                f"{statistics.median(row.whole):,.0f}",
            )
        )
    return out


def section(kb: KnowledgeBase) -> list[str]:
    from benchmarks.results import render_markdown

    return [
        "## Answer lengths (issue 14: the next step first)",
        "",
        f"Characters of the first message of each answer ({len(kb.entries)} entries × "
        f"{len(LANGUAGES)} languages), plain text with its contact lines, at "
        f"{MEASURED_AT:%Y-%m-%d %H:%M} Berlin time; the aim is at most {FIRST_PART_LIMIT}. "
        "'Before' is the whole answer of the 36 entries of that time (one message each until "
        "issue 14); the entries added since are counted only after.",
        "",
        render_markdown(COLUMNS, table(kb)),
        "",
        *_over_limit(kb),
    ]


def _over_limit(kb: KnowledgeBase) -> list[str]:
    over: dict[str, int] = {}
    for entry in kb.entries.values():
        for lang in LANGUAGES:
            if len(render_entry(entry, kb, lang, MEASURED_AT, PLAIN, "first")) > FIRST_PART_LIMIT:
                over[entry.id] = over.get(entry.id, 0) + 1
    if not over:
        return []
    listed = ", ".join(f"{eid} ({n} languages)" for eid, n in sorted(over.items()))
    return [f"First parts over the limit: {listed}.", ""]


def main() -> int:
    from bot.config import DEFAULT_KNOWLEDGE
    from bot.validation import load_knowledge

    print("\n".join(section(load_knowledge(DEFAULT_KNOWLEDGE))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
