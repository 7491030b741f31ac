"""The answer a resident reads about their letter, in their language.

Facts are shown exactly as printed (dates as dd.mm.yyyy, amounts, reference numbers) so the
person can find them in the letter; in Arabic and Persian they are isolated left-to-right.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import gettext_for
from bot.knowledge import KnowledgeBase
from bot.letters import LetterReading
from bot.render import PLAIN, Style, ltr, render_entry


def explain(
    reading: LetterReading, kb: KnowledgeBase, lang: str, now: datetime, style: Style = PLAIN
) -> str:
    _ = gettext_for(lang)
    facts = reading.facts
    lines: list[str] = []
    if reading.sender:
        lines.append(style.bold(_("From:")) + " " + ltr(style.esc(reading.sender), lang))
    kind = kb.letter_kinds.get(reading.kind) if reading.kind else None
    if kind is not None:
        name = kind.names.get(lang) or kind.names["de"]
        lines.append(style.bold(_("Kind of letter:")) + " " + style.esc(name))
    if facts.deadline is not None:
        deadline = ltr(facts.deadline.date, lang)
        if facts.deadline.relative:
            lines.append(
                "⏰ " + style.bold(_("Deadline:")) + " "
                + style.esc(
                    _(
                        "about {date}: the letter says “{words}”. Count from the day you "
                        "received the letter if that was later than its date."
                    )
                ).format(date=deadline, words=ltr(style.esc(facts.deadline.printed), lang))
            )  # fmt: skip
        else:
            lines.append("⏰ " + style.bold(_("Deadline:")) + " " + deadline)
    if facts.appointment is not None:
        appointment = facts.appointment
        when = ltr(appointment.date + (f", {appointment.time}" if appointment.time else ""), lang)
        lines.append("📅 " + style.bold(_("Appointment:")) + " " + when)
        if appointment.place:
            lines.append(style.bold(_("Place:")) + " " + ltr(style.esc(appointment.place), lang))
    if facts.amounts:
        amounts = ", ".join(ltr(a, lang) for a in facts.amounts[:3])
        lines.append("💶 " + style.bold(_("Amount:")) + " " + amounts)
    if facts.references:
        lines.append(
            style.bold(_("Reference numbers (write them on every reply):"))
            + "\n" + "\n".join(ltr(style.esc(r), lang) for r in facts.references[:4])
        )  # fmt: skip
    if facts.letter_date and not lines:
        lines.append(style.bold(_("Date of the letter:")) + " " + ltr(facts.letter_date, lang))
    parts = ["\n".join(lines)] if lines else []
    advice = (kind.advice.get(lang) or kind.advice.get("de")) if kind is not None else None
    if advice:
        parts.append("👉 " + style.esc(advice))
    if not reading.sender and not kind:
        parts.append(style.esc(_("I could read the text, but I do not know this kind of letter.")))
    entry = kb.entries.get(reading.entry) if reading.entry else None
    if entry is not None:
        parts.append(style.bold(_("What to do next:")) + "\n" + render_entry(entry, kb, lang, now,
                                                                             style))  # fmt: skip
    parts.append(
        "⚠️ " + style.italic(
            _(
                "I read this letter automatically and may have made mistakes. Check every date "
                "and amount in the letter itself. If you are unsure, ask the city's team."
            )
        )
    )  # fmt: skip
    return "\n\n".join(parts)


def unreadable(lang: str, style: Style = PLAIN) -> str:
    _ = gettext_for(lang)
    return style.esc(
        _(
            "I could not read this picture. Please take a new photo: the whole page, lying flat, "
            "in good light without shadows, and sharp. Or send the letter as a PDF."
        )
    )


def unavailable(lang: str, style: Style = PLAIN) -> str:
    _ = gettext_for(lang)
    return style.esc(
        _(
            "I cannot read letters on this server yet. You can type your question, or ask the "
            "city's team."
        )
    )
