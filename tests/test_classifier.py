"""The learned model: features, training, the cache keyed by the training data, and its limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot import classifier
from bot.assistant import Assistant
from bot.classifier import Sample, clauses, features, load_or_train, train
from bot.normalize import normalize
from bot.translit import latin_spellings
from tests.conftest import CONTACT, WriteKB, entry_yaml

SAMPLES = [
    *(Sample(t, "registration", "de") for t in ("wo melde ich meine wohnung an", "anmeldung",
                                                "ich bin umgezogen adresse ändern")),
    *(Sample(t, "registration", "en") for t in ("where do i register my address", "register flat")),
    *(Sample(t, "childcare", "de") for t in ("kita platz finden", "kindergarten für mein kind")),
    *(Sample(t, "childcare", "en") for t in ("daycare place for my son", "get a kita place")),
    *(Sample(t, "!human", "de") for t in ("ich will mit einem menschen sprechen", "mitarbeiter")),
    *(Sample(t, "!human", "en") for t in ("talk to a real person", "human please")),
]  # fmt: skip


def _best(model: classifier.Model, text: str) -> str:
    return model.classes[int(np.argmax(model.decision(normalize(text))))]


def test_features_are_character_ngrams_words_and_word_pairs() -> None:
    found = features("kita platz")
    assert {" k", "ki", "kit", " kita", "ita ", "w:kita", "w:platz", "b:kita platz"} <= set(found)
    assert features("") == []


def test_clauses_split_a_story_from_its_question() -> None:
    text = "Wir sind letzte Woche umgezogen. Meine Frau ist schwanger! Wo melde ich mich an?"
    assert [c.strip() for c in clauses(text)] == [
        "Wir sind letzte Woche umgezogen",
        "Meine Frau ist schwanger",
        "Wo melde ich mich an",
    ]
    assert clauses("kita platz") == ["kita platz"]


def test_trained_model_ranks_the_right_target_and_language() -> None:
    model = train(SAMPLES)
    assert _best(model, "wo kann ich mich anmelden") == "registration"
    assert _best(model, "a place in kindergarten") == "childcare"
    assert _best(model, "please a human") == "!human"
    languages = model.language(normalize("where can i register"))
    assert model.languages[int(np.argmax(languages))] == "en"


def test_the_cache_is_keyed_by_the_training_data(tmp_path: Path) -> None:
    first = load_or_train(SAMPLES, tmp_path)
    assert first is not None
    files = list(tmp_path.glob("model-*.npz"))
    assert len(files) == 1
    again = load_or_train(SAMPLES, tmp_path)
    assert again is not None and again.classes == first.classes
    text = normalize("wo melde ich mich an")
    assert np.allclose(again.decision(text), first.decision(text))
    assert again.vocabulary == first.vocabulary
    changed = [*SAMPLES, Sample("kita anmeldung", "childcare", "de")]
    load_or_train(changed, tmp_path)
    assert len(list(tmp_path.glob("model-*.npz"))) == 2


def test_a_damaged_cache_file_is_trained_again(tmp_path: Path) -> None:
    load_or_train(SAMPLES, tmp_path)
    (path,) = tmp_path.glob("model-*.npz")
    path.write_bytes(b"not a model")
    model = load_or_train(SAMPLES, tmp_path)
    assert model is not None and _best(model, "anmeldung") == "registration"
    assert classifier.load(path).classes == model.classes  # written again


def test_too_few_or_too_many_classes_mean_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_or_train([Sample("anmeldung", "registration", "de")], None) is None
    monkeypatch.setattr(classifier, "MAX_CLASSES", 2)
    assert load_or_train(SAMPLES, None) is None


def test_cyrillic_questions_are_also_learned_in_latin_letters() -> None:
    assert "gde sdelat anmeldung" in latin_spellings("где сделать anmeldung", "ru")
    assert "de zrobyty anmeldung" in latin_spellings("де зробити anmeldung", "uk")
    assert latin_spellings("wo melde ich mich an", "de") == []
    assert latin_spellings("anmeldung", "ru") == []


async def test_reload_retrains_the_model_in_a_thread(write_kb: WriteKB, tmp_path: Path) -> None:
    entries = "entries:\n" + entry_yaml(
        "registration", ["Wo melde ich mich an?", "Anmeldung"], ["register address"], contacts="amt"
    )
    directory = write_kb({"contacts.yaml": CONTACT, "entries/a.yaml": entries})
    cache = tmp_path / "cache"
    assistant = Assistant.from_directory(directory, cache)
    assert assistant.matcher.model is None  # one target: nothing to tell apart
    more = entries + entry_yaml("childcare", ["Kita Platz"], ["kindergarten place"])
    (directory / "entries" / "a.yaml").write_text(more, encoding="utf-8")
    await assistant.reload()
    assert assistant.matcher.model is not None
    assert set(assistant.matcher.model.classes) == {"registration", "childcare"}
    assert len(list(cache.glob("model-*.npz"))) == 1


def test_answering_computes_exactly_what_the_features_define() -> None:
    # Answering looks features up per word (cached) and widens half-precision weights through a
    # table; the values must be those of the plain definition, to the last bit.
    model = train(SAMPLES)
    for text in ("wo melde ich meine wohnung an", "kita kita platz für mein kind", "", "xyz"):
        normalized = normalize(text)
        known = [f for f in features(normalized) if f in model.vocabulary]
        columns, values = model.vector(normalized)
        assert columns.tolist() == list(dict.fromkeys(model.vocabulary[f] for f in known))
        tf = [1 + np.log(np.float32(known.count(f))) for f in dict.fromkeys(known)]
        expected = np.array(tf, np.float32) * model.idf[columns]
        expected /= float(np.sqrt(expected @ expected)) or 1.0
        assert np.array_equal(values, expected.astype(np.float32))
        dense = values @ model.weights[columns].astype(np.float32) + model.bias
        assert np.array_equal(model.decision(normalized), dense)


def test_weight_rows_are_widened_exactly() -> None:
    every_half = np.arange(1 << 16, dtype=np.uint16).view(np.float16).reshape(-1, 16)
    columns = np.array([0, 5, 4095, 1, 5, 2048, 3100])
    widened = classifier.rows(every_half, columns)
    assert widened.dtype == np.float32
    assert np.array_equal(widened, every_half[columns].astype(np.float32), equal_nan=True)


def test_training_is_reproducible() -> None:
    # Two installs of the same knowledge base must answer the same (liblinear shuffles with a
    # random generator unless it gets a seed).
    np.random.seed(1)
    first = train(SAMPLES)
    np.random.seed(2)
    second = train(SAMPLES)
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.lang_weights, second.lang_weights)
