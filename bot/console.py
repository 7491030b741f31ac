"""The terminal chat: the same domain as the Telegram bot, for trying the bot without a token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.assistant import Assistant
from bot.events import BERLIN, answer_window, event_question
from bot.i18n import gettext_for
from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES, NATIVE_NAMES, normalize_code
from bot.matching import Decision
from bot.render import PLAIN, Style, render_contact, render_event_answer

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]
Escalate = Callable[[str, str, Decision], Awaitable[int | None]]

INTEGRATION_CONTACT = "integrationsbuero"


async def _stdin_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def _stdout(text: str) -> None:
    print(text, flush=True)


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


class Console:
    """A read–answer loop; input and output are injectable so that tests drive it directly."""

    def __init__(
        self,
        assistant: Assistant,
        *,
        read: ReadLine = _stdin_line,
        write: Write = _stdout,
        escalate: Escalate | None = None,
        lang: str | None = None,
    ) -> None:
        self.assistant = assistant
        self.read = read
        self.write = write
        self.escalate = escalate
        self.lang = normalize_code(lang)  # chosen with /lang; wins over detection

    def _ui_lang(self, decision_lang: str | None = None) -> str:
        return self.lang or decision_lang or "en"

    async def run(self) -> None:
        _ = gettext_for(self._ui_lang())
        self.write(
            _(
                "Welcome to Ankommen Dessau-Roßlau! Ask me a question in your language.\n"
                "Commands: /lang xx (language), /events, /help. Quit with Ctrl-D."
            )
        )
        while True:
            line = await self.read("> ")
            if line is None:
                self.write("")
                return
            await self.handle(line)

    async def handle(self, line: str) -> None:
        text = line.strip().replace("\x00", "")
        if not text:
            return
        if text.startswith("/"):
            await self._command(text)
            return
        decision = self.assistant.match(text, lang=self.lang)
        lang = self._ui_lang(decision.lang)
        _ = gettext_for(lang)
        events = event_question(self.assistant.kb, text, decision, datetime.now(BERLIN))
        if events is not None:  # "what's on this weekend", "when is the Stadtfest"
            self.write(render_event_answer(events, self.assistant.kb, lang, PLAIN))
            if events.page(0)[1] > 1:
                self.write(_("All events: /events"))
        elif decision.decision == "answer" and decision.entry:
            self.write(self.assistant.render(decision.entry, lang, PLAIN))
        elif decision.decision == "clarify":
            await self._clarify(text, decision, lang)
        else:
            await self._offer_escalation(text, decision, lang)

    async def _clarify(self, question: str, decision: Decision, lang: str) -> None:
        _ = gettext_for(lang)
        options = list(decision.candidates)
        lines = [_("Did you mean…")]
        lines += [f"  {i}) {self.assistant.title(t, lang)}" for i, t in enumerate(options, 1)]
        lines.append("  0) " + _("None of these"))
        self.write("\n".join(lines))
        choice = (await self.read(_("Number: ")) or "").strip()
        if choice.isdigit() and 1 <= int(choice) <= len(options):
            self.write(self.assistant.render(options[int(choice) - 1], lang, PLAIN))
        elif choice == "0":
            await self._offer_escalation(question, decision, lang)
        else:
            self.write(_("OK. Ask me something else any time."))

    async def _offer_escalation(self, question: str, decision: Decision, lang: str) -> None:
        _ = gettext_for(lang)
        now = datetime.now(BERLIN)
        if decision.reason != "human":
            self.write(_("I don't know that yet."))
        if self.escalate is None:
            self.write(forwarding_unavailable(self.assistant.kb, lang, now))
            return
        self.write(
            _(
                "Shall I forward your question to the city's team by e-mail? They will see your "
                "question and its language, not your name. (yes/no)"
            )
        )
        answer = (await self.read("> ") or "").strip().casefold()
        if answer in {"y", "yes", "j", "ja", "1", "+", "да", "так", "نعم", "بله", "evet", "da",
                      "tak", "có", "co", "ok"}:  # fmt: skip
            ticket = await self.escalate(question, lang, decision)
            if ticket is None:
                self.write(forwarding_unavailable(self.assistant.kb, lang, now))
            else:
                self.write(
                    _("Done. Your question has ticket number {ticket}.").format(ticket=ticket)
                )
        else:
            self.write(_("OK, I will not forward it."))

    async def _command(self, text: str) -> None:
        command, _sep, arg = text.partition(" ")
        lang = self._ui_lang()
        _ = gettext_for(lang)
        if command == "/lang":
            code = normalize_code(arg)
            if code is None:
                names = ", ".join(f"{c} ({NATIVE_NAMES[c]})" for c in LANGUAGES)
                self.write(_("Choose one of: {languages}").format(languages=names))
                return
            self.lang = code
            _ = gettext_for(code)
            self.write(_("Language set to {language}.").format(language=NATIVE_NAMES[code]))
        elif command == "/events":  # "/events 2": the second page
            kb = self.assistant.kb
            answer = answer_window(kb, "all", datetime.now(BERLIN))
            page = int(arg) - 1 if arg.strip().isdigit() else 0
            shown, pages, _items = answer.page(page)
            self.write(render_event_answer(answer, kb, lang, PLAIN, page=shown))
            if shown + 1 < pages:
                self.write(_("Next page: /events {page}").format(page=shown + 2))
        elif command in ("/help", "/start"):
            self.write(
                _(
                    "Ask me about registration, authorities, Kita and school, work, German "
                    "courses, housing, health or events. I understand ten languages.\n"
                    "Commands: /lang xx (language), /events, /help. Quit with Ctrl-D."
                )
            )
        else:
            self.write(_("Unknown command. Try /help."))


def run_console(assistant: Assistant, escalate: Escalate | None = None) -> None:
    """Run the interactive console until Ctrl-D."""
    asyncio.run(Console(assistant, escalate=escalate).run())
