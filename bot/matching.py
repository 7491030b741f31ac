"""Match a question to the knowledge base and decide: answer, clarify ("did you mean…"), escalate.

How it scores (all prepared once per knowledge base in ``Matcher.__init__``):

1. Every question variant, title and keyword of every entry (in all ten languages), every event
   title and alias, and every out-of-scope example becomes a *document* of normalised tokens.
2. Each query token is matched against the vocabulary: exactly, by a shared stem (inflections:
   "anmeldung"/"anmelden", "регистрация"/"регистрации") or by edit distance (typos), with
   rapidfuzz. Tokens are weighted by how specific they are (inverse document frequency over
   entries), so "Bürgeramt" counts far more than "where" or "the".
3. A document scores by how much of the query it explains *and* how much of itself the query
   covers; a whole-string similarity (rapidfuzz) adds robustness to word order and split words.
   An entry's score is its best document's.
4. The decision looks at the best score and at the margin to the runner-up. Out-of-scope examples
   compete like entries: when one of them wins, the question goes to a person instead of getting
   a confident wrong answer. An explicit wish for a human escalates; emergency words always put
   the emergency entry first.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.knowledge import HUMAN_ID, KnowledgeBase
from bot.language import detect, normalize_code
from bot.normalize import common_prefix_length, normalize

DecisionKind = Literal["answer", "clarify", "escalate"]
EVENT_PREFIX = "event:"
_OOS_PREFIX = "!oos:"
_HUMAN = "!human"
# A word in more documents than this is walked only where rarer words already led (the real
# knowledge base's commonest word, "Dessau", is in 442 of 8,013 documents: never limited).
MAX_POSTINGS = 800
ANSWER_SIM = 0.6  # a word found only in an entry's answer counts this much of a question word
ENTRY_WEIGHT = 0.45  # share of the score from the entry's whole vocabulary vs its best variant


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tunable decision thresholds; scores are between 0 and 1."""

    answer: float = 0.56
    clarify: float = 0.34
    margin: float = 0.07
    human: float = 0.55


# Per-language thresholds from tools/tune_thresholds.py: 5-fold cross-validation on the knowledge
# base's own question variants, never on the public evaluation set. Re-run it after large content
# changes. Scripts with richer inflection score lower for the same certainty.
DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    "de": Thresholds(answer=0.44, clarify=0.21, margin=0.14),
    "en": Thresholds(answer=0.42, clarify=0.27, margin=0.2),
    "uk": Thresholds(answer=0.44, clarify=0.24, margin=0.1),
    "ru": Thresholds(answer=0.42, clarify=0.24, margin=0.2),
    "ar": Thresholds(answer=0.46, clarify=0.18, margin=0.2),
    "fa": Thresholds(answer=0.6, clarify=0.24, margin=0.16),
    "tr": Thresholds(answer=0.4, clarify=0.21, margin=0.14),
    "ro": Thresholds(answer=0.42, clarify=0.24, margin=0.14),
    "pl": Thresholds(answer=0.42, clarify=0.3, margin=0.14),
    "vi": Thresholds(answer=0.44, clarify=0.42, margin=0.14),
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


@dataclass(slots=True)
class _Doc:
    target: int
    text: str
    weights: dict[str, float]  # token -> idf
    mass: float


def _typo_key(token: str) -> str:
    """The group a word's typo candidates come from: its first letter, except in Arabic script,
    where joined prefixes (و، ب، ل، ا) change the first letter of the same word."""
    return "\u0600" if "\u0600" <= token[0] <= "\u06ff" else token[0]


