"""The dialogue: decisions (constructed here, C1) → typed replies, menus, language, footer.

Decision quality is the matcher's; these tests script the matcher's decisions on the fixture
knowledge base and check what the dialogue makes of them.
"""

from __future__ import annotations

import pytest

from bot.assistant import Assistant, Brain
from bot.dialogue import (
    Answer,
    Clarify,
    Consent,
    Conversation,
    Declined,
    Details,
    Dialogue,
    Events,
    Forward,
    More,
    NoneOfThese,
    Notice,
    OfferForwarding,
    Person,
    Show,
    Unavailable,
    reply_json,
)
from bot.i18n import gettext_for
from bot.render import HTML, PLAIN
from bot.replies import notice_text, option_label, reply_text
from tests.scripted import Scripted, answer, clarify, escalate

MACHINE_NOTE = "Translated automatically, not yet checked by a person."


@pytest.fixture
def bot(fixture_kb_brain: Brain) -> Scripted:
    return Scripted(fixture_kb_brain, details=frozenset({"registration"}))


def test_an_answer_with_alternatives_offers_them_and_a_person(bot: Scripted) -> None:
    bot.decisions["wohnung"] = answer("registration", "childcare", "jobcenter")
    state = Conversation()
    reply = Dialogue(bot).message("wohnung", state)
    assert isinstance(reply, Answer)
    assert (reply.target, reply.alternatives) == ("registration", ("childcare", "jobcenter"))
    assert reply.options == (
        More("registration", "de"), Show("childcare", "de"), Show("jobcenter", "de"), Person(),
    )  # fmt: skip
    assert state.menu == reply.options
    text = reply_text(reply, bot, PLAIN)
    assert text.startswith("Wohnsitz anmelden")
    assert gettext_for("de")("Not the right answer? Maybe one of these:") in text
    assert reply_json(reply) == {
        "decision": "answer", "entry": "registration",
        "candidates": ["registration", "childcare", "jobcenter"], "score": 0.7, "lang": "de",
    }  # fmt: skip
    # The options are labelled in the answer's language.
    labels = [option_label(o, bot, "de") for o in reply.options]
    assert labels[1] == bot.title("childcare", "de")
    assert labels[-1] == gettext_for("de")("🙋 Ask a person")


def test_a_certain_answer_has_no_alternatives_and_more_only_with_details(bot: Scripted) -> None:
    bot.decisions["kita"] = answer("childcare")
    reply = Dialogue(bot).message("kita", Conversation())
    assert isinstance(reply, Answer) and reply.options == ()
    assert gettext_for("de")("Not the right answer? Maybe one of these:") not in reply_text(
        reply, bot
    )
    bot.decisions["anmeldung"] = answer("registration")
    state = Conversation()
    reply = Dialogue(bot).message("anmeldung", state)
    assert reply.options == (More("registration", "de"),)
    # "More", by button or by number, gives the second part; the menu stays without "More".
    details = Dialogue(bot).message("1", state)
    assert isinstance(details, Details) and details.target == "registration"
    assert reply_text(details, bot, HTML) == "Documents for registration &lt;de&gt;"
    assert state.menu == ()


def test_a_confident_answer_stands_alone_whatever_else_was_ranked(bot: Scripted) -> None:
    bot.decisions["kita platz"] = answer("childcare", "jobcenter", reason="confident")
    reply = Dialogue(bot).message("kita platz", Conversation())
    assert isinstance(reply, Answer) and reply.alternatives == () and reply.options == ()
    assert reply_json(reply)["candidates"] == ["childcare"]


def test_urgent_help_is_an_answer_without_alternatives(bot: Scripted) -> None:
    bot.decisions["hilfe"] = answer("childcare", "registration", reason="emergency")
    reply = Dialogue(bot).message("hilfe", Conversation())
    assert isinstance(reply, Answer) and reply.urgent
    assert reply.alternatives == () and Person() not in reply.options
    assert reply_json(reply)["decision"] == "answer"
    assert reply_json(reply)["entry"] == "childcare"


def test_clarify_is_a_menu_and_a_number_chooses(bot: Scripted) -> None:
    bot.decisions["arbeit"] = clarify("jobcenter", "employment-agency")
    state = Conversation()
    dialogue = Dialogue(bot)
    menu = dialogue.message("arbeit", state)
    assert isinstance(menu, Clarify)
    assert state.pending is not None
    offer = state.pending.offer
    assert menu.options == (
        Show("jobcenter", "de"), Show("employment-agency", "de"), NoneOfThese(offer),
    )  # fmt: skip
    assert reply_json(menu)["candidates"] == ["jobcenter", "employment-agency"]
    chosen = dialogue.message("2", state)
    assert isinstance(chosen, Answer) and chosen.target == "employment-agency"
    # "None of these" (the last number) offers to forward the question, without "I don't know".
    dialogue.message("arbeit", state)
    offer = dialogue.message("3)", state)
    assert isinstance(offer, OfferForwarding) and not offer.unknown
    assert offer.pending.question == "arbeit"


