"""The curators' report as one self-contained HTML page: inline CSS and SVG charts, no scripts.

Every string from residents or the knowledge base is escaped; the page opens in any browser
without a server or network.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from bot.clock import BERLIN
from bot.clusters import WEAK_SCORE
from bot.freshness import Freshness, Stale
from bot.i18n import N_, Translate, gettext_for, ngettext_for
from bot.knowledge import KnowledgeBase
from bot.language import LANGUAGES
from bot.report import Report
from bot.report_text import format_duration, local_time, title_of, why

# ------------------------------------------------------------------------------------ HTML

_LANG_COLOURS = dict(
    zip(
        LANGUAGES,
        ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
         "#ff9da7", "#9c755f", "#17becf"),
        strict=True,
    )
)  # fmt: skip
_OTHER_COLOUR = "#bab0ac"
_DECISION_COLOURS = {"answer": "#59a14f", "clarify": "#edc948", "escalate": "#e15759"}
_COVERAGE = {
    "reviewed": ("#1a7f37", "R", N_("reviewed")),
    "machine": ("#a6d96a", "M", N_("machine-made")),
    "stale": ("#f4a340", "S", N_("stale (German changed since)")),
    "missing": ("#d73027", "–", N_("missing")),
}
_DECISION_NAMES = {
    "answer": N_("answered directly"),
    "clarify": N_("“did you mean…”"),
    "escalate": N_("escalated"),
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _lang_colour(lang: str) -> str:
    return _LANG_COLOURS.get(lang, _OTHER_COLOUR)


def _nice_max(value: int) -> tuple[int, int]:
    """A round axis maximum >= value and its tick step (1, 2, 5 × 10^k)."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return step * math.ceil(value / step), step


