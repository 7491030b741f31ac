"""The curators' report as plain text in the reader's language: ``/stats`` and ``/unanswered``
in an admin's Telegram language, ``run_bot.py report [--lang de]`` in the terminal; and the
freshness list that ``run_bot.py validate`` prints (English, like the rest of ``validate``).

Counts go through ``ngettext``, so that "1 question" and "21 вопрос" read right; where a line
holds several numbers, the catalogs may use a "label: number" style instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.clock import BERLIN
from bot.clusters import WEAK_SCORE, Cluster
from bot.freshness import Freshness, Stale
from bot.i18n import gettext_for, ngettext_for
from bot.knowledge import KnowledgeBase
from bot.matching import event_of
from bot.report import THUMBS_DOWN, Report


def format_duration(value: timedelta | None, lang: str = "en") -> str:
    """ "3 d 4 h", "2 h 5 min", "7 min" (abbreviated units of ``lang``); "–" for none."""
    if value is None:
        return "–"
    _ = gettext_for(lang)
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=mins)
    return _("{minutes} min").format(minutes=mins)


def title_of(kb: KnowledgeBase | None, target: str | None, lang: str = "de") -> str:
    """The title of an entry or event in ``lang``, else in German; "" when unknown."""
    if kb is None or target is None:
        return ""
    item = kb.entries.get(target) or kb.events.get(event_of(target) or target)
    if item is None:
        return ""
    text = item.texts.get(lang) or item.texts["de"]
    return text.title


def local_time(value: datetime) -> str:
    return value.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


def why(cluster: Cluster, lang: str = "en") -> str:
    """How the cluster's questions ended: "escalated 12, 👎 3" (for the HTML report)."""
    _ = gettext_for(lang)
    names = {"escalate": _("escalated"), "clarify": _("clarified"), THUMBS_DOWN: "👎"}
    return ", ".join(f"{names.get(k, k)} {n}" for k, n in cluster.reasons)


def cluster_line(cluster: Cluster, kb: KnowledgeBase | None = None, lang: str = "en") -> str:
    """ "37 questions like “Was kostet die Kita?” in 4 languages (de, uk, ru, ar); nearest entry:
    childcare “Kita-Platz finden und anmelden” (0.42)". Counted are questions, not people: the
    log deliberately does not know who asked."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    langs = [code for code, _n in cluster.languages]
    line = ngettext(
        "{count} question like “{example}”", "{count} questions like “{example}”", cluster.count
    ).format(count=cluster.count, example=cluster.label)
    if len(langs) > 1:
        line += " " + ngettext(
            "in {count} language ({languages})", "in {count} languages ({languages})", len(langs)
        ).format(count=len(langs), languages=", ".join(langs))
    else:
        line += " " + _("in {language}").format(language=langs[0] if langs else "?")
    if cluster.nearest:
        title = title_of(kb, cluster.nearest, lang)
        named = f"{cluster.nearest} “{title}”" if title else cluster.nearest
        near = (
            _("; nearest entry (weak): {entry} ({score})")
            if cluster.nearest_score < WEAK_SCORE
            else _("; nearest entry: {entry} ({score})")
        )
        line += near.format(entry=named, score=f"{cluster.nearest_score:.2f}")
    else:
        line += _("; no entry is near")
    return line


def unanswered_text(
    report: Report, kb: KnowledgeBase | None = None, limit: int = 10, lang: str = "en"
) -> str:
    """The clusters alone, for ``/unanswered``."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    if not report.clusters:
        return _("No unanswered questions and no 👎 in this period.")
    groups = len(report.clusters) + report.more_clusters
    lines = [
        _("Unanswered or 👎: {questions}, {groups}").format(
            questions=ngettext("{count} question", "{count} questions", report.unanswered_total)
            .format(count=report.unanswered_total),
            groups=ngettext("{count} group", "{count} groups", groups).format(count=groups),
        )
    ]  # fmt: skip
    for cluster in report.clusters[:limit]:
        lines.append(f"- {cluster_line(cluster, kb, lang)}")
        others = cluster.examples[1:3]
        if others:
            lines.append("    " + _("also: {examples}").format(
                examples=", ".join(f"“{e}”" for e in others)
            ))  # fmt: skip
    rest = len(report.clusters) - limit + report.more_clusters
    if rest > 0:
        lines.append(ngettext("… and {count} more group", "… and {count} more groups", rest)
                     .format(count=rest))  # fmt: skip
    return "\n".join(lines)


def summary_text(report: Report, lang: str = "en") -> str:
    """Volume, decisions, languages and tickets in a few lines (for ``/stats``)."""
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    t = report.tickets
    names = {
        "answer": _("answered {share} ({count})"),
        "clarify": _("clarified {share} ({count})"),
        "escalate": _("escalated {share} ({count})"),
    }
    decisions = " · ".join(
        names[d].format(share=f"{report.rate(d):.0%}", count=n)
        for d, n in report.decisions
        if d in names
    )
    langs = ", ".join(f"{code} {n}" for code, n in report.per_lang) or "–"
    tickets = _(
        "Tickets: {created} new, {answered} of them answered (median first response {first}), "
        "{closed} closed (median {close}), {open} open"
    ).format(
        created=t.created, answered=t.answered,
        first=format_duration(t.median_first_response, lang), closed=t.closed,
        close=format_duration(t.median_time_to_close, lang), open=t.open_now,
    )  # fmt: skip
    if t.oldest_open:
        tickets += " " + _("(oldest {age})").format(age=format_duration(t.oldest_open, lang))
    return "\n".join(
        [
            ngettext(
                "{count} question from {start} to {end}",
                "{count} questions from {start} to {end}",
                report.total,
            ).format(
                count=report.total, start=local_time(report.start), end=local_time(report.end)
            ),
            f"  {decisions}",
            "  " + _("languages: {languages}").format(languages=langs),
            tickets,
        ]
    )


def render_text(
    report: Report, kb: KnowledgeBase | None = None, limit: int = 20, lang: str = "en"
) -> str:
    """The whole report as plain text for the terminal."""
    _ = gettext_for(lang)
    lines = [summary_text(report, lang), "", unanswered_text(report, kb, limit, lang)]
    if report.top_entries:
        lines += ["", _("Most answered entries:")]
        lines += [f"  {n:>5}  {entry}" for entry, n in report.top_entries[:10]]
    if report.feedback:
        lines += ["", _("Feedback per entry (👍 / 👎):")]
        lines += [f"  {f.up:>4} / {f.down:<4} {f.entry}" for f in report.feedback[:15]]
    return "\n".join(lines)


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
