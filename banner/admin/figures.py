"""The dashboard's figures, counted by the database (GROUP BY), never row by row here.

Days are the site's local days (:mod:`banner.admin.ranges`): the day of a row
is computed in SQL from its UTC time and the zone's offset over that stretch.
The day-by-action counts read only the index on (site, recorded_at, action,
consent_id); the opt-in rates count each consent id's last decision of a day
once, like ``banner stats``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.admin.ranges import DayRange, segments
from banner.admin.reading import reader
from banner.core.consent import Action
from banner.log.schema import consent_log
from banner.log.store import ConsentLog, as_utc, translate_error

ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)
#: PostgreSQL's memory for one sort or hash while the dashboard counts (this transaction only).
WORK_MEM = "64MB"


@dataclass(frozen=True, slots=True)
class DayCounts:
    """One local day: decisions by action; visitors and grants of their last decision."""

    day: date
    actions: dict[str, int]
    visitors: int
    granted: dict[str, int]

    @property
    def decisions(self) -> int:
        return sum(self.actions.values())

    def rate(self, category: str) -> float | None:
        """The share of the day's visitors granting ``category``; ``None`` without any."""
        return self.granted.get(category, 0) / self.visitors if self.visitors else None


@dataclass(frozen=True, slots=True)
class SiteFigures:
    """A site's figures over a range."""

    days: list[DayCounts]
    decisions: int
    visitors: int
    categories: tuple[str, ...]


def _offset_day(column: Any, offset: int, postgres: bool) -> Any:
    if postgres:
        shifted = sa.func.timezone("UTC", column) + sa.literal_column(
            f"interval '{int(offset)} seconds'"
        )
        return sa.cast(shifted, sa.Date)
    return sa.func.date(column, f"{int(offset):+d} seconds")


def day_expression(days: DayRange, postgres: bool) -> Any:
    """SQL for a row's local day: one offset, or a CASE over the range's stretches."""
    column = consent_log.c.recorded_at
    parts = segments(days)
    if len(parts) == 1:
        return _offset_day(column, parts[0].offset, postgres)
    whens = [(column < part.end, _offset_day(column, part.offset, postgres)) for part in parts]
    return sa.case(*whens[:-1], else_=whens[-1][1])


def _in_range(site: str, days: DayRange) -> list[Any]:
    column = consent_log.c.recorded_at
    return [consent_log.c.site == site, column >= days.start, column < days.end]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _action_counts(conn: sa.Connection, site: str, days: DayRange, day: Any) -> dict[date, Any]:
    query = (
        sa.select(day.label("day"), consent_log.c.action, sa.func.count().label("n"))
        .where(*_in_range(site, days))
        .group_by(day, consent_log.c.action)
    )
    found: dict[date, dict[str, int]] = {}
    for row in conn.execute(query):
        found.setdefault(_as_date(row.day), {})[row.action] = int(row.n)
    return found


def _grant_counts(
    conn: sa.Connection, site: str, days: DayRange, day: Any, categories: Sequence[str]
) -> dict[date, tuple[int, dict[str, int]]]:
    last = (
        sa.select(day.label("day"), sa.func.max(consent_log.c.row_id).label("row_id"))
        .where(*_in_range(site, days))
        .group_by(day, consent_log.c.consent_id)
        .subquery()
    )
    granted = consent_log.c.granted
    grants = [
        sa.func.sum(sa.case((granted.contains(f'"{c}"', autoescape=True), 1), else_=0))
        for c in categories
    ]
    query = (
        sa.select(last.c.day, sa.func.count().label("n"), *grants)
        .select_from(last.join(consent_log, consent_log.c.row_id == last.c.row_id))
        .group_by(last.c.day)
    )
    found: dict[date, tuple[int, dict[str, int]]] = {}
    for row in conn.execute(query):
        counts = {c: int(row[i + 2] or 0) for i, c in enumerate(categories)}
        found[_as_date(row.day)] = (int(row.n), counts)
    return found


def _totals(conn: sa.Connection, site: str, days: DayRange) -> tuple[int, int]:
    query = sa.select(sa.func.count(), sa.func.count(sa.distinct(consent_log.c.consent_id))).where(
        *_in_range(site, days)
    )
    decisions, visitors = conn.execute(query).one()
    return int(decisions), int(visitors)


def site_figures(
    log: ConsentLog, site: str, days: DayRange, categories: Sequence[str]
) -> SiteFigures:
    """Every day of ``days`` (empty ones too) with its counts, and the range's totals.

    :raises banner.log.store.StoreUnavailable: when the database cannot be read.
    """
    day = day_expression(days, log.is_postgres)
    try:
        with reader(log).connect() as conn:
            if log.is_postgres:  # the groupings fit in memory instead of spilling to disk
                conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            actions = _action_counts(conn, site, days, day)
            grants = _grant_counts(conn, site, days, day, categories)
            decisions, visitors = _totals(conn, site, days)
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    rows = [
        DayCounts(d, {a: actions.get(d, {}).get(a, 0) for a in ACTIONS}, *grants.get(d, (0, {})))
        for d in days.days()
    ]
    return SiteFigures(rows, decisions, visitors, tuple(categories))


def last_decisions(log: ConsentLog, sites: Sequence[str]) -> dict[str, datetime | None]:
    """Each site's newest decision time (one indexed look-up per site)."""
    column = consent_log.c.recorded_at
    try:
        with reader(log).connect() as conn:
            found = {
                s: conn.execute(
                    sa.select(sa.func.max(column)).where(consent_log.c.site == s)
                ).scalar()
                for s in sites
            }
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    return {s: _stamp(v) for s, v in found.items()}


def _stamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
