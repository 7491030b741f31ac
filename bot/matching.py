"""Match a question to the knowledge base and decide: answer, clarify ("did you mean…"), escalate.

Every question variant, title and keyword of every entry (in all ten languages), every event
title and alias, and every out-of-scope example becomes a document of the scoring index
(``bot.index``), which ranks entries, events and out-of-scope groups for a question.

A learned model (``bot.classifier``) trained on the same knowledge base scores every target too;
for a message of several sentences it also scores each sentence, so that a story before the
question does not dilute its topic, and in a long message the sentences of the story count less
than the one that asks (``bot.focus``). The two scores are blended.

The decision looks at the best score and at the margin to the runner-up (contract C1 in the
project's coordination notes): a clear lead is answered; a probable one is answered with one to
three alternatives offered below it; two or more genuinely close entries get a "did you mean"
menu; anything else goes to a person with at most two related topics. Out-of-scope examples
compete like entries: when one of them wins, the question goes to a person instead of getting a
confident wrong answer. An explicit wish for a human escalates; an urgent situation (``bot.urgent``)
is answered with its emergency entry before any scoring; a question that names an event is about
that event.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot import classifier, focus
from bot.classifier import Model
from bot.index import Index
from bot.knowledge import HUMAN_ID, KnowledgeBase
from bot.language import (
    LANGUAGES,
    LATIN_LANGUAGES,
    SHORT_WORDS,
    detect,
    german_only,
    may_be_transliterated,
    normalize_code,
    words,
)
from bot.normalize import normalize
from bot.translit import latin_spellings
from bot.urgent import Urgency, detector_for

DecisionKind = Literal["answer", "clarify", "escalate"]
EVENT_PREFIX = "event:"  # a target naming one event ("event:<id>"); other targets are entry ids
_OOS_PREFIX = "!oos:"
_HUMAN = "!human"


def event_target(event_id: str) -> str:
    """The target that names event ``event_id``."""
    return EVENT_PREFIX + event_id


def event_of(target: str) -> str | None:
    """The id of the event ``target`` names, or None when it names an entry."""
    return target.removeprefix(EVENT_PREFIX) if target.startswith(EVENT_PREFIX) else None


def target_exists(kb: KnowledgeBase, target: str) -> bool:
    """Whether the entry or event ``target`` names is (still) in the knowledge base."""
    event_id = event_of(target)
    return target in kb.entries if event_id is None else event_id in kb.events


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tunable decision thresholds on the blended score (between 0 and 1)."""

    answer: float = 0.5  # answered without alternatives from this score ...
    margin: float = 0.2  # ... with this lead over the runner-up
    probable: float = 0.3  # answered with alternatives from this score
    close: float = 0.1  # "genuinely close": a menu when the runner-up is within this share
    clarify: float = 0.2  # below "probable", a menu of close entries from this score
    related: float = 0.15  # a topic offered as an alternative or next to an escalation ...
    support: float = 0.05  # ... with at least this probability from the learned model
    human: float = 0.3  # the wish for a person from this score


# Chosen by tools/tune_thresholds.py on the development set (benchmarks/devset: realistic
# messages written without looking at the knowledge base), never on tests/eval. One set for all
# languages: the blended score is comparable across them, and the development set is too small
# to tune ten sets. Re-run it (seconds) after large content changes.
_TUNED = Thresholds(
    answer=0.62,
    margin=0.2,
    probable=0.22,
    close=0.25,
    clarify=0.3,
    related=0.1,
    support=0.05,
    human=0.18,
)
DEFAULT_THRESHOLDS: dict[str, Thresholds] = dict.fromkeys(LANGUAGES, _TUNED)
# Messages of more than LONG_WORDS words (a story around the question) score lower on both the
# index and the model, and the issue allows them a different share of wrong answers: they have
# thresholds of their own, tuned on the development set's long messages alone.
_TUNED_LONG = Thresholds(
    answer=0.56,
    margin=0.2,
    probable=0.16,
    close=0.35,
    clarify=0.1,
    related=0.14,
    support=0.02,
    human=0.18,
)
DEFAULT_LONG_THRESHOLDS: dict[str, Thresholds] = dict.fromkeys(LANGUAGES, _TUNED_LONG)
# The learned model's probability from which a runner-up is offered below a confident answer.
SECOND_TOPIC = 0.1
# How much of the blended score is the learned model's probability (the rest is the index's).
MODEL_WEIGHT = 0.5
MODEL_WEIGHT_LONG = 0.5  # ... for messages of more than LONG_WORDS words
LONG_WORDS = 12
# Softmax temperature for the SVM's decision values.
TEMPERATURE = 3.0
# The SVM's decision value of "none of the classes" (0 is the boundary of each class).
BACKGROUND = 0.0
LANGUAGE_TEMPERATURE = 4.0
# A sentence of a longer message is scored on its own from this many words (0: never).
MIN_CLAUSE_WORDS = 5


