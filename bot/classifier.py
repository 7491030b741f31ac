"""A learned model over the knowledge base's own wording: which target, and which language.

The lexical index (``bot.index``) is good at typos, umlauts and keywords, but it weighs every word
of a message alike, so a story around the question dilutes the topic. A discriminative model
learns which character sequences tell the targets apart. It is trained on the knowledge base only:
every question variant, title and keyword of every entry (all languages), event titles and
aliases, and the out-of-scope groups (including the wish for a person) as classes of their own.
Russian and Ukrainian variants are also trained in Latin letters (``bot.translit``), so that
"gde sdelat anmeldung" finds registration.

Training uses scikit-learn (TF-IDF over character n-grams within words plus words and word pairs,
then a linear support vector machine, about two seconds for the real knowledge base); answering
needs only numpy: the features of a question are looked up in the learned vocabulary and summed.
A second linear model on the same features learns the language of each variant; it knows the
knowledge base's transliterated variants and German office words inside other languages.

The trained arrays are cached in a file named by the hash of the training data, so a start with
an unchanged knowledge base loads them (tens of milliseconds) instead of training. Training runs
in a child process, so that scikit-learn's peak memory never adds to the bot's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.normalize import normalize

log = logging.getLogger(__name__)

# Bump when features() or the training changes: old cache files are then not used.
FORMAT = 7
NGRAMS = (2, 3, 4, 5)
# Beyond this many classes the weight matrix (features × classes) stops being small, and the
# training minutes; such a knowledge base is answered by the lexical index alone.
MAX_CLASSES = 150
MAX_SAMPLES = 60_000
# Regularisation of the linear SVM: chosen on the development set (tools/tune_thresholds.py).
C_TARGET = 1.0
C_LANGUAGE = 0.5
# A character n-gram of a single training text teaches the model nothing its neighbours do not,
# but half the vocabulary is such n-grams: leaving them out halves the model's memory (213k -> 109k
# features on the real knowledge base) with the same decisions on the development set.
MIN_DF = 2

_SENTENCE_END = re.compile(r"[.!?;:\n…。؟]+|,\s+(?=\S{1,12}\s)")


@dataclass(frozen=True, slots=True)
class Sample:
    text: str
    target: str
    lang: str


def features(normalized: str) -> list[str]:
    """Character 2- to 5-grams of each word (with a space either side), the words themselves and
    pairs of neighbouring words, of an already normalised text."""
    words = normalized.split()
    out: list[str] = []
    for word in words:
        out.extend(_word_features(word))
    out.extend(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    return out


@lru_cache(maxsize=4096)  # bounded for a bot that runs for months (~25 n-grams a word)
def _word_features(word: str) -> tuple[str, ...]:
    return _grams(word)


def _grams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    size = len(padded)
    grams = [padded[i : i + n] for n in NGRAMS if n <= size for i in range(size - n + 1)]
    grams.append("w:" + word)
    return tuple(grams)


def clauses(text: str) -> list[str]:
    """The sentences (and longer comma-separated parts) of a message, for messages that tell a
    story before the question."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


