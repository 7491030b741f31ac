"""The ten supported languages and offline language detection.

Detection is deliberately simple and explainable: the script decides most cases (Arabic vs
Persian by their own letters, Ukrainian vs Russian by theirs), Latin-script languages are told
apart by diacritics and frequent function words. The client's language hint breaks ties, and a
language the person chose explicitly always wins (that is decided by the caller).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from operator import itemgetter

LANGUAGES: tuple[str, ...] = ("de", "en", "uk", "ru", "ar", "fa", "tr", "ro", "pl", "vi")
RTL_LANGUAGES = frozenset({"ar", "fa"})
DEFAULT_LANGUAGE = "de"
# A missing translation falls back along this chain: English is read by more newcomers than German.
FALLBACK_CHAIN: tuple[str, ...] = ("en", "de")

NATIVE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "uk": "Українська",
    "ru": "Русский",
    "ar": "العربية",
    "fa": "فارسی",
    "tr": "Türkçe",
    "ro": "Română",
    "pl": "Polski",
    "vi": "Tiếng Việt",
}
FLAGS: dict[str, str] = {
    "de": "🇩🇪",
    "en": "🇬🇧",
    "uk": "🇺🇦",
    "ru": "🇷🇺",
    "ar": "🇸🇾",
    "fa": "🇮🇷",
    "tr": "🇹🇷",
    "ro": "🇷🇴",
    "pl": "🇵🇱",
    "vi": "🇻🇳",
}


def normalize_code(code: str | None) -> str | None:
    """Map a client language code such as ``pt-BR`` or ``UK`` to a supported code, or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def fallbacks(lang: str) -> tuple[str, ...]:
    """The languages to try, in order, for a text wanted in ``lang``."""
    chain = [lang, *FALLBACK_CHAIN]
    return tuple(dict.fromkeys(chain))


def _letters(alphabet: str) -> re.Pattern[str]:
    """A pattern for any one of ``alphabet``'s letters, to count them in C."""
    return re.compile(f"[{re.escape(alphabet)}]")


