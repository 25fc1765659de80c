"""The SVG module's geometry: bars stack to their totals, lines break on empty days."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banner.admin.charts import (
    HEIGHT,
    LABEL_GAP,
    LEFT,
    MAX_BAR_W,
    PLOT_H,
    TOP,
    WIDTH,
    nice_ceiling,
    rate_lines,
    stacked_bars,
)

DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(4)]


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (21, 25), (26, 50), (999, 1000)]
)
def test_nice_ceiling(value: float, top: float) -> None:
    assert nice_ceiling(value) == top


def test_bars_stack_in_order_and_the_tallest_day_fills_its_scale() -> None:
    counts = [{"accept": 3, "reject": 2}, {}, {"gpc": 1}, {"accept": 10}]
    chart = stacked_bars(DAYS, counts, ("accept", "reject", "gpc"))
    first = [b for b in chart.blocks if b.x == chart.blocks[0].x]
    assert [b.key for b in first] == ["accept", "reject"]
    assert first[0].y == pytest.approx(first[1].y + first[1].height)  # reject sits on accept
    tallest = next(b for b in chart.blocks if b.count == 10)
    assert tallest.y == pytest.approx(TOP) and tallest.height == pytest.approx(PLOT_H)
    assert [t.value for t in chart.y_ticks] == [0, 2.5, 5, 7.5, 10]


@given(
    st.lists(
        st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 10**6)),
        min_size=1,
        max_size=400,
    )
)
def test_bars_stay_inside_the_plot(counts: list[dict[str, int]]) -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(len(counts))]
    chart = stacked_bars(days, counts, ("a", "b", "c"))
    for block in chart.blocks:
        assert LEFT <= block.x <= WIDTH and block.width > 0
        assert block.y >= TOP - 0.01 and block.y + block.height <= TOP + PLOT_H + 0.01
    assert len(chart.x_labels) <= 8


def test_a_day_without_visitors_breaks_the_line() -> None:
    chart = rate_lines(DAYS, {"analytics": [0.5, None, 1.0, 0.0]})
    (line,) = chart.lines
    assert len(line.paths) == 2
    assert line.paths[0].endswith("h6")  # a lone day still shows as a dash
    assert line.paths[1].count("L") == 1


RATES = st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=1, max_size=40)


@given(series=st.lists(RATES, min_size=1, max_size=6))
def test_each_line_has_a_marker_per_value_and_a_name_clear_of_the_others(
    series: list[list[float | None]],
) -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(max(map(len, series)))]
    padded = {
        f"c{n}": values + [None] * (len(days) - len(values)) for n, values in enumerate(series)
    }
    chart = rate_lines(days, padded)
    names = sorted(line.label_y for line in chart.lines if line.label_y is not None)
    assert all(b - a >= LABEL_GAP - 1e-9 for a, b in itertools.pairwise(names))
    assert all(0 <= y <= HEIGHT for y in names)
    for line, values in zip(chart.lines, padded.values(), strict=True):
        assert len(line.points) == sum(v is not None for v in values)
        assert (line.label_y is None) == (not line.points)
        assert all(x < chart.right_edge for x, _y in line.points)  # the names' room is kept


def test_a_one_day_range_is_a_bar_and_a_marked_point_not_a_wall_or_a_sliver() -> None:
    bars = stacked_bars(DAYS[:1], [{"accept": 4}], ("accept",))
    assert bars.blocks[0].width == MAX_BAR_W
    lines = rate_lines(DAYS[:1], {"analytics": [0.5]})
    assert len(lines.lines[0].points) == 1 and lines.lines[0].label_y is not None
