"""How machine translations appear: in the staff group and the mail (German + the original) and
for the resident (their language + the team's German original).

Every translation is marked as machine-made and names the service. Without an ``mt`` record in
the payload (translation off, or the text already in the reader's language) the texts look
exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import Settings
from bot.i18n import gettext_for
from bot.render import Style, language_name
from bot.translate.connector import service_label

STAFF_LANG = "de"  # the team's language (bot.escalation reads it from here)
VERBATIM_MARK = "!"  # a staff reply that starts with it is sent as written


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineTranslation:
    """A message's machine translation as stored in its outbox row (JSON key ``mt``).

    Either ``text`` (translated by ``engine`` from ``source`` into ``target``), or ``failed``
    (why it could not be), or ``verbatim`` (the staff member wrote in the person's language).
    """

    engine: str = ""
    source: str = ""
    target: str = ""
    text: str | None = None
    failed: str | None = None
    verbatim: bool = False

    def to_json(self) -> dict[str, Any]:
        if self.verbatim:
            return {"verbatim": True}
        data: dict[str, Any] = {"engine": self.engine, "source": self.source, "target": self.target}
        if self.text is not None:
            data["text"] = self.text
        if self.failed is not None:
            data["failed"] = self.failed
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MachineTranslation:
        text, failed = data.get("text"), data.get("failed")
        return cls(
            engine=str(data.get("engine", "")),
            source=str(data.get("source", "")),
            target=str(data.get("target", "")),
            text=str(text) if text is not None else None,
            failed=str(failed) if failed is not None else None,
            verbatim=bool(data.get("verbatim", False)),
        )


def _label(code: str) -> str:
    return language_name(code, STAFF_LANG)


def staff_message_lines(
    original: str, lang: str, mt: MachineTranslation | None, style: Style
) -> list[str]:
    """A resident's question or follow-up for the team: the German translation, then the
    original; or the original with a note that it could not be translated."""
    _ = gettext_for(STAFF_LANG)
    if mt is not None and mt.text is not None:
        return [
            "🌐 " + style.bold(_("Machine translation ({service}):").format(service=mt.engine)),
            style.esc(mt.text),
            "",
            "🗣 " + style.bold(_("Original ({language}):").format(language=_label(lang))),
            style.esc(original),
        ]
    lines = [style.esc(original)]
    if mt is not None and mt.failed is not None:
        note = _("⚠️ Not machine-translated ({service}: {reason}).").format(
            service=mt.engine, reason=mt.failed
        )
        lines.append(style.italic(note))
    return lines


def staff_reply_hint(lang: str, mt: MachineTranslation | None, style: Style) -> str | None:
    """Under a translated question in the staff group: the team may answer in German."""
    if mt is None or mt.verbatim:
        return None
    _ = gettext_for(STAFF_LANG)
    text = _(
        "🌐 You can answer in German: the bot translates your answer into {language} with "
        "{service} and adds your German text below it. Start your answer with ! to send it "
        "exactly as you wrote it."
    ).format(language=language_name(lang, STAFF_LANG), service=mt.engine)
    return style.italic(text)


def resident_reply_body(text: str, mt: MachineTranslation | None, lang: str, style: Style) -> str:
    """The team's answer for the resident, in HTML or plain text."""
    if mt is not None and mt.verbatim and text.startswith(VERBATIM_MARK):
        return style.esc(text[len(VERBATIM_MARK) :].lstrip())
    _ = gettext_for(lang)
    if mt is not None and mt.text is not None:
        return "\n".join(
            [
                style.esc(mt.text),
                "",
                "🌐 "
                + style.italic(
                    _("Machine-translated by {service}. The team's answer in German:").format(
                        service=mt.engine
                    )
                ),
                style.esc(text),
            ]
        )
    if mt is not None and mt.failed is not None:
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
