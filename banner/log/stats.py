"""Opt-in rates per category and day, from the consent log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from banner.log.store import Decision


@dataclass(frozen=True, slots=True)
class DayRates:
    """One day: how many visitors decided, and the share granting each category."""

    day: date
    decisions: int
    rates: dict[str, float]


def opt_in_rates(rows: Iterable[Decision], categories: Sequence[str]) -> list[DayRates]:
    """Per day, each consent id's last decision that day counts once."""
    last: dict[date, dict[str, Decision]] = defaultdict(dict)
    for row in rows:
        last[row.recorded_at.date()][row.consent_id] = row
    return [_day(day, list(last[day].values()), categories) for day in sorted(last)]


def _day(day: date, decisions: list[Decision], categories: Sequence[str]) -> DayRates:
    total = len(decisions)
    rates = {c: sum(c in d.granted for d in decisions) / total for c in categories}
    return DayRates(day, total, rates)


def format_table(days: Sequence[DayRates], categories: Sequence[str]) -> str:
    """A plain-text table: one line per day, one column per category."""
    header = ["day", "decisions", *categories]
    lines = [header]
    for entry in days:
        cells = [f"{entry.rates[c] * 100:.1f}%" for c in categories]
        lines.append([entry.day.isoformat(), str(entry.decisions), *cells])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines
    )
