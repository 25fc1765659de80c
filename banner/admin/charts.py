"""Small server-side SVG charts: geometry only, drawn by the templates.

No chart library and no JavaScript: this module turns counts into rectangles,
polylines and axis ticks in a fixed ``viewBox``; the Jinja templates write the
SVG elements (autoescaped) and CSS gives the colours of both themes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 36
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_LABELS = 7
#: Room right of a line chart's plot for each line's name.
LABEL_W = 132
#: Line names closer than this (viewBox units) are moved apart.
LABEL_GAP = 14
#: Widest bar: a one-day range is one bar, not a wall.
MAX_BAR_W = 56


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis mark: its position in the viewBox and the value it stands for."""

    at: float
    value: float


@dataclass(frozen=True, slots=True)
class Block:
    """One stacked piece of a bar."""

    key: str
    x: float
    y: float
    width: float
    height: float
    count: int


@dataclass(frozen=True, slots=True)
class DayLabel:
    x: float
    day: date


@dataclass(frozen=True, slots=True)
class Line:
    """A series as polylines (broken where a day has no value), a marker on each
    day's value, and its name written at its last value (``label_y``, moved apart
    from the other lines' names so none covers another)."""

    key: str
    paths: list[str]
    points: list[tuple[float, float]]
    label_y: float | None = None


@dataclass(frozen=True, slots=True)
class Chart:
    """What a template needs to draw one chart."""

    blocks: list[Block]
    lines: list[Line]
    y_ticks: list[Tick]
    x_labels: list[DayLabel]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def _slot(count: int, width: float = PLOT_W) -> float:
    return width / max(count, 1)


def _x_labels(
    days: Sequence[date], width: float = PLOT_W, most: int = MAX_LABELS
) -> list[DayLabel]:
    step = max(1, math.ceil(len(days) / most))
    slot = _slot(len(days), width)
    return [DayLabel(LEFT + slot * (i + 0.5), d) for i, d in enumerate(days) if i % step == 0]


def _y(value: float, top: float) -> float:
    return TOP + PLOT_H - PLOT_H * value / top


def _ticks(top: float) -> list[Tick]:
    return [Tick(round(_y(top * i / 4, top), 2), top * i / 4) for i in range(5)]


def stacked_bars(
    days: Sequence[date], counts: Sequence[Mapping[str, int]], keys: Sequence[str]
) -> Chart:
    """A bar per day, stacked by ``keys`` in order (bottom first)."""
    top = nice_ceiling(max((sum(c.values()) for c in counts), default=0))
    slot = _slot(len(days))
    width = round(min(max(slot * 0.7, 1), MAX_BAR_W), 2)
    blocks: list[Block] = []
    for i, day_counts in enumerate(counts):
        x, base = round(LEFT + slot * i + (slot - width) / 2, 2), 0
        for key in keys:
            n = day_counts.get(key, 0)
            if n:
                y = _y(base + n, top)
                blocks.append(Block(key, x, round(y, 2), width, round(_y(base, top) - y, 2), n))
                base += n
    return Chart(blocks, [], _ticks(top), _x_labels(days))


def rate_lines(days: Sequence[date], series: Mapping[str, Sequence[float | None]]) -> Chart:
    """A line per key from 0 to 100 %; ``None`` (no visitors that day) breaks the line."""
    width = PLOT_W - LABEL_W
    slot = _slot(len(days), width)
    lines = []
    for key, values in series.items():
        points = [
            (round(LEFT + slot * (i + 0.5), 1), round(_y(v * 100, 100), 1))
            for i, v in enumerate(values)
            if v is not None
        ]
        lines.append(Line(key, _paths(values, slot), points))
    # the names take room on the right: fewer day labels, so they never touch
    chart = Chart([], _labelled(lines), _ticks(100), _x_labels(days, width, MAX_LABELS - 2))
    return Chart(chart.blocks, chart.lines, chart.y_ticks, chart.x_labels, right_edge=LEFT + width)


def _paths(values: Sequence[float | None], slot: float) -> list[str]:
    runs: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append(f"{LEFT + slot * (i + 0.5):.1f},{_y(value * 100, 100):.1f}")
    return [_path(run) for run in runs if run]


def _labelled(lines: list[Line]) -> list[Line]:
    """Each line with a name position by its last value, at least ``LABEL_GAP`` apart."""
    ends = sorted((line.points[-1][1], n) for n, line in enumerate(lines) if line.points)
    placed: dict[int, float] = {}
    floor = TOP + 4.0
    for y, n in ends:  # downwards: each name below the one above it
        placed[n] = max(y + 4, floor)
        floor = placed[n] + LABEL_GAP
    ceiling = TOP + PLOT_H + 4.0
    for _y, n in reversed(ends):  # upwards: only the names pushed past the plot move back
        placed[n] = min(placed[n], ceiling)
        ceiling = placed[n] - LABEL_GAP
    return [
        Line(line.key, line.paths, line.points, placed.get(n) if line.points else None)
        for n, line in enumerate(lines)
    ]


def _path(points: list[str]) -> str:
    """An SVG path (a lone point becomes a short dash, so it still shows)."""
    if len(points) == 1:
        x, y = points[0].split(",")
        return f"M{float(x) - 3:.1f},{y}h6"
    return "M" + " L".join(points)
