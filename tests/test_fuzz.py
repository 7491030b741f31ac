"""Property-based tests for hostile input, beyond the ones beside each module.

Already covered elsewhere (not repeated here): normalisation of short arbitrary text
(test_normalize), language detection of short text (test_language), arbitrary YAML text
(test_knowledge), message splitting (test_render), ``cb.parse`` on arbitrary short strings and
near misses (test_escalation). Added here: huge inputs, control characters, right-to-left and
invisible marks, lone surrogates (JSON can carry them), the matcher and the reply-language rule,
structurally malformed and corrupted YAML, and callback data built from every valid shape. Every
example count is bounded so that CI time stays predictable.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assistant import Brain, build
from bot.conversation import reply_language
from bot.errors import KnowledgeError
from bot.language import LANGUAGES, detect
from bot.normalize import MAX_INPUT_CHARS, normalize
from bot.telegram import callbacks as cb
from bot.validation import load_knowledge
from tests.conftest import CONTACT, WriteKB, entry_yaml

FIXTURE_KB = Path(__file__).resolve().parent / "fixtures" / "kb"
# Characters that break naive text handling: controls, bidi and invisible marks, combining marks,
# lone surrogates, private use, and a few scripts the bot supports.
HOSTILE = st.one_of(
    st.sampled_from(
        list("\x00\x07\x08\x0b\x0c\x1b\x7f\u0085\u00ad\u061c\u200b\u200c\u200d\u200e\u200f")
        + list("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\ufffd\ufffe")
        + ["\ud800", "\udfff", "\U0001f600", "\U000e0001", "\u0301", "\u0651", "ـ"]
    ),
    st.characters(categories=["Cc", "Cf", "Cs", "Co", "Mn", "Zs", "Zl", "Zp"]),
    st.characters(min_codepoint=0x400, max_codepoint=0x6FF),
    st.characters(codec="utf-8"),
)
TEXT = st.text(HOSTILE, max_size=200)
# Huge inputs: a short hostile pattern repeated to tens of thousands of characters.
HUGE = st.builds(lambda s, n: (s or "x") * n, st.text(HOSTILE, max_size=30), st.integers(1, 4000))
LANG_OR_NONE = st.sampled_from([None, "", "zz", "pt-BR", "uk-UA", *LANGUAGES])
FAST = settings(max_examples=120, deadline=None)


@pytest.fixture(scope="module")
def brain() -> Brain:
    return build(FIXTURE_KB)


@FAST
@given(st.one_of(TEXT, HUGE))
def test_normalize_hostile_and_huge_input(text: str) -> None:
    once = normalize(text)
    # The input is cut to MAX_INPUT_CHARS; compatibility decomposition may then expand it
    # (¼ → "1 4", ﷺ → 18 characters), so the output is bounded by a small multiple.
    assert isinstance(once, str) and len(once) <= 18 * MAX_INPUT_CHARS
    if len(once) <= MAX_INPUT_CHARS:  # else a second pass cuts the expanded text again
        assert normalize(once) == once
    assert not any(ch in once for ch in "\x00\u200e\u200f\u202e\u2066\ufeff")


@FAST
@given(st.one_of(TEXT, HUGE), LANG_OR_NONE, LANG_OR_NONE)
def test_language_detection_and_reply_language_never_fail(
    text: str, chosen: str | None, client: str | None
) -> None:
    assert detect(text, chosen) in LANGUAGES
    assert reply_language(text, chosen, client) in (None, *LANGUAGES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, HUGE), LANG_OR_NONE, LANG_OR_NONE)
def test_matcher_gives_a_normal_decision_for_anything(
    brain: Brain, text: str, lang: str | None, hint: str | None
) -> None:
    started = time.perf_counter()
    decision = brain.matcher.match(text, lang=lang, hint=hint)
    elapsed = time.perf_counter() - started
    assert decision.decision in ("answer", "clarify", "escalate")
    assert decision.lang in LANGUAGES
    known = set(brain.kb.entries) | {f"event:{e}" for e in brain.kb.events}
    assert set(decision.candidates) <= known
    assert decision.entry is None or decision.entry in known
    assert math.isfinite(decision.score)
    assert elapsed < 2.0  # huge input is cut, not matched character by character


# ------------------------------------------------------------------------------- YAML

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT,
    st.dates(), st.sampled_from(["registration", "de", "amt", "reviewed", "08:00-12:00"]),
)  # fmt: skip
KEYS = st.one_of(
    st.sampled_from(["id", "category", "text", "de", "en", "questions", "answer", "contacts",
                     "title", "status", "entries", "hours", "keywords", "checked", "sources"]),
    TEXT.filter(bool),
)  # fmt: skip
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def _loads_or_reports(root: Path) -> None:
    try:
        load_knowledge(root)
    except KnowledgeError as exc:
        assert exc.problems and all(p.file for p in exc.problems)
        assert all(p.line >= 1 and p.message for p in exc.problems)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(["entries", "contacts", "events", "out_of_scope"]),
                       DOCUMENTS, min_size=1, max_size=2))  # fmt: skip
def test_well_formed_yaml_of_the_wrong_shape_gives_problems(
    write_kb: WriteKB, document: dict[str, object]
) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    _loads_or_reports(write_kb({"contacts.yaml": CONTACT, "entries/fuzz.yaml": text}))


GOOD = "entries:\n" + entry_yaml(
    "registration", ["Wo melde ich mich an?"], ["Where do I register?"], contacts="amt"
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, len(GOOD)), st.integers(0, 8), TEXT), max_size=4))
def test_a_corrupted_entry_file_gives_problems_never_a_crash(
    write_kb: WriteKB, edits: list[tuple[int, int, str]]
) -> None:
    text = GOOD
    for position, cut, insert in edits:  # delete ``cut`` characters, insert junk
        text = text[:position] + insert + text[position + cut :]
    try:
        path = write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": text})
    except UnicodeEncodeError:  # a lone surrogate cannot even be written as UTF-8
        return
    _loads_or_reports(path)


def test_undecodable_yaml_bytes_give_a_problem(write_kb: WriteKB) -> None:
    root = write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": GOOD})
    (root / "entries" / "b.yaml").write_bytes(b"entries:\n  - id: \xff\xfe\x00broken\n")
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(root)
    assert any(p.file.endswith("b.yaml") for p in info.value.problems)


# ------------------------------------------------------------------------- callback data

ENTRY_ID = st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True)
NUMBER = st.integers(1, 10**12 - 1)
LANG = st.sampled_from(LANGUAGES)
VALID = st.one_of(
    st.builds(cb.SetLanguage, LANG),
    st.builds(cb.ShowEntry, ENTRY_ID, LANG),
    st.builds(cb.ShowEntry, ENTRY_ID.map(lambda e: "event:" + e), LANG),
    st.builds(cb.ShowDetails, ENTRY_ID, LANG),
    st.builds(
        cb.Rate, st.booleans(), ENTRY_ID, LANG, st.from_regex(r"[0-9a-f]{4}", fullmatch=True)
    ),
    st.builds(cb.ShowTopic, st.sampled_from(cb.MAIN_TOPICS)),
    st.builds(cb.ShowMenu, st.sampled_from(cb.MENUS)),
    st.builds(cb.Consent, st.booleans(), NUMBER),
    st.builds(cb.NoneOfThese, NUMBER),
    st.builds(cb.AddToTicket, NUMBER),
    st.builds(cb.Forget, st.booleans()),
    st.just(cb.AskPerson()),
)


@FAST
@given(VALID)
def test_every_valid_callback_round_trips_within_64_bytes(callback: cb.Callback) -> None:
    data = callback.data()
    assert data.startswith(cb.VERSION + "|") and len(data.encode()) <= cb.MAX_BYTES
    assert cb.parse(data) == callback


@FAST
@given(VALID, st.sampled_from(["v0", "v2", "V1", ""]), TEXT)
def test_other_versions_and_tampering_are_refused(
    callback: cb.Callback, version: str, junk: str
) -> None:
    data = callback.data()
    assert cb.parse(version + data.removeprefix(cb.VERSION)) is None
    tampered = data + junk
    assert cb.parse(tampered) is None or tampered == data or cb.parse(tampered) != callback


@FAST
@given(st.one_of(TEXT, HUGE, st.binary(max_size=100), st.integers(), st.none()))
def test_parse_takes_anything(data: object) -> None:
    assert cb.parse(data) is None or isinstance(data, str)
