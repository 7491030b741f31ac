"""Urgent help first: recognise a message about danger to life, violence or suicidal thoughts.

The matcher asks this module before anything else, on every message. When it fires, the
resident gets the entry with the emergency numbers at once instead of "I don't know" or a menu.

What counts as urgent is data, not code: the ``urgent:`` section of the knowledge base
(``knowledge/urgent.yaml``), one rule per kind of situation, each with phrases per language
and exceptions. A phrase is a few words that must all occur close together, in any order:

- ``kind|baby|sohn``: alternatives for one word;
- ``verschluck*``: a word beginning ("verschluckt", "verschluckte");
- ``xe_cứu_thương``: words that must follow each other exactly (Vietnamese syllables);
- every word goes through the same normalisation as questions (case, accents, ß, ä → a,
  Arabic letter variants), and a word of seven or more letters may carry one typo (ten or
  more: two), never in its first letter, unless the message's word is listed under
  ``not_typos`` (a real word one letter away, like "schläft" next to "schlägt"). A word of
  five or six letters may miss a letter, have one too many or two swapped ("fiber", "fiebr"
  for "fieber"), but not a changed letter: in short words that mostly makes another real word
  ("lesen" / "leben", "hitzu" / "hitze").

An ``except`` phrase of a rule stops that rule for the whole message ("Erste-Hilfe-Kurs").
Rules are tried in file order; the first that fires decides. A knowledge base without an
``urgent:`` section (a test fixture, a city's own folder) gets the project's own rules, so that
urgent help never silently disappears.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

# bot.validation hands ``parse_rule`` to the knowledge reader: knowledge.py never imports this.
from bot.errors import Problem
from bot.knowledge import KnowledgeBase, Origin, Reader
from bot.language import LANGUAGES
from bot.normalize import normalize
from bot.yamlsource import YDict, YList, line_of, load_file

FILE_NAME = "urgent.yaml"
MIN_PREFIX = 3  # "ضرب*" (hit) is a three-letter root; shorter beginnings match far too much
FUZZY_SHORT = 5  # letters from which a missing, extra or swapped letter is forgiven ...
FUZZY_ONE = 7  # ... any one typo ...
FUZZY_TWO = 10  # ... and two
_WINDOW_SLACK = 5  # extra words allowed between a phrase's words, per phrase word below
_KIND = re.compile(r"^[a-z][a-z-]{1,31}$")


@dataclass(frozen=True, slots=True)
class Urgency:
    """What the message is about and which entries answer it, best first."""

    kind: str
    entries: tuple[str, ...]
    # The rule and phrase that fired, for logs and for curators ("file:line").
    rule: str = field(default="", compare=False)
    phrase: str = field(default="", compare=False)
    # The languages of the rule's phrases that occur in the message, the firing one first:
    # "jozi bidrobni" is Arabic in Latin letters, which letters alone do not tell.
    langs: tuple[str, ...] = field(default=(), compare=False)


# A word of a phrase: its normalised text and whether it is a beginning ("verschluck*").
Atom = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    lang: str
    line: int
    # slots → alternatives → atoms that must follow each other
    slots: tuple[tuple[tuple[Atom, ...], ...], ...]

    @property
    def size(self) -> int:
        return sum(min(len(alt) for alt in slot) for slot in self.slots)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    entries: tuple[str, ...]
    phrases: tuple[Phrase, ...]
    excepts: tuple[Phrase, ...]
    not_typos: frozenset[str]
    origin: Origin


# ------------------------------------------------------------------------------ parsing


def parse_phrase(raw: str) -> tuple[tuple[tuple[Atom, ...], ...], str | None]:
    """The slots of one phrase, or an error message for the curator."""
    slots: list[tuple[tuple[Atom, ...], ...]] = []
    for word in raw.split():
        alternatives: list[tuple[Atom, ...]] = []
        for alternative in word.split("|"):
            atoms: list[Atom] = []
            parts = [p for p in alternative.split("_") if p]
            for n, part in enumerate(parts):
                prefix = part.endswith("*")
                if "*" in part.rstrip("*") or (prefix and n < len(parts) - 1):
                    return (), f"'*' only at the end of a word: {word!r}"
                tokens = normalize(part.rstrip("*")).split()
                if not tokens:
                    return (), f"no letters or digits in {word!r}"
                for k, token in enumerate(tokens):
                    is_prefix = prefix and k == len(tokens) - 1
                    if is_prefix and len(token) < MIN_PREFIX:
                        return (), f"a word beginning needs {MIN_PREFIX} letters: {part!r}"
                    atoms.append((token, is_prefix))
            if not atoms:
                return (), f"empty alternative in {word!r}"
            alternatives.append(tuple(atoms))
        slots.append(tuple(alternatives))
    if not slots:
        return (), "empty phrase"
    return tuple(slots), None


def _phrases(reader: Reader, node: YDict, key: str, path: str) -> tuple[Phrase, ...]:
    raw = node.get(key)
    if raw is None:
        return ()
    if not isinstance(raw, YDict):
        reader.problem(raw, f"{path}.{key}", "expected languages (de:, en:, ...) with phrases")
        return ()
    found: list[Phrase] = []
    for lang in raw:
        lpath = f"{path}.{key}.{lang}"
        if lang not in LANGUAGES:
            reader.problem(raw, lpath, f"unknown language code (use {' '.join(LANGUAGES)})", lang)
            continue
        values = raw[lang]
        for i, text in enumerate(reader.texts(raw, lang, f"{path}.{key}")):
            slots, error = parse_phrase(text)
            item = values[i] if isinstance(values, list) and i < len(values) else values
            if error:
                reader.problem(item, f"{lpath}[{i}]", error)
                continue
            found.append(Phrase(text, lang, line_of(item, line_of(raw)), slots))
    return tuple(found)


def parse_rule(reader: Reader, node: YDict, path: str) -> Rule | None:
    """One rule of the ``urgent:`` section; problems go to ``reader``."""
    rid = reader.ident(node, path)
    path = f"urgent.{rid}" if rid else path
    reader.check_keys(
        node, path, {"id", "kind", "entries", "phrases", "except", "not_typos"},
        {"id", "kind", "entries", "phrases"},
    )  # fmt: skip
    kind = reader.text(node, "kind", path)
    if kind is not None and not _KIND.match(kind):
        reader.problem(node["kind"], f"{path}.kind", f"use a-z and '-', like child-fever: {kind!r}")
    entries = reader.texts(node, "entries", path, required=True)
    if "entries" in node and not entries:
        reader.problem(node, f"{path}.entries", "name at least one entry", "entries")
    phrases = _phrases(reader, node, "phrases", path)
    if "phrases" in node and not phrases:
        reader.problem(node, f"{path}.phrases", "needs at least one phrase", "phrases")
    excepts = _phrases(reader, node, "except", path)
    not_typos = frozenset(
        token for word in reader.texts(node, "not_typos", path) for token in normalize(word).split()
    )
    if rid is None or kind is None or not entries or not phrases:
        return None
    return Rule(rid, kind, entries, phrases, excepts, not_typos, Origin(reader.file, node.line))


def load_rules(path: Path) -> tuple[tuple[Rule, ...], list[Problem]]:
    """Read one file with an ``urgent:`` section (the project's own, for ``detect``)."""
    reader = Reader(path.name)
    data = load_file(path, path.name, reader.problems)
    rules: list[Rule] = []
    top = reader.mapping(data, "") if data is not None else None
    items = top.get("urgent") if top is not None else None
    if isinstance(items, YList):
        for i, item in enumerate(items):
            node = reader.mapping(item, f"urgent[{i}]")
            rule = parse_rule(reader, node, f"urgent[{i}]") if node is not None else None
            if rule is not None:
                rules.append(rule)
    elif data is not None:
        reader.problem(top, "urgent", "expected a list of rules under urgent:")
    return tuple(rules), reader.problems


def kb_problems(kb: KnowledgeBase) -> list[Problem]:
    """Rules that could not answer: none of their entries exists (the person would get nothing)."""
    problems = []
    for rule in kb.urgent.values():
        if not any(e in kb.entries for e in rule.entries):
            problems.append(
                Problem(
                    rule.origin.file, rule.origin.line, f"urgent.{rule.id}.entries",
                    f"none of {', '.join(rule.entries)} is an entry: list one that exists "
                    "(emergency has every number)",
                )
            )  # fmt: skip
    return problems


# ----------------------------------------------------------------------------- detection


class Detector:
    """The rules, indexed so that a message costs a few dictionary look-ups per word."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        atoms: dict[Atom, int] = {}
        for rule in self.rules:
            for phrase in (*rule.phrases, *rule.excepts):
                for slot in phrase.slots:
                    for alternative in slot:
                        for atom in alternative:
                            atoms.setdefault(atom, len(atoms))
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._prefix: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for (text, is_prefix), aid in atoms.items():
            if is_prefix:
                self._prefix[len(text)][text].append(aid)
            else:
                self._exact[text].append(aid)
        # Typo candidates by first letter (a typo keeps it, see _compute_atoms_of): a word is
        # compared with the few that can match, not with all of them.
        self._fuzzy_exact: dict[str, list[str]] = defaultdict(list)
        self._fuzzy_short: dict[str, list[str]] = defaultdict(list)
        for text in self._exact:
            if len(text) >= FUZZY_ONE and not text.isdigit():
                self._fuzzy_exact[text[0]].append(text)
            elif len(text) >= FUZZY_SHORT and not text.isdigit():
                self._fuzzy_short[text[0]].append(text)
        self._fuzzy_prefix: dict[str, dict[int, list[str]]] = defaultdict(dict)
        for n, by_text in self._prefix.items():
            for text in by_text if n >= FUZZY_ONE else ():
                self._fuzzy_prefix[text[0]].setdefault(n, []).append(text)
        self._atom_id = atoms
        self._compiled = [[self._compile(p) for p in rule.phrases] for rule in self.rules]
        self._excepts = [[self._compile(p) for p in rule.excepts] for rule in self.rules]
        # Every atom of a phrase's first slot points to the phrase: a phrase can only match
        # when one of them occurs.
        self._by_atom: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, compiled in enumerate(self._compiled):
            for p, phrase in enumerate(compiled):
                for aid in {alternative[0] for alternative in phrase.slots[0]}:
                    self._by_atom[aid].append((r, p))
        self._not_typos = frozenset().union(*(r.not_typos for r in self.rules))
        # Per-instance cache: a reloaded knowledge base builds a new detector, and the old
        # one's cache goes with it.
        self._atoms_of = lru_cache(maxsize=16_384)(self._compute_atoms_of)

    def _compute_atoms_of(self, token: str) -> frozenset[int]:
        """The phrase words that ``token`` is: exactly, as a beginning, or with a typo."""
        found = set(self._exact.get(token, ()))
        for n, by_text in self._prefix.items():
            if n <= len(token):
                found.update(by_text.get(token[:n], ()))
        if token in self._not_typos or token.isdigit():
            return frozenset(found)
        # A typo keeps the first letter: "میخوام" (I want) is not a typo of "نمیخوام" (I do
        # not want), and the first letter is where negations and prefixes change a word.
        if len(token) >= FUZZY_ONE:
            cutoff = 2 if len(token) >= FUZZY_TWO else 1
            for text, distance, _ in process.extract(
                token, self._fuzzy_exact.get(token[0], ()), scorer=Levenshtein.distance,
                score_cutoff=cutoff, limit=None,
            ):  # fmt: skip
                if len(text) >= FUZZY_TWO or distance <= 1:
                    found.update(self._exact[text])
        if len(token) >= FUZZY_SHORT:
            # One letter missing or added, or two neighbours swapped (OSA counts that as one).
            for text, _distance, _ in process.extract(
                token, self._fuzzy_short.get(token[0], ()), scorer=OSA.distance,
                score_cutoff=1, limit=None,
            ):  # fmt: skip
                if len(text) != len(token) or Levenshtein.distance(token, text) == 2:
                    found.update(self._exact[text])
        for n, texts in self._fuzzy_prefix.get(token[0], {}).items():
            # The typo may drop or add a letter: compare heads one shorter and one longer too.
            for head in {token[:k] for k in (n - 1, n, n + 1) if k <= len(token)}:
                for text, _distance, _ in process.extract(
                    head, texts, scorer=Levenshtein.distance, score_cutoff=1, limit=None
                ):
                    found.update(self._prefix[n][text])
        return frozenset(found)

    def _compile(self, phrase: Phrase) -> _Compiled:
        slots = tuple(
            tuple(tuple(self._atom_id[atom] for atom in alternative) for alternative in slot)
            for slot in phrase.slots
        )
        window = phrase.size + _WINDOW_SLACK * len(slots)
        firsts = tuple(frozenset(alternative[0] for alternative in slot) for slot in slots)
        return _Compiled(phrase, slots, window, firsts)

    def detect(self, text: str) -> Urgency | None:
        tokens = normalize(text).split()
        hits = [self._atoms_of(token) for token in tokens]
        where: dict[int, list[int]] = defaultdict(list)
        for position, atoms in enumerate(hits):
            for aid in atoms:
                where[aid].append(position)
        if not where:
            return None  # the common case: one cached look-up per word and done
        # Only phrases whose first slot occurs in the message are checked, in rule order.
        found = sorted({key for aid in where for key in self._by_atom.get(aid, ())})
        stopped: set[int] = set()
        for r, p in found:
            compiled = self._compiled[r][p]
            if r in stopped or not compiled.matches(hits, where):
                continue
            rule = self.rules[r]
            if any(e.matches(hits, where) for e in self._excepts[r]):
                stopped.add(r)
                continue
            # Only phrases whose first word occurs can match: usually none but this one.
            langs = dict.fromkeys([compiled.phrase.lang])
            langs.update(
                (self._compiled[r][q].phrase.lang, None)
                for rr, q in found
                if rr == r and q != p and self._compiled[r][q].matches(hits, where)
            )
            return Urgency(rule.kind, rule.entries, rule.id, compiled.phrase.text, tuple(langs))
        return None


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A phrase as atom ids: slots → alternatives → ids that must follow each other."""

    phrase: Phrase
    slots: tuple[tuple[tuple[int, ...], ...], ...]
    window: int
    firsts: tuple[frozenset[int], ...]  # per slot: the first atoms of its alternatives

    def matches(self, hits: list[frozenset[int]], where: Mapping[int, list[int]]) -> bool:
        """Whether every slot occurs in the message, close together. ``where``: the positions
        of each atom in the message."""
        present = where.keys()
        if any(present.isdisjoint(first) for first in self.firsts):
            return False  # a slot's word is missing: no need to look at positions
        n = len(hits)
        places: list[list[tuple[int, int]]] = []  # per slot: (start, end) in the message
        for slot in self.slots:
            spans = [
                (start, start + len(ids))
                for ids in slot
                for start in where.get(ids[0], ())
                if start + len(ids) <= n
                and all(ids[k] in hits[start + k] for k in range(1, len(ids)))
            ]
            if not spans:
                return False
            places.append(spans)
        return _fits(places, self.window)


def _fits(places: list[list[tuple[int, int]]], window: int) -> bool:
    """Whether one span per slot can be chosen, not overlapping, all within ``window`` words."""

    def choose(i: int, used: list[tuple[int, int]]) -> bool:
        if i == len(places):
            return max(e for _, e in used) - min(s for s, _ in used) <= window
        for span in places[i]:
            if all(span[1] <= s or e <= span[0] for s, e in used) and choose(i + 1, [*used, span]):
                return True
        return False

    return choose(0, [])


# ------------------------------------------------------------------------------ defaults


@cache
def default_detector() -> Detector:
    """The project's own rules (``knowledge/urgent.yaml``), read once."""
    from bot.config import DEFAULT_KNOWLEDGE

    rules, problems = load_rules(DEFAULT_KNOWLEDGE / FILE_NAME)
    if problems:  # the test suite and `validate` keep the shipped file clean
        raise ValueError("; ".join(map(str, problems)))
    return Detector(rules)


def detector_for(rules: Mapping[str, Rule]) -> Detector:
    """A knowledge base's own rules, or the project's when it has none."""
    return Detector(rules.values()) if rules else default_detector()


def urgent_entries(kb: KnowledgeBase) -> frozenset[str]:
    """The entries that answer urgent situations (their first message shows every contact)."""
    rules = kb.urgent.values() if kb.urgent else default_detector().rules
    return frozenset(e for rule in rules for e in rule.entries)


def detect(text: str) -> Urgency | None:
    """The urgent situation ``text`` describes, by the project's own rules, or None."""
    return default_detector().detect(text)
