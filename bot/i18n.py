"""Interface strings from gettext catalogs, one per language.

The committed ``.po`` files are the source of truth. They are compiled in memory when first used
(Babel's own compiler), so a fresh checkout needs no build step and a stale ``.mo`` can never
shadow an edited ``.po``. Fuzzy entries are not used: they count as missing.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.language import LANGUAGES

# The catalogs of the source tree, or (after a normal `pip install .`) the copy in the package.
_SOURCE_LOCALES = Path(__file__).resolve().parent.parent / "locales"
LOCALES_DIR = (
    _SOURCE_LOCALES if _SOURCE_LOCALES.is_dir() else Path(__file__).resolve().parent / "_locales"
)
DOMAIN = "messages"

Translate = Callable[[str], str]


def catalog_path(lang: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog for ``lang`` (source strings are English; German has its own)."""
    path = catalog_path(lang)
    if lang not in LANGUAGES or not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext_for(lang: str) -> Translate:
    """A ``_`` function for ``lang``: ``_ = gettext_for("uk"); _("Hello")``."""
    return translations(lang).gettext


def ngettext_for(lang: str) -> Callable[[str, str, int], str]:
    """An ``ngettext`` for ``lang``: the form for ``n`` under the language's plural rule
    (Russian, Ukrainian and Polish have three forms, Arabic six)."""
    return translations(lang).ngettext


def days_text(lang: str, n: int) -> str:
    """ "1 day", "30 days", "30 дней", "2 дня": a number of days in ``lang``."""
    ngettext = ngettext_for(lang)
    return ngettext("{n} day", "{n} days", n).format(n=n)


def preload() -> None:
    """Compile every catalog now, so that no message waits for it later."""
    for lang in LANGUAGES:
        translations(lang)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