def _stem_similarity(a: str, b: str) -> float:
    """Similarity of two tokens that share a long common prefix (inflected forms), else 0."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return 0.0
    common = common_prefix_length(short, long_)
    if common < 4 or (common < 0.6 * len(long_) and common < len(short) - 1):
        return 0.0
    return 0.7 + 0.25 * common / len(long_)


class Matcher:
    """An index over one knowledge base. Build once, query many times (thread-safe, read-only)."""

    def __init__(self, kb: KnowledgeBase, thresholds: dict[str, Thresholds] | None = None) -> None:
        self.kb = kb
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
        self.targets: list[str] = []
        self.emergency_ids: list[str] = []
        # Whole normalised keyword phrases: "cấp cứu" must not fire on Romanian "cu".
        self._emergency_phrases: set[tuple[str, ...]] = set()
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
            add(entry.id, texts, (t.answer for t in entry.texts.values()))
            if entry.emergency:
                self.emergency_ids.append(entry.id)
                for keyword in entry.keywords:
                    phrase = tuple(normalize(keyword).split())
                    if phrase:
                        self._emergency_phrases.add(phrase)
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

        # Document frequency counts targets, not documents: a word used in many questions of one
        # entry is still specific to that entry.
        target_tokens: dict[int, set[str]] = defaultdict(set)
        for target, text in raw_docs:
            target_tokens[target].update(text.split())
        for target, tokens_ in answer_tokens.items():
            target_tokens[target].update(tokens_)
        self.answer_postings: dict[str, list[int]] = defaultdict(list)
        for target, tokens_ in answer_tokens.items():
            for token in tokens_:
                self.answer_postings[token].append(target)
        df: dict[str, int] = defaultdict(int)
        for token_set in target_tokens.values():
            for token in token_set:
                df[token] += 1
        n = max(len(self.targets), 1)
        self.idf: dict[str, float] = {t: math.log(1 + n / c) for t, c in df.items()}
        self.unknown_idf = math.log(1 + n)  # a word no entry knows is as specific as it gets
        self.docs: list[_Doc] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        seen: set[tuple[int, str]] = set()
        for target, text in raw_docs:
            if (target, text) in seen:
                continue
            seen.add((target, text))
            weights = {t: self.idf[t] for t in text.split()}
            doc_id = len(self.docs)
            self.docs.append(_Doc(target, text, weights, sum(weights.values())))
            for token in weights:
                self.postings[token].append(doc_id)
        self._doc_target = [doc.target for doc in self.docs]
        self._posting_sets = {
            token: frozenset(docs)
            for token, docs in self.postings.items()
            if len(docs) > MAX_POSTINGS
        }
        self.vocabulary = sorted(df)
        # Typo candidates grouped by first letter and length: people rarely mistype the first
        # letter, and this keeps each fuzzy scan to a few hundred words instead of the whole
        # vocabulary (benchmarks: cold p99 on the real KB 6.2 -> 1.3 ms).
        self._typo_groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for token in self.vocabulary:
            self._typo_groups[(_typo_key(token), len(token))].append(token)
        self._typo_pools: dict[tuple[str, int], tuple[str, ...]] = {}
        self._emergency_by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in self._emergency_phrases:
            self._emergency_by_first[phrase[0]].append(phrase)
        self._emergency_fuzzy_firsts = [
            k for k in self._emergency_by_first if len(k) >= 8 and not k.isdigit()
        ]
        # Per-instance caches: a class-level lru_cache would keep every reloaded matcher alive.
        self._token_matches = lru_cache(maxsize=50_000)(self._compute_token_matches)
        self._prefix_pool = lru_cache(maxsize=4096)(self._compute_prefix_pool)

    # -------------------------------------------------------------------------- token level

    def _compute_token_matches(self, token: str) -> tuple[tuple[str, float], ...]:
        matches: dict[str, float] = {}
        if token in self.idf:
            matches[token] = 1.0
        if len(token) >= 4:
            pool = self._typo_pool(token)
            cutoff = 80 if len(token) <= 5 else 75
            for candidate, score, _ in process.extract(
                token, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8
            ):
                sim = 0.55 + 0.4 * (score - cutoff) / (100 - cutoff)
                matches[candidate] = max(matches.get(candidate, 0.0), min(sim, 0.95))
            # Inflected forms: same stem, different ending ("kindergeldes", "регистрацию").
            prefix = token[:4]
            for candidate in self._prefix_pool(prefix):
                sim = _stem_similarity(token, candidate)
                if sim:
                    matches[candidate] = max(matches.get(candidate, 0.0), sim)
        # The word itself always stays on the list, however many rarer look-alikes exist.
        ranked = sorted(
            matches.items(), key=lambda kv: (kv[0] != token, -kv[1] * self.idf.get(kv[0], 0))
        )
        return tuple(ranked[:10])

    def _typo_pool(self, token: str) -> tuple[str, ...]:
        """Index words that start like ``token`` and are at most two letters longer or shorter."""
        first = _typo_key(token)
        key = (first, len(token))
        pool = self._typo_pools.get(key)
        if pool is None:
            pool = tuple(
                word
                for length in range(len(token) - 2, len(token) + 3)
                for word in self._typo_groups.get((first, length), ())
            )
            self._typo_pools[key] = pool
        return pool

    def _compute_prefix_pool(self, prefix: str) -> tuple[str, ...]:
        import bisect

        lo = bisect.bisect_left(self.vocabulary, prefix)
        hi = bisect.bisect_left(self.vocabulary, prefix + "\uffff")
        return tuple(self.vocabulary[lo:hi])

    # ---------------------------------------------------------------------------- scoring

    def score(self, text: str, limit: int = 50) -> list[tuple[str, float]]:
        """The ``limit`` best targets, best first (entries, events and pseudo-targets)."""
        query = normalize(text)
        if not query:
            return []
        q_tokens = list(dict.fromkeys(query.split()))
        q_weight: dict[str, float] = {}
        q_matches: dict[str, tuple[tuple[str, float], ...]] = {}
        for token in q_tokens:
            matches = self._token_matches(token)
            q_matches[token] = matches
            if token in self.idf:
                # A known word weighs what it is worth, not what a look-alike would be worth.
                q_weight[token] = self.idf[token]
            elif matches:
                q_weight[token] = max(self.idf[v] * s for v, s in matches)
            elif len(token) <= 2 or token.isdigit():
                q_weight[token] = 0.3  # short unknown bits ("a", "3") say little
            elif len(token) <= 4:
                q_weight[token] = 0.5 * self.unknown_idf  # mostly function words ("oder")
            else:
                q_weight[token] = self.unknown_idf
        q_mass = sum(q_weight.values()) or 1.0

        # Accumulate per document: how much query weight it explains, how much of it is covered.
        explained: dict[int, float] = defaultdict(float)
        covered: dict[int, float] = defaultdict(float)
        # Entry level: a question may combine words that no single variant has together
        # ("apply" from one variant, "Kindergeld" from another).
        target_recall: dict[int, float] = defaultdict(float)
        doc_target, idf = self._doc_target, self.idf
        # Rare words first: a very common word (postings beyond MAX_POSTINGS) then only adds to
        # documents a rarer word already reached, which bounds the work on a large knowledge base.
        for token in sorted(q_tokens, key=lambda t: -q_weight[t]):
            weight = q_weight[token]
            doc_best: dict[int, float] = {}  # this token's best similarity per document ...
            target_best: dict[int, float] = {}  # ... and per entry
            for vocab_token, sim in q_matches[token]:
                answer_sim = ANSWER_SIM * sim
                for target in self.answer_postings.get(vocab_token, ()):
                    if answer_sim > target_best.get(target, 0.0):
                        target_best[target] = answer_sim
                vocab_idf = idf[vocab_token]
                postings = self.postings.get(vocab_token, ())
                if len(postings) > MAX_POSTINGS and explained:
                    postings = [d for d in explained if d in self._posting_sets[vocab_token]]
                for doc_id in postings:
                    target = doc_target[doc_id]
                    if sim > target_best.get(target, 0.0):
                        target_best[target] = sim
                    previous = doc_best.get(doc_id, 0.0)
                    if sim <= previous:
                        continue
                    doc_best[doc_id] = sim
                    explained[doc_id] += weight * (sim - previous)
                    covered[doc_id] += vocab_idf * (sim - previous)
            for target, sim in target_best.items():
                target_recall[target] += weight * sim / q_mass

        best: dict[int, float] = {}
        # Whole-string similarity only for the strongest documents: cheap and enough to rerank.
        shortlist = sorted(explained, key=explained.__getitem__, reverse=True)[:60]
        for doc_id in shortlist:
            doc = self.docs[doc_id]
            recall = explained[doc_id] / q_mass
            precision = min(covered[doc_id] / doc.mass, 1.0) if doc.mass else 0.0
            token_score = recall * (0.6 + 0.4 * precision)
            string_score = fuzz.token_sort_ratio(query, doc.text) / 100
            doc_score = 0.8 * token_score + 0.2 * string_score * recall**0.5
            score = (1 - ENTRY_WEIGHT) * doc_score + ENTRY_WEIGHT * target_recall[doc.target]
            if score > best.get(doc.target, 0.0):
                best[doc.target] = score
        for target, recall in target_recall.items():
            if target not in best:
                best[target] = ENTRY_WEIGHT * recall
        ranked = heapq.nlargest(limit, best.items(), key=lambda kv: kv[1])
        return [(self.targets[t], s) for t, s in ranked]

    @staticmethod
    def _same_word(w: str, k: str) -> bool:
        return w == k or (len(k) >= 8 and not k.isdigit() and fuzz.ratio(w, k) >= 90)

    def _emergency(self, text: str) -> bool:
        """Whether an emergency keyword phrase occurs in ``text`` (long words may have a typo)."""
        tokens = normalize(text).split()
        for i, word in enumerate(tokens):
            # Only phrases whose first word is this one (or a typo of a long one) can start here:
            # one dict look-up and one C-level scan instead of every phrase at every position.
            firsts = [word] if word in self._emergency_by_first else []
            firsts += [
                k
                for k, _score, _ in process.extract(
                    word, self._emergency_fuzzy_firsts, scorer=fuzz.ratio, score_cutoff=90,
                    limit=None,
                )
                if k != word
            ]  # fmt: skip
            for first in firsts:
                for phrase in self._emergency_by_first[first]:
                    window = tokens[i : i + len(phrase)]
                    if len(window) == len(phrase) and all(
                        self._same_word(w, k) for w, k in zip(window, phrase, strict=True)
                    ):
                        return True
        return False

    # --------------------------------------------------------------------------- decision

    def match(self, text: str, lang: str | None = None, hint: str | None = None) -> Decision:
        """Decide what to do with ``text``. ``lang`` is a known language, ``hint`` a guess."""
        used_lang = normalize_code(lang) or detect(text, hint)
        limits = self.thresholds.get(used_lang, Thresholds())
        emergency = bool(self.emergency_ids) and self._emergency(text)
        ranked = self.score(text)
        decision = decide(ranked, emergency, self.emergency_ids, used_lang, limits)
        if decision.reason in ("confident", "ambiguous", "no-match"):
            # A question that names an event is about that event, even when the general
            # "events" entry (which names the big festivals too) scores higher. Out of scope,
            # emergencies and requests for a person keep their decision.
            named = self.named_event(text)
            if named is not None:
                score = max(dict(ranked).get(named, 0.0), decision.score)
                candidates = tuple(dict.fromkeys((named, *decision.candidates)))[:4]
                return Decision(
                    "answer", named, candidates, score, used_lang, "event-name", decision.scores
                )
        return decision

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
            # A long name with an ending ("stadtfestes") or one typo.
            names = {word[:k] for k in range(max(7, len(word) - 3), len(word) + 1)}
            names &= self._event_single.keys()
            names.update(
                name
                for name, _distance, _ in process.extract(
                    word, self._event_single_names, scorer=Levenshtein.distance,
                    score_cutoff=1, limit=None,
                )
            )  # fmt: skip
            for name in names:
                target = self._event_single[name]
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


def decide(
    ranked: list[tuple[str, float]],
    emergency: bool,
    emergency_ids: list[str],
    lang: str,
    limits: Thresholds,
) -> Decision:
    """The decision for scored targets; separate from scoring so thresholds can be tuned."""
    if not ranked:
        return Decision("escalate", None, (), 0.0, lang, "empty")
    answerable = [(t, s) for t, s in ranked if not t.startswith("!")]
    candidates = tuple(t for t, _ in answerable[:4])
    scores = tuple(round(s, 4) for _, s in answerable[:4])
    top_target, top_score = ranked[0]
    if emergency:
        ordered = tuple(dict.fromkeys([*emergency_ids, *candidates]))[:4]
        return Decision(
            "answer", emergency_ids[0], ordered, max(top_score, 1.0), lang, "emergency", scores
        )
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
