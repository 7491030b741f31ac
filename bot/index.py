"""The scoring index: documents of normalised words, each belonging to one target, and how well a
query explains each target.

A *target* is whatever a question can lead to (an entry, an event, an out-of-scope group); a
*document* is one of its texts (a question variant, a title, a keyword). Scoring, per query:

1. Each query word stands for up to ten index words (``bot.vocabulary``): itself, inflections,
   typos. Words are weighted by how specific they are: the inverse document frequency over
   targets, so "Bürgeramt" counts far more than "where" or "the".
2. A document scores by how much of the query it explains (recall) *and* how much of itself the
   query covers (precision); a whole-string similarity (rapidfuzz) reranks the strongest ones.
3. A target scores by its best document, plus a share for the query words found anywhere in its
   texts, answers included: a question may combine words that no single variant has together
   ("apply" from one variant, "Kindergeld" from another).

Everything a query word contributes is prepared once per word (a *word plan*: the documents and
targets it reaches and with what similarity) and cached, so a query costs a few numpy operations
per word however many documents the words reach.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from bot.vocabulary import Vocabulary

# A word in more documents than this only adds to documents that rarer words already reached
# (the real knowledge base's commonest word, "Dessau", is in 442 of 8,013 documents: never
# limited). This bounds the work for everyday words on a large knowledge base.
MAX_POSTINGS = 800
ANSWER_SIM = 0.6  # a word found only in an entry's answer counts this much of a question word
ENTRY_WEIGHT = 0.45  # share of the score from the target's whole vocabulary vs its best document
SHORTLIST = 60  # documents reranked by whole-string similarity
# Word plans kept in memory: at most this many words (a plan's Python objects take about 1 kB)
# and this many documents and targets listed in them (about 28 bytes each). That keeps the words
# of a busy week on the real knowledge base within about 15 MB, and bounds a large one too.
PLAN_WORDS = 8192
PLAN_BUDGET = 500_000
PREPARED_WORDS = 3000  # plans built with the index: the words most documents use


class WordPlan(NamedTuple):
    """What one query word contributes, prepared once: the documents it reaches with its best
    similarity there, and the targets it reaches (through documents or answers)."""

    weight: float  # how much the word counts in a query
    docs: np.ndarray  # document numbers, ascending
    sims: np.ndarray  # best similarity of a look-alike in that document
    explains: np.ndarray  # ... times the word's weight: the query weight it explains there
    covers: np.ndarray  # ... times the look-alike's weight: the document weight it covers
    common: np.ndarray | None  # documents reached only through a word beyond MAX_POSTINGS
    targets: np.ndarray  # target numbers
    recalls: np.ndarray  # best similarity per target times the word's weight
    answer_targets: np.ndarray  # targets reached through their answers ...
    answer_sims: np.ndarray  # ... and with what similarity

    @property
    def size(self) -> int:
        return len(self.docs) + len(self.targets)


_NO_DOCS = np.zeros(0, np.int32)
_NO_VALUES = np.zeros(0)


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """True where a run of equal values starts in sorted ``keys``: one row per distinct key."""
    starts = np.ones(len(keys), bool)
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return starts


def _top(items: np.ndarray, lookup: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` distinct ``items`` (which may repeat) with the highest ``lookup[item]``,
    best first; ties go to the lower item, so the order of ``items`` never matters.

    Sorting plain integers and one stable sort of at most ``count`` values: np.lexsort and
    np.unique take ten to twenty times longer on the thousand items of a long question.
    """
    items = np.sort(items)
    items = items[_run_starts(items)]
    values = lookup[items]
    if len(items) > count:
        # Everything at least as good as the count-th best value: all ties at the edge stay in.
        edge = np.partition(values, len(values) - count)[len(values) - count]
        keep = values >= edge
        items, values = items[keep], values[keep]
    return items[np.argsort(-values, kind="stable")[:count]]


