"""The scoring index on small hand-made documents: what a query word contributes, how targets
rank, and that caching, budgets and threads never change a result."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot import index as index_module
from bot.index import ENTRY_WEIGHT, Index, _top
from bot.normalize import normalize

DOCS = {
    0: ["wo melde ich meine wohnung an", "anmeldung wohnung", "wohnsitz anmelden"],
    1: ["kita platz finden", "kindergarten anmelden", "kitaplatz"],
    2: ["kindergeld beantragen", "kindergeld antrag familienkasse"],
    3: ["wie wird das wetter am wochenende"],
}
ANSWERS = {0: {"burgeramt", "termin"}, 2: {"familienkasse", "formular"}}


def build(docs: dict[int, list[str]] | None = None) -> Index:
    docs = DOCS if docs is None else docs
    return Index(
        len(docs),
        [(target, normalize(text)) for target, texts in docs.items() for text in texts],
        {target: words for target, words in ANSWERS.items() if target in docs},
    )


def test_targets_rank_by_the_words_they_explain() -> None:
    index = build()
    ranked = index.score(normalize("Wo kann ich meine Wohnung anmelden?"))
    assert ranked[0][0] == 0
    assert ranked == sorted(ranked, key=lambda ts: -ts[1])
    assert all(0 < score <= 1 for _target, score in ranked)
    assert index.score(normalize("Kindergeld Antrag"))[0][0] == 2


def test_words_from_different_variants_add_up_at_target_level() -> None:
    # "familienkasse" and "beantragen" never share a variant; together they still point to 2.
    index = build()
    ranked = dict(index.score(normalize("familienkasse beantragen")))
    assert max(ranked, key=ranked.__getitem__) == 2


def test_a_word_found_only_in_an_answer_is_weak_evidence() -> None:
    index = build()
    (target, score), *_ = index.score(normalize("termin"))
    assert target == 0
    # Only the target level sees it: ENTRY_WEIGHT times the answer similarity.
    assert score == pytest.approx(ENTRY_WEIGHT * index_module.ANSWER_SIM)


def test_targets_must_be_numbered_below_their_count() -> None:
    with pytest.raises(ValueError, match="target 5"):
        Index(2, [(0, "kita"), (5, "wohnung")], {})
    with pytest.raises(ValueError, match="target 2"):
        Index(2, [(0, "kita")], {2: {"termin"}})


def test_unknown_words_reach_nothing() -> None:
    index = build()
    assert index.score(normalize("xylofon qwertz")) == []
    assert index.score("") == []


def test_a_document_with_two_look_alikes_of_one_word_counts_the_best_once() -> None:
    docs = {0: ["anmeldung anmelden"], 1: ["anmeldung formular"]}
    index = build(docs)
    plan = index.plan("anmeldun")
    assert sorted(plan.docs.tolist()) == [0, 1]  # each document once ...
    sims = dict(zip(plan.docs.tolist(), plan.sims.tolist(), strict=True))
    matches = dict(index.vocabulary.matches("anmeldun"))
    assert sims[0] == max(matches["anmeldung"], matches["anmelden"])  # ... with its best match


def reference_plan(index: Index, token: str) -> tuple[list, list, list, list, list]:  # type: ignore[type-arg]
    """A word plan by its definition, with dicts: per document the best look-alike (its
    similarity and cover), per target the best similarity through a document or an answer."""
    docs: dict[int, tuple[float, float]] = {}
    targets: dict[int, float] = {}
    for word, sim in index.vocabulary.matches(token):
        start, end, _, _ = index._spans[word]
        for doc in index._postings[start:end].tolist():
            if sim > docs.get(doc, (0.0, 0.0))[0]:
                docs[doc] = (sim, index.idf[word] * sim)
            target = int(index.doc_target[doc])
            targets[target] = max(targets.get(target, 0.0), sim)
        for target in index._answer_postings.get(word, np.zeros(0, int)).tolist():
            targets[target] = max(targets.get(target, 0.0), index_module.ANSWER_SIM * sim)
    order = sorted(docs)
    return (order, [docs[d][0] for d in order], [docs[d][1] for d in order], sorted(targets),
            [targets[t] for t in sorted(targets)])  # fmt: skip


def test_plans_follow_their_definition(real_brain) -> None:  # type: ignore[no-untyped-def]
    index = real_brain.matcher.index
    rng = random.Random(11)
    words = rng.sample(index.vocabulary.words, 400)
    words += [w[:i] + w[i + 1 :] for w in words[:200] if len(w) > 4 for i in [len(w) // 2]]
    for word in [*words, "zzzzqx"]:
        plan = index._make_plan(word)
        docs, sims, covers, targets, target_sims = reference_plan(index, word)
        assert plan.docs.tolist() == docs, word
        assert plan.sims.tolist() == pytest.approx(sims) and plan.covers.tolist() == pytest.approx(
            covers
        )
        assert plan.targets.tolist() == targets, word
        assert (plan.recalls / plan.weight).tolist() == pytest.approx(target_sims), word
        assert plan.explains.tolist() == pytest.approx([plan.weight * s for s in sims])


def test_a_common_word_only_adds_to_documents_rarer_words_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_module, "MAX_POSTINGS", 3)
    docs = {t: [f"dessau thema{t}"] for t in range(8)} | {8: ["dessau kita"]}
    index = build(docs)
    # Alone, the common word reaches every document.
    assert {t for t, _ in index.score("dessau")} == set(range(9))
    # With a rarer word, it adds only where that one led: the other targets are not reached.
    assert [t for t, _ in index.score("kita dessau")] == [8]


def test_plan_cache_stays_within_its_budget_and_changes_no_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queries = [normalize(q) for texts in DOCS.values() for q in texts] + ["kitaplaz wohnug"]
    expected = [build().score(q) for q in queries]
    monkeypatch.setattr(index_module, "PLAN_BUDGET", 12)
    index = build()
    for _ in range(3):
        assert [index.score(q) for q in queries] == expected
        assert index._plan_size <= 12
        assert index._plan_size == sum(plan.size for plan in index._plans.values())
    monkeypatch.setattr(index_module, "PLAN_BUDGET", 10**9)
    monkeypatch.setattr(index_module, "PLAN_WORDS", 3)
    index = build()
    assert [index.score(q) for q in queries] == expected
    assert len(index._plans) == 3


def test_scratch_arrays_are_clean_after_every_query() -> None:
    index = build()
    for text in ("wo melde ich meine wohnung an", "kita", "wetter wochenende dessau"):
        index.score(normalize(text))
        explained, covered = index._scratch()
        assert not explained.any() and not covered.any()


def test_threads_get_the_same_results_as_one_thread() -> None:
    index = build()
    rng = random.Random(3)
    words = [w for texts in DOCS.values() for text in texts for w in normalize(text).split()]
    queries = [" ".join(rng.choices(words, k=rng.randint(1, 6))) for _ in range(400)]
    expected = [build().score(q) for q in queries]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(index.score, queries)) == expected


def test_top_breaks_ties_by_item_whatever_the_input_order() -> None:
    lookup = np.zeros(10)
    lookup[[1, 3]], lookup[[5, 7, 9]] = 2.0, 1.0
    items = np.array([5, 3, 9, 1, 3, 7, 3])
    assert _top(items, lookup, 3).tolist() == [1, 3, 5]
    order = np.random.default_rng(1).permutation(len(items))
    assert _top(items[order], lookup, 3).tolist() == [1, 3, 5]
    assert _top(items, lookup, 10).tolist() == [1, 3, 5, 7, 9]
    assert _top(np.array([4]), lookup, 3).tolist() == [4]
    assert _top(np.zeros(0, np.int32), lookup, 3).tolist() == []


def test_the_commonest_words_are_prepared_with_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    index = build()
    assert "anmelden" in index._plans  # in two targets' documents: among the commonest
    assert len(index._plans) <= index_module.PREPARED_WORDS
    # A small cache budget is only half used by the preparation.
    monkeypatch.setattr(index_module, "PLAN_BUDGET", 8)
    small = build()
    assert small._plan_size <= 8 // 2 + max(plan.size for plan in small._plans.values())