def svg_day_volume(report: Report, label: str = "Questions per day and language") -> str:
    """Stacked bars: questions per local day, one colour per language."""
    days = report.per_day
    width, height, left, bottom, top = 900, 260, 40, 34, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max((sum(n for _, n in langs) for _, langs in days), default=0)
    axis_max, step = _nice_max(peak)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for tick in range(0, axis_max + 1, step):
        y = top + plot_h - plot_h * tick / axis_max
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{tick}</text>'
        )
    slot = plot_w / max(len(days), 1)
    bar = max(min(slot * 0.8, 40), 1)
    every = max(1, math.ceil(len(days) / 12))
    for i, (day, langs) in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        total = sum(n for _, n in langs)
        for lang, n in langs:
            h = plot_h * n / axis_max
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{_lang_colour(lang)}"><title>{_e(day.isoformat())}: {_e(lang)} {n}'
                f"</title></rect>"
            )
        if total:
            parts.append(f"<title>{_e(day.isoformat())}: {total}</title>")
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" class="axis" '
                f'text-anchor="middle">{_e(day.strftime("%d.%m."))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def svg_hbars(
    items: Sequence[tuple[str, int, str]],
    *,
    label: str,
    suffix: Callable[[int], str] = str,
    empty: str = "no data",
) -> str:
    """Horizontal bars: (label, value, colour) each; ``suffix`` formats the number shown."""
    row, left, width = 24, 170, 560
    height = row * max(len(items), 1) + 8
    peak = max((v for _, v, _ in items), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (name, value, colour) in enumerate(items):
        y = 4 + i * row
        w = (width - left - 80) * value / peak
        shown = name if len(name) <= 26 else name[:25] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" class="label" text-anchor="end">{_e(shown)}'
            f"<title>{_e(name)}</title></text>"
            f'<rect x="{left}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" '
            f'fill="{colour}"><title>{_e(name)}: {_e(suffix(value))}</title></rect>'
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="value">{_e(suffix(value))}</text>'
        )
    if not items:
        parts.append(f'<text x="8" y="20" class="axis">{_e(empty)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_coverage(kb: KnowledgeBase, _: Translate = str) -> str:
    """Heatmap entries × languages; a letter in each cell, so colour is not the only cue."""
    ids = list(kb.entries)
    cell_w, cell_h = 40, 18
    left = 12 + 7 * max((len(i) for i in ids), default=5)
    top = 22
    width = left + cell_w * len(LANGUAGES) + 8
    height = top + cell_h * len(ids) + 6
    label = _("Translation coverage, entries by language")
    parts = [
        f'<svg class="chart heat" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="{_e(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for j, lang in enumerate(LANGUAGES):
        parts.append(
            f'<text x="{left + j * cell_w + cell_w / 2}" y="15" class="label" '
            f'text-anchor="middle">{_e(lang)}</text>'
        )
    for i, eid in enumerate(ids):
        y = top + i * cell_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" class="label" text-anchor="end">{_e(eid)}</text>'
        )
        for j, lang in enumerate(LANGUAGES):
            state = kb.entries[eid].translation_state(lang)
            colour, mark, name = _COVERAGE[state]
            x = left + j * cell_w
            ink = "#fff" if state in ("reviewed", "missing") else "#222"
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{colour}"><title>{_e(eid)} · {_e(lang)}: {_e(_(name))}</title></rect>'
                f'<text x="{x + cell_w / 2}" y="{y + 13}" class="cell" fill="{ink}" '
                f'text-anchor="middle">{_e(mark)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", Arial,
       sans-serif; color: var(--ink); background: #fff; }
header { background: var(--accent); color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .9; }
main { padding: 8px 28px 28px; max-width: 1200px; }
section { margin-top: 26px; }
h2 { font-size: 17px; margin: 0 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { background: var(--bg); border: 1px solid var(--line); border-radius: 8px;
        padding: 10px 14px; min-width: 150px; }
.tile b { display: block; font-size: 24px; }
.tile span { color: var(--muted); font-size: 13px; }
.two { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 24px; }
svg.chart { width: 100%; height: auto; max-width: 900px; display: block; direction: ltr; }
svg.chart.heat { width: auto; max-width: 100%; }
svg .grid { stroke: #e5e9ee; stroke-width: 1; }
svg .axis { font-size: 11px; fill: var(--muted); }
svg .label { font-size: 12px; fill: var(--ink); }
svg .value { font-size: 12px; fill: var(--muted); }
svg .cell { font-size: 11px; font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 6px 0 0; padding: 0;
          list-style: none; font-size: 13px; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
            margin-right: 5px; vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: start; vertical-align: top; padding: 6px 8px;
         border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ex { color: var(--muted); font-size: 13px; }
.ex .q { display: inline-block; margin-right: 10px; }
.muted { color: var(--muted); }
ul.stale { margin: 4px 0 12px; padding-left: 20px; font-size: 14px; }
code { font-size: 13px; }
footer { padding: 12px 28px; color: var(--muted); font-size: 12px;
         border-top: 1px solid var(--line); }
"""


def _legend(items: Iterable[tuple[str, str]]) -> str:
    return (
        '<ul class="legend">'
        + "".join(f'<li><i style="background:{c}"></i>{_e(name)}</li>' for name, c in items)
        + "</ul>"
    )


def _tile(value: str, caption: str) -> str:
    return f'<div class="tile"><b>{_e(value)}</b><span>{_e(caption)}</span></div>'


def _cluster_rows(report: Report, kb: KnowledgeBase | None, lang: str) -> str:
    _, ngettext = gettext_for(lang), ngettext_for(lang)
    none = _("none")
    if not report.clusters:
        nothing = _("No unanswered questions and no 👎 in this period.")
        return f'<p class="muted">{_e(nothing)}</p>'
    rows = []
    for cluster in report.clusters:
        langs = ", ".join(f"{code} {n}" for code, n in cluster.languages)
        # Quotes outside the isolate: inside right-to-left text they would swap sides.
        examples = "".join(
            f'<span class="q">“<bdi dir="auto">{_e(e)}</bdi>”</span>' for e in cluster.examples[1:4]
        )
        if cluster.nearest:
            title = title_of(kb, cluster.nearest, lang)
            near = f"<code>{_e(cluster.nearest)}</code>"
            if title:
                near += f'<br><span class="ex"><bdi dir="auto">{_e(title)}</bdi></span>'
            weak = " " + _("weak") if cluster.nearest_score < WEAK_SCORE else ""
            near += f' <span class="ex">({cluster.nearest_score:.2f}{_e(weak)})</span>'
        else:
            near = f'<span class="muted">{_e(none)}</span>'
        rows.append(
            f'<tr><td class="n">{cluster.count}</td><td><bdi dir="auto">{_e(cluster.label)}</bdi>'
            + (f'<div class="ex">{examples}</div>' if examples else "")
            + f"</td><td>{_e(langs)}</td><td>{_e(why(cluster, lang))}</td><td>{near}</td></tr>"
        )
    more = ngettext(
        "… and {count} smaller group not listed.",
        "… and {count} smaller groups not listed.",
        report.more_clusters,
    ).format(count=report.more_clusters)
    headers = (_("Count"), _("Question (and other wordings)"), _("Languages"), _("Why"),
               _("Nearest entry"))  # fmt: skip
    return (
        "<table><thead><tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in headers)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + (f'<p class="muted">{_e(more)}</p>' if report.more_clusters else "")
    )


def _feedback_rows(report: Report, _: Translate) -> str:
    if not report.feedback:
        nothing = _("No feedback in this period.")
        return f'<p class="muted">{_e(nothing)}</p>'
    entry = _("Entry")
    rows = "".join(
        f"<tr><td><code>{_e(f.entry)}</code></td><td class='n'>{f.up}</td>"
        f"<td class='n'>{f.down}</td></tr>"
        for f in report.feedback[:20]
    )
    return (
        f"<table><thead><tr><th>{_e(entry)}</th><th>👍</th><th>👎</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _freshness_html(fresh: Freshness | None, _: Translate) -> str:
    if fresh is None:
        return ""

    none, heading = _("none"), _("Knowledge freshness")

    def block(title: str, items: Sequence[Stale]) -> str:
        if not items:
            return f"<p><b>{_e(title)}:</b> <span class='muted'>{_e(none)}</span></p>"
        # The details name YAML keys and dates for the curator who edits the files: as written.
        lis = "".join(
            f"<li><code>{_e(i.origin.file)}:{i.origin.line}</code> {_e(i.kind)} "
            f"<b>{_e(i.id)}</b>: {_e(i.detail)}</li>"
            for i in items
        )
        return f"<p><b>{_e(title)}:</b></p><ul class='stale'>{lis}</ul>"

    return (
        f"<section><h2>{_e(heading)}</h2>"
        + block(
            _("Not checked for more than {months} months").format(months=fresh.months),
            fresh.unchecked,
        )
        + block(
            _("Events without a confirmed date in the next {days} days").format(
                days=fresh.event_days
            ),
            fresh.events,
        )
        + block(_("Contacts nothing uses"), fresh.unused_contacts)
        + "</section>"
    )


def render_html(
    report: Report,
    kb: KnowledgeBase | None = None,
    *,
    generated: datetime | None = None,
    freshness: Freshness | None = None,
    lang: str = "en",
) -> str:
    """A self-contained page in ``lang``: inline CSS, inline SVG charts, no script, nothing
    fetched."""
    _ = gettext_for(lang)
    generated = generated or report.end
    t = report.tickets
    langs_seen = [code for code, _n in report.per_lang]
    lang_items = [(code, n, _lang_colour(code)) for code, n in report.per_lang]
    decision_names = {d: _(name) for d, name in _DECISION_NAMES.items()}
    decision_items = [
        (decision_names.get(d, d), n, _DECISION_COLOURS.get(d, _OTHER_COLOUR))
        for d, n in report.decisions
    ]
    top_items = [(entry, n, "#4e79a7") for entry, n in report.top_entries]
    none = _("no data")

    def pct(n: int) -> str:
        return f"{n} ({n / report.total:.0%})" if report.total else str(n)

    def h2(title: str) -> str:
        return f"<h2>{_e(title)}</h2>"

    heading = _("Ankommen Dessau-Roßlau — questions report")
    period_line = _("{start} to {end} (Europe/Berlin) · generated {generated}").format(
        start=local_time(report.start), end=local_time(report.end),
        generated=local_time(generated),
    )  # fmt: skip
    body = [
        f"<header><h1>{_e(heading)}</h1>",
        f"<p>{_e(period_line)}</p></header><main>",
        '<section class="tiles">',
        _tile(str(report.total), _("questions")),
        *(_tile(f"{report.rate(d):.0%}", decision_names[d]) for d in _DECISION_NAMES),
        _tile(str(report.unanswered_total), _("unanswered or 👎")),
        _tile(str(t.open_now), _("tickets open")),
        "</section>",
        "<section>" + h2(_("Questions per day and language")),
        svg_day_volume(report, _("Questions per day and language")),
        _legend((code, _lang_colour(code)) for code in langs_seen),
        "</section>",
        '<section class="two"><div>' + h2(_("Languages")),
        svg_hbars(lang_items, label=_("Questions per language"), empty=none),
        "</div><div>" + h2(_("Answer, clarify, escalate")),
        svg_hbars(decision_items, label=_("Decisions"), suffix=pct, empty=none),
        "</div></section>",
        "<section>" + h2(_("Unanswered questions and 👎, grouped")),
        _cluster_rows(report, kb, lang),
        "</section>",
        '<section class="two"><div>' + h2(_("Most answered entries")),
        svg_hbars(top_items, label=_("Most answered entries"), empty=none),
        "</div><div>" + h2(_("Feedback per entry")),
        _feedback_rows(report, _),
        "</div></section>",
        "<section>" + h2(_("Tickets (questions forwarded to staff)")) + "<div class='tiles'>",
        _tile(str(t.created), _("new in this period")),
        _tile(str(t.answered), _("of them answered")),
        _tile(format_duration(t.median_first_response, lang), _("median time to first answer")),
        _tile(str(t.closed), _("closed in this period")),
        _tile(format_duration(t.median_time_to_close, lang), _("median time to close")),
        _tile(str(t.open_now), _("open now")),
        _tile(format_duration(t.oldest_open, lang), _("oldest open ticket")),
        "</div></section>",
    ]
    if kb is not None:
        body += [
            "<section>" + h2(_("Translation coverage")),
            svg_coverage(kb, _),
            _legend((_(name), colour) for colour, _mark, name in _COVERAGE.values()),
            "</section>",
        ]
    body.append(_freshness_html(freshness, _))
    footer = _e(
        _(
            "Counts are questions, not people: the question log does not record who asked. "
            "Made by {command}."
        )
    ).format(command="<code>python run_bot.py report --html</code>")
    body.append(f"</main><footer>{footer}</footer>")
    title = _("Questions report {start} – {end}").format(
        start=report.start.astimezone(BERLIN).date(), end=report.end.astimezone(BERLIN).date()
    )
    direction = ' dir="rtl"' if lang in ("ar", "fa") else ""
    return (
        f'<!doctype html>\n<html lang="{_e(lang)}"{direction}><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )
