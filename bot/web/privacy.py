"""What the web chat stores, why, for how long, who sees it, how to delete it (``/privacy``).

The same promises as the Telegram bot's /privacy, for the web channel: a random conversation
number instead of a chat number, no cookies, an optional e-mail address for one question.
"""

from __future__ import annotations

from bot.config import Settings
from bot.i18n import days_text, gettext_for
from bot.render import Style
from bot.replies import closing_privacy_sections


def privacy_sections(lang: str, settings: Settings) -> list[tuple[str, str, str | None]]:
    """(icon, title, body) of each section, in ``lang``."""
    _ = gettext_for(lang)
    return [
        ("🔒", _("Privacy"), None),
        ("💾", _("What I store"), _(
            "Your browser keeps a random conversation number (in its local storage; no "
            "cookies). With it I keep your language and the state of our conversation on the "
            "city's server, so that I can answer you. Your questions, without your name, to "
            "improve the answers. Your 👍/👎 ratings, without your name."
        )),
        ("🙋", _("When you ask a person"), _(
            "Only after you agree: your question, its language and your conversation number, so "
            "that the answer can reach you here — and your e-mail address, only if you give one "
            "for this question. The city's integration team (Integrationsbüro / ZWK) sees the "
            "question and its language in their Telegram group and e-mail inbox — not your "
            "e-mail address. You never see which team member answered."
        )),
        ("⏳", _("How long"), _(
            "Forwarded questions (with the e-mail address) are deleted {closed} after the team "
            "has closed them, and at the latest {open} after you asked. Our conversation is "
            "deleted {closed} after your last message. Your questions without your name and "
            "your ratings are deleted after {log}."
        ).format(
            closed=days_text(lang, settings.ticket_retention_days),
            open=days_text(lang, settings.open_ticket_days),
            log=days_text(lang, settings.question_log_days),
        )),
        ("🗑", _("Deleting"), _(
            "\"Delete my data\" deletes our conversation, your forwarded questions and your "
            "e-mail address at once, and your browser forgets the conversation number. E-mails "
            "that already reached the city's inbox are kept by the city; ask the "
            "Integrationsbüro to delete them."
        )),
        *closing_privacy_sections(lang),
    ]  # fmt: skip


def privacy_text(lang: str, settings: Settings, style: Style) -> str:
    parts = [
        icon + " " + style.bold(title) + ("\n" + style.esc(body) if body else "")
        for icon, title, body in privacy_sections(lang, settings)
    ]
    return "\n\n".join(parts)
