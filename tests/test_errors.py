"""The error model: one summary, every problem located, sorted by place."""

from __future__ import annotations

from bot.errors import (
    BotError,
    ConfigError,
    EventImportError,
    ImportRefused,
    KnowledgeError,
    Problem,
    StoreError,
    TranslationImportError,
    UsageError,
)


def test_a_problem_names_its_place_as_its_source_allows() -> None:
    assert str(Problem("knowledge/a.yaml", 3, "entries.x.id", "use a-z")) == (
        "knowledge/a.yaml:3: entries.x.id: use a-z"
    )
    assert str(Problem("knowledge/a.yaml", 1, "", "not YAML")) == "knowledge/a.yaml:1: not YAML"
    assert str(Problem.row(7, "placeholder {name} is missing")) == (
        "row 7: placeholder {name} is missing"
    )
    assert str(Problem.general("no translations in the file")) == "no translations in the file"


def test_problems_are_sorted_by_place_and_the_whole_input_comes_first() -> None:
    later = Problem("knowledge/b.yaml", 2, "", "b")
    earlier = Problem("knowledge/a.yaml", 9, "", "a")
    knowledge = KnowledgeError([later, earlier])
    assert knowledge.problems == (earlier, later)
    assert str(knowledge) == "2 problem(s) in the knowledge base"
    assert knowledge.report() == "knowledge/a.yaml:9: a\nknowledge/b.yaml:2: b"
    refused = EventImportError.because(
        "the knowledge base has problems; fix them first:", knowledge
    )
    assert refused.report().splitlines() == [
        "the knowledge base has problems; fix them first:",
        "knowledge/a.yaml:9: a",
        "knowledge/b.yaml:2: b",
    ]
    rows = TranslationImportError([Problem.row(9, "z"), Problem.row(2, "y"), Problem.row(2, "x")])
    assert [str(e) for e in rows.errors] == ["row 2: x", "row 2: y", "row 9: z"]
    assert str(rows) == "3 problem(s); nothing was written"


def test_every_error_is_a_bot_error() -> None:
    for kind in (UsageError, ConfigError, StoreError):
        error = kind("message")
        assert isinstance(error, BotError) and error.problems == () and error.report() == ""
    for imported in (EventImportError, TranslationImportError):
        assert issubclass(imported, ImportRefused) and issubclass(imported, BotError)
    assert issubclass(KnowledgeError, BotError)
