"""What people read: a payload as the city's team sees it (staff group, inbox, admins) and a
staff answer as the resident sees it. One function per kind of payload; HTML or plain text
through ``Style``. The team reads German: staff texts are msgids of the German catalog.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.escalation.payloads import (
    FollowUpPayload,
    Notice,
    NoticePayload,
    Payload,
    ReplyPayload,
    TicketPayload,
)
from bot.escalation.store import Ticket
from bot.i18n import N_, gettext_for
from bot.render import Style, language_name
from bot.translate.texts import (
    STAFF_LANG,
    resident_reply_body,
    staff_message_lines,
    staff_reply_hint,
)

__all__ = ["STAFF_LANG", "StaffTexts"]


class StaffTexts:
    """The texts of the escalation; ``has_staff_group`` says whether a staff group is set now
    (a mail then tells the team to answer there)."""

    def __init__(self, has_staff_group: Callable[[], bool]) -> None:
        self.has_staff_group = has_staff_group

    def staff_text(self, payload: Payload, style: Style, *, for_mail: bool = False) -> str:
        """A ticket, follow-up or notice for the city's team, in HTML or plain text."""
        if isinstance(payload, TicketPayload):
            return self._ticket(payload, style, for_mail)
        if isinstance(payload, FollowUpPayload):
            return self._follow_up(payload, style, for_mail)
        if isinstance(payload, NoticePayload):
            return _notice(payload, style)
        return style.esc(payload.text)  # a reply is the resident's; never sent to the team

    def mail_subject(self, payload: Payload) -> str:
        _ = gettext_for(STAFF_LANG)
        if isinstance(payload, FollowUpPayload):
            return _("[Ankommen] Ticket {ticket}: follow-up").format(ticket=payload.ticket)
        lang = payload.lang if isinstance(payload, TicketPayload) else "?"
        return _("[Ankommen] Ticket {ticket}: question in {language}").format(
            ticket=payload.ticket, language=_language_label(lang)
        )

    def resident_text(self, ticket: Ticket, payload: ReplyPayload, style: Style) -> str:
        """A staff reply as the resident sees it: a localized header, never the staff name."""
        _ = gettext_for(ticket.lang)
        header = _("Answer from the city team")
        sub = _("(your question {ticket})").format(ticket=ticket.id)
        return (
            "💬 " + style.bold(header) + " " + style.esc(sub) + "\n\n"
            + resident_reply_body(payload.text, payload.mt, ticket.lang, style)
        )  # fmt: skip

    # ------------------------------------------------------------------ one per kind

    def _ticket(self, payload: TicketPayload, style: Style, for_mail: bool) -> str:
        _ = gettext_for(STAFF_LANG)
        lines = [
            "🎫 " + style.bold(_("Ticket {ticket}").format(ticket=payload.ticket))
            + " · " + style.esc(_language_label(payload.lang)),
            style.esc(_("Asked: {time}").format(time=payload.asked)),
            "",
            "❓ " + style.bold(_("Question:")),
            *staff_message_lines(payload.question, payload.lang, payload.mt, style),
            "",
            "🤖 " + style.bold(_("The bot's best guesses:")),
        ]  # fmt: skip
        for guess in payload.guesses:
            percent = str(round(guess.score * 100))
            words = ("•", guess.title, "(" + guess.entry + ")", percent, "%")
            lines.append(style.esc(" ".join(words)))
        if not payload.guesses:
            lines.append(style.esc(_("none")))
        lines += ["", self._how_to_answer(payload, style, for_mail)]
        return "\n".join(lines)

    def _follow_up(self, payload: FollowUpPayload, style: Style, for_mail: bool) -> str:
        _ = gettext_for(STAFF_LANG)
        head = _("Ticket {ticket}: the person adds").format(ticket=payload.ticket)
        lines = [
            "➕ " + style.bold(head),
            *staff_message_lines(payload.text, payload.lang, payload.mt, style),
            "",
            self._how_to_answer(payload, style, for_mail),
        ]
        return "\n".join(lines)

    def _how_to_answer(
        self, payload: TicketPayload | FollowUpPayload, style: Style, for_mail: bool
    ) -> str:
        _ = gettext_for(STAFF_LANG)
        if isinstance(payload, TicketPayload) and not payload.answerable:
            text = _(
                "This question was asked without Telegram (console); the bot cannot send an "
                "answer back."
            )
        elif not for_mail:
            text = _(
                '↩️ To answer, reply to this message. The person gets your reply as "Answer '
                'from the city team", without your name. Reply /close to close the ticket.'
            )
            hint = staff_reply_hint(payload.lang, payload.mt, style)
            if hint is not None:
                return style.italic(text) + "\n" + hint
        elif self.has_staff_group():
            text = _(
                "To answer, reply to this ticket's message in the Telegram staff group. Replies "
                "to this e-mail do not reach the person."
            )
        else:
            text = _(
                "No Telegram staff group is configured, so the person cannot be answered through "
                "the bot. Replies to this e-mail do not reach the person."
            )
        return style.italic(text)


# What each notice says; {ticket}, {error} (the far side's reason) and {new} (a group's new id).
_NOTICES: dict[str, str] = {
    Notice.DELIVERED: N_("✅ Ticket {ticket}: your answer was delivered to the person."),
    Notice.UNREACHABLE: N_(
        "❌ Ticket {ticket}: the answer could not be delivered. The person has blocked "
        "the bot or deleted their account. The ticket stays open."
    ),
    Notice.GONE: N_(
        "❌ Ticket {ticket}: the person has deleted their data with /forget; the answer "
        "was not delivered."
    ),
    Notice.MAIL_REJECTED: N_(
        "❌ Ticket {ticket}: the mail server rejected the e-mail to the inbox for good, "
        "so it will not be sent again. The question is still in the staff group if one "
        "is set. The server said: {error}"
    ),
    Notice.STAFF_REJECTED: N_(
        "❌ Ticket {ticket}: Telegram refused the message to the staff group for good, so "
        "it will not be sent again. The question is in the inbox if e-mail is set up; "
        "otherwise please contact the person another way. Telegram said: {error}"
    ),
    Notice.REJECTED: N_(
        "❌ Ticket {ticket}: Telegram refused your answer, so it was not delivered. Please "
        "send it again, shorter or in several messages. Telegram said: {error}"
    ),
    Notice.MIGRATED: N_(
        "ℹ️ This group is now a supergroup with the id {new}. Please set "
        "STAFF_CHAT_ID={new} in the bot's settings. Until then the bot follows the new id "
        "by itself."
    ),
}


def _notice(payload: NoticePayload, style: Style) -> str:
    """The bot's own news for the team; a notice this version does not know (another
    version's) is shown as it is, never as a template."""
    template = _NOTICES.get(payload.notice)
    if template is None:
        return style.esc(payload.text)
    _ = gettext_for(STAFF_LANG)
    text = _(template).format(
        ticket=payload.ticket or payload.ref, error=payload.error, new=payload.new
    )
    return style.esc(text)


def _language_label(code: str) -> str:
    return f"{code} ({language_name(code, STAFF_LANG)})"
