"""Finding the ask inside a story (bot.focus), alone and inside the matcher on the real
knowledge base."""

from __future__ import annotations

import numpy as np
import pytest

from bot import focus
from bot.matching import Matcher, is_long
from bot.normalize import normalize
from tests.conftest import Brain


def test_the_sentence_with_a_question_mark_asks() -> None:
    text = (
        "Wir bekommen Bürgergeld und das Jobcenter zahlt die Miete. "
        "Wo melde ich meine Tochter für die Kita an?"
    )
    assert focus.asks(text) == [normalize("Wo melde ich meine Tochter für die Kita an")]


@pytest.mark.parametrize(
    ("text", "ask"),
    [
        # Arabic question mark; the story before it has question words of its own ("شو").
        (
            "وصلنا على دساو من شهر وشو بدنا نعمل بالأوراق كلها. وين بسجل ابني بالمدرسة؟",
            "وين بسجل ابني بالمدرسة",
        ),
        # "что" in the story is a conjunction; only the marked sentence asks.
        (
            "Муж говорит, что Jobcenter всё оплатит. Где записаться на курсы немецкого языка?",
            "Где записаться на курсы немецкого языка",
        ),
    ],
)
def test_only_marked_sentences_ask_when_there_are_any(text: str, ask: str) -> None:
    assert focus.asks(text) == [normalize(ask)]


def test_without_a_question_mark_a_question_word_finds_the_ask() -> None:
    text = (
        "Ich bin seit zwei Wochen in Dessau und wohne bei meinem Bruder. "
        "wie bekomme ich einen termin beim bürgeramt"
    )
    assert focus.asks(text) == [normalize("wie bekomme ich einen termin beim bürgeramt")]


def test_without_any_cue_the_last_sentence_asks() -> None:
    text = (
        "Mój syn ma pięć lat i mieszkamy w Roßlau od marca. "
        "Szukam miejsca w przedszkolu dla niego od września"
    )
    assert focus.asks(text) == [normalize("Szukam miejsca w przedszkolu dla niego od września")]


@pytest.mark.parametrize(
    "text",
    [
        "Wo kann ich mich nach dem Umzug anmelden?",  # one sentence: nothing to set apart
        "Wo ist das Bürgeramt? Wann hat es offen?",  # every sentence asks
        # The ask names no topic ("Где это?"): the story does, and counts fully.
        "Нам сказали срочно сделать Anmeldung, жена беременна. Где это?",
    ],
)
def test_no_story_to_set_apart(text: str) -> None:
    assert focus.asks(text) == []


def test_focus_lowers_the_story_not_the_ask() -> None:
    whole = np.array([0.2, 0.1, -1.0])
    story = [np.array([0.9, -0.5, -1.0])]  # the story's own topic, class 0
    ask = [np.array([-0.4, 0.7, -1.0])]  # the asked topic, class 1
    values = focus.focus(whole, story, ask, discount=0.5)
    assert values.tolist() == pytest.approx([0.4, 0.7, -1.0])
    assert int(np.argmax(values)) == 1
    assert whole.tolist() == [0.2, 0.1, -1.0]  # the caller's array is left alone


def _reset(matcher: Matcher, discount: float) -> None:
    matcher.story_discount = discount
    matcher._model_values.cache_clear()
    matcher._probabilities.cache_clear()


def test_the_asked_topic_wins_over_the_story(real_brain: Brain) -> None:
    """The story's strong "Bürgergeld"/"Jobcenter" no longer outweighs the asked topic: the
    doctor the person asks for gains on the Jobcenter they only mention."""
    matcher = real_brain.matcher
    text = (
        "My husband gets Bürgergeld from the Jobcenter. "
        "How do I find a family doctor who speaks English?"
    )
    try:
        _reset(matcher, 0.0)
        before = dict(matcher.score(text, 10))
        _reset(matcher, focus.STORY_DISCOUNT)
        after = dict(matcher.score(text, 10))
        decision = matcher.match(text)
    finally:
        _reset(matcher, focus.STORY_DISCOUNT)
    assert after["jobcenter"] - after["doctors"] < before["jobcenter"] - before["doctors"]
    assert "doctors" in decision.candidates


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        (
            "Wir bekommen Bürgergeld und mein Mann arbeitet nachts. "
            "Wo kann ich meine Tochter für einen Kita-Platz anmelden?",
            "childcare",
        ),
        (
            "Мы получаем Bürgergeld, муж работает. "
            "Где можно найти семейного врача, который говорит по-русски?",
            "doctors",
        ),
        (
            "Bin neu hier, der Bus ist immer voll. "
            "Wo bekomme ich einen Termin beim Bürgeramt für den Personalausweis?",
            "citizens-office",
        ),
    ],
)
def test_a_story_answers_what_is_asked(real_brain: Brain, text: str, expect: str) -> None:
    assert is_long(text)
    decision = real_brain.matcher.match(text)
    assert (decision.decision, decision.entry) == ("answer", expect)


@pytest.mark.parametrize(
    "text",
    [
        "Kita Platz gesucht. Was kostet das?",
        "reisepass verloren, was tun",
        "Hallo! Wo melde ich mich an?",
        "We get Bürgergeld. Where is the Jobcenter?",
    ],
)
def test_a_short_message_is_scored_as_before(real_brain: Brain, text: str) -> None:
    matcher = real_brain.matcher
    assert not is_long(text)
    try:
        _reset(matcher, 0.0)
        before = (matcher.score(text, 10), matcher.match(text))
        _reset(matcher, focus.STORY_DISCOUNT)
        after = (matcher.score(text, 10), matcher.match(text))
    finally:
        _reset(matcher, focus.STORY_DISCOUNT)
    assert after == before
