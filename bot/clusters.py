"""Unanswered questions in clusters: similar wordings (typos, inflections, compounds, other
languages' office words) grouped, biggest first, each with the entry the matcher finds nearest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from bot.normalize import common_prefix_length, normalize

if TYPE_CHECKING:
    from bot.matching import Matcher

# Tuned on the labelled fixture in tests/test_report.py with the real knowledge base's weights
# (paraphrases with typos, inflections, split compounds and word-order changes must group; topics
# sharing only function words, "wie lange dauert" or one generic word like "Öffnungszeiten" or
# "kosten" must not). With the knowledge base of late November 2026 every value from 0.32 to
# 0.42 separates the fixture perfectly; below, "wie lange dauert ein Reisepass" joins the
# naturalisation questions, above, "how much does kita cost" leaves the German Kita-fee ones.
# The middle leaves room on both sides as the knowledge base (and so the weights) grows.
CLUSTER_THRESHOLD = 0.37
WEIGHT_POWER = 2.0  # see matcher_weight
_REPRESENTATIVES = 8  # wordings a cluster is compared by: its most frequent ones

# Below the matcher's default "did you mean" threshold the nearest entry is only a hint.
WEAK_SCORE = 0.34

TokenWeight = Callable[[str], float]
ScoreFn = Callable[[str], Sequence[tuple[str, float]]]


@dataclass(frozen=True, slots=True)
class Asked:
    """One question the knowledge base did not serve well, and why (escalate/clarify/👎)."""

    text: str
    lang: str
    why: str


@dataclass(frozen=True, slots=True)
class Cluster:
    count: int
    languages: tuple[tuple[str, int], ...]  # most frequent first
    examples: tuple[str, ...]  # distinct wordings, most frequent first
    reasons: tuple[tuple[str, int], ...]  # escalate / clarify / thumbs-down
    nearest: str | None = None
    nearest_score: float = 0.0

    @property
    def label(self) -> str:
        return self.examples[0] if self.examples else ""


def uniform_weight(token: str) -> float:
    """Without a knowledge base every word counts, short ones ("wo", "a", "3") less."""
    return 0.3 if len(token) <= 2 or token.isdigit() else 1.0


def matcher_weight(matcher: Matcher) -> TokenWeight:
    """Token weights from the knowledge base's inverse document frequency: "wo", "ist", "how"
    occur in many entries and weigh little; "Anwohnerparkausweis", unknown to it, weighs most.

    Squared, so that two questions sharing only "wie lange dauert" stay apart while sharing
    "Einbürgerung" is enough. A misspelt or inflected word ("daurt") takes the weight of its
    nearest known word: it is no more specific for being misspelt."""
    idf, unknown, vocabulary = matcher.idf, matcher.unknown_idf, matcher.vocabulary
    cache: dict[str, float] = {}

    def weight(token: str) -> float:
        if len(token) <= 2 or token.isdigit():
            return min(idf.get(token, 0.3), 0.3) ** WEIGHT_POWER
        if token in idf:
            return idf[token] ** WEIGHT_POWER
        if token not in cache:
            near = process.extractOne(token, vocabulary, scorer=fuzz.ratio, score_cutoff=80)
            cache[token] = (idf[near[0]] if near and len(token) >= 4 else unknown) ** WEIGHT_POWER
        return cache[token]

    return weight


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 4:
        return 0.0
    # Inflected forms share a long prefix ("посвідка"/"посвідку", "kitas"/"kita").
    common = common_prefix_length(short, long_)
    if common >= 4 and common >= 0.75 * len(long_):
        return 0.9
    # A part of a compound: "Anwohner" and "Parkausweis" in "Anwohnerparkausweis".
    if len(short) >= 5 and (long_.startswith(short) or long_.endswith(short)):
        return 0.8
    ratio = fuzz.ratio(a, b)  # typos: "schwimbad" / "schwimmbad"
    return ratio / 100 if ratio >= 80 else 0.0


def similarity(a: str, b: str, weight: TokenWeight = uniform_weight) -> float:
    """How alike two *normalised* questions are, 0..1: the weighted, typo- and inflection-tolerant
    share of words both use, so that "wo ist das" counts little and "Kita" a lot. (Tried on the
    fixture: mixing in token_set_ratio or whole-string ratios only narrowed the working band,
    because they reward shared function words.)"""
    return _Comparer(weight).similarity(a, b)


class _Comparer:
    """``similarity`` with its per-wording and per-token-pair work cached for one clustering."""

    def __init__(self, weight: TokenWeight) -> None:
        self.weight = weight
        self._words: dict[str, tuple[tuple[str, ...], tuple[float, ...], float]] = {}
        self._pairs: dict[tuple[str, str], float] = {}

    def words(self, text: str) -> tuple[tuple[str, ...], tuple[float, ...], float]:
        found = self._words.get(text)
        if found is None:
            tokens = tuple(text.split())
            weights = tuple(self.weight(t) for t in tokens)
            found = self._words[text] = (tokens, weights, sum(weights))
        return found

    def token_similarity(self, a: str, b: str) -> float:
        key = (a, b) if a <= b else (b, a)
        value = self._pairs.get(key)
        if value is None:
            value = self._pairs[key] = _token_similarity(a, b)
        return value

    def similarity(self, a: str, b: str) -> float:
        ta, wa, total_a = self.words(a)
        tb, wb, total_b = self.words(b)
        total = total_a + total_b
        if not ta or not tb or total <= 0:
            return 0.0
        sim = self.token_similarity
        shared = sum(w * max(sim(t, u) for u in tb) for t, w in zip(ta, wa, strict=True))
        shared += sum(w * max(sim(t, u) for u in ta) for t, w in zip(tb, wb, strict=True))
        return shared / total

    def keys(self, text: str) -> set[str]:
        """Index keys of the words that carry a wording's meaning (not its "wo ist das"): two
        wordings can only be alike if they share one. Prefix and suffix keys let inflections,
        compounds and most typos meet ("anwohner parkausweis" / "anwohnerparkausweis")."""
        tokens, weights, _ = self.words(text)
        floor = 0.25 * max(weights, default=0.0)
        keys: set[str] = set()
        for token, w in zip(tokens, weights, strict=True):
            if w < floor or w <= 0:
                continue
            if len(token) < 4:
                keys.add(token)
                continue
            keys.add("<" + token[:4])
            if len(token) >= 6:
                keys.add(">" + token[-4:])
        return keys


@dataclass(slots=True)
class _Building:
    wordings: list[str] = field(default_factory=list)  # normalised, most frequent first
    items: list[Asked] = field(default_factory=list)


def cluster_questions(
    asked: Iterable[Asked],
    *,
    weight: TokenWeight = uniform_weight,
    threshold: float = CLUSTER_THRESHOLD,
) -> list[Cluster]:
    """Group similar questions, biggest group first.

    Leader clustering over distinct normalised wordings, most frequent first: a wording joins
    the cluster whose representatives (its first, i.e. most frequent, wordings) it is most like
    on average, if that average reaches ``threshold``; else it starts a new cluster. Averaging
    over several representatives (not the best single one) keeps clusters from chaining from
    topic to topic through one ambiguous question.
    """
    by_wording: dict[str, list[Asked]] = defaultdict(list)
    for item in asked:
        key = normalize(item.text)
        if key:
            by_wording[key].append(item)
    order = sorted(by_wording, key=lambda k: (-len(by_wording[k]), k))
    compare = _Comparer(weight)
    clusters: list[_Building] = []
    index: dict[str, set[int]] = defaultdict(set)  # content key -> clusters with it in a rep
    for wording in order:
        keys = compare.keys(wording)
        candidates = set().union(*(index[k] for k in keys if k in index))
        best, best_score = -1, threshold
        for number in sorted(candidates):
            members = clusters[number].wordings[:_REPRESENTATIVES]
            score = sum(compare.similarity(wording, m) for m in members) / len(members)
            if score >= best_score:
                best, best_score = number, score
        if best < 0:
            best = len(clusters)
            clusters.append(_Building())
        target = clusters[best]
        if len(target.wordings) < _REPRESENTATIVES:
            for key in keys:
                index[key].add(best)
        target.wordings.append(wording)
        target.items.extend(by_wording[wording])
    return sorted(
        (_finish(c) for c in clusters), key=lambda c: (-c.count, -len(c.languages), c.label)
    )


def _finish(building: _Building) -> Cluster:
    langs = Counter(item.lang for item in building.items)
    reasons = Counter(item.why for item in building.items)
    # The example shown is the most frequent original spelling of each normalised wording.
    examples = []
    for wording in building.wordings:
        spellings = Counter(i.text.strip() for i in building.items if normalize(i.text) == wording)
        examples.append(spellings.most_common(1)[0][0])
    return Cluster(
        count=len(building.items),
        languages=tuple(sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))),
        examples=tuple(examples),
        reasons=tuple(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def nearest_entry(cluster: Cluster, score: ScoreFn, samples: int = 3) -> Cluster:
    """The entry (or event) closest to a cluster: mean matcher score over its top wordings."""
    totals: dict[str, float] = defaultdict(float)
    used = cluster.examples[:samples]
    for text in used:
        for target, value in score(text):
            if not target.startswith("!"):  # out-of-scope and "talk to a person" pseudo-targets
                totals[target] += value
    if not totals:
        return cluster
    target, total = max(totals.items(), key=lambda kv: (kv[1], kv[0]))
    return replace(cluster, nearest=target, nearest_score=total / len(used))
