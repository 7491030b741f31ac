"""What people asked, for the curators: figures, unanswered questions in clusters, freshness.

Three layers, so that the Telegram commands, the command line and the tests share one logic:

- ``load_rows`` reads the question log, feedback and tickets of a period from the ``Store``;
- ``build_report`` (pure: rows in, dataclasses out) counts, clusters and finds nearest entries;
- ``bot.report_text`` / ``bot.report_html`` turn a ``Report`` into a curator's text (in the
  reader's language) or a self-contained HTML page (inline CSS and SVG charts, every string
  escaped, no external assets).

``check_freshness`` lists facts that need a look (old ``checked`` dates, unconfirmed events,
unused contacts); ``python run_bot.py validate`` prints it and the HTML page shows it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from rapidfuzz import fuzz, process

from bot.clock import BERLIN
from bot.events import next_occurrence, occurrences
from bot.knowledge import KnowledgeBase, Origin
from bot.language import LANGUAGES
from bot.normalize import common_prefix_length, normalize

if TYPE_CHECKING:
    from bot.matching import Matcher
    from bot.store import Store

DECISIONS: tuple[str, ...] = ("answer", "clarify", "escalate")
# Escalations that are no gap in the knowledge base: a wish to talk to a person, or no text.
NOT_A_GAP_REASONS = frozenset({"human", "empty"})
THUMBS_DOWN = "thumbs-down"

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


# ------------------------------------------------------------------------------------ rows


def _parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class QuestionRow:
    id: int
    at: datetime
    lang: str
    text: str
    decision: str
    entry: str | None
    score: float
    reason: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> QuestionRow:
        return cls(
            id=int(row["id"]),
            at=_parse_ts(row["asked_at"]) or datetime.min.replace(tzinfo=UTC),
            lang=str(row["lang"]),
            text=str(row["text"]),
            decision=str(row["decision"]),
            entry=row["entry"],
            score=float(row["score"]),
            reason=str(row.get("reason") or ""),
        )


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    at: datetime
    entry: str
    lang: str
    helpful: bool
    question_id: int | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FeedbackRow:
        return cls(
            at=_parse_ts(row["at"]) or datetime.min.replace(tzinfo=UTC),
            entry=str(row["entry"]),
            lang=str(row["lang"]),
            helpful=bool(row["helpful"]),
            question_id=row["question_id"],
        )


@dataclass(frozen=True, slots=True)
class TicketRow:
    """Only what the figures need: no chat id and no question text leave the database."""

    id: int
    lang: str
    status: str
    created_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TicketRow:
        return cls(
            id=int(row["id"]),
            lang=str(row["lang"]),
            status=str(row["status"]),
            created_at=_parse_ts(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
            answered_at=_parse_ts(row["answered_at"]),
            closed_at=_parse_ts(row["closed_at"]),
        )


@dataclass(frozen=True, slots=True)
class Rows:
    questions: tuple[QuestionRow, ...]
    feedback: tuple[FeedbackRow, ...]
    tickets: tuple[TicketRow, ...]


def _iso(value: datetime) -> str:
    # The store's format, so that comparing strings in SQL compares times. Microseconds, so that
    # a period ending half a second after a row was written includes it ("…:20+00:00" sorts
    # before "…:20.500000+00:00").
    return value.astimezone(UTC).isoformat(timespec="microseconds")


async def load_rows(store: Store, start: datetime, end: datetime) -> Rows:
    """The rows of ``[start, end)``: questions and feedback of the period; tickets that were
    created, closed or still open in it."""
    questions = [
        QuestionRow.from_row(row)
        for row in await store.questions_since(start)
        if (_parse_ts(row["asked_at"]) or start) < end
    ]
    # The store has no read methods for these two yet; plain SELECTs on its connection (read
    # only, so the write lock is not needed). Candidates for Store.feedback_between/tickets_between.
    db = store._db
    cursor = await db.execute(
        "SELECT at, entry, lang, helpful, question_id FROM feedback "
        "WHERE at >= ? AND at < ? ORDER BY at",
        (_iso(start), _iso(end)),
    )
    feedback = [FeedbackRow.from_row(dict(row)) for row in await cursor.fetchall()]
    cursor = await db.execute(
        "SELECT id, lang, status, created_at, answered_at, closed_at FROM tickets "
        "WHERE created_at < ? AND (created_at >= ? OR status = 'open' OR closed_at >= ?) "
        "ORDER BY id",
        (_iso(end), _iso(start), _iso(start)),
    )
    tickets = [TicketRow.from_row(dict(row)) for row in await cursor.fetchall()]
    return Rows(tuple(questions), tuple(feedback), tuple(tickets))


# ------------------------------------------------------------------------------ clustering


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


def unanswered(questions: Iterable[QuestionRow], feedback: Iterable[FeedbackRow]) -> list[Asked]:
    """Escalated and clarified questions that point at a gap, plus answers that got 👎.

    A 👎 counts for its question when the feedback names it (``question_id``); feedback
    without one shows only in the per-entry 👍/👎 figures."""
    questions = list(questions)
    disliked = {f.question_id for f in feedback if not f.helpful and f.question_id is not None}
    found = []
    for q in questions:
        if q.id in disliked:
            found.append(Asked(q.text, q.lang, THUMBS_DOWN))
        elif q.decision in ("escalate", "clarify") and q.reason not in NOT_A_GAP_REASONS:
            found.append(Asked(q.text, q.lang, q.decision))
    return found


# --------------------------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class EntryFeedback:
    entry: str
    up: int
    down: int


@dataclass(frozen=True, slots=True)
class TicketStats:
    created: int  # in the period
    answered: int  # of those created in the period
    closed: int  # closed in the period (whenever created)
    open_now: int  # still open at the end of the period
    median_first_response: timedelta | None
    median_time_to_close: timedelta | None
    oldest_open: timedelta | None


@dataclass(frozen=True, slots=True)
class Report:
    start: datetime
    end: datetime
    total: int
    per_day: tuple[tuple[date, tuple[tuple[str, int], ...]], ...]  # every local day, zero too
    per_lang: tuple[tuple[str, int], ...]
    decisions: tuple[tuple[str, int], ...]
    top_entries: tuple[tuple[str, int], ...]
    feedback: tuple[EntryFeedback, ...]
    unanswered_total: int
    clusters: tuple[Cluster, ...]
    more_clusters: int  # clusters beyond the ones listed
    tickets: TicketStats

    def rate(self, decision: str) -> float:
        return dict(self.decisions).get(decision, 0) / self.total if self.total else 0.0


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def ticket_stats(tickets: Iterable[TicketRow], start: datetime, end: datetime) -> TicketStats:
    tickets = [t for t in tickets if t.created_at < end]
    created = [t for t in tickets if t.created_at >= start]
    answered = [t for t in created if t.answered_at is not None and t.answered_at < end]
    closed = [t for t in tickets if t.closed_at is not None and start <= t.closed_at < end]
    still_open = [t for t in tickets if t.closed_at is None or t.closed_at >= end]
    return TicketStats(
        created=len(created),
        answered=len(answered),
        closed=len(closed),
        open_now=len(still_open),
        median_first_response=_median([t.answered_at - t.created_at for t in answered]),  # type: ignore[operator]
        median_time_to_close=_median([t.closed_at - t.created_at for t in closed]),  # type: ignore[operator]
        oldest_open=max((end - t.created_at for t in still_open), default=None),
    )


def _days(start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(BERLIN).date()
    last = (end - timedelta(microseconds=1)).astimezone(BERLIN).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def build_report(
    rows: Rows,
    start: datetime,
    end: datetime,
    *,
    weight: TokenWeight = uniform_weight,
    score: ScoreFn | None = None,
    max_clusters: int = 40,
) -> Report:
    """All figures of ``[start, end)`` from ``rows``; ``score`` (``Matcher.score``) finds the
    nearest entry of each listed cluster, ``weight`` (``matcher_weight``) tunes clustering."""
    questions = [q for q in rows.questions if start <= q.at < end]
    feedback = [f for f in rows.feedback if start <= f.at < end]
    per_day: dict[date, Counter[str]] = {day: Counter() for day in _days(start, end)}
    for q in questions:
        per_day.setdefault(q.at.astimezone(BERLIN).date(), Counter())[q.lang] += 1
    langs = Counter(q.lang for q in questions)
    decisions = Counter(q.decision for q in questions)
    answered = Counter(q.entry for q in questions if q.decision == "answer" and q.entry)
    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in feedback:
        votes[f.entry][0 if f.helpful else 1] += 1
    gaps = unanswered(questions, feedback)
    clusters = cluster_questions(gaps, weight=weight)
    listed = clusters[:max_clusters]
    if score is not None:
        listed = [nearest_entry(c, score) for c in listed]
    return Report(
        start=start,
        end=end,
        total=len(questions),
        per_day=tuple(
            (day, tuple(sorted(c.items(), key=lambda kv: _lang_order(kv[0]))))
            for day, c in sorted(per_day.items())
        ),
        per_lang=tuple(sorted(langs.items(), key=lambda kv: (-kv[1], _lang_order(kv[0])))),
        decisions=tuple((d, decisions.get(d, 0)) for d in DECISIONS)
        + tuple(sorted((d, n) for d, n in decisions.items() if d not in DECISIONS)),
        top_entries=tuple(sorted(answered.items(), key=lambda kv: (-kv[1], kv[0]))[:15]),
        feedback=tuple(
            EntryFeedback(entry, up, down)
            for entry, (up, down) in sorted(
                votes.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0])
            )
        ),
        unanswered_total=len(gaps),
        clusters=tuple(listed),
        more_clusters=len(clusters) - len(listed),
        tickets=ticket_stats(rows.tickets, start, end),
    )


def _lang_order(lang: str) -> int:
    return LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES)


async def make_report(
    store: Store, matcher: Matcher, start: datetime, end: datetime, **options: Any
) -> Report:
    """``load_rows`` + ``build_report`` with the matcher's weights and scores (for Telegram)."""
    rows = await load_rows(store, start, end)
    return build_report(
        rows, start, end, weight=matcher_weight(matcher), score=matcher.score, **options
    )