def test_a_one_option_menu_is_answered(bot: Scripted) -> None:
    bot.decisions["amt"] = clarify("registration", "no-such-entry")
    reply = Dialogue(bot).message("amt", Conversation())
    assert isinstance(reply, Answer) and reply.target == "registration"
    assert reply_json(reply)["decision"] == "answer"


def test_a_new_question_at_a_menu_is_answered(bot: Scripted) -> None:
    bot.decisions["arbeit"] = clarify("jobcenter", "employment-agency")
    bot.decisions["Wo bekomme ich einen Kita-Platz?"] = answer("childcare")
    state = Conversation()
    dialogue = Dialogue(bot)
    dialogue.message("arbeit", state)
    reply = dialogue.message("Wo bekomme ich einen Kita-Platz?", state)
    assert isinstance(reply, Answer) and reply.target == "childcare"
    assert state.menu == ()


def test_numbers_without_a_menu_or_out_of_range(bot: Scripted) -> None:
    state = Conversation()
    dialogue = Dialogue(bot)
    reply = dialogue.message("2", state)
    assert isinstance(reply, Notice) and reply.kind == "no-menu"
    assert not bot.calls  # not matched as a question
    hint = "There is no list to choose from right now. Please type your question."
    assert gettext_for("en")(hint) in reply_text(reply, bot)
    bot.decisions["arbeit"] = clarify("jobcenter", "employment-agency")
    dialogue.message("arbeit", state)
    wrong = dialogue.message("7", state)
    assert isinstance(wrong, Notice) and (wrong.kind, wrong.count) == ("out-of-range", 3)
    assert len(state.menu) == 3  # still open
    assert isinstance(dialogue.message("1", state), Answer)
    assert isinstance(dialogue.message("   ", state), Notice)


def test_unknown_question_offers_forwarding_with_at_most_two_related_topics(
    bot: Scripted,
) -> None:
    bot.decisions["hühner"] = escalate("childcare", "registration", "jobcenter", "greeting")
    state = Conversation()
    dialogue = Dialogue(bot)
    offer = dialogue.message("hühner", state)
    assert isinstance(offer, OfferForwarding) and offer.unknown
    assert offer.related == ("childcare", "registration")
    yes, no = Consent(True, offer.pending.offer), Consent(False, offer.pending.offer)
    assert offer.options == (yes, no, Show("childcare", "de"), Show("registration", "de"))
    assert reply_json(offer) == {
        "decision": "escalate", "entry": None, "candidates": ["childcare", "registration"],
        "score": 0.1, "lang": "de",
    }  # fmt: skip
    assert "🤷" in reply_text(offer, bot)
    # Consent typed as a word (the console has no buttons): forwarded once.
    forward = dialogue.message("Ja", state)
    assert isinstance(forward, Forward) and forward.pending.question == "hühner"
    again = dialogue.choose(yes, state)
    assert isinstance(again, Notice) and again.kind == "stale"
    # An offer's buttons still work after another question; typed words refer to the last reply.
    second = dialogue.message("hühner", state)
    assert isinstance(second, OfferForwarding)
    bot.decisions["kita"] = answer("childcare")
    dialogue.message("kita", state)
    assert dialogue.choose(Consent(True, second.pending.offer), state) == Forward(second.pending)
    # "ja" without an open offer is a question like any other.
    bot.calls.clear()
    dialogue.message("ja", state)
    assert bot.calls and bot.calls[0][0] == "ja"


def test_declining_and_a_request_for_a_person(bot: Scripted) -> None:
    bot.decisions["mensch bitte"] = escalate("registration", reason="human")
    state = Conversation()
    dialogue = Dialogue(bot)
    offer = dialogue.message("mensch bitte", state)
    assert isinstance(offer, OfferForwarding)
    assert not offer.unknown and offer.related == ()
    assert reply_text(offer, bot) == ""  # no "I don't know": the person asked for a person
    declined = dialogue.message("2", state)
    assert isinstance(declined, Declined)
    # "Ask a person" after an answer offers that answer's question.
    bot.decisions["kita"] = answer("childcare", "registration")
    dialogue.message("kita", state)
    person = dialogue.message("2", state)
    assert isinstance(person, OfferForwarding) and person.pending.question == "kita"


