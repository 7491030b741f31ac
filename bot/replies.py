"""The texts of the dialogue's replies, in one style: plain for the console and ``ask``, HTML for
Telegram. Channels add what is theirs: buttons or numbered lines for the options, and the
consent message (which names the channels a question goes to)."""

from __future__ import annotations

from datetime import datetime

from bot import clock
from bot.assistant import Assistant
from bot.dialogue import (
    Answer,
    Clarify,
    Consent,
    Declined,
    Details,
    Events,
    Forward,
    Letter,
    More,
    NoneOfThese,
    Notice,
    OfferForwarding,
    Option,
    Person,
    Reply,
    Show,
    Unavailable,
)
from bot.escalation import LimitReached
from bot.i18n import gettext_for
from bot.knowledge import INTEGRATION_CONTACT, KnowledgeBase
from bot.letters.explain import explain, unavailable, unreadable
from bot.render import PLAIN, Style, render_contact, render_event_answer


def forwarding_unavailable(
    kb: KnowledgeBase, lang: str, now: datetime, style: Style = PLAIN
) -> str:
    """What to say when no forwarding channel is configured: the Integrationsbüro's contact."""
    _ = gettext_for(lang)
    text = style.esc(
        _("Forwarding questions is not available here. Please contact the city directly:")
    )
    contact = kb.contacts.get(INTEGRATION_CONTACT)
    if contact is None:
        return text
    return text + "\n\n" + render_contact(contact, lang, now, style)


def closing_privacy_sections(lang: str) -> list[tuple[str, str, str | None]]:
    """The last sections of /privacy, the same on Telegram and in the web chat: photos of
    letters, and what not to type. (icon, title, body) like the channels' own sections."""
    _ = gettext_for(lang)
    return [
        ("📄", _("Photos of letters"), _(
            "I read a photo or PDF of a letter only in memory, to explain it to you. I do not "
            "keep the picture or its text and do not write them to a log; I only count which "
            "kind of letter it was. Its text goes to the city's team only if you choose "
            "\"with the letter's text\"."
        )),
        ("⚠️", _("Please note"), _(
            "Do not type health information or ID or passport numbers into your questions. I do "
            "not need them to answer you."
        )),
    ]  # fmt: skip


def limit_text(limit: LimitReached, lang: str) -> str:
    """The polite note when a person reached a cap on what they can send to the team."""
    _ = gettext_for(lang)
    if limit.kind == "daily":
        return _(
            "You have sent several questions to the city's team today. Please wait for their "
            "answers, or ask again tomorrow."
        )
    return _(
        "Your question {ticket} already has many additions. Please wait for the team's answer; "
        "it will come here."
    ).format(ticket=limit.ticket)


def unknown_lead(lang: str, style: Style) -> str:
    """The first line of an offer to forward a question the bot could not answer."""
    _ = gettext_for(lang)
    return "🤷 " + style.esc(_("I don't know that yet."))


def machine_note(lang: str, style: Style) -> str:
    _ = gettext_for(lang)
    return style.italic(_("Translated automatically, not yet checked by a person."))


def render_details(
    assistant: Assistant, target: str, lang: str, style: Style, now: datetime
) -> str:
    """The second part of an answer, behind "More" (contract C3)."""
    return assistant.render(target, lang, style, now, part="details")


def notice_text(reply: Notice, style: Style) -> str:
    _ = gettext_for(reply.lang)
    match reply.kind:
        case "empty":
            text = _("Please type your question.")
        case "no-menu":
            text = _("There is no list to choose from right now. Please type your question.")
        case "out-of-range" if reply.count == 1:
            text = _("Please answer with 1 to choose it, or type a new question.")
        case "out-of-range":
            text = _("Please choose a number from 1 to {count}, or type a new question.").format(
                count=reply.count
            )
        case "type-question":
            text = _("Please type your question for the city's team in one message.")
        case "letter-gone":
            text = _(
                "The text of your letter is no longer stored. Send the photo again, or forward "
                "your question without it."
            )
        case _:
            text = _("This question is no longer waiting. Please type it again if you need to.")
    return style.esc(text)


def reply_text(
    reply: Reply, assistant: Assistant, style: Style = PLAIN, now: datetime | None = None
) -> str:
    """The text of ``reply`` (without its options). ``OfferForwarding`` and ``Forward`` get
    only their lead here: the channel says where the question goes."""
    now = now or clock.now()
    _ = gettext_for(reply.lang)
    match reply:
        case Answer():
            parts = [assistant.render(reply.target, reply.lang, style, now)]
            if reply.machine_note:
                parts.append(machine_note(reply.lang, style))
            if reply.alternatives:
                parts.append("↪️ " + style.esc(_("Not the right answer? Maybe one of these:")))
            return "\n\n".join(parts)
        case Details():
            return render_details(assistant, reply.target, reply.lang, style, now)
        case Events():
            return render_event_answer(reply.answer, assistant.kb, reply.lang, style)
        case Clarify():
            return "🤔 " + style.esc(_("Did you mean…"))
        case OfferForwarding():
            return unknown_lead(reply.lang, style) if reply.unknown else ""
        case Unavailable():
            text = forwarding_unavailable(assistant.kb, reply.lang, now, style)
            return (unknown_lead(reply.lang, style) + "\n\n" + text) if reply.unknown else text
        case Declined():
            return style.esc(_("OK, I will not forward it. Ask me anything else."))
        case Notice():
            return notice_text(reply, style)
        case Forward():
            return ""
        case Letter():
            return letter_text(reply, assistant, style, now)
    raise AssertionError(f"unknown reply {reply!r}")  # pragma: no cover


def letter_text(reply: Letter, assistant: Assistant, style: Style, now: datetime) -> str:
    result = reply.result
    if result.reading is None:
        if result.problem == "unavailable":
            return unavailable(reply.lang, style)
        return unreadable(reply.lang, style)
    text = explain(result.reading, assistant.kb, reply.lang, now, style)
    if any(isinstance(o, Consent) for o in reply.options):
        _ = gettext_for(reply.lang)
        text += "\n\n" + style.esc(
            _(
                "Shall I forward a question about this letter to the city's team? They see what I "
                "found in it, not your name. The letter's text goes along only if you choose so."
            )
        )
    return text


def option_label(option: Option, assistant: Assistant, lang: str) -> str:
    """The label of an option: a button's text, or a numbered line in the console."""
    _ = gettext_for(lang)
    match option:
        case Show(target, target_lang):
            return assistant.title(target, target_lang)
        case More():
            return _("📄 More")
        case Person():
            return _("🙋 Ask a person")
        case NoneOfThese():
            return _("None of these")
        case Consent(yes=True, attach=True):
            return _("📎 Yes, with the letter's text")
        case Consent(yes=True):
            return _("✅ Yes, forward it")
        case Consent(yes=False):
            return _("✖️ No")
    raise AssertionError(f"unknown option {option!r}")  # pragma: no cover