@dataclass(frozen=True, slots=True)
class Decision:
    decision: DecisionKind
    entry: str | None
    candidates: tuple[str, ...]
    score: float
    lang: str
    reason: str
    scores: tuple[float, ...] = field(default=(), compare=False)

    def as_json(self) -> dict[str, object]:
        """The ``match --jsonl`` contract."""
        return {
            "decision": self.decision,
            "entry": self.entry,
            "candidates": list(self.candidates),
            "score": round(self.score, 4),
            "lang": self.lang,
        }


class Matcher:
    """An index over one knowledge base. Build once, query many times (thread-safe, read-only)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: dict[str, Thresholds] | None = None,
        *,
        cache_dir: Path | None = None,
        learned: bool = True,
        long_thresholds: dict[str, Thresholds] | None = None,
    ) -> None:
        """``cache_dir`` keeps the learned model between starts; ``learned=False`` leaves it
        out (the index alone, as before it existed). ``long_thresholds`` decide messages of
        more than ``LONG_WORDS`` words; ``thresholds`` given alone decide every message."""
        self.kb = kb
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
        self.long_thresholds = long_thresholds or thresholds or DEFAULT_LONG_THRESHOLDS
        self.model_weight = MODEL_WEIGHT
        self.model_weight_long = MODEL_WEIGHT_LONG
        self.temperature = TEMPERATURE
        self.background = BACKGROUND
        self.min_clause_words = MIN_CLAUSE_WORDS
        self.story_discount = focus.STORY_DISCOUNT
        self.targets: list[str] = []
        self.urgent = detector_for(kb.urgent)
        raw_docs: list[tuple[int, str]] = []
        # Words of the answers and descriptions: weaker evidence, but they carry the vocabulary
        # people use when they describe a situation instead of naming the office.
        answer_tokens: dict[int, set[str]] = defaultdict(set)

        def add(target: str, texts: Iterable[str], answers: Iterable[str] = ()) -> None:
            index = len(self.targets)
            self.targets.append(target)
            for text in texts:
                normalized = normalize(text)
                if normalized:
                    raw_docs.append((index, normalized))
            for text in answers:
                answer_tokens[index].update(normalize(text).split())

        for entry in kb.entries.values():
            texts: list[str] = list(entry.keywords)
            for text in entry.texts.values():
                texts.append(text.title)
                texts.extend(text.questions)
            answers = [t.answer for t in entry.texts.values()]
            answers += [t.details for t in entry.texts.values() if t.details]
            add(entry.id, texts, answers)
        for event in kb.events.values():
            texts = []
            for etext in event.texts.values():
                texts.append(etext.title)
                texts.extend(etext.aliases)
            add(event_target(event.id), texts, (t.description for t in event.texts.values()))
        self._event_names = _event_names(kb)
        # Names indexed for a scan of the question's words, not of every name at every position:
        # long one-word names (typo or ending allowed) apart, the rest by their first word.
        self._event_single: dict[str, str] = {}
        self._event_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for phrase, target in self._event_names.items():
            if len(phrase) == 1 and len(phrase[0]) >= 7:
                self._event_single[phrase[0]] = target
            else:
                self._event_phrases[phrase[0]].append((phrase, target))
        self._event_single_names = list(self._event_single)
        for oos in kb.out_of_scope.values():
            target = _HUMAN if oos.id == HUMAN_ID else _OOS_PREFIX + oos.id
            add(target, (q for qs in oos.questions.values() for q in qs))

        self.index = Index(len(self.targets), raw_docs, answer_tokens)
        self._german, self._known_words, self._latin_words = _vocabularies(kb)
        self.model: Model | None = (
            classifier.load_or_train(training_samples(kb), cache_dir) if learned else None
        )
        self._model_column = {c: i for i, c in enumerate(self.model.classes if self.model else ())}
        # decide() needs the first four answerable targets and the runner-up: with every
        # out-of-scope group ranked above them, this many results still hold them all (on a
        # knowledge base with hundreds of groups, 50 results in practice).
        self._decision_depth = min(sum(t.startswith("!") for t in self.targets) + 4, 50)
        # Per-instance caches: a class-level lru_cache would keep every reloaded matcher alive.
        self._single_word_events = lru_cache(maxsize=16_384)(self._compute_single_word_events)
        # match() asks for the model's values twice (language, then targets).
        self._model_values = lru_cache(maxsize=256)(self._compute_model_values)
        # ... and for its probabilities twice (blend, then support).
        self._probabilities = lru_cache(maxsize=256)(self._compute_probabilities)

    # Word weights, for the report's clustering of unanswered questions.
    @property
    def idf(self) -> dict[str, float]:
        return self.index.idf

    @property
    def unknown_idf(self) -> float:
        return self.index.unknown_idf

    @property
    def vocabulary(self) -> list[str]:
        return self.index.vocabulary.words

    def score(self, text: str, limit: int = 50) -> list[tuple[str, float]]:
        """The ``limit`` best targets, best first (entries, events and pseudo-targets): the
        index's score blended with the learned model's probability."""
        normalized = normalize(text)
        ranked = self.index.score(normalized, limit)
        if self.model is None or not normalized:
            return [(self.targets[target], score) for target, score in ranked]
        # The index weighs every word alike, so a story dilutes its scores; the model scores
        # each sentence too. Long messages lean on the model.
        weight = self.model_weight_long if _long(normalized) else self.model_weight
        blended: dict[str, float] = {
            self.targets[target]: (1 - weight) * score for target, score in ranked
        }
        probabilities = self.probabilities(text)
        best = np.argsort(-probabilities)[:limit]
        for i in best.tolist():
            target = self.model.classes[i]
            blended[target] = blended.get(target, 0.0) + weight * float(probabilities[i])
        return sorted(blended.items(), key=lambda item: -item[1])[:limit]

    def support(self, text: str, ranked: list[tuple[str, float]]) -> dict[str, float] | None:
        """The learned model's probability for the first answerable targets of ``ranked``."""
        if self.model is None or not ranked:
            return None
        probabilities = self.probabilities(text)
        found = {}
        for target, _score in ranked[:8]:
            column = self._model_column.get(target)
            found[target] = float(probabilities[column]) if column is not None else 0.0
        return found

    def detect_language(self, text: str, hint: str | None = None) -> str:
        """``bot.language.detect`` with the learned model's language probabilities as prior.

        Only German words ("Jobcenter", "Kita Platz"): German, the city's language, unless a
        hint says otherwise for a keyword query; the model's prior is arbitrary for the office
        terms that every language's questions contain."""
        if self.model is None or len(self.model.languages) < 2:
            return detect(text, hint)
        if german_only(text, self._german, self._known_words):
            hint = normalize_code(hint)
            return hint if hint and len(words(text)) <= SHORT_WORDS else "de"
        values = LANGUAGE_TEMPERATURE * self._model_values(text)[1]
        exp = np.exp(values - values.max())
        prior = dict(zip(self.model.languages, (exp / exp.sum()).tolist(), strict=True))
        if not may_be_transliterated(text, self._latin_words):
            # Latin letters and nothing but words of the Latin-script languages: the model's
            # Cyrillic or Arabic guess comes from office terms, not from the person.
            prior = {lang: p if lang in LATIN_LANGUAGES else 0.0 for lang, p in prior.items()}
        return detect(text, hint, prior)

    def probabilities(self, text: str) -> np.ndarray:
        """The learned model's probability per class (``self.model.classes``): a softmax with
        one more, implicit class at the decision value ``background`` ("none of these"), so that
        a question no class claims gets low probabilities everywhere instead of a winner."""
        return self._probabilities(text, self.temperature, self.background)

    def _compute_probabilities(
        self, text: str, temperature: float, background: float
    ) -> np.ndarray:
        values = self._model_values(text)[0]
        top = max(float(values.max()), background)
        exp = np.exp(temperature * (values - top))
        probabilities = exp / (exp.sum() + np.exp(temperature * (background - top)))
        probabilities.flags.writeable = False  # cached: shared by every caller
        return probabilities

    def _compute_model_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The learned model's decision values per class and per language. A message of several
        sentences counts each class's best sentence or the whole, whichever is higher: the
        question, not the story around it, decides; in a long message a story sentence counts
        ``story_discount`` less than the asking one."""
        model = self.model
        assert model is not None
        parts = [normalize(part) for part in classifier.clauses(text)]
        counted = [model.counts(part) for part in parts]
        if len(parts) > 1:
            whole: Counter[int] = Counter()
            for counts in counted:
                whole.update(counts)
        else:
            # One sentence (the usual case): its features are the whole message's.
            normalized = normalize(text)
            whole = counted[0] if parts == [normalized] else model.counts(normalized)
        columns, weights = model.vector(whole)
        values = weights @ classifier.rows(model.weights, columns) + model.bias
        languages = weights @ classifier.rows(model.lang_weights, columns) + model.lang_bias
        if len(parts) > 1:
            # A long message: the sentences that ask count fully, the story around them less.
            asked = focus.asks(text) if self.story_discount and is_long(text) else []
            story: list[np.ndarray] = []
            for part, counts in zip(parts, counted, strict=True):
                # "Hallo." or "Danke!" before the question is not what it is about.
                if self.min_clause_words and part.count(" ") + 1 >= self.min_clause_words:
                    if asked and not any(part in sentence for sentence in asked):
                        story.append(model.decision(counts))
                    else:
                        np.maximum(values, model.decision(counts), out=values)
            if asked:
                ask = [model.decision(sentence) for sentence in asked]
                values = focus.focus(values, story, ask, self.story_discount)
        return values, languages

    # --------------------------------------------------------------------------- decision

    def match(self, text: str, lang: str | None = None, hint: str | None = None) -> Decision:
        """Decide what to do with ``text``. ``lang`` is a known language, ``hint`` a guess."""
        used_lang = normalize_code(lang) or self.detect_language(text, hint)
        urgency = self.urgent.detect(text)
        urgent = self._entries_for(urgency)
        if urgency is not None and urgent:
            known = normalize_code(lang) or normalize_code(hint)
            if not known and urgency.langs and used_lang not in urgency.langs:
                # The phrase that fired knows the language better than the letters do when
                # nothing else is known: "jozi bidrobni" is Arabic written in Latin letters.
                used_lang = urgency.langs[0]
            # Before anything else: the numbers at once, never "I don't know" or a menu.
            return Decision("answer", urgent[0], urgent, 1.0, used_lang, "emergency")
        table = self.long_thresholds if is_long(text) else self.thresholds
        limits = table.get(used_lang, Thresholds())
        ranked = self.score(text, self._decision_depth)
        support = self.support(text, ranked)
        decision = decide(ranked, used_lang, limits, support)
        if decision.reason in ("confident", "probable", "ambiguous", "no-match"):
            # A question that names an event is about that event, even when the general
            # "events" entry (which names the big festivals too) scores higher. Out of scope
            # and requests for a person keep their decision.
            named = self.named_event(text)
            if named is not None:
                score = max(dict(ranked).get(named, 0.0), decision.score)
                candidates = tuple(dict.fromkeys((named, *decision.candidates)))[:4]
                return Decision(
                    "answer", named, candidates, score, used_lang, "event-name", decision.scores
                )
        return decision

    def urgent_entries(self, text: str) -> tuple[str, ...]:
        """The entries for an urgent situation in ``text`` that this knowledge base has, best
        first; empty when nothing is urgent."""
        return self._entries_for(self.urgent.detect(text))

    def _entries_for(self, urgency: Urgency | None) -> tuple[str, ...]:
        if urgency is None:
            return ()
        return tuple(e for e in urgency.entries if e in self.kb.entries)

    def _compute_single_word_events(self, word: str) -> tuple[str, ...]:
        """Events with a long one-word name that ``word`` is, with an ending ("stadtfestes")
        or one typo."""
        if len(word) < 6:  # one edit from a name of seven or more letters at the least
            return ()
        names = {word[:k] for k in range(max(7, len(word) - 3), len(word) + 1)}
        names &= self._event_single.keys()
        names.update(
            name
            for name, _distance, _ in process.extract(
                word, self._event_single_names, scorer=Levenshtein.distance, score_cutoff=1,
                limit=None,
            )
        )  # fmt: skip
        return tuple(sorted({self._event_single[name] for name in names}))

    def named_event(self, text: str) -> str | None:
        """The ``event:<id>`` target whose title or alias ``text`` contains, if exactly one.

        Whole phrases only, so that "festival" alone names nothing. A one-word name of seven or
        more letters may carry one typo or an ending ("Stadtfestes"); longer names must match
        exactly, or "dessau festivals" would name the "Dessau festival". Several events named:
        the longest name wins, a tie names none.
        """
        tokens = normalize(text).split()
        found: dict[str, int] = {}
        for i, word in enumerate(tokens):
            for phrase, target in self._event_phrases.get(word, ()):
                if tuple(tokens[i : i + len(phrase)]) == phrase:
                    found[target] = max(found.get(target, 0), len(phrase))
            for target in self._single_word_events(word):
                found[target] = max(found.get(target, 0), 1)
        if not found:
            return None
        longest = max(found.values())
        best = [target for target, size in found.items() if size == longest]
        return best[0] if len(best) == 1 else None


def is_long(text: str) -> bool:
    """A message of more than ``LONG_WORDS`` words: scored and decided as a story."""
    return _long(normalize(text))


def _long(normalized: str) -> bool:
    return normalized.count(" ") + 1 > LONG_WORDS


_PARENTHESES = re.compile(r"\([^)]*\)")


def _vocabularies(
    kb: KnowledgeBase,
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The German words of the knowledge base, all its words and the words of its Latin-script
    languages' texts, for ``german_only`` and ``may_be_transliterated``.

    A word is German when the German texts (questions, titles, answers, letter signs, event
    names, out-of-scope examples) use it at least half as often as the texts of any other
    language: office terms stand in every language's texts about as often ("jobcenter",
    "kita"), a word of another language far more often there ("nie", "card", "mai")."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(lang: str, texts: Iterable[str]) -> None:
        for text in texts:
            counts[lang].update(words(text))

    for entry in kb.entries.values():
        for lang, text in entry.texts.items():
            add(lang, [text.title, *text.questions, text.answer, text.details or ""])
        add("de", (sign for letter in entry.letters for sign in letter.signs))
    for event in kb.events.values():
        for lang, etext in event.texts.items():
            add(lang, [etext.title, *etext.aliases])
    for oos in kb.out_of_scope.values():
        for lang, questions in oos.questions.items():
            add(lang, questions)
    german = counts.pop("de", Counter())
    known = set(german)
    for other in counts.values():
        known.update(other)
    english = counts.get("en", Counter())
    scripts_apart = [counts[lang] for lang in ("uk", "ru", "ar", "fa") if lang in counts]

    def is_german(word: str, n: int) -> bool:
        if 2 * n < max((other[word] for other in counts.values()), default=0):
            return False
        # A loanword English uses more ("online", "bus") is German only as an office term,
        # which the Cyrillic and Arabic texts keep in Latin letters too.
        return n >= english[word] or sum(word in other for other in scripts_apart) >= 3

    latin = set(german)
    for lang in LATIN_LANGUAGES:
        latin.update(counts.get(lang, ()))
    return (
        frozenset(word for word, n in german.items() if is_german(word, n)),
        frozenset(known),
        frozenset(latin),
    )


def _event_names(kb: KnowledgeBase) -> dict[tuple[str, ...], str]:
    """Normalised event names → target: every title (also without its bracketed note, which is
    often a generic "music festival") and every alias, in all languages. A name that two
    events share names neither."""
    names: dict[tuple[str, ...], str] = {}
    shared: set[tuple[str, ...]] = set()
    for event in kb.events.values():
        target = event_target(event.id)
        for text in event.texts.values():
            for name in (_PARENTHESES.sub(" ", text.title), *text.aliases):
                phrase = tuple(normalize(name).split())
                if phrase and names.setdefault(phrase, target) != target:
                    shared.add(phrase)
    for phrase in shared:
        del names[phrase]
    return names


def decide(
    ranked: list[tuple[str, float]],
    lang: str,
    limits: Thresholds,
    support: Mapping[str, float] | None = None,
) -> Decision:
    """The decision for scored targets; separate from scoring so thresholds can be tuned.
    ``support`` is the learned model's probability per target, when there is a model: a topic
    offered next to an escalation needs some of it, not only shared words."""
    if not ranked:
        return Decision("escalate", None, (), 0.0, lang, "empty")
    answerable = [(t, s) for t, s in ranked if not t.startswith("!")]
    scores = tuple(round(s, 4) for _, s in answerable[:4])
    top_target, top_score = ranked[0]
    best_id, best = answerable[0] if answerable else (None, 0.0)
    # Offered next to an escalation: only topics that really are related, at most two.
    related = tuple(
        t
        for t, s in answerable[:2]
        if s >= limits.related and (support is None or support.get(t, 0.0) >= limits.support)
    )
    if top_target == _HUMAN and top_score >= limits.human:
        return Decision("escalate", None, related, best, lang, "human", scores)
    if top_target.startswith("!") and top_score >= limits.clarify:
        return Decision("escalate", None, related, best, lang, "out-of-scope", scores)
    if best_id is None:
        return Decision("escalate", None, (), 0.0, lang, "no-match")
    # The runner-up may be an out-of-scope example: being close to one is a reason to hold back.
    runner_id, runner_up = next(((t, s) for t, s in ranked if t != best_id), (None, 0.0))
    lead = best - runner_up
    if best >= limits.answer and lead >= limits.margin:
        # A second topic the model also claims ("kita oder kindergeld") is offered below.
        also = tuple(
            t
            for t, _s in answerable[1:3]
            if support is not None and support.get(t, 0.0) >= SECOND_TOPIC
        )
        reason = "probable" if also else "confident"
        return Decision("answer", best_id, (best_id, *also), best, lang, reason, scores)
    near = best * (1 - limits.close)
    # Genuinely close: near in score, and the model gives the runner-up some probability too
    # (shared words alone, "melde ... an" for the Ausländerbehörde, are not enough).
    close = tuple(
        t
        for i, (t, s) in enumerate(answerable[:4])
        if s >= near and (i == 0 or support is None or support.get(t, 0.0) >= limits.support)
    )
    if best >= limits.probable:
        if runner_up >= near and runner_id is not None and runner_id.startswith("!"):
            # Out of scope nearly as likely: rather a person than a confident wrong answer.
            return Decision("escalate", None, related, best, lang, "out-of-scope", scores)
        if len(close) >= 2:
            return Decision("clarify", None, close, best, lang, "ambiguous", scores)
        floor = max(limits.related, best / 3)
        alternatives = tuple(
            t
            for t, s in answerable[1:4]
            if s >= floor and (support is None or support.get(t, 0.0) >= limits.support)
        )
        reason = "probable" if alternatives else "confident"
        return Decision("answer", best_id, (best_id, *alternatives), best, lang, reason, scores)
    if best >= limits.clarify and len(close) >= 2:
        return Decision("clarify", None, close, best, lang, "ambiguous", scores)
    return Decision("escalate", None, related, best, lang, "no-match", scores)


def training_samples(kb: KnowledgeBase) -> list[classifier.Sample]:
    """What the learned model learns from: every question variant, title and keyword of every
    entry (keywords mix languages, so they teach no language), the Latin spellings of the
    Russian and Ukrainian variants, event titles and aliases, and the out-of-scope groups."""
    samples: list[classifier.Sample] = []
    for entry in kb.entries.values():
        samples += [classifier.Sample(k, entry.id, "") for k in entry.keywords]
        for lang, text in entry.texts.items():
            for question in (text.title, *text.questions):
                samples.append(classifier.Sample(question, entry.id, lang))
                samples += [
                    classifier.Sample(latin, entry.id, lang)
                    for latin in latin_spellings(question, lang)
                ]
    for event in kb.events.values():
        for lang, etext in event.texts.items():
            for name in (etext.title, *etext.aliases):
                samples.append(classifier.Sample(name, event_target(event.id), lang))
    for oos in kb.out_of_scope.values():
        target = _HUMAN if oos.id == HUMAN_ID else _OOS_PREFIX + oos.id
        for lang, questions in oos.questions.items():
            for question in questions:
                samples.append(classifier.Sample(question, target, lang))
                samples += [
                    classifier.Sample(latin, target, lang)
                    for latin in latin_spellings(question, lang)
                ]
    return samples
