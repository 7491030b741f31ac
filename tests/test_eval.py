"""Matching quality on the public evaluation set (tests/eval), with floors that must hold.

The set was written independently of the knowledge base; never edit a failing line to make this
pass — add knowledge (question variants) or improve the matcher. Floors (issue 4):
- top-1 on in-scope questions ≥ 95 % overall (stated goal) — enforced floor below, per language too;
- out-of-scope questions answered ≤ 5 %;
- requests for a person escalated ≥ 90 %;
- confident wrong answers ≤ 3 % of in-scope questions.
Issue 13 raised them to what the learned model reaches, and added: answered directly and right
≥ 93 %, language right without a client hint ≥ 97 %.

Issue 14 added fifteen topics and, appended to the files, 300 questions about them written before
the entries existed. The floors above hold for the established topics as before; the new topics
have floors of their own, set just below what they reached when they were added (top-1 88.7 %,
answered right 79.0 %, wrong 2.3 %), so that they can only rise towards the others'. Raised after
story variants written from the development set (benchmarks/devset, never from this set) and a
class-balanced model: measured 94.0 % / 87.3 % / 2.3 %; floors 91 % / 84 %, ceiling 3 % as before.
Raised again after question variants written from the entries (not from any test or development
set), keywords in other scripts and new decoy groups: measured 95.3 % / 89.0 % / 2.0 %; floors
93 % / 86 %. They are not yet the established topics' floors (96 % / 93 %).
"""

from __future__ import annotations

import pytest

from bot.assistant import Brain
from bot.evaluation import Tally, evaluate, load_samples, report
from bot.language import LANGUAGES

TOP1_FLOOR = 0.96
TOP1_FLOOR_PER_LANGUAGE = 0.9
OOS_ANSWERED_CEILING = 0.05
WRONG_CEILING = 0.025
HUMAN_FLOOR = 0.95
# Issue 13: answered directly (not a menu) and right; the language detected without a hint.
ANSWERED_RIGHT_FLOOR = 0.93
LANGUAGE_FLOOR = 0.97
# Issue 14's fifteen topics (see the docstring).
NEW_TOPICS = frozenset(
    "domestic-violence pregnancy mental-health asylum family-reunification work-rights "
    "phone-internet debt-counselling insurance dog deregistration food-bank discrimination "
    "renting-rules interpreters".split()
)
NEW_TOP1_FLOOR = 0.93
NEW_ANSWERED_RIGHT_FLOOR = 0.86
NEW_WRONG_CEILING = 0.03


def _tallies(real_brain: Brain, new: bool) -> dict[str, Tally]:
    samples = [s for s in load_samples() if (s.expect in NEW_TOPICS) == new]
    assert {s.lang for s in samples} == set(LANGUAGES)
    # The language is detected, as for a resident whose client sends no hint.
    result = evaluate(samples, lambda text, lang: real_brain.matcher.match(text), give_lang=False)
    print("\n" + report(result))  # shown with pytest -s, and in the failure message below
    return result


@pytest.fixture(scope="module")
def tallies(real_brain: Brain) -> dict[str, Tally]:
    """The established topics, out-of-scope questions and requests for a person."""
    return _tallies(real_brain, new=False)


@pytest.fixture(scope="module")
def new_topics(real_brain: Brain) -> dict[str, Tally]:
    return _tallies(real_brain, new=True)


def test_new_topics_are_found_and_rarely_wrong(new_topics: dict[str, Tally]) -> None:
    overall = new_topics["all"]
    assert overall.in_scope >= 15 * 2 * len(LANGUAGES), report(new_topics)
    assert overall.top1_rate >= NEW_TOP1_FLOOR, report(new_topics)
    assert overall.right_rate >= NEW_ANSWERED_RIGHT_FLOOR, report(new_topics)
    assert overall.wrong_rate <= NEW_WRONG_CEILING, report(new_topics)


def test_every_language_has_enough_questions(tallies: dict[str, Tally]) -> None:
    for lang in LANGUAGES:
        assert tallies[lang].in_scope >= 30, lang
        assert tallies[lang].out_of_scope >= 5, lang


def test_top1_accuracy(tallies: dict[str, Tally]) -> None:
    overall = tallies["all"]
    assert overall.top1_rate >= TOP1_FLOOR, report(tallies)
    weak = {lang: round(tallies[lang].top1_rate, 3) for lang in LANGUAGES
            if tallies[lang].top1_rate < TOP1_FLOOR_PER_LANGUAGE}  # fmt: skip
    assert not weak, report(tallies)


def test_out_of_scope_is_rarely_answered(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].oos_answer_rate <= OOS_ANSWERED_CEILING, report(tallies)


def test_few_confident_wrong_answers(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].wrong_rate <= WRONG_CEILING, report(tallies)


def test_requests_for_a_person_escalate(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].human_rate >= HUMAN_FLOOR, report(tallies)


def test_most_questions_are_answered_directly_and_right(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].right_rate >= ANSWERED_RIGHT_FLOOR, report(tallies)


def test_language_is_detected_without_a_hint(tallies: dict[str, Tally]) -> None:
    assert tallies["all"].lang_rate >= LANGUAGE_FLOOR, report(tallies)
