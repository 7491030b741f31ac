"""A synthetic knowledge base N times the size of the real one, with the same shape.

Copies of every entry, event and out-of-scope group get new ids and reworded questions, titles,
keywords and aliases. The rewording is what makes the figures honest: N identical copies would
leave the vocabulary (and so the fuzzy-matching work) as small as the real one's. Instead:

- generic words (used by three or more real entries of that language: "wie", "where", "можно")
  are kept with probability 0.8, topic words with probability 0.2, as a bigger knowledge base
  of the same city would reuse its everyday words but bring its own topics;
- a replaced word is drawn, Zipf-distributed, from a pool of new words that a character bigram
  model of that language's real vocabulary generates (same letters, lengths and scripts);
- the pool grows like Heaps' law with exponent 0.5 (vocabulary ~ sqrt(text size)), the middle
  of what natural-language corpora show, so 100× the text gives about 10× the vocabulary;
- numbers are replaced by other numbers of the same length.

Answers and event descriptions are reworded the same way (the matcher indexes their words too) and
never get longer, so every copy still fits into one Telegram message. Contacts are shared with the
real entries. Urgent-help rules (``urgent:``) are not copied: they name the real entries.

Everything goes through YAML files and ``load_knowledge``, exactly like the real knowledge base.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import HUMAN_ID, knowledge_files

_TOKEN = re.compile(r"\w+")
KEEP_GENERIC = 0.8
KEEP_TOPIC = 0.2
GENERIC_DF = 3  # a word used by this many real entries of a language counts as everyday language
HEAPS_EXPONENT = 0.5
ZIPF_S = 1.0
ID_MAX = 48
TITLE_MAX = 60
EVENT_TITLE_MAX = 120
KEYWORDS = "keywords"  # keywords mix languages; they get a word model of their own

# The C implementations are many times faster on megabytes of YAML; fall back when missing.
_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True, slots=True)
class SyntheticKB:
    directory: Path
    scale: int
    entries: int
    files: int
    real_words: int  # distinct words in the matched texts of the real knowledge base
    words: int  # ... and of the synthetic one


class WordModel:
    """A character bigram model of one language's words that invents new, plausible words."""

    def __init__(self, words: Iterable[str], rng: random.Random) -> None:
        self.rng = rng
        self.known = set(words)
        # Lengths of real words: an invented word is cut at one of them, so that the length
        # distribution (and thus the edit-distance candidate pools) stays like the real one's.
        self.lengths = [len(w) for w in self.known] or [6]
        transitions: dict[str, Counter[str]] = defaultdict(Counter)
        for word in self.known:
            padded = "^^" + word + "$"
            for i in range(2, len(padded)):
                transitions[padded[i - 2 : i]][padded[i]] += 1
        self.table = {
            state: (list(counts), list(itertools.accumulate(counts.values())))
            for state, counts in transitions.items()
        }
        self.pool: list[str] = []
        self._cumulative: list[float] = []

    def invent(self) -> str | None:
        state, out = "^^", []
        length = self.rng.choice(self.lengths)
        while len(out) < length:
            choices = self.table.get(state)
            if choices is None:
                return None
            letters, cumulative = choices
            letter = letters[bisect.bisect(cumulative, self.rng.random() * cumulative[-1])]
            if letter == "$":
                break
            out.append(letter)
            state = state[1] + letter
        word = "".join(out)
        return word if len(word) >= 3 and word not in self.known else None

    def fill(self, size: int) -> None:
        """Invent ``size`` distinct new words; the first ones are the most frequent (Zipf)."""
        seen: set[str] = set()
        for _ in range(size * 20):  # bounded: a tiny vocabulary may not yield ``size`` words
            if len(self.pool) >= size:
                break
            word = self.invent()
            if word and word not in seen:
                seen.add(word)
                self.pool.append(word)
        weights = (1 / (rank**ZIPF_S) for rank in range(1, len(self.pool) + 1))
        self._cumulative = list(itertools.accumulate(weights))

    def draw(self) -> str | None:
        if not self.pool:
            return None
        target = self.rng.random() * self._cumulative[-1]
        return self.pool[bisect.bisect(self._cumulative, target)]


