"""What people asked, for the curators: the figures of a period.

Layers, so that the Telegram commands, the command line and the tests share one logic:

- ``bot.questionlog.QuestionLog.load_rows`` reads the question log, ratings and tickets of a period;
- ``build_report`` here (pure: rows in, dataclasses out) counts, picks the questions that point
  at a gap, and has ``bot.clusters`` group them and find their nearest entries;
- ``bot.report_text`` / ``bot.report_html`` turn a ``Report`` into a curator's text (in the
  reader's language) or a self-contained HTML page (inline CSS and SVG charts, every string
  escaped, no external assets).

``bot.freshness`` lists facts that need a look (old ``checked`` dates, unconfirmed events,
unused contacts); ``python run_bot.py validate`` prints it and the HTML page shows it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import BERLIN
from bot.clusters import (
    Asked,
    Cluster,
    ScoreFn,
    TokenWeight,
    cluster_questions,
    matcher_weight,
    nearest_entry,
    uniform_weight,
)
from bot.language import LANGUAGES
from bot.questionlog import FeedbackRow, QuestionLog, QuestionRow, Rows, TicketRow

if TYPE_CHECKING:
    from bot.matching import Matcher
    from bot.store import Store

DECISIONS: tuple[str, ...] = ("answer", "clarify", "escalate")
# Escalations that are no gap in the knowledge base: a wish to talk to a person, or no text.
NOT_A_GAP_REASONS = frozenset({"human", "empty"})
THUMBS_DOWN = "thumbs-down"
REPORT_DAYS = 30  # the period of a report without --days/--since (/stats without a number)


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
    rows = await QuestionLog(store).load_rows(start, end)
    return build_report(
        rows, start, end, weight=matcher_weight(matcher), score=matcher.score, **options
    )


def period(
    now: datetime, *, days: int | None = None, since: date | None = None
) -> tuple[datetime, datetime]:
    """``[start, now)`` for ``--days N`` (default ``REPORT_DAYS``) or ``--since`` a local date."""
    if since is not None:
        return datetime.combine(since, datetime.min.time(), BERLIN), now
    return now - timedelta(days=REPORT_DAYS if days is None else days), now