def period(
    now: datetime, *, days: int | None = None, since: date | None = None
) -> tuple[datetime, datetime]:
    """``[start, now)`` for ``--days N`` (default 30) or ``--since`` a local date."""
    if since is not None:
        return datetime.combine(since, datetime.min.time(), BERLIN), now
    return now - timedelta(days=30 if days is None else days), now


# ------------------------------------------------------------------------------- freshness


@dataclass(frozen=True, slots=True)
class Stale:
    """One thing a curator should look at, located like a validation problem."""

    kind: str  # entry, contact, hours, event
    id: str
    origin: Origin
    detail: str

    def __str__(self) -> str:
        return f"{self.origin.file}:{self.origin.line} {self.kind} {self.id}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Freshness:
    today: date
    unchecked: tuple[Stale, ...]  # facts last checked more than ``months`` ago
    events: tuple[Stale, ...]  # unconfirmed dates soon, or no date ahead at all
    unused_contacts: tuple[Stale, ...]
    months: int = 12
    event_days: int = 60

    @property
    def clean(self) -> bool:
        return not (self.unchecked or self.events or self.unused_contacts)


def check_freshness(
    kb: KnowledgeBase, now: datetime, *, months: int = 12, event_days: int = 60
) -> Freshness:
    """What in a valid knowledge base may be out of date (never an error: facts age slowly)."""
    from bot.replies import INTEGRATION_CONTACT  # the bot's own fallback contact counts as used

    today = now.astimezone(BERLIN).date()
    limit = today - relativedelta(months=months)
    unchecked: list[Stale] = []
    for entry in kb.entries.values():
        if entry.checked < limit:
            unchecked.append(Stale("entry", entry.id, entry.origin, f"checked {entry.checked}"))
    for contact in kb.contacts.values():
        if contact.checked < limit:
            unchecked.append(
                Stale("contact", contact.id, contact.origin, f"checked {contact.checked}")
            )
        hours = contact.hours
        if hours is not None and hours.checked is not None and hours.checked < limit:
            unchecked.append(
                Stale(
                    "hours",
                    contact.id,
                    contact.origin,
                    f"opening hours confirmed {hours.checked} (hours_checked)",
                )
            )
    for event in kb.events.values():
        if event.checked < limit:
            unchecked.append(Stale("event", event.id, event.origin, f"checked {event.checked}"))
    events: list[Stale] = []
    for event in kb.events.values():
        soon = occurrences(event, now, now + timedelta(days=event_days))
        if soon and not event.confirmed:
            when = soon[0].start.date().isoformat()
            events.append(
                Stale("event", event.id, event.origin, f"{when} not confirmed (confirmed: false)")
            )
        elif not soon and next_occurrence(event, now) is None:
            events.append(Stale("event", event.id, event.origin, "no date ahead: over?"))
    used = {cid for entry in kb.entries.values() for cid in entry.contacts}
    used |= {event.place for event in kb.events.values() if event.place}
    used.add(INTEGRATION_CONTACT)
    unused = [
        Stale("contact", c.id, c.origin, "no entry or event uses it")
        for c in kb.contacts.values()
        if c.id not in used
    ]
    return Freshness(today, tuple(unchecked), tuple(events), tuple(unused), months, event_days)


def freshness_text(fresh: Freshness) -> str:
    def section(title: str, items: Sequence[Stale]) -> list[str]:
        if not items:
            return [f"  {title}: none"]
        return [f"  {title}: {len(items)}", *(f"    {item}" for item in items)]

    return "\n".join(
        [
            f"Freshness on {fresh.today}:",
            *section(f"not checked for more than {fresh.months} months", fresh.unchecked),
            *section(
                f"events without a confirmed date in the next {fresh.event_days} days",
                fresh.events,
            ),
            *section("contacts nothing uses", fresh.unused_contacts),
        ]
    )
