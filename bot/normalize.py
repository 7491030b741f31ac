"""Text normalisation shared by the index and the queries.

Both sides go through exactly the same function, so a folding that loses information (ä → a,
"ue" → "u", doubled letters → one) costs nothing: "Bürgeramt", "Buergeramt" and "Burgeramt" all
become "burgeramt". What it must never do is map text to something empty when it had letters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import Prefix

# Arabic-script variants that people type interchangeably, mapped to one form each.
_ARABIC_FOLD = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Farsi yeh
        "\u0649": "\u06cc",  # alef maksura -> yeh
        "\u0626": "\u06cc",  # yeh with hamza -> yeh
        "\u0643": "\u06a9",  # Arabic kaf -> keheh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0624": "\u0648",  # waw with hamza -> waw
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u06c0": "\u0647",  # heh with yeh above -> heh
        "\u0640": None,  # tatweel (kashida) is decoration
        "\u200c": " ",  # zero-width non-joiner separates Persian word parts
        # Persian and Arabic-Indic digits -> ASCII digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},
        **{chr(0x0660 + i): str(i) for i in range(10)},
    }
)

_ARABIC_VARIANT = re.compile("[" + re.escape("".join(map(chr, _ARABIC_FOLD))) + "]")

# Cyrillic letters that look like Latin ones, for words typed with a mixed keyboard layout.
_CYRILLIC_TO_LATIN = str.maketrans("аеорсухкмтвніј", "aeopcyxkmtbhij")
_LATIN_TO_CYRILLIC = str.maketrans("aeopcyxkmtbhi", "аеорсухкмтвні")

_GERMAN_DIGRAPHS = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_REPEATS = re.compile(r"([^\W\d])\1+")  # letters only: "112" must stay "112"
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# Persian/Arabic prefixes that are written joined to the word: the article and common particles.
_ARABIC_PREFIX = re.compile(r"^(?:وال|بال|فال|كال|کال|لل|ال)(?=\w{3,})")
_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

MAX_INPUT_CHARS = 2000  # a question longer than this is cut; nobody types more on a phone


@lru_cache(maxsize=16384)  # caches here are bounded for a bot that runs for months
def _fold_token(token: str) -> str:
    """Fold until nothing changes: one pass can make a new digraph, repeat or prefix ("baee" →
    "bae"), and a second normalisation must not find anything left to do."""
    while True:
        folded = _fold_once(token)
        if folded == token:
            return folded
        token = folded


def _fold_once(token: str) -> str:
    ascii_only = token.isascii()  # then no Cyrillic letter, no layout slip to mend
    latin = 0 if ascii_only else len(_LATIN.findall(token))
    cyrillic = 0 if ascii_only else len(_CYRILLIC.findall(token))
    if latin and cyrillic:
        # One keyboard-layout slip inside a word: map it to the word's majority script.
        if latin >= cyrillic:
            token = token.translate(_CYRILLIC_TO_LATIN)
        else:
            token = token.translate(_LATIN_TO_CYRILLIC)
    if token.isascii():  # again: a keyboard slip may just have made it ASCII
        token = _GERMAN_DIGRAPHS.sub(lambda m: m.group(1)[0], token)
    else:
        token = _ARABIC_PREFIX.sub("", token)
    return _REPEATS.sub(r"\1", token)


class _MarkTable(dict[int, str | None]):
    """``str.translate`` table that drops combining marks, filled as characters are seen.

    Looking each character up in C instead of a Python loop over ``unicodedata.combining``
    makes normalisation about twice as fast. Characters beyond the scripts people write here
    are answered without being stored, so that odd input cannot grow the table without bound.
    """

    cache_clear = dict.clear  # like an lru_cache's, for benchmarks that measure a cold start

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if unicodedata.combining(char) else _SPLIT_LETTERS.get(char, char)
        if code < 0x3000:
            self[code] = value
        return value


# NFKD leaves a few letters that carry their mark inside the code point.
_SPLIT_LETTERS = {"đ": "d", "ł": "l", "ı": "i", "ø": "o"}
_MARKS = _MarkTable()


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed if decomposed.isascii() else decomposed.translate(_MARKS)


def _fold_arabic(text: str) -> str:
    # Looking for a variant first is a C-level scan; translating is a dict look-up per character.
    return text.translate(_ARABIC_FOLD) if _ARABIC_VARIANT.search(text) else text


@lru_cache(maxsize=4096)  # one question is normalised several times, rarely two alike
def normalize(text: str) -> str:
    """Fold ``text`` to a canonical, space-separated form for matching."""
    text = text[:MAX_INPUT_CHARS]
    if text.isascii():
        text = text.lower()  # all that the steps below would do to ASCII
    else:
        text = _fold_arabic(text)
        # Compatibility forms first (𝓐 -> A), then case (ß -> ss, İ -> i + dot), then marks.
        text = _strip_marks(_strip_marks(text).casefold())
        # Presentation forms (ligatures such as ﱺ) decompose only now, into letters that fold.
        text = _fold_arabic(text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    tokens = [_fold_token(t) for t in text.split()]
    return " ".join(t for t in tokens if t)


def tokens(text: str) -> list[str]:
    """The normalised tokens of ``text``."""
    return normalize(text).split()


def common_prefix_length(a: str, b: str) -> int:
    """How many leading characters two tokens share (inflections share a long one)."""
    return int(Prefix.similarity(a, b))