def test_without_forwarding_the_reply_is_unavailable(bot: Scripted) -> None:
    bot.decisions["hühner"] = escalate("childcare")
    reply = Dialogue(bot, forwarding=False).message("hühner", Conversation())
    assert isinstance(reply, Unavailable) and reply.unknown
    assert reply.options == (Show("childcare", "de"),)
    assert "Integrationsbüro" in reply_text(reply, bot)
    assert reply_json(reply)["decision"] == "escalate"


def test_machine_translation_note_once_per_conversation(bot: Scripted) -> None:
    bot.decisions["kita uk"] = answer("childcare", lang="uk")
    bot.decisions["jobcenter uk"] = answer("jobcenter", lang="uk")
    bot.decisions["kita de"] = answer("childcare", lang="de")
    note = gettext_for("uk")(MACHINE_NOTE)
    state = Conversation()
    dialogue = Dialogue(bot)
    german = dialogue.message("kita de", state)
    assert isinstance(german, Answer) and not german.machine_note
    first = dialogue.message("kita uk", state)
    assert isinstance(first, Answer) and first.machine_note
    assert reply_text(first, bot).endswith(note)
    second = dialogue.message("jobcenter uk", state)
    assert isinstance(second, Answer) and not second.machine_note
    assert note not in reply_text(second, bot)
    # Rendering an entry alone never adds it: the dialogue decides.
    assert note not in bot.render("childcare", "uk")
    fresh = dialogue.message("jobcenter uk", Conversation())
    assert isinstance(fresh, Answer) and fresh.machine_note


def test_a_one_word_message_keeps_the_conversations_language(bot: Scripted) -> None:
    state = Conversation()
    dialogue = Dialogue(bot)
    for question in ("Wo melde ich meine Wohnung an?", "Wie bekomme ich einen Kita-Platz?"):
        bot.decisions[question] = answer("registration", lang="de")
        dialogue.message(question, state)
    assert state.lang == "de"
    dialogue.message("anmelden", state)
    assert bot.calls[-1][:2] == ("anmelden", "de")


def test_a_chosen_language_yields_to_the_script_a_question_is_written_in(bot: Scripted) -> None:
    state = Conversation()
    state.choose_language("uk")
    dialogue = Dialogue(bot)
    dialogue.message("kita", state, chosen="uk")
    assert bot.calls[-1][:2] == ("kita", "uk")  # a keyword: the chosen language
    dialogue.message("أين يمكنني تسجيل عنواني الجديد في المدينة؟", state, chosen="uk")
    assert bot.calls[-1][1] == "ar"
    assert state.lang == "ar"


def test_the_knowledge_bases_language_model_decides_a_switch(
    real_assistant: Assistant,
) -> None:
    # A German question after a Ukrainian conversation: the detector alone reads these German
    # office words as English; with the knowledge base's learned language model it is German.
    state = Conversation()
    state.lang = "uk"
    reply = Dialogue(real_assistant).message("reisepass verloren was tun", state)
    assert state.lang == "de"
    assert getattr(reply, "lang", None) == "de"


def test_events_and_event_targets(bot: Scripted) -> None:
    bot.decisions["sprachcafe"] = answer("event:sprachcafe")
    state = Conversation()
    reply = Dialogue(bot).message("sprachcafe", state)
    assert isinstance(reply, Events)
    assert reply_json(reply)["entry"] == "event:sprachcafe"
    shown = Dialogue(bot).choose(Show("event:sprachcafe", "en"), state)
    assert isinstance(shown, Events) and shown.lang == "en"
    stale = Dialogue(bot).choose(Show("no-such-entry", "en"), state)
    assert isinstance(stale, Notice) and stale.kind == "stale"


def test_forced_language_and_json_for_match(bot: Scripted) -> None:
    reply = Dialogue(bot).question("Where do I register my address?", Conversation(), lang="de")
    assert bot.calls[-1][1] == "de"
    data = reply_json(reply)
    assert data["lang"] == "de" and data["decision"] in ("answer", "clarify", "escalate")
    with pytest.raises(ValueError):
        reply_json(Notice("empty", "de"))


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "Bitte antworten Sie mit 1"), (3, "von 1 bis 3")]
)
def test_out_of_range_hint_fits_the_number_of_options(count: int, expected: str) -> None:
    # "choose a number from 1 to 1" reads like a broken bot; one option gets its own sentence.
    text = notice_text(Notice("out-of-range", "de", count=count), PLAIN)
    assert expected in text


def test_a_question_typed_for_the_team_gets_the_dialogues_language_rule(
    real_assistant: Assistant,
) -> None:
    # After "ask a person" the channels do not match the message, but its language is decided
    # as for any question, with the knowledge base's language model: Finglish after an English
    # conversation is Persian (the bare detector said English).
    state = Conversation()
    state.lang = "en"
    text = "mikham ba ye adam vaghei harf bezanam, na robot"
    assert Dialogue(real_assistant).language_of(text, state) == "fa"
