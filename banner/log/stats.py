"""Opt-in rates per category and day, from the daily roll-ups or from rows.

Two counts per day, named for what they count: ``decisions`` (rows logged:
every accept, change, withdrawal) and ``visitors`` (distinct consent ids that
decided). The rates are shares of visitors, each counted by their last
decision of the day. ``banner stats`` reads the roll-ups
(:mod:`banner.log.rollups`, the site's local days); :func:`opt_in_rates`
counts the same from rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from banner.log.rollups import read_days
from banner.log.store import ConsentLog, Decision


@dataclass(frozen=True, slots=True)
class DayRates:
    """One day: decisions logged, visitors who decided, and the share granting each category."""

    day: date
    decisions: int
    visitors: int
    rates: dict[str, float]


def opt_in_rates(rows: Iterable[Decision], categories: Sequence[str]) -> list[DayRates]:
    """Per day, each consent id's last decision that day counts once."""
    last: dict[date, dict[str, Decision]] = defaultdict(dict)
    logged: dict[date, int] = defaultdict(int)
    for row in rows:
        last[row.recorded_at.date()][row.consent_id] = row
        logged[row.recorded_at.date()] += 1
    return [_day(day, logged[day], list(last[day].values()), categories) for day in sorted(last)]


def rolled_up_rates(
    log: ConsentLog, site: str, first: date, last: date, categories: Sequence[str]
) -> list[DayRates]:
    """The days from ``first`` to ``last`` that have decisions, from the roll-ups."""
    with log.engine.connect() as conn:
        found = read_days(conn, site, first, last)
    return [
        DayRates(
            day,
            sum(figures.actions.values()),
            figures.visitors,
            {c: figures.granted.get(c, 0) / figures.visitors for c in categories},
        )
        for day, figures in sorted(found.items())
        if figures.visitors
    ]


def _day(day: date, logged: int, latest: list[Decision], categories: Sequence[str]) -> DayRates:
    visitors = len(latest)
    rates = {c: sum(c in d.granted for d in latest) / visitors for c in categories}
    return DayRates(day, logged, visitors, rates)


def format_table(days: Sequence[DayRates], categories: Sequence[str]) -> str:
    """A plain-text table: one line per day with both counts and one column per category.

    A category's cell is the share of that day's visitors who granted it.
    """
    header = ["day", "decisions", "visitors", *categories]
    lines = [header]
    for entry in days:
        cells = [f"{entry.rates[c] * 100:.1f}%" for c in categories]
        counts = [str(entry.decisions), str(entry.visitors)]
        lines.append([entry.day.isoformat(), *counts, *cells])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    )
