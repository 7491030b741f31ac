"""Result rows and their rendering as a plain-text table (terminal) and as Markdown (RESULTS.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

COLUMNS: tuple[str, ...] = ("benchmark", "value", "unit", "target", "met", "note")


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure. ``value`` is None when it could not be measured (``note`` says why)."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def cells(self) -> tuple[str, ...]:
        met = "" if self.met is None else ("yes" if self.met else "NO")
        return (self.name, format_value(self.value), self.unit, self.target, met, self.note)


def at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def format_value(value: float | None) -> str:
    if value is None:
        return "n/a"
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between the closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def render_text(rows: Sequence[Row], columns: Sequence[str] = COLUMNS) -> str:
    """An aligned table for the terminal; numbers are right-aligned."""
    table = [tuple(columns), *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = []
    for number, line in enumerate(table):
        cells = [
            cell.rjust(width) if i == 1 and number else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    align = ["---:" if i == 1 else "---" for i in range(len(header))]
    return "\n".join([line(header), "| " + " | ".join(align) + " |", *map(line, body)])


def rows_markdown(rows: Sequence[Row]) -> str:
    return render_markdown(COLUMNS, [row.cells() for row in rows])
