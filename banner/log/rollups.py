"""Daily roll-ups of each site's decisions, kept exact in the decisions' own transaction.

Per site and local day (the site's ``timezone``): decisions by action,
visitors (distinct consent ids that decided that day) and, per category,
how many of those visitors granted it with their last decision of the day:
the figures of the dashboard and ``banner stats`` without reading the rows.

They are written by a companion of the log (:attr:`ConsentLog.companions`)
inside the transaction that inserts the decisions, as additive upserts
(``n = n + excluded.n``), so concurrent writers and several instances add up
exactly. A consent id counts as a new visitor of a day only when it has no
earlier row that day: its earlier rows are read in the same transaction,
after the site's write lock is taken (every lower ``log_index`` is then
committed), and they are the rows of that consent id only.

Purge: the roll-ups are statistics of decisions that were made. ``banner log
purge`` deletes the rows (personal data) and leaves the roll-ups as they are,
as it leaves the leaf hashes: the dashboard still shows how many decisions
were made on a purged day. Only a rebuild (a site's zone changed) counts again
from the rows still in the log, and then purged days are gone from it.
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from banner.core.config import BannerConfig
from banner.log import tree
from banner.log.direct import Direct, InList
from banner.log.rows import Before, Decision, as_utc
from banner.log.schema import consent_log, rollup_days, rollup_zones
from banner.log.store import ConsentLog, translate_error

#: ``kind`` of a roll-up row; ``name`` is the action, the category, or ``""``.
ACTION, GRANTED, VISITORS = "action", "granted", "visitors"
#: Consent ids per look-up of their earlier rows (bound parameters per statement).
LOOKUP = 500
#: Rows counted per transaction step of a rebuild.
REBUILD_CHUNK = 5000
_PG_LOCK = zlib.crc32(b"rollups")


@dataclass(frozen=True, slots=True)
class Item:
    """What the roll-ups need of one stored decision."""

    site: str
    consent_id: str
    recorded_at: datetime
    action: str
    granted: tuple[str, ...]
    log_index: int


def local_day(stamp: datetime, zone: ZoneInfo) -> date:
    return as_utc(stamp).astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of ``day`` in UTC."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


Key = tuple[str, date, str, str]


class Rollups:
    """The companion: counts each batch of decisions into ``rollup_days``.

    :param zones: each site's IANA time zone; a site not named counts in UTC.
    """

    def __init__(self, zones: Mapping[str, str]) -> None:
        self.zones = dict(zones)

    def zone(self, site: str) -> ZoneInfo:
        return ZoneInfo(self.zones.get(site, "UTC"))

    def __call__(
        self,
        conn: sa.Connection,
        decisions: Sequence[Decision],
        rows: list[dict[str, Any]],
        before: Before,
    ) -> None:
        items = [
            Item(d.site, d.consent_id, d.recorded_at, d.action, d.granted, r["log_index"])
            for d, r in zip(decisions, rows, strict=True)
        ]
        self.tally(conn, items, before=before)

    def tally(
        self,
        conn: sa.Connection,
        items: Sequence[Item],
        zones: Mapping[str, str] | None = None,
        before: Before = None,
    ) -> None:
        """Add ``items`` (stored, in log order per site) to the roll-ups.

        Each site counts in the zone its roll-ups were built in (read here, in
        the transaction), not the config's: an instance started before a change
        of ``timezone`` keeps them consistent until a start rebuilds them. A
        site without roll-ups yet is left to that rebuild. ``before`` (the
        newest earlier row of each consent id, read by the writer under the
        same lock) spares the look-up of earlier rows where it answers it.
        """
        sites = sorted({i.site for i in items})
        if zones is None:
            zones = {str(site): str(zone) for site, zone in _ZONES.run_direct(conn, sites)}
        deltas: Counter[Key] = Counter()
        for site in sites:
            if site not in zones:
                continue
            mine = [i for i in items if i.site == site]
            zone = ZoneInfo(zones[site])
            count(mine, zone, _earlier(conn, site, zone, mine, before), deltas)
        upsert(conn, deltas)


#: Per (consent id, local day): the grants of its last decision that day.
Last = dict[tuple[str, date], tuple[str, ...]]


def count(items: Sequence[Item], zone: ZoneInfo, last: Last, deltas: Counter[Key]) -> None:
    """Add ``items`` of one site (in log order) to ``deltas``.

    ``last`` holds the grants of each consent id's last earlier decision of
    the day (missing: a new visitor of that day); it is updated.
    """
    for item in items:
        day = local_day(item.recorded_at, zone)
        deltas[(item.site, day, ACTION, item.action)] += 1
        before = last.get((item.consent_id, day))
        if before is None:
            deltas[(item.site, day, VISITORS, "")] += 1
        for category in before or ():
            deltas[(item.site, day, GRANTED, category)] -= 1
        for category in item.granted:
            deltas[(item.site, day, GRANTED, category)] += 1
        last[(item.consent_id, day)] = item.granted


def _earlier(
    conn: sa.Connection, site: str, zone: ZoneInfo, items: Sequence[Item], before: Before = None
) -> Last:
    """Per (consent id, day) of ``items``: the grants of its last earlier row that day.

    ``before`` answers for a consent id with no earlier row, or whose newest
    earlier row is of the item's day (then it is that day's last); the others
    are looked up by consent id (``(site || '')`` keeps the planners off the
    site's time index, which would read the whole day).
    """
    first = min(i.log_index for i in items)
    last: Last = {}
    if before is not None:
        items, last = _known(site, zone, items, before)
        if not items:
            return last
    wanted = {(i.consent_id, local_day(i.recorded_at, zone)) for i in items}
    days = sorted({day for _, day in wanted})
    found: dict[tuple[str, date], tuple[int, tuple[str, ...]]] = {}
    ids = sorted({i.consent_id for i in items})
    bounds = {
        "site": site,
        "first": first,
        "start": day_start(days[0], zone),
        "end": day_start(days[-1] + timedelta(days=1), zone),
    }
    for start in range(0, len(ids), LOOKUP):
        for row in _EARLIER.run(conn, ids[start : start + LOOKUP], bounds):
            key = (row.consent_id, local_day(row.recorded_at, zone))
            if key in wanted and (key not in found or found[key][0] < row.log_index):
                found[key] = (row.log_index, tuple(json.loads(row.granted)))
    return last | {key: granted for key, (_, granted) in found.items()}


def _known(
    site: str,
    zone: ZoneInfo,
    items: Sequence[Item],
    before: Mapping[tuple[str, str], Decision | None],
) -> tuple[list[Item], Last]:
    """What ``before`` tells of ``items``' earlier rows, and the items it cannot answer.

    The newest earlier row of a consent id has the highest ``log_index`` of
    its rows: when it is of the item's day it is that day's last. None at
    all: no earlier row that day. Of another day: an older row may still be of
    that day (clocks of several instances), so that item is looked up, as is
    one ``before`` does not cover (a consent id the writer did not read).
    """
    last: Last = {}
    unknown: list[Item] = []
    for item in items:
        key = (item.consent_id, site)
        if key not in before:
            unknown.append(item)
            continue
        newest = before[key]
        if newest is None:
            continue
        day = local_day(item.recorded_at, zone)
        if local_day(newest.recorded_at, zone) == day:
            last[(item.consent_id, day)] = newest.granted
        else:
            unknown.append(item)
    return unknown, last


# The statements of every batch, built once (building and keying one costs more
# than running it).
_ZONES = InList(
    lambda sites: sa.select(rollup_zones.c.site, rollup_zones.c.zone).where(
        rollup_zones.c.site.in_(sites)
    ),
    "sites",
    rollup_zones.c.site.type,
)
_c = consent_log.c
_EARLIER = InList(
    lambda ids: sa.select(_c.consent_id, _c.recorded_at, _c.granted, _c.log_index).where(
        _c.consent_id.in_(ids),
        (_c.site + "") == sa.bindparam("site"),
        _c.log_index < sa.bindparam("first"),
        _c.recorded_at >= sa.bindparam("start"),
        _c.recorded_at < sa.bindparam("end"),
    ),
    "ids",
    _c.consent_id.type,
)


def _upsert_of(dialect: Any) -> Any:
    stmt = dialect.insert(rollup_days)
    return stmt.on_conflict_do_update(
        index_elements=[
            rollup_days.c.site,
            rollup_days.c.day,
            rollup_days.c.kind,
            rollup_days.c.name,
        ],
        set_={"n": rollup_days.c.n + stmt.excluded.n},
    )


_UPSERT = {
    name: Direct(_upsert_of(dialect), ["site", "day", "kind", "name", "n"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def upsert(conn: sa.Connection, deltas: Mapping[Key, int]) -> None:
    """Add ``deltas`` to their rows (made at 0 when missing), in key order (no deadlocks)."""
    values = [
        {"site": s, "day": d, "kind": k, "name": n, "n": v}
        for (s, d, k, n), v in sorted(deltas.items())
        if v
    ]
    if not values:
        return
    _UPSERT[conn.dialect.name].run(conn, values)


def install(log: ConsentLog, config: BannerConfig) -> Rollups:
    """Count ``log``'s decisions from now on, and build missing or stale roll-ups first.

    :raises banner.log.store.StoreUnavailable: when the database cannot be read or written.
    """
    companion = Rollups({site.id: site.timezone for site in config.sites.values()})
    try:
        with log.engine.begin() as conn:
            ensure(conn, companion)
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    log.companions.append(companion)
    return companion


def ensure(conn: sa.Connection, companion: Rollups) -> list[str]:
    """Rebuild every site whose roll-ups are missing or in another zone; return them.

    The first start after the schema step 6 backfills every site here, in the
    zones of the config (the step itself cannot know them).
    """
    if conn.dialect.name == "postgresql":  # instances starting together take turns
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    stored = {r.site: r.zone for r in conn.execute(sa.select(rollup_zones))}
    sites = set(tree.sites(conn)) | set(companion.zones)
    stale = sorted(s for s in sites if stored.get(s) != companion.zone(s).key)
    for site in stale:
        rebuild(conn, companion, site)
    return stale


def rebuild(conn: sa.Connection, companion: Rollups, site: str) -> int:
    """Count ``site``'s roll-ups again from the rows in the log; return the rows counted.

    The site's write lock is held first (PostgreSQL; SQLite's write lock holds
    everything), so no decision of the site commits meanwhile.
    """
    tree.lock_writes(conn, site)
    conn.execute(rollup_days.delete().where(rollup_days.c.site == site))
    conn.execute(rollup_zones.delete().where(rollup_zones.c.site == site))
    conn.execute(rollup_zones.insert().values(site=site, zone=companion.zone(site).key))
    c = consent_log.c
    after, counted = -1, 0
    while True:
        query = (
            sa.select(c.consent_id, c.recorded_at, c.action, c.granted, c.log_index)
            .where(c.site == site, c.log_index > after)
            .order_by(c.log_index)
            .limit(REBUILD_CHUNK)
        )
        chunk = [_item(site, row) for row in conn.execute(query)]
        if not chunk:
            return counted
        companion.tally(conn, chunk, {site: companion.zone(site).key})
        counted += len(chunk)
        after = chunk[-1].log_index


def _item(site: str, row: Any) -> Item:
    granted = tuple(json.loads(row.granted))
    return Item(site, row.consent_id, row.recorded_at, row.action, granted, int(row.log_index))


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One local day of a site from its roll-ups."""

    actions: dict[str, int]
    visitors: int
    granted: dict[str, int]


def zone_of(conn: sa.Connection, site: str) -> str | None:
    """The zone ``site``'s roll-ups are counted in, ``None`` before they are built."""
    return conn.execute(sa.select(rollup_zones.c.zone).where(rollup_zones.c.site == site)).scalar()


def read_days(conn: sa.Connection, site: str, first: date, last: date) -> dict[date, DayFigures]:
    """The roll-ups of ``site`` from ``first`` to ``last`` (both included), days with any."""
    r = rollup_days.c
    query = sa.select(r.day, r.kind, r.name, r.n).where(
        r.site == site, r.day >= first, r.day <= last
    )
    found: dict[date, DayFigures] = {}
    for row in conn.execute(query):
        day = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
        figures = found.setdefault(day, DayFigures({}, 0, {}))
        if row.kind == ACTION:
            figures.actions[row.name] = int(row.n)
        elif row.kind == GRANTED:
            figures.granted[row.name] = int(row.n)
        else:
            found[day] = DayFigures(figures.actions, int(row.n), figures.granted)
    return found