class Index:
    """Documents, postings and word weights of one knowledge base; read-only once built, and
    safe to query from several threads."""

    def __init__(
        self,
        n_targets: int,
        docs: Iterable[tuple[int, str]],
        answer_words: Mapping[int, set[str]],
    ) -> None:
        """``docs`` are (target, normalised text); ``answer_words`` the normalised words of each
        target's answers, weaker evidence that still carries the words people use when they
        describe a situation instead of naming the office."""
        self.n_targets = n_targets
        unique_docs = list(dict.fromkeys(docs))
        for target in [t for t, _text in unique_docs] + list(answer_words):
            if not 0 <= target < n_targets:
                raise ValueError(f"target {target} is not below the number of targets {n_targets}")
        # Document frequency counts targets, not documents: a word used in many questions of
        # one target is still specific to that target.
        target_words: dict[int, set[str]] = defaultdict(set)
        for target, text in unique_docs:
            target_words[target].update(text.split())
        for target, words in answer_words.items():
            target_words[target].update(words)
        df: dict[str, int] = defaultdict(int)
        for words in target_words.values():
            for word in words:
                df[word] += 1
        n = max(n_targets, 1)
        self.idf: dict[str, float] = {w: math.log(1 + n / c) for w, c in df.items()}
        self.unknown_idf = math.log(1 + n)  # a word no target knows is as specific as it gets
        self.vocabulary = Vocabulary(self.idf)

        self.doc_text = [text for _target, text in unique_docs]
        # Word order matters little ("kita platz" / "platz kita"): the reranking compares the
        # words in sorted order, sorted once here (rapidfuzz's token_sort_ratio, prepared).
        self._sorted_text = np.array(
            [" ".join(sorted(text.split())) for text in self.doc_text], dtype=object
        )
        self.doc_target = np.fromiter((t for t, _ in unique_docs), np.int32, len(unique_docs))
        # Postings as one array of document numbers sorted by word, with each word's span.
        word_ids = {word: i for i, word in enumerate(df)}
        pair_doc: list[int] = []
        pair_word: list[int] = []
        self.doc_mass = np.empty(len(unique_docs))  # sum of the weights of a document's words
        for doc, text in enumerate(self.doc_text):
            words = dict.fromkeys(text.split())
            pair_doc.extend([doc] * len(words))
            pair_word.extend(word_ids[w] for w in words)
            self.doc_mass[doc] = sum(self.idf[w] for w in words)
        pair_words = np.array(pair_word, np.int32)
        order = np.argsort(pair_words, kind="stable")  # stable: documents ascending per word
        self._postings = np.array(pair_doc, np.int32)[order]
        posting_words = pair_words[order]
        idf = np.array(list(self.idf.values()))  # by word number: df, idf and word_ids agree
        self._posting_idf = idf[posting_words]
        answer_postings: dict[str, list[int]] = defaultdict(list)
        for target, words in answer_words.items():
            for word in words:
                answer_postings[word].append(target)
        self._answer_postings = {w: np.array(t, np.int32) for w, t in answer_postings.items()}
        # Each word's own reach over targets (through documents, else answers), for all words at
        # once: a query word that matches only itself, as most short words do, then costs no
        # work at all (``_exact_plan``).
        answer_word = [word_ids[w] for w, targets in answer_postings.items() for _ in targets]
        answer_target = [t for targets in answer_postings.values() for t in targets]
        keys = np.concatenate((
            posting_words.astype(np.int64) * n + self.doc_target[self._postings],
            np.array(answer_word, np.int64) * n + np.array(answer_target, np.int64),
        ))  # fmt: skip
        values = np.concatenate(
            (np.ones(len(posting_words)), np.full(len(answer_word), ANSWER_SIM))
        )
        by_key = np.lexsort((-values, keys))  # per word and target, the better way first
        keys, values = keys[by_key], values[by_key]
        first = _run_starts(keys)
        keys, values = keys[first], values[first]
        self._reach_targets = (keys % n).astype(np.int32)
        self._reach_recalls = values * idf[keys // n]
        posting_ends = np.cumsum(np.bincount(posting_words, minlength=len(word_ids))).tolist()
        reach_ends = np.cumsum(np.bincount(keys // n, minlength=len(word_ids))).tolist()
        # Per word: its span in the postings and its span in the reach arrays.
        self._spans: dict[str, tuple[int, int, int, int]] = {}
        posting_start = reach_start = 0
        for word, posting_end, reach_end in zip(word_ids, posting_ends, reach_ends, strict=True):
            self._spans[word] = (posting_start, posting_end, reach_start, reach_end)
            posting_start, reach_start = posting_end, reach_end
        # Constant arrays that exact plans take slices of (read-only: plans are shared).
        longest = max((end - start for start, end, _, _ in self._spans.values()), default=0)
        self._ones = _frozen(np.ones(longest))
        self._all_common = _frozen(np.ones(longest, bool))
        self._answer_sims = _frozen(np.full(n_targets, ANSWER_SIM))
        self._plans: dict[str, WordPlan] = {}
        self._plan_size = 0
        self._plan_lock = threading.Lock()
        self._local = threading.local()
        self._prepare_common_words()

    def _prepare_common_words(self) -> None:
        """Build the plans of the words most documents use now, not at their first question.

        They are the likeliest words in a question ("wohnung", "kita", "термін" as well as
        "wie" and "the"); preparing 3,000 of them takes about 0.2 s on the real knowledge base
        and spares the first questions after a start or a reload most of their first-sight cost
        (the look-alike search and the plan of each new word). At most half the plan budget is
        used, so that a large knowledge base keeps room for the words actually asked.
        """
        by_documents = sorted(self._spans, key=lambda w: self._spans[w][0] - self._spans[w][1])
        for word in by_documents[:PREPARED_WORDS]:
            if self._plan_size > PLAN_BUDGET // 2 or len(self._plans) >= PLAN_WORDS // 2:
                break
            self.plan(word)

    # ------------------------------------------------------------------------- word weights

    def weight(self, token: str, matches: tuple[tuple[str, float], ...]) -> float:
        """How much a query word counts, given its look-alikes in the index."""
        if token in self.idf:
            # A known word weighs what it is worth, not what a look-alike would be worth.
            return self.idf[token]
        if matches:
            return max(self.idf[word] * sim for word, sim in matches)
        if len(token) <= 2 or token.isdigit():
            return 0.3  # short unknown bits ("a", "3") say little
        if len(token) <= 4:
            return 0.5 * self.unknown_idf  # mostly function words ("oder")
        return self.unknown_idf

    # ---------------------------------------------------------------------------- word plans

    def plan(self, token: str) -> WordPlan:
        """The cached plan of a query word (built on first use)."""
        plan = self._plans.get(token)
        if plan is None:
            plan = self._make_plan(token)
            with self._plan_lock:
                # First in, first out: the words of yesterday's questions go first.
                while self._plans and (
                    len(self._plans) >= PLAN_WORDS or self._plan_size + plan.size > PLAN_BUDGET
                ):
                    oldest = next(iter(self._plans))
                    self._plan_size -= self._plans.pop(oldest).size
                if token not in self._plans and plan.size <= PLAN_BUDGET:
                    self._plans[token] = plan
                    self._plan_size += plan.size
        return plan

    def _make_plan(self, token: str) -> WordPlan:
        matches = self.vocabulary.matches(token)
        if len(matches) == 1 and matches[0] == (token, 1.0):
            return self._exact_plan(token)
        weight = self.weight(token, matches)
        reached: list[tuple[float, float, int, int]] = []  # sim, cover, postings span
        answers: list[np.ndarray] = []
        answer_sims: list[float] = []
        for word, sim in matches:
            start, end, _, _ = self._spans[word]
            if end > start:
                reached.append((sim, self.idf[word] * sim, start, end))
            targets = self._answer_postings.get(word)
            if targets is not None:
                answers.append(targets)
                answer_sims.append(ANSWER_SIM * sim)
        common: np.ndarray | None = None
        if len(reached) == 1:  # the usual case, without the cost of merging
            sim, cover, start, end = reached[0]
            docs = self._postings[start:end]
            doc_sims, doc_covers = np.full(end - start, sim), np.full(end - start, cover)
            if end - start > MAX_POSTINGS:
                common = np.full(end - start, True)
        elif reached:
            # A document holding several look-alikes counts the best one: with the best ranked
            # first, it is the first row of the document after sorting by (document, rank).
            reached.sort(key=lambda r: -r[0])
            docs = np.concatenate([self._postings[start:end] for _s, _c, start, end in reached])
            which = np.arange(len(reached)).repeat([end - start for _s, _c, start, end in reached])
            # One integer sort of (document, rank of the look-alike): a stable argsort costs
            # several times more.
            keys = np.sort(docs.astype(np.int64) * len(reached) + which)
            docs, which = keys // len(reached), keys % len(reached)
            first = _run_starts(docs)
            docs, which = docs[first].astype(np.int32), which[first]
            doc_sims = np.array([r[0] for r in reached])[which]
            doc_covers = np.array([r[1] for r in reached])[which]
            is_common = [end - start > MAX_POSTINGS for _s, _c, start, end in reached]
            if any(is_common):  # common only when the best look-alike there is
                common = np.array(is_common)[which]
        else:
            docs, doc_sims, doc_covers = _NO_DOCS, _NO_VALUES, _NO_VALUES
        if len(answers) == 1:
            answer_targets = answers[0]
            answer_values = np.full(len(answer_targets), answer_sims[0])
        elif answers:
            answer_targets = np.concatenate(answers)
            answer_values = np.array(answer_sims).repeat([len(a) for a in answers])
        else:
            answer_targets, answer_values = _NO_DOCS, _NO_VALUES
        targets, target_sims = self._targets(docs, doc_sims, answer_targets, answer_values)
        return WordPlan(
            weight, docs, doc_sims, weight * doc_sims, doc_covers, common,
            targets, weight * target_sims, answer_targets, answer_values,
        )  # fmt: skip

    def _exact_plan(self, word: str) -> WordPlan:
        """The plan of an index word without look-alikes: slices of arrays prepared at build."""
        start, end, reach_start, reach_end = self._spans[word]
        explains = self._posting_idf[start:end]  # the word's weight times similarity 1
        answers = self._answer_postings.get(word, _NO_DOCS)
        return WordPlan(
            self.idf[word], self._postings[start:end], self._ones[: end - start],
            explains, explains,
            self._all_common[: end - start] if end - start > MAX_POSTINGS else None,
            self._reach_targets[reach_start:reach_end], self._reach_recalls[reach_start:reach_end],
            answers, self._answer_sims[: len(answers)],
        )  # fmt: skip

    def _targets(
        self, docs: np.ndarray, sims: np.ndarray, answers: np.ndarray, answer_sims: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The targets reached through ``docs`` or ``answers``, each with its best similarity."""
        best = np.zeros(self.n_targets)
        np.maximum.at(best, self.doc_target[docs], sims)
        if len(answers):
            np.maximum.at(best, answers, answer_sims)
        targets = best.nonzero()[0]
        return targets, best[targets]

    # ------------------------------------------------------------------------------- scoring

    def _scratch(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-thread arrays over all documents: query weight explained, document weight covered.

        Allocating them per query would cost as much as the query on a large knowledge base;
        they are zero between queries, and a query resets only the positions it wrote.
        """
        scratch: tuple[np.ndarray, np.ndarray] | None = getattr(self._local, "scratch", None)
        if scratch is None:
            size = len(self.doc_text)
            scratch = self._local.scratch = (np.zeros(size), np.zeros(size))
        return scratch

    def score(self, query: str, limit: int = 50) -> list[tuple[int, float]]:
        """The ``limit`` best targets for a normalised ``query`` as (target, score), best first."""
        plans = [self.plan(token) for token in dict.fromkeys(query.split())]
        if not plans:
            return []
        mass = sum(plan.weight for plan in plans) or 1.0
        explained, covered = self._scratch()
        # What each word adds, collected and then added in one go (np.add.at sums repeats).
        docs: list[np.ndarray] = []
        explains: list[np.ndarray] = []
        covers: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        recalls: list[np.ndarray] = []
        added = 0

        def add_up() -> None:
            nonlocal added
            if added < len(docs):
                new = np.concatenate(docs[added:])
                np.add.at(explained, new, np.concatenate(explains[added:]))
                np.add.at(covered, new, np.concatenate(covers[added:]))
                added = len(docs)

        # Rare words first: a very common word then only adds to documents a rarer word reached.
        for plan in sorted(plans, key=lambda plan: -plan.weight):
            if plan.common is not None and docs:
                add_up()
                keep = ~plan.common | (explained[plan.docs] > 0)
                kept, sims = plan.docs[keep], plan.sims[keep]
                reached, best = self._targets(kept, sims, plan.answer_targets, plan.answer_sims)
                docs.append(kept)
                explains.append(plan.weight * sims)
                covers.append(plan.covers[keep])
                targets.append(reached)
                recalls.append(plan.weight * best)
            else:
                docs.append(plan.docs)
                explains.append(plan.explains)
                covers.append(plan.covers)
                targets.append(plan.targets)
                recalls.append(plan.recalls)
        add_up()
        # Target level: a question may combine words that no single document has together.
        target_recall = np.zeros(self.n_targets)
        np.add.at(target_recall, np.concatenate(targets), np.concatenate(recalls))
        target_recall /= mass
        final = ENTRY_WEIGHT * target_recall
        reached_docs = np.concatenate(docs)
        if len(reached_docs):
            shortlist = _top(reached_docs, explained, SHORTLIST)
            self._rerank(query, mass, shortlist, explained, covered, target_recall, final)
            explained[reached_docs] = 0.0
            covered[reached_docs] = 0.0
        ranked = _top(final.nonzero()[0], final, limit)
        return [(target, float(final[target])) for target in ranked.tolist()]

    def _rerank(
        self,
        query: str,
        mass: float,
        shortlist: np.ndarray,
        explained: np.ndarray,
        covered: np.ndarray,
        target_recall: np.ndarray,
        final: np.ndarray,
    ) -> None:
        """Score the shortlisted documents and keep each target's best in ``final``."""
        recall = explained[shortlist] / mass
        precision = np.minimum(covered[shortlist] / self.doc_mass[shortlist], 1.0)
        token_score = recall * (0.6 + 0.4 * precision)
        texts = self._sorted_text[shortlist].tolist()
        sorted_query = " ".join(sorted(query.split()))
        similarity = process.cdist(
            [sorted_query], texts, scorer=fuzz.ratio, dtype=np.float64, workers=1
        )[0] / 100  # fmt: skip
        doc_score = 0.8 * token_score + 0.2 * similarity * np.sqrt(recall)
        targets = self.doc_target[shortlist]
        scores = (1 - ENTRY_WEIGHT) * doc_score + ENTRY_WEIGHT * target_recall[targets]
        np.maximum.at(final, targets, scores)
