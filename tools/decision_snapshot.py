"""Every decision the domain makes for a fixed set of messages, as JSON lines, to compare two
versions of the code: ``python tools/decision_snapshot.py OUT.jsonl``, then ``diff`` two files.

A speed-up of matching, language detection or normalisation must not change a single answer.
The messages are the development set, the public evaluation questions and the benchmark's typo
versions of them; for each the script records the matcher's decision (with and without a client
hint, and with a known language), the reply language the conversation rule picks, and the time
window an event question names. Scores are written in full precision (repr), so even a change in
the last bit shows. Only equality is checked: nothing here is tuned on tests/eval.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.queries import build_queries  # noqa: E402
from bot.config import DEFAULT_KNOWLEDGE, DEFAULT_MODEL_CACHE  # noqa: E402
from bot.conversation import reply_language  # noqa: E402
from bot.evaluation import DEV_DIR, EVAL_DIR, load_samples  # noqa: E402
from bot.events import time_window  # noqa: E402
from bot.matching import Decision, Matcher  # noqa: E402
from bot.validation import load_knowledge  # noqa: E402


def _decision(decision: Decision) -> dict[str, object]:
    return {
        **decision.as_json(),
        "reason": decision.reason,
        "exact": repr(decision.score),
        "scores": [repr(s) for s in decision.scores],
    }


def messages() -> list[tuple[str, str]]:
    """(text, language) of every development and evaluation line plus the benchmark queries."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    samples = [*load_samples(DEV_DIR), *load_samples(EVAL_DIR)]
    queries = [(q.text, q.lang) for q in build_queries(variants=3)]
    for text, lang in [*((s.text, s.lang) for s in samples), *queries]:
        if text not in seen:
            seen.add(text)
            out.append((text, lang))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/decision_snapshot.py")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    matcher = Matcher(load_knowledge(DEFAULT_KNOWLEDGE), cache_dir=DEFAULT_MODEL_CACHE)
    with args.out.open("w", encoding="utf-8") as out:
        for text, lang in messages():
            row = {
                "text": text,
                "detected": _decision(matcher.match(text)),
                "hinted": _decision(matcher.match(text, hint=lang)),
                "known": _decision(matcher.match(text, lang=lang)),
                "language": matcher.detect_language(text, lang),
                "reply_lang": [
                    reply_language(text, None, lang),
                    reply_language(text, None, "de"),
                    reply_language(text, "en", None, "ru"),
                ],
                "window": time_window(text),
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
