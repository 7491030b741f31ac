"""The terminal chat: the same domain as the Telegram bot, for trying the bot without a token."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot import clock
from bot.assistant import Assistant
from bot.dialogue import Conversation, Dialogue, Events, Forward, OfferForwarding, Pending, Reply
from bot.events import answer_window
from bot.i18n import gettext_for
from bot.language import LANGUAGES, NATIVE_NAMES, normalize_code
from bot.letters import LetterDesk
from bot.render import PLAIN, render_event_answer
from bot.replies import forwarding_unavailable, option_label, reply_text

ReadLine = Callable[[str], Awaitable[str | None]]
Write = Callable[[str], None]
Escalate = Callable[[str, str, Pending], Awaitable[int | None]]


async def _stdin_line(prompt: str) -> str | None:
    try:
        return await asyncio.to_thread(input, prompt)
    except EOFError:
        return None


def _stdout(text: str) -> None:
    print(text, flush=True)


class Console:
    """A read–answer loop on the shared dialogue; input and output are injectable so that tests
    drive it directly. Every line is handled alike: a number picks from the options the last
    reply listed, anything else is a new question (the dialogue decides)."""

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
        self.dialogue = Dialogue(assistant, forwarding=escalate is not None)
        self.state = Conversation()
        self.chosen = normalize_code(lang)  # chosen with /lang, like /language on Telegram
        self.state.lang = self.chosen
        self._letters: LetterDesk | None = None  # Tesseract is loaded on the first letter

    def _ui_lang(self) -> str:
        return self.state.lang or self.chosen or "en"

    async def run(self) -> None:
        _ = gettext_for(self._ui_lang())
        self.write(
            _(
                "Welcome to Ankommen Dessau-Roßlau! Ask me a question in your language.\n"
                "Commands: /lang xx (language), /events, /help. Quit with Ctrl-D."
            )
        )
        try:
            while True:
                line = await self.read("> ")
                if line is None:
                    self.write("")
                    return
                await self.handle(line)
        finally:
            if self._letters is not None:
                self._letters.close()

    async def handle(self, line: str) -> None:
        text = line.strip().replace("\x00", "")
        if not text:
            return
        if text.startswith("/"):
            await self._command(text)
            return
        if _letter_file(text) is not None:  # a path typed or dropped into the terminal
            await self._letter(text, None)
            return
        await self.show(self.dialogue.message(text, self.state, chosen=self.chosen))

    async def show(self, reply: Reply) -> None:
        """Write a reply and its numbered options; forward a question the person agreed to."""
        _ = gettext_for(reply.lang)
        if isinstance(reply, Forward):
            await self._forward(reply.pending)
            return
        parts = [reply_text(reply, self.assistant, PLAIN)]
        if isinstance(reply, Events) and reply.answer.page(0)[1] > 1:
            parts.append(_("All events: /events"))
        if isinstance(reply, OfferForwarding):
            parts.append(
                _(
                    "Shall I forward your question to the city's team by e-mail? They will see "
                    "your question and its language, not your name. (yes/no)"
                )
            )
        if reply.options:
            parts.append(
                "\n".join(
                    f"  {number}) {option_label(option, self.assistant, reply.lang)}"
                    for number, option in enumerate(reply.options, 1)
                )
            )
        self.write("\n\n".join(p for p in parts if p))

    async def _letter(self, path: str, caption: str | None) -> None:
        """Explain a photo or PDF of a letter, as Telegram does for a photo."""
        file = _letter_file(path)
        if file is None:
            _ = gettext_for(self._ui_lang())
            self.write(_("I cannot open this file: {path}").format(path=path))
            return
        if self._letters is None:
            self._letters = LetterDesk()
        result = await self._letters.read(file.read_bytes(), self.assistant.kb, file.name)
        await self.show(
            self.dialogue.letter(result, self.state, caption=caption, chosen=self.chosen)
        )

    async def _forward(self, pending: Pending) -> None:
        _ = gettext_for(pending.lang)
        ticket = None
        if self.escalate is not None:
            ticket = await self.escalate(pending.question, pending.lang, pending)
        if ticket is None:
            now = clock.now()
            self.write(forwarding_unavailable(self.assistant.kb, pending.lang, now))
        else:
            self.write(_("Done. Your question has ticket number {ticket}.").format(ticket=ticket))

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
            self.chosen = code
            self.state.choose_language(code)
            _ = gettext_for(code)
            self.write(_("Language set to {language}.").format(language=NATIVE_NAMES[code]))
        elif command == "/letter":
            path, _sep, caption = arg.strip().partition(" ")
            if not path:
                self.write(_("Usage: /letter FILE (a photo or PDF of a letter)"))
                return
            await self._letter(path, caption or None)
        elif command == "/events":  # "/events 2": the second page
            kb = self.assistant.kb
            answer = answer_window(kb, "all", clock.now())
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
            self.write(_("To have a letter explained: /letter FILE (a photo or PDF of it)."))
        else:
            self.write(_("Unknown command. Try /help."))


LETTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic", ".pdf")


def _letter_file(text: str) -> Path | None:
    """The file a line names, when it is an image or PDF that exists (quotes from drag-and-drop
    removed)."""
    candidate = Path(text.strip().strip("'\"")).expanduser()
    if candidate.suffix.lower() not in LETTER_SUFFIXES:
        return None
    try:
        return candidate if candidate.is_file() else None
    except OSError:
        return None


def run_console(assistant: Assistant, escalate: Escalate | None = None) -> None:
    """Run the interactive console until Ctrl-D."""
    asyncio.run(Console(assistant, escalate=escalate).run())
