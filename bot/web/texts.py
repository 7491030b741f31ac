"""The chat page's own labels in the ten languages (``GET /api/v1/ui``), from the catalogs.

The page is static (no build step, no server-side templates); it fetches these once and
switches language without a reload. Texts that the dialogue sends come with its replies.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from bot.i18n import N_, gettext_for
from bot.language import LANGUAGES, NATIVE_NAMES, RTL_LANGUAGES

LABELS: dict[str, str] = {
    "welcome": N_("Welcome to Ankommen Dessau-Roßlau, the welcome bot of the city!"),
    "intro": N_(
        "Ask me about arriving and living in Dessau-Roßlau: just type your question in your own "
        "words, in your language."
    ),
    "placeholder": N_("Type your question…"),
    "send": N_("Send"),
    "language": N_("Choose language"),
    "events": N_("🎉 Events"),
    "person": N_("🙋 Ask a person"),
    "privacy": N_("Privacy"),
    "forget": N_("Delete my data"),
    "letter": N_("📄 Letter"),
    "letter_label": N_("Photos of letters"),
    "reading": N_("Reading your letter…"),
    "email": N_("Your e-mail address (optional)"),
    "bad_email": N_("Please enter a valid e-mail address."),
    "error": N_("Sorry, something went wrong on my side. Please try again."),
    "limited": N_("You are sending messages very fast. Please wait a moment, then ask again."),
    "stale": N_("This question is no longer waiting. Please type it again if you need to."),
    "open": N_("Open the chat"),
    "close": N_("Close the chat"),
}


@cache
def ui_texts() -> dict[str, Any]:
    """``{"languages": [{code, name, rtl}], "texts": {lang: {key: text}}}``."""
    texts = {}
    for lang in LANGUAGES:
        _ = gettext_for(lang)
        texts[lang] = {key: _(msgid) for key, msgid in LABELS.items()}
    return {
        "languages": [
            {"code": c, "name": NATIVE_NAMES[c], "rtl": c in RTL_LANGUAGES} for c in LANGUAGES
        ],
        "texts": texts,
    }


def widget_labels() -> bytes:
    """The embed bubble's labels (open / close) per language, as JSON for ``widget.js``."""
    texts = ui_texts()["texts"]
    labels = {lang: {"open": t["open"], "close": t["close"]} for lang, t in texts.items()}
    return json.dumps(labels, ensure_ascii=False).encode("utf-8")