# Persian pe, che, zhe, gaf, keheh and Farsi yeh; Arabic does not use them.
_PERSIAN_ONLY = _letters("\u067e\u0686\u0698\u06af\u06a9\u06cc")
# Teh marbuta, Arabic yeh and kaf, alef maksura, hamza carriers: rare or absent in Persian.
_ARABIC_ONLY = _letters("\u0629\u064a\u0643\u0649\u0623\u0625\u0624\u0626")
_UKRAINIAN_ONLY = _letters("іїєґ")
_RUSSIAN_ONLY = _letters("ыэъё")
# Frequent words whose spelling differs between Ukrainian and Russian (no tell-tale letters).
_UKRAINIAN_WORDS = frozenset(
    "де як що чи мені мене можна отримати потрібно треба коли скільки який яка яке тут та "
    "або він вона вони ми ви хочу маю немає це цей для дитина дитини робота житло".split()
)
_RUSSIAN_WORDS = frozenset(
    "где как что ли мне меня можно получить нужно надо когда сколько какой какая какое "
    "здесь или он она они мы вы хочу есть нет это этот для ребенок ребенка работа жилье".split()
)
_VIETNAMESE_ONLY = _letters("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
_ROMANIAN_ONLY = _letters("șțşţ")
_POLISH_ONLY = _letters("ąćęłńśźż")
_TURKISH_ONLY = _letters("ğış")
_GERMAN_ONLY = _letters("äöüß")

# Frequent short words per Latin-script language (lower case, without diacritics where people
# often drop them). Overlaps are fine: the scores are relative.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        [
            "ich",
            "du",
            "wir",
            "sie",
            "ist",
            "sind",
            "wo",
            "wie",
            "was",
            "wann",
            "der",
            "die",
            "das",
            "ein",
            "eine",
            "einen",
            "und",
            "oder",
            "nicht",
            "mit",
            "fur",
            "für",
            "bei",
            "kann",
            "muss",
            "mein",
            "meine",
            "ich",
            "brauche",
            "bitte",
            "gibt",
            "es",
            "hallo",
            "danke",
        ]
    ),
    "en": frozenset(
        [
            "i",
            "you",
            "we",
            "is",
            "are",
            "where",
            "how",
            "what",
            "when",
            "the",
            "a",
            "an",
            "and",
            "or",
            "not",
            "with",
            "for",
            "my",
            "can",
            "do",
            "does",
            "need",
            "please",
            "to",
            "get",
            "of",
            "in",
            "is",
            "there",
            "hello",
            "thanks",
            "thank",
        ]
    ),
    "tr": frozenset(
        [
            "ne",
            "nasil",
            "nasıl",
            "nerede",
            "nerde",
            "neden",
            "icin",
            "için",
            "bir",
            "ve",
            "ile",
            "mi",
            "mı",
            "mu",
            "mü",
            "ben",
            "benim",
            "var",
            "yok",
            "lazim",
            "lazım",
            "merhaba",
            "tesekkurler",
            "teşekkürler",
            "yapilir",
            "yapılır",
            "istiyorum",
        ]
    ),
    "ro": frozenset(
        [
            "unde",
            "cum",
            "ce",
            "cand",
            "când",
            "este",
            "sunt",
            "si",
            "și",
            "pentru",
            "un",
            "o",
            "am",
            "nu",
            "cu",
            "la",
            "de",
            "care",
            "vreau",
            "trebuie",
            "buna",
            "bună",
            "multumesc",
            "mulțumesc",
            "pot",
            "meu",
            "mea",
        ]
    ),
    "pl": frozenset(
        [
            "gdzie",
            "jak",
            "co",
            "kiedy",
            "jest",
            "sa",
            "są",
            "i",
            "w",
            "z",
            "na",
            "do",
            "nie",
            "czy",
            "mam",
            "moj",
            "mój",
            "moja",
            "chce",
            "chcę",
            "potrzebuje",
            "potrzebuję",
            "prosze",
            "proszę",
            "dzien",
            "dzień",
            "dobry",
            "dziekuje",
            "dziękuję",
            "sie",
            "się",
        ]
    ),
    "vi": frozenset(
        [
            "toi",
            "tôi",
            "o",
            "ở",
            "dau",
            "đâu",
            "lam",
            "làm",
            "the",
            "thế",
            "nao",
            "nào",
            "cho",
            "cua",
            "của",
            "khong",
            "không",
            "co",
            "có",
            "can",
            "cần",
            "xin",
            "chao",
            "chào",
            "cam",
            "cảm",
            "on",
            "ơn",
            "gi",
            "gì",
            "duoc",
            "được",
            "nhu",
            "như",
        ]
    ),
}

_FUNCTION_LANGUAGES: dict[str, list[str]] = {}
for _lang, _words in _FUNCTION_WORDS.items():
    for _word in _words:
        _FUNCTION_LANGUAGES.setdefault(_word, []).append(_lang)

_WORD = re.compile(r"\w+", re.UNICODE)


class _ScriptTable(dict[int, str]):
    """``str.translate`` table from a letter to its script's initial (a, c, l) or nothing,
    filled as characters are seen (a C look-up instead of ``unicodedata.name`` per character).
    Characters beyond the scripts people write here are answered without being stored."""

    cache_clear = dict.clear  # like an lru_cache's, for benchmarks that measure a cold start

    def __missing__(self, code: int) -> str:
        char = chr(code)
        name = unicodedata.name(char, "") if char.isalpha() else ""
        script = next((s[0] for s in _SCRIPTS if name.startswith(s.upper())), "")
        if code < 0x3000:
            self[code] = script
        return script


_SCRIPTS = ("arabic", "cyrillic", "latin")
_SCRIPT_OF = _ScriptTable()


