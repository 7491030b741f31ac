"""Smoke test of the benchmarks: every piece runs on a small scale and yields a sane table.

Timings are never asserted (they depend on the machine); only that the figures exist, are
finite and land in the expected columns, so that ``python -m benchmarks`` cannot rot.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from benchmarks import accuracy, latency, synthetic, throughput
from benchmarks.queries import build_queries, typo
from benchmarks.results import COLUMNS, Row, percentile, render_text
from benchmarks.run import Mode, collect, markdown
from bot.assistant import Brain
from bot.config import DEFAULT_KNOWLEDGE
from bot.evaluation import load_samples

SMOKE = Mode(
    "smoke", scale=2, typo_variants=1, load_runs=1, startup_runs=1, updates=20, chats=10,
    sample_step=25, warm_up=False, distinct_questions=50,
)  # fmt: skip


def test_percentile_interpolates() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert math.isnan(percentile([], 50))


def test_queries_are_distinct_and_typos_change_text() -> None:
    import random

    samples = load_samples()[::20]
    queries = build_queries(samples, variants=2)
    assert len({q.text for q in queries}) == len(queries)
    assert len(queries) > 2 * len(samples)
    assert typo("Wohnungsgeberbestätigung", random.Random(1)) != "Wohnungsgeberbestätigung"


def test_synthetic_copies_are_reworded(tmp_path: Path, real_brain: Brain) -> None:
    # Loading it through the validator is part of test_collect_yields_the_full_table.
    syn = synthetic.generate(DEFAULT_KNOWLEDGE, tmp_path / "kb", scale=2)
    assert syn.entries == 2 * len(real_brain.kb.entries)
    assert syn.words > syn.real_words  # reworded, not identical copies
    copy = yaml.safe_load((syn.directory / "synthetic" / "copy-001.yaml").read_text("utf-8"))
    assert len(copy["entries"]) == len(real_brain.kb.entries)
    assert all(e["id"].endswith("-x1") for e in copy["entries"])
    assert not any(e.get("emergency") for e in copy["entries"])  # one emergency page per city


def test_latency_and_accuracy_on_a_few_questions(real_brain: Brain) -> None:
    samples = load_samples()[::25]
    result, _ = latency.measure("real", real_brain.kb, build_queries(samples, variants=1))
    for value in (result.cold_p50, result.cold_p99, result.warm_p50, result.warm_p99):
        assert math.isfinite(value) and value > 0
    acc = accuracy.measure(real_brain.kb, samples, real_brain.matcher)
    assert acc.bot["all"].in_scope == acc.naive["all"].in_scope > 0
    assert [row[0] for row in accuracy.per_language(acc)][-1] == "all"


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # subprocess pipes of the start-up runs
def test_collect_yields_the_full_table() -> None:
    report = collect(SMOKE, progress=lambda message: None)
    header = render_text(report.rows).splitlines()[0].split()
    assert header == list(COLUMNS)
    names = [row.name for row in report.rows]
    for expected in (
        "match p99, real KB, cold",
        "match p99, real KB, warm",
        "match p99, 2× KB, warm",
        "top-1 in-scope, bot",
        "top-1 in-scope, naive",
        "harmful answers avoided vs naive",
        "KB load + validation, real",
        "index build, real",
        "start-up `run_bot.py ask hallo`",
        "peak RSS, bot answering",
        "peak RSS, after many different questions",
        "throughput, fake Bot API",
    ):
        assert expected in names
    for row in report.rows:
        assert isinstance(row, Row)
        if row.value is None:
            assert row.note.startswith("not available: ")  # never a made-up number
        else:
            assert math.isfinite(row.value), row
    # Once the Telegram wiring exists, a missing throughput figure is a bug, not "not ready".
    if throughput.unavailable_reason() is None:
        row = next(r for r in report.rows if r.name == "throughput, fake Bot API")
        assert row.value is not None and row.value > 0, row.note
    text = markdown(report)
    assert "## Machine" in text and "| benchmark | value |" in text


def test_a_cold_start_empties_the_character_tables_too() -> None:
    from bot import language, normalize

    normalize.normalize("Grüße aus Dessau-Roßlau")
    language.detect("Grüße aus Dessau-Roßlau")
    assert normalize._MARKS and language._SCRIPT_OF
    latency.clear_module_caches()
    assert not normalize._MARKS and not language._SCRIPT_OF


def test_answer_lengths_table_covers_every_language(real_brain: Brain) -> None:
    from benchmarks import answers
    from bot.language import LANGUAGES

    rows = answers.table(real_brain.kb)
    assert [row[0] for row in rows] == [*LANGUAGES, "all"]
    assert all(len(row) == len(answers.COLUMNS) for row in rows)
    assert "## Answer lengths" in "\n".join(answers.section(real_brain.kb))
