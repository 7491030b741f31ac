"""How machine translations appear: in the staff group and the mail (German + the original) and
for the resident (their language + the team's German original).

Every translation is marked as machine-made and names the service. Without an ``mt`` record in
the payload (translation off, or the text already in the reader's language) the texts look
exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config import Settings
from bot.i18n import gettext_for
from bot.render import Style, language_name
from bot.translate.connector import service_label

STAFF_LANG = "de"  # bot.escalation.STAFF_LANG; not imported: escalation imports this module
VERBATIM_MARK = "!"  # a staff reply that starts with it is sent as written


def _mt(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    mt = payload.get("mt")
    return mt if isinstance(mt, Mapping) else {}


def _label(code: str) -> str:
    return language_name(code, STAFF_LANG)


def staff_message_lines(payload: Mapping[str, Any], key: str, style: Style) -> list[str]:
    """A resident's question or follow-up for the team: the German translation, then the
    original; or the original with a note that it could not be translated."""
    _ = gettext_for(STAFF_LANG)
    original = str(payload.get(key, ""))
    mt = _mt(payload)
    lang = str(payload.get("lang", "?"))
    engine = str(mt.get("engine", ""))
    if "text" in mt:
        return [
            "🌐 " + style.bold(_("Machine translation ({service}):").format(service=engine)),
            style.esc(str(mt["text"])),
            "",
            "🗣 " + style.bold(_("Original ({language}):").format(language=_label(lang))),
            style.esc(original),
        ]
    lines = [style.esc(original)]
    if "failed" in mt:
        note = _("⚠️ Not machine-translated ({service}: {reason}).").format(
            service=engine, reason=mt["failed"]
        )
        lines.append(style.italic(note))
    return lines


def staff_reply_hint(payload: Mapping[str, Any], style: Style) -> str | None:
    """Under a translated question in the staff group: the team may answer in German."""
    mt = _mt(payload)
    if "engine" not in mt:
        return None
    _ = gettext_for(STAFF_LANG)
    text = _(
        "🌐 You can answer in German: the bot translates your answer into {language} with "
        "{service} and adds your German text below it. Start your answer with ! to send it "
        "exactly as you wrote it."
    ).format(
        language=language_name(str(payload.get("lang", "?")), STAFF_LANG), service=mt["engine"]
    )
    return style.italic(text)


def resident_reply_body(payload: Mapping[str, Any], lang: str, style: Style) -> str:
    """The team's answer for the resident, in HTML or plain text."""
    text = str(payload.get("text", ""))
    mt = _mt(payload)
    if mt.get("verbatim") and text.startswith(VERBATIM_MARK):
        return style.esc(text[len(VERBATIM_MARK) :].lstrip())
    _ = gettext_for(lang)
    engine = str(mt.get("engine", ""))
    if "text" in mt:
        return "\n".join(
            [
                style.esc(str(mt["text"])),
                "",
                "🌐 "
                + style.italic(
                    _("Machine-translated by {service}. The team's answer in German:").format(
                        service=engine
                    )
                ),
                style.esc(text),
            ]
        )
    if "failed" in mt:
        note = _("The automatic translation is not available right now; the team wrote in German.")
        return style.esc(text) + "\n\n" + "🌐 " + style.italic(note)
    return style.esc(text)


def translation_privacy(lang: str, settings: Settings) -> list[tuple[str, str, str]]:
    """The /privacy section on machine translation, when it is on: which service gets what."""
    service = service_label(settings)
    if service is None:
        return []
    _ = gettext_for(lang)
    body = _(
        "Your questions to the city's team and the team's answers are translated automatically "
        "by {service}. Only the text of the message is sent there — not your name, chat number "
        "or ticket number. The team sees the translation and your original text."
    ).format(service=service)
    return [("🌐", _("Machine translation"), body)]
