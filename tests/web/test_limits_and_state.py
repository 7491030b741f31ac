"""The web chat's rate limiter, client address rule and conversation state (its settings are
tested in tests/test_config.py)."""

from __future__ import annotations

import pytest

from bot.dialogue import Consent, Conversation, More, NoneOfThese, Pending, Person, Show
from bot.web.chat import new_session_token, token_hash, valid_email
from bot.web.limits import RateLimiter, client_address, networks
from bot.web.state import AddToTicket, EventsNow, Forget, Rate, WebState


def test_rate_limiter_refuses_over_the_burst_and_refills() -> None:
    now = [100.0]
    limiter = RateLimiter(per_second=1.0, burst=3)
    limiter._clock = lambda: now[0]
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another key is not affected
    now[0] += 1.0
    assert limiter.allow("a") and not limiter.allow("a")
    assert limiter.retry_after("a") > 0


def test_client_address_believes_only_trusted_proxies() -> None:
    trusted = networks(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", "203.0.113.9", trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", "198.51.100.7, 203.0.113.9, 10.1.2.3", trusted) == (
        "203.0.113.9"
    )
    assert client_address("198.51.100.1", "203.0.113.9", trusted) == "198.51.100.1"  # not a proxy
    assert client_address("127.0.0.1", "not-an-address", trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", None, trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"


def test_session_tokens_are_random_and_only_hashed() -> None:
    tokens = {new_session_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) == 32 for t in tokens)
    token = tokens.pop()
    assert token not in token_hash(token) and len(token_hash(token)) == 64


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("olena@example.net", True), ("a.b+c@mail.dessau-rosslau.de", True),
        ("no-address", False), ("a@b", False), ("a b@example.net", False),
        ("<x>@example.net", False), ("x@example.net\nBcc: y@example.net", False),
        ("x" * 250 + "@example.net", False), ("", False),
    ],
)  # fmt: skip
def test_email_validation(address: str, valid: bool) -> None:
    assert valid_email(address) is valid


def test_state_round_trips_through_json() -> None:
    talk = Conversation(
        lang="uk", menu=(Show("childcare", "uk"), More("childcare", "uk"), Person()),
        pending=Pending(3, "питання", "uk", ("a", "b"), (0.5, 0.25)),
        last_question=Pending(2, "ще", "uk"), machine_note_shown=True, next_offer=4,
    )  # fmt: skip
    state = WebState(talk=talk, awaiting_ticket=7, awaiting_question=True, last_entry="kita")
    actions = [
        Show("x", "de"), More("x", "de"), Person(), NoneOfThese(3), Consent(True, 3),
        Rate("x", "de", False), EventsNow(), Forget(True), AddToTicket(7),
    ]  # fmt: skip
    tokens = [state.token(a) for a in actions]
    again = WebState.from_json(state.to_json())
    assert again.talk == talk
    assert (again.awaiting_ticket, again.awaiting_question, again.last_entry) == (7, True, "kita")
    assert [again.action(t) for t in tokens] == actions
    assert again.action("forged-token") is None


def test_old_tokens_expire() -> None:
    state = WebState()
    first = state.token(EventsNow())
    for _ in range(100):
        state.token(EventsNow())
    assert state.action(first) is None and len(state.actions) <= 40
