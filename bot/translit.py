"""Russian and Ukrainian in Latin letters, as people type them on a phone without Cyrillic.

"gde sdelat anmeldung", "de zrobyty anmeldung": the knowledge base's Cyrillic question variants
are also learned in the two spellings people use most (informal "translit" with sh/ch/ya, and a
Ukrainian-style one with y/kh/yi), so that such a question finds its topic and is recognised as
Russian or Ukrainian. Arabic and Persian in Latin letters (Arabizi, Finglish) cannot be derived
from the script, which leaves out the vowels: those variants are written in the knowledge base.
"""

from __future__ import annotations

_COMMON = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ї": "yi", "є": "ye", "ґ": "g", "'": "", "’": "",
}  # fmt: skip
# Ukrainian "и" is nearer to y, "г" to h; a second Russian spelling uses ja/ju/kh.
_UKRAINIAN = {**_COMMON, "и": "y", "г": "h", "х": "kh", "щ": "shch", "й": "i"}
_RUSSIAN_ALT = {**_COMMON, "я": "ja", "ю": "ju", "х": "kh", "ц": "c", "й": "j", "щ": "shch"}

SCHEMES: dict[str, tuple[dict[str, str], ...]] = {
    "ru": (_COMMON, _RUSSIAN_ALT),
    "uk": (_UKRAINIAN, _COMMON),
}


def _table(scheme: dict[str, str]) -> dict[int, str]:
    table = {ord(k): v for k, v in scheme.items()}
    table.update({ord(k.upper()): v.capitalize() for k, v in scheme.items() if k.isalpha()})
    return table


_TABLES: dict[str, tuple[dict[int, str], ...]] = {
    lang: tuple(_table(s) for s in schemes) for lang, schemes in SCHEMES.items()
}


def latin_spellings(text: str, lang: str) -> list[str]:
    """The Latin spellings of a Cyrillic ``text`` in ``lang`` (ru, uk); none for other languages
    or text without Cyrillic letters."""
    tables = _TABLES.get(lang)
    if not tables or not any("\u0400" <= c <= "\u04ff" for c in text):
        return []
    return list(dict.fromkeys(text.translate(table) for table in tables))
