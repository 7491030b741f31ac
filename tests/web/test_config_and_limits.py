"""The web chat's settings, rate limiter, client address rule and conversation state."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.dialogue import Consent, Conversation, More, NoneOfThese, Pending, Person, Show
from bot.errors import ConfigError
from bot.web.chat import new_session_token, token_hash, valid_email
from bot.web.limits import RateLimiter, client_address, networks
from bot.web.state import AddToTicket, EventsNow, Forget, Rate, WebState


def test_web_settings_defaults_and_values() -> None:
    settings = load_settings({}, dotenv=None)
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", None)
    assert settings.web_allowed_origins == () and settings.web_trusted_proxies == ()
    settings = load_settings(
        {
            "WEB_PORT": "8081", "WEB_HOST": "0.0.0.0",
            "WEB_ALLOWED_ORIGINS": "https://www.dessau-rosslau.de, http://localhost:8000",
            "WEB_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        },
        dotenv=None,
    )  # fmt: skip
    assert settings.web_port == 8081 and settings.web_host == "0.0.0.0"
    assert settings.web_allowed_origins == (
        "https://www.dessau-rosslau.de", "http://localhost:8000",
    )  # fmt: skip
    assert settings.web_trusted_proxies == ("127.0.0.1", "10.0.0.0/8")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_PORT", "0"), ("WEB_PORT", "http"), ("WEB_PORT", "70000"),
        ("WEB_ALLOWED_ORIGINS", "https://city.de/path"), ("WEB_ALLOWED_ORIGINS", "*"),
        ("WEB_ALLOWED_ORIGINS", "city.de"), ("WEB_TRUSTED_PROXIES", "proxy.local"),
    ],
)  # fmt: skip
def test_bad_web_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value}, dotenv=None)


def test_web_port_must_differ_from_the_webhook_port() -> None:
    webhook = {"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET": "s" * 20}
    with pytest.raises(ConfigError, match="WEB_PORT and WEBHOOK_PORT"):
        load_settings({**webhook, "WEB_PORT": "8080"}, dotenv=None)
    assert load_settings({**webhook, "WEB_PORT": "8081"}, dotenv=None).web_port == 8081


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