@dataclass(frozen=True, slots=True)
class Model:
    """Learned weights; read-only, safe to share between threads."""

    vocabulary: dict[str, int]
    idf: np.ndarray  # per feature
    classes: tuple[str, ...]
    weights: np.ndarray  # features × classes
    bias: np.ndarray  # per class
    languages: tuple[str, ...]
    lang_weights: np.ndarray  # features × languages
    lang_bias: np.ndarray
    # word → the columns of its known features, in ``features`` order (answering looks each
    # feature up in a vocabulary of some 150,000 strings: a word of a question is looked up once)
    _word_columns: Callable[[str], array[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Per model: a retrained model (a reload) must not answer from the old vocabulary.
        cached = lru_cache(maxsize=8192)(self._compute_word_columns)  # ~200 bytes a word
        object.__setattr__(self, "_word_columns", cached)

    def _compute_word_columns(self, word: str) -> array[int]:
        found = map(self.vocabulary.get, _grams(word))
        return array("l", [column for column in found if column is not None])

    def counts(self, normalized: str) -> Counter[int]:
        """How often each known feature (by its column) occurs in a normalised text, in the
        order of ``features`` (the order of the sums below, kept so results stay the same to
        the last bit)."""
        words = normalized.split()
        columns = list(itertools.chain.from_iterable(map(self._word_columns, words)))
        get = self.vocabulary.get
        pairs = (get(f"b:{a} {b}") for a, b in itertools.pairwise(words))
        columns.extend(c for c in pairs if c is not None)
        return Counter(columns)

    def vector(self, normalized: str | Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        """Feature columns and their TF-IDF values (sublinear tf, unit length), of a normalised
        text or of its ``counts``."""
        counts = self.counts(normalized) if isinstance(normalized, str) else normalized
        if not counts:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        columns = np.fromiter(counts, np.int64, len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))) * self.idf[
            columns
        ]
        norm = float(np.sqrt(values @ values)) or 1.0
        return columns, (values / norm).astype(np.float32)

    def decision(self, normalized: str | Counter[int]) -> np.ndarray:
        """Decision values per class (higher is more likely); the bias alone for no features."""
        columns, values = self.vector(normalized)
        return values @ rows(self.weights, columns) + self.bias

    def language(self, normalized: str | Counter[int]) -> np.ndarray:
        """Decision values per language of ``self.languages``."""
        columns, values = self.vector(normalized)
        return values @ rows(self.lang_weights, columns) + self.lang_bias

    @property
    def nbytes(self) -> int:
        return self.weights.nbytes + self.lang_weights.nbytes + self.idf.nbytes


# Every half-precision number as single precision: a look-up converts the rows of a question's
# features several times faster than numpy's ``astype`` does (and exactly as it does).
_HALF_TO_SINGLE = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
_HALF_TO_SINGLE.flags.writeable = False


def rows(weights: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The rows ``columns`` of a weight matrix, in single precision."""
    if weights.dtype == np.float16:
        return _HALF_TO_SINGLE.take(weights[columns].view(np.uint16))
    return weights[columns].astype(np.float32)


def fingerprint(samples: Sequence[Sample]) -> str:
    digest = hashlib.sha256(f"{FORMAT} {C_TARGET} {C_LANGUAGE} {MIN_DF}".encode())
    for s in samples:
        digest.update(f"{s.target}\x1f{s.lang}\x1f{s.text}\x1e".encode())
    return digest.hexdigest()[:20]


def trainable(samples: Sequence[Sample]) -> bool:
    classes = {s.target for s in samples}
    return 2 <= len(classes) <= MAX_CLASSES and len(samples) <= MAX_SAMPLES


def train(samples: Sequence[Sample]) -> Model:
    """Fit both linear models (scikit-learn is imported only here)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    texts = [normalize(s.text) for s in samples]
    vectorizer = TfidfVectorizer(
        analyzer=features, sublinear_tf=True, dtype=np.float32, lowercase=False, min_df=MIN_DF
    )
    matrix = vectorizer.fit_transform(texts)
    targets = [s.target for s in samples]
    # Balanced: an entry with more question variants must not win more often for it (the newer
    # topics have half again as many as the older ones and drew their questions away).
    # A fixed seed: liblinear shuffles with numpy's global generator otherwise, and two installs
    # of the same knowledge base would answer a borderline question differently.
    svm = LinearSVC(C=C_TARGET, class_weight="balanced", random_state=0)
    svm.fit(matrix, targets)
    classes = tuple(str(c) for c in svm.classes_)
    weights, bias = _dense(svm.coef_, svm.intercept_, len(classes))
    # Keywords mix languages: they carry no language label.
    rows = [i for i, s in enumerate(samples) if s.lang]
    langs = [samples[i].lang for i in rows]
    if len(set(langs)) >= 2:
        lang_svm = LinearSVC(C=C_LANGUAGE, random_state=0)
        lang_svm.fit(matrix[rows], langs)
        languages = tuple(str(c) for c in lang_svm.classes_)
        lang_weights, lang_bias = _dense(lang_svm.coef_, lang_svm.intercept_, len(languages))
    else:
        languages = tuple(set(langs))
        lang_weights = np.zeros((matrix.shape[1], len(languages)), np.float32)
        lang_bias = np.zeros(len(languages), np.float32)
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return Model(
        vocabulary,
        vectorizer.idf_.astype(np.float32),
        classes,
        weights,
        bias,
        languages,
        lang_weights,
        lang_bias,
    )


def _dense(coef: np.ndarray, intercept: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """features × classes; two classes come as one row from scikit-learn (+ for the second)."""
    if n == 2 and coef.shape[0] == 1:
        coef = np.vstack((-coef[0], coef[0]))
        intercept = np.array((-intercept[0], intercept[0]))
    # Half precision: three significant digits are plenty for decision values around ±1, and
    # it halves the largest array in memory (features × classes).
    return (
        np.ascontiguousarray(coef.T, dtype=np.float16),
        np.asarray(intercept, dtype=np.float32),
    )


def save(model: Model, path: Path) -> None:
    """Write atomically: a concurrent reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                vocabulary=np.frombuffer("\n".join(words).encode(), np.uint8),
                idf=model.idf,
                classes=np.array(model.classes),
                weights=model.weights,
                bias=model.bias,
                languages=np.array(model.languages),
                lang_weights=model.lang_weights,
                lang_bias=model.lang_bias,
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> Model:
    with np.load(path, allow_pickle=False) as data:
        words = data["vocabulary"].tobytes().decode().split("\n")
        return Model(
            {word: i for i, word in enumerate(words)},
            data["idf"],
            tuple(str(c) for c in data["classes"]),
            data["weights"],
            data["bias"],
            tuple(str(c) for c in data["languages"]),
            data["lang_weights"],
            data["lang_bias"],
        )


def load_or_train(samples: Sequence[Sample], cache_dir: Path | None) -> Model | None:
    """The model for ``samples``: from the cache when it holds one for exactly these samples,
    else trained (and cached). None when the knowledge base is too big or too small for it."""
    if not trainable(samples):
        return None
    path = cache_dir / f"model-{fingerprint(samples)}.npz" if cache_dir else None
    if path is not None and path.exists():
        try:
            return load(path)
        except (OSError, ValueError, KeyError) as exc:  # a damaged file is rebuilt
            log.warning("model cache %s unreadable (%s); training again", path, exc)
    if path is None:
        return train(samples)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _train_in_child(samples, path)
        model = load(path)
    except (OSError, ValueError, KeyError, subprocess.SubprocessError) as exc:
        # A read-only disk costs start-up time and memory, not answers.
        log.warning("model not cached in %s (%s); training in this process", path, exc)
        return train(samples)
    _prune(path)
    return model


def _train_in_child(samples: Sequence[Sample], path: Path) -> None:
    """Train in a separate Python process: scikit-learn and its matrices (some 250 MB at the
    peak) never enter the bot's memory, which only loads the result."""
    rows = [[s.text, s.target, s.lang] for s in samples]
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=path.parent, delete=False) as f:
        json.dump(rows, f)
    try:
        subprocess.run(
            [sys.executable, "-m", "bot.classifier", f.name, str(path)],
            check=True,
            capture_output=True,
            timeout=600,
            cwd=Path(__file__).resolve().parent.parent,  # where ``bot`` is importable
        )
    finally:
        Path(f.name).unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot.classifier SAMPLES.json MODEL.npz``: train and write a cache file."""
    source, target = argv if argv is not None else sys.argv[1:]
    rows = json.loads(Path(source).read_text(encoding="utf-8"))
    save(train([Sample(*row) for row in rows]), Path(target))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _prune(keep: Path, count: int = 3) -> None:
    """Keep the newest few cache files: every edit of the knowledge base makes a new one."""
    files = sorted(keep.parent.glob("model-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[count:]:
        if old != keep:
            old.unlink(missing_ok=True)
