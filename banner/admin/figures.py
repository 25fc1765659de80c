"""The dashboard's figures: from the daily roll-ups, or counted by the database.

Days are the site's local days (:mod:`banner.admin.ranges`). A site's page
reads its roll-ups (:mod:`banner.log.rollups`, a few rows per day, whatever
the log's size) when they are counted in the zone asked for. Otherwise (no
roll-ups yet, another zone) each day is counted over its own UTC interval
(local midnight to local midnight, daylight saving included) by GROUP BY: the
by-action counts read only the index on (site, recorded_at, action,
consent_id); the opt-in rates count each consent id's last decision of a day
once, like ``banner stats``. Either way the range's visitors are the days'
visitors added up (a visitor of two days counts on each).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.admin.ranges import ONE_DAY, DayRange, local_midnight
from banner.admin.reading import reader
from banner.core.consent import Action
from banner.log import outbox
from banner.log.rollups import DayFigures, read_days
from banner.log.rollups import zone_of as rollup_zone
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


def _in_range(site: str, start: datetime, end: datetime) -> list[Any]:
    column = consent_log.c.recorded_at
    return [consent_log.c.site == site, column >= start, column < end]


def _action_counts(conn: sa.Connection, where: list[Any]) -> dict[str, int]:
    query = (
        sa.select(consent_log.c.action, sa.func.count().label("n"))
        .where(*where)
        .group_by(consent_log.c.action)
    )
    return {row.action: int(row.n) for row in conn.execute(query)}


def _grant_counts(
    conn: sa.Connection, where: list[Any], categories: Sequence[str]
) -> tuple[int, dict[str, int]]:
    """Visitors of the day (their last decision) and how many of them granted each category."""
    last = (
        sa.select(sa.func.max(consent_log.c.row_id).label("row_id"))
        .where(*where)
        .group_by(consent_log.c.consent_id)
        .subquery()
    )
    granted = consent_log.c.granted
    grants = [
        sa.func.sum(sa.case((granted.contains(f'"{c}"', autoescape=True), 1), else_=0))
        for c in categories
    ]
    # The day's bounds on the outer side too: PostgreSQL then joins within the day's
    # rows instead of hashing the whole table.
    query = (
        sa.select(sa.func.count(), *grants)
        .select_from(last.join(consent_log, consent_log.c.row_id == last.c.row_id))
        .where(*where)
    )
    row = conn.execute(query).one()
    return int(row[0]), {c: int(row[i + 1] or 0) for i, c in enumerate(categories)}


def _day(
    conn: sa.Connection, site: str, day: date, days: DayRange, categories: Sequence[str]
) -> DayCounts:
    """One local day's counts: its own UTC interval, read through the (site, time) indexes."""
    where = _in_range(
        site, local_midnight(day, days.zone), local_midnight(day + ONE_DAY, days.zone)
    )
    actions = _action_counts(conn, where)
    visitors, granted = _grant_counts(conn, where, categories) if actions else (0, {})
    return DayCounts(day, {a: actions.get(a, 0) for a in ACTIONS}, visitors, granted)


def _from_rollups(
    conn: sa.Connection, site: str, days: DayRange, categories: Sequence[str]
) -> list[DayCounts]:
    found = read_days(conn, site, days.first, days.last)
    return [_rolled_up(day, found.get(day), categories) for day in days.days()]


def _rolled_up(day: date, figures: DayFigures | None, categories: Sequence[str]) -> DayCounts:
    if figures is None or not figures.visitors:
        return DayCounts(day, {a: 0 for a in ACTIONS}, 0, {})
    actions = {a: figures.actions.get(a, 0) for a in ACTIONS}
    return DayCounts(
        day, actions, figures.visitors, {c: figures.granted.get(c, 0) for c in categories}
    )


def site_figures(
    log: ConsentLog, site: str, days: DayRange, categories: Sequence[str]
) -> SiteFigures:
    """Every day of ``days`` (empty ones too) with its counts, and the range's totals.

    :raises banner.log.store.StoreUnavailable: when the database cannot be read.
    """
    try:
        with reader(log).connect() as conn:
            if rollup_zone(conn, site) == days.zone.key:
                rows = _from_rollups(conn, site, days, categories)
            else:
                if log.is_postgres:  # the groupings fit in memory instead of spilling to disk
                    conn.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
                rows = [_day(conn, site, day, days, categories) for day in days.days()]
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    decisions, visitors = sum(d.decisions for d in rows), sum(d.visitors for d in rows)
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


def event_counts(log: ConsentLog, sites: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per site: its webhook events pending, delivered and failed (zeros when none)."""
    try:
        with log.engine.connect() as conn:
            found = outbox.counts(conn, sites)
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    return {site: found.get(site, dict.fromkeys(outbox.STATES, 0)) for site in sites}
