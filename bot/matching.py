"""Match a question to the knowledge base and decide: answer, clarify ("did you mean…"), escalate.

Every question variant, title and keyword of every entry (in all ten languages), every event
title and alias, and every out-of-scope example becomes a document of the scoring index
(``bot.index``), which ranks entries, events and out-of-scope groups for a question.

The decision looks at the best score and at the margin to the runner-up. Out-of-scope examples
compete like entries: when one of them wins, the question goes to a person instead of getting a
confident wrong answer. An explicit wish for a human escalates; an urgent situation (``bot.urgent``)
is answered with its emergency entry before any scoring; a question that names an event is about
that event.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.index import Index
from bot.knowledge import HUMAN_ID, KnowledgeBase
from bot.language import detect, normalize_code
from bot.normalize import normalize
from bot.urgent import detector_for

DecisionKind = Literal["answer", "clarify", "escalate"]
EVENT_PREFIX = "event:"
_OOS_PREFIX = "!oos:"
_HUMAN = "!human"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tunable decision thresholds; scores are between 0 and 1."""

    answer: float = 0.56
    clarify: float = 0.34
    margin: float = 0.07
    human: float = 0.55


# Per-language thresholds from tools/tune_thresholds.py: 5-fold cross-validation on the knowledge
# base's own question variants, never on the public evaluation set; the middle of the best region
# of the grid, not its single best point, which moves with any small change. Re-run it (seconds)
# after content changes. Scripts with richer inflection score lower for the same certainty.
DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    "de": Thresholds(answer=0.42, clarify=0.15, margin=0.16),
    "en": Thresholds(answer=0.44, clarify=0.24, margin=0.18),
    "uk": Thresholds(answer=0.46, clarify=0.21, margin=0.1),
    "ru": Thresholds(answer=0.4, clarify=0.24, margin=0.2),
    "ar": Thresholds(answer=0.48, clarify=0.15, margin=0.2),
    "fa": Thresholds(answer=0.6, clarify=0.21, margin=0.18),
    "tr": Thresholds(answer=0.6, clarify=0.21, margin=0.16),
    "ro": Thresholds(answer=0.4, clarify=0.24, margin=0.12),
    "pl": Thresholds(answer=0.4, clarify=0.12, margin=0.14),
    "vi": Thresholds(answer=0.4, clarify=0.39, margin=0.14),
}


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

    def __init__(self, kb: KnowledgeBase, thresholds: dict[str, Thresholds] | None = None) -> None:
        self.kb = kb
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
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
            add(EVENT_PREFIX + event.id, texts, (t.description for t in event.texts.values()))
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
        # decide() needs the first four answerable targets and the runner-up: with every
        # out-of-scope group ranked above them, this many results still hold them all (on a
        # knowledge base with hundreds of groups, 50 results in practice).
        self._decision_depth = min(sum(t.startswith("!") for t in self.targets) + 4, 50)
        # Per-instance caches: a class-level lru_cache would keep every reloaded matcher alive.
        self._single_word_events = lru_cache(maxsize=16_384)(self._compute_single_word_events)

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
        """The ``limit`` best targets, best first (entries, events and pseudo-targets)."""
        ranked = self.index.score(normalize(text), limit)
        return [(self.targets[target], score) for target, score in ranked]

    # --------------------------------------------------------------------------- decision

    def match(self, text: str, lang: str | None = None, hint: str | None = None) -> Decision:
        """Decide what to do with ``text``. ``lang`` is a known language, ``hint`` a guess."""
        used_lang = normalize_code(lang) or detect(text, hint)
        urgent = self.urgent_entries(text)
        if urgent:
            # Before anything else: the numbers at once, never "I don't know" or a menu.
            return Decision("answer", urgent[0], urgent, 1.0, used_lang, "emergency")
        limits = self.thresholds.get(used_lang, Thresholds())
        ranked = self.score(text, self._decision_depth)
        decision = decide(ranked, used_lang, limits)
        if decision.reason in ("confident", "ambiguous", "no-match"):
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
        urgency = self.urgent.detect(text)
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


_PARENTHESES = re.compile(r"\([^)]*\)")


def _event_names(kb: KnowledgeBase) -> dict[tuple[str, ...], str]:
    """Normalised event names → target: every title (also without its bracketed note, which is
    often a generic "music festival") and every alias, in all languages. A name that two
    events share names neither."""
    names: dict[tuple[str, ...], str] = {}
    shared: set[tuple[str, ...]] = set()
    for event in kb.events.values():
        target = EVENT_PREFIX + event.id
        for text in event.texts.values():
            for name in (_PARENTHESES.sub(" ", text.title), *text.aliases):
                phrase = tuple(normalize(name).split())
                if phrase and names.setdefault(phrase, target) != target:
                    shared.add(phrase)
    for phrase in shared:
        del names[phrase]
    return names


def decide(ranked: list[tuple[str, float]], lang: str, limits: Thresholds) -> Decision:
    """The decision for scored targets; separate from scoring so thresholds can be tuned."""
    if not ranked:
        return Decision("escalate", None, (), 0.0, lang, "empty")
    answerable = [(t, s) for t, s in ranked if not t.startswith("!")]
    candidates = tuple(t for t, _ in answerable[:4])
    scores = tuple(round(s, 4) for _, s in answerable[:4])
    top_target, top_score = ranked[0]
    best_score = answerable[0][1] if answerable else 0.0
    if top_target == _HUMAN and top_score >= limits.human:
        return Decision("escalate", None, candidates, best_score, lang, "human", scores)
    if top_target.startswith("!") and top_score >= limits.clarify:
        return Decision("escalate", None, candidates, best_score, lang, "out-of-scope", scores)
    if not answerable:
        return Decision("escalate", None, (), 0.0, lang, "no-match")
    best_id = answerable[0][0]
    # The runner-up may be an out-of-scope example: being close to one is a reason to ask.
    runner_up = max((s for t, s in ranked if t != best_id), default=0.0)
    if best_score >= limits.answer and best_score - runner_up >= limits.margin:
        return Decision("answer", best_id, candidates, best_score, lang, "confident", scores)
    if best_score >= limits.clarify:
        floor = max(0.7 * limits.clarify, best_score - 0.2)
        shortlist = tuple(t for t, s in answerable[:4] if s >= floor)
        return Decision("clarify", None, shortlist, best_score, lang, "ambiguous", scores)
    return Decision("escalate", None, candidates, best_score, lang, "no-match", scores)