def _script_counts(text: str) -> Counter[str]:
    initials = text.translate(_SCRIPT_OF)
    present = [script for script in _SCRIPTS if script[0] in initials]
    if len(present) == 1:  # the usual case: one script
        return Counter({present[0]: len(initials)})
    # In order of first appearance: most_common() breaks ties by it.
    present.sort(key=lambda script: initials.find(script[0]))
    return Counter({script: initials.count(script[0]) for script in present})


@lru_cache(maxsize=16384)
def _strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def _count(text: str, letters: re.Pattern[str]) -> int:
    return len(letters.findall(text))


@lru_cache(maxsize=16384)
def _function_word_languages(word: str) -> tuple[str, ...]:
    """The languages (in ``_FUNCTION_WORDS`` order) that have ``word``, with or without marks."""
    bare = _strip_marks(word)
    found = set(_FUNCTION_LANGUAGES.get(word, ())) | set(_FUNCTION_LANGUAGES.get(bare, ()))
    return tuple(lang for lang in _FUNCTION_WORDS if lang in found)


def detect(text: str, hint: str | None = None) -> str:
    """Guess the language of ``text``; ``hint`` (e.g. the Telegram client language) breaks ties.

    Always returns one of LANGUAGES: a hint that is supported, else German, when nothing is known.
    """
    hint = normalize_code(hint)
    lowered = text.casefold()
    scripts = _script_counts(lowered)
    if not scripts:
        return hint or DEFAULT_LANGUAGE
    # German office words inside a Cyrillic or Arabic question ("Где Ausländerbehörde?") do not
    # make it German: a few letters of a non-Latin script decide.
    non_latin = [(n, s) for s, n in scripts.items() if s != "latin" and n >= 2]
    script = max(non_latin)[1] if non_latin else scripts.most_common(1)[0][0]

    if script == "arabic":
        persian = _count(lowered, _PERSIAN_ONLY)
        arabic = _count(lowered, _ARABIC_ONLY)
        if persian > arabic:
            return "fa"
        if arabic > persian:
            return "ar"
        return hint if hint in ("ar", "fa") else "ar"

    if script == "cyrillic":
        words = _WORD.findall(lowered)
        ukrainian = _count(lowered, _UKRAINIAN_ONLY) + sum(w in _UKRAINIAN_WORDS for w in words)
        russian = _count(lowered, _RUSSIAN_ONLY) + sum(w in _RUSSIAN_WORDS for w in words)
        if ukrainian > russian:
            return "uk"
        if russian > ukrainian:
            return "ru"
        return hint if hint in ("uk", "ru") else "ru"

    # Latin script: letters unique to one language are strong evidence, function words weaker.
    scores: Counter[str] = Counter()
    scores["vi"] += 3 * _count(lowered, _VIETNAMESE_ONLY)
    scores["ro"] += 3 * _count(lowered, _ROMANIAN_ONLY)
    scores["pl"] += 3 * _count(lowered, _POLISH_ONLY)
    scores["tr"] += 3 * _count(lowered, _TURKISH_ONLY)
    scores["de"] += 3 * _count(lowered, _GERMAN_ONLY)
    words = _WORD.findall(lowered)
    for word in words:
        for lang in _function_word_languages(word):
            scores[lang] += 2
    if hint in scores or hint in _FUNCTION_WORDS or hint in ("de", "en"):
        scores[hint] += 1  # the client's language is a good prior among Latin-script languages
    # most_common(2), without its heap: a stable sort keeps the first-counted of equals first.
    best = sorted(scores.items(), key=itemgetter(1), reverse=True)[:2]
    if not best or best[0][1] == 0:
        # No evidence ("Kita", "emergency number"): newcomers read English more often than German.
        return hint if hint in ("de", "en", "tr", "ro", "pl", "vi") else "en"
    if len(best) > 1 and best[0][1] == best[1][1]:
        tied = {best[0][0], best[1][0]}
        if hint in tied:
            return hint
        return "de" if "de" in tied else best[0][0]
    return best[0][0]