class Rewriter:
    """Rewords texts of one language: keeps everyday words, swaps topic words for new ones."""

    def __init__(self, texts_per_entry: dict[str, list[list[str]]], scale: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.df: dict[str, Counter[str]] = {}
        self.models: dict[str, WordModel] = {}
        for lang, entries in texts_per_entry.items():
            df: Counter[str] = Counter()
            for texts in entries:
                df.update({w.lower() for text in texts for w in _TOKEN.findall(text)})
            self.df[lang] = df
            words = [w for w in df if not w.isdigit()]
            model = WordModel(words, self.rng)
            model.fill(round(len(words) * (scale**HEAPS_EXPONENT - 1)))
            self.models[lang] = model

    def rewrite(self, text: str, lang: str) -> str:
        df, model = self.df.get(lang), self.models.get(lang)
        if df is None or model is None:
            return text

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            if word.isdigit():
                return "".join(self.rng.choice("0123456789") for _ in word)
            keep = KEEP_GENERIC if df[word.lower()] >= GENERIC_DF else KEEP_TOPIC
            if len(word) < 3 or self.rng.random() < keep:
                return word
            new = model.draw() or word
            return new.capitalize() if word[:1].isupper() else new

        return _TOKEN.sub(replace, text)


def _read(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return data if isinstance(data, dict) else {}


def _copy_id(base: str, copy: int) -> str:
    suffix = f"-x{copy}"
    return base[: ID_MAX - len(suffix)] + suffix


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def _reword_long(rw: Rewriter, text: str, lang: str) -> str:
    """Reword an answer or description without making it longer (rendering limits apply)."""
    new = rw.rewrite(text, lang)
    if len(new) <= len(text):
        return new
    cut = new[: len(text)]
    return cut[: cut.rfind(" ")] if " " in cut else cut


def _texts(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    texts = item.get("text")
    return texts if isinstance(texts, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or () if isinstance(v, str)]


def _copy_entry(item: dict[str, Any], copy: int, rw: Rewriter) -> dict[str, Any]:
    new = dict(item)
    new["id"] = _copy_id(item["id"], copy)
    new["related"] = [_copy_id(r, copy) for r in _strings(item.get("related"))]
    if "keywords" in item:
        new["keywords"] = [rw.rewrite(k, KEYWORDS) for k in _strings(item["keywords"])]
    texts = {}
    for lang, block in _texts(item).items():
        block = dict(block)
        block["title"] = _clip(rw.rewrite(block["title"], lang), TITLE_MAX)
        block["questions"] = [rw.rewrite(q, lang) for q in _strings(block.get("questions"))]
        if isinstance(block.get("answer"), str):
            block["answer"] = _reword_long(rw, block["answer"], lang)
        texts[lang] = block
    new["text"] = texts
    return new


def _copy_event(item: dict[str, Any], copy: int, rw: Rewriter) -> dict[str, Any]:
    new = dict(item)
    new["id"] = _copy_id(item["id"], copy)
    texts = {}
    for lang, block in _texts(item).items():
        block = dict(block)
        block["title"] = _clip(rw.rewrite(block["title"], lang), EVENT_TITLE_MAX)
        if "aliases" in block:
            block["aliases"] = [rw.rewrite(a, lang) for a in _strings(block["aliases"])]
        if isinstance(block.get("description"), str):
            block["description"] = _reword_long(rw, block["description"], lang)
        texts[lang] = block
    new["text"] = texts
    return new


def _copy_oos(item: dict[str, Any], copy: int, rw: Rewriter) -> dict[str, Any]:
    texts = {
        lang: {"questions": [rw.rewrite(q, lang) for q in _strings(block.get("questions"))]}
        for lang, block in _texts(item).items()
    }
    return {"id": _copy_id(item["id"], copy), "text": texts}


_INDEXED_KEYS = ("title", "questions", "aliases", "answer", "description")


def _matched_words(sections: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Distinct lower-case words of the texts a matcher may index (all but contacts)."""
    words: set[str] = set()
    for entry in sections["entries"]:
        words.update(w.lower() for k in _strings(entry.get("keywords")) for w in _TOKEN.findall(k))
    for section in ("entries", "events", "out_of_scope"):
        for item in sections[section]:
            for block in _texts(item).values():
                for key in _INDEXED_KEYS:
                    for text in _strings(block.get(key)):
                        words.update(w.lower() for w in _TOKEN.findall(text))
    return words


def generate(
    source: Path,
    target: Path,
    scale: int,
    seed: int = 7,
    progress: Callable[[str], None] | None = None,
) -> SyntheticKB:
    """Write the real knowledge base plus ``scale - 1`` reworded copies of it below ``target``."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if target.exists():
        shutil.rmtree(target)
    sections: dict[str, list[dict[str, Any]]] = {"entries": [], "events": [], "out_of_scope": []}
    files = knowledge_files(source)
    for path in files:
        # The real files go in unchanged (contacts too: copies refer to the real contacts).
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / relative)
        data = _read(path)
        for section, items in sections.items():
            items.extend(i for i in data.get(section) or () if isinstance(i, dict))

    per_lang: dict[str, list[list[str]]] = defaultdict(list)
    for entry in sections["entries"]:
        for lang, block in _texts(entry).items():
            per_lang[lang].append(
                [
                    block.get("title", ""),
                    block.get("answer", ""),
                    *_strings(block.get("questions")),
                ]
            )
        per_lang[KEYWORDS].append(_strings(entry.get("keywords")))
    rewriter = Rewriter(per_lang, scale, seed)

    real_words = _matched_words(sections)
    words = set(real_words)
    copies_dir = target / "synthetic"
    copies_dir.mkdir(parents=True, exist_ok=True)
    for copy in range(1, scale):
        data = {
            "entries": [_copy_entry(e, copy, rewriter) for e in sections["entries"]],
            "events": [_copy_event(e, copy, rewriter) for e in sections["events"]],
            "out_of_scope": [
                _copy_oos(o, copy, rewriter)
                for o in sections["out_of_scope"]
                if o["id"] != HUMAN_ID
            ],
        }
        words |= _matched_words(data)
        text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=10**6)
        (copies_dir / f"copy-{copy:03d}.yaml").write_text(text, encoding="utf-8")
        if progress and copy % 10 == 0:
            progress(f"synthetic knowledge base: copy {copy}/{scale - 1} written")
    return SyntheticKB(
        directory=target,
        scale=scale,
        entries=len(sections["entries"]) * scale,
        files=len(files) + scale - 1,
        real_words=len(real_words),
        words=len(words),
    )
