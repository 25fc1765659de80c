"""The SVG module's geometry: bars stack to their totals, lines break on empty days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from banner.admin.charts import LEFT, PLOT_H, TOP, WIDTH, nice_ceiling, rate_lines, stacked_bars

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
