"""Millions of decisions in minutes, in the store's own row format.

What a live decision gets, made by the store's own functions, written in bulk
(SQLite: the driver's ``executemany`` per batch, PostgreSQL: ``COPY``):

- the row (:func:`banner.log.store._row_values`, the column types' own bind
  processors on SQLite) with its ``log_index`` and ``leaf_hash``;
- the leaves and every complete subtree (:func:`banner.log.tree.leaf_parts`,
  :func:`banner.log.merkle.push`, as :func:`banner.log.tree.build` makes them),
  then the site's ``log_state`` and ``log_numbering``;
- the daily roll-ups (:func:`banner.log.rollups.count`, the companion's
  counting, with the earlier decisions of the day kept in memory as the rows
  come in time order), upserted once at the end.

So ``banner log verify`` passes on the seeded database, and the dashboard
reads roll-ups equal to what live writes would have made.

At ten million rows the per-row Python is what costs (issue 24): a row and its
leaf are made from a template per action (the store's own functions applied
once to a decision holding marker values, then the consent id and time put in
place of the markers), and every :data:`CHECK_EVERY`-th row is made again by
the store's functions and compared, so a template that drifted from the store
fails the seeding. Into an empty log, ``consent_log``'s indexes are dropped
before the bulk insert and made again at the end (one sort per index instead
of ten million random inserts).
"""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from banner.log import merkle, rollups, tree
from banner.log.schema import consent_log, log_nodes, log_numbering, log_state
from banner.log.store import ConsentLog, Decision, _row_values

BATCH = 50_000
#: Every this many rows, the templated row and leaf are checked against the store's functions.
CHECK_EVERY = 997
CATEGORIES = ("functional", "analytics", "preference")
#: (action, granted, weight): what visitors did, roughly as a shop sees it.
MIX: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("accept", CATEGORIES, 45),
    ("reject", (), 25),
    ("custom", ("analytics",), 10),
    ("change", ("functional",), 10),
    ("withdraw", (), 5),
    ("gpc", (), 5),
)
ROW_COLUMNS = [c.name for c in consent_log.columns if c.name != "row_id"]
NODE_COLUMNS = [c.name for c in log_nodes.columns]
#: Marker values of a template decision: no real consent id or time looks like them.
MARK_ID = "consent-id-marker"
MARK_AT = datetime(1901, 2, 3, 4, 5, 6, 789012, UTC)


def decision(site: str, consent_id: str, recorded_at: datetime, action: str) -> Decision:
    """The benchmark's decision of ``action`` (one of :data:`MIX`)."""
    granted = next(m[1] for m in MIX if m[0] == action)
    return Decision(
        consent_id=consent_id,
        site=site,
        recorded_at=recorded_at,
        action=action,
        granted=granted,
        denied=tuple(c for c in CATEGORIES if c not in granted),
        policy_version=1,
        language="id",
        text_hash="0" * 64,
        source="banner",
        page_origin="https://shop.example",
        page_path="/produk/kopi",
        gpc=action == "gpc",
        ip_masked="203.0.113.0",
        user_agent="Mozilla/5.0 (bench)",
    )


#: What :func:`draws` yields per decision: consent id, time, action.
Draw = tuple[str, datetime, str]


def draws(count: int, start: datetime, span: timedelta) -> Iterator[Draw]:
    """``count`` decisions of ``count // 3`` visitors spread evenly over ``span``, oldest first."""
    rng = random.Random(16)
    step = span / count
    choices = [m[0] for m in MIX for _ in range(m[2])]
    visitors = max(count // 3, 1)
    for n in range(count):
        action = rng.choice(choices)
        yield f"{rng.randrange(visitors):032x}", start + step * n, action


def decisions(site: str, count: int, start: datetime, span: timedelta) -> Iterator[Decision]:
    """The decisions of :func:`draws`, whole."""
    for consent_id, recorded_at, action in draws(count, start, span):
        yield decision(site, consent_id, recorded_at, action)


def _split(whole: bytes, marker: bytes) -> tuple[bytes, bytes]:
    head, sep, tail = whole.partition(marker)
    assert sep and marker not in tail, (whole, marker)
    return head, tail


class Template:
    """One action's row (bound as the driver gets it) and leaf, with marker values to replace."""

    def __init__(self, site: str, action: str, processors: list[Any] | None) -> None:
        self.site, self.action, self.processors = site, action, processors
        model = decision(site, MARK_ID, MARK_AT, action)
        self.granted = model.granted
        values = _row_values(model)
        values["log_index"], values["leaf_hash"] = 0, ""
        self.row = self._bind([values[n] for n in ROW_COLUMNS])
        self.at_bind = processors[ROW_COLUMNS.index("recorded_at")] if processors else None
        before, after = tree.leaf_parts(model)
        # sorted keys: consent_id comes before log_index, recorded_at after it
        self.before = _split(before, MARK_ID.encode())
        self.after = _split(after, MARK_AT.isoformat().encode())

    def _bind(self, row: list[Any]) -> list[Any]:
        if self.processors is None:
            return row
        return [p(v) if p else v for p, v in zip(self.processors, row, strict=True)]

    def leaf(self, consent_id: str, recorded_at: datetime) -> tuple[bytes, bytes]:
        """:func:`banner.log.tree.leaf_parts` of the decision."""
        stamp = recorded_at.astimezone(UTC).isoformat().encode()
        return (
            self.before[0] + consent_id.encode() + self.before[1],
            self.after[0] + stamp + self.after[1],
        )

    def values(self, consent_id: str, recorded_at: datetime, index: int, leaf: str) -> list[Any]:
        """The row of the decision, as :meth:`check` makes it with the store's functions."""
        row = self.row.copy()
        row[I_ID], row[I_INDEX], row[I_LEAF] = consent_id, index, leaf
        row[I_AT] = self.at_bind(recorded_at) if self.at_bind else recorded_at
        return row

    def check(self, draw: Draw, index: int, leaf: str) -> None:
        """The templated row and leaf equal the store's own (:data:`CHECK_EVERY`)."""
        whole = decision(self.site, *draw)
        assert self.leaf(draw[0], draw[1]) == tree.leaf_parts(whole), draw
        values = _row_values(whole)
        values["log_index"], values["leaf_hash"] = index, leaf
        assert self.values(draw[0], draw[1], index, leaf) == self._bind(
            [values[n] for n in ROW_COLUMNS]
        ), draw


I_ID, I_AT = ROW_COLUMNS.index("consent_id"), ROW_COLUMNS.index("recorded_at")
I_INDEX, I_LEAF = ROW_COLUMNS.index("log_index"), ROW_COLUMNS.index("leaf_hash")


class Seeder:
    """Appends decisions of one site (a fresh tree) in bulk; :meth:`finish` stores the rest."""

    def __init__(self, log: ConsentLog, site: str, zone: str) -> None:
        self.log, self.site, self.zone = log, site, ZoneInfo(zone)
        self.size, self.frontier = 0, list[bytes]()
        self.deltas: Counter[rollups.Key] = Counter()
        self.last: rollups.Last = {}
        self.latest_day: date | None = None
        dialect = log.engine.dialect
        processors = (
            None
            if log.is_postgres
            else [consent_log.c[n].type.bind_processor(dialect) for n in ROW_COLUMNS]
        )
        self.templates = {m[0]: Template(site, m[0], processors) for m in MIX}
        self.dropped = self._drop_indexes()

    def _drop_indexes(self) -> bool:
        """Into an empty log, the indexes are made once at the end (:meth:`finish`)."""
        with self.log.engine.begin() as conn:
            if conn.execute(sa.select(consent_log.c.row_id).limit(1)).first() is not None:
                return False
            for index in consent_log.indexes:
                index.drop(conn, checkfirst=True)
        return True

    def add(self, batch: list[Draw]) -> None:
        made: list[tuple[tuple[int, int], bytes]] = []
        rows = []
        size = self.size
        for draw in batch:
            template = self.templates[draw[2]]
            before, after = template.leaf(draw[0], draw[1])
            leaf = merkle.leaf_hash(before + str(size).encode() + after)
            made += [((0, size), leaf), *merkle.push(self.frontier, size, leaf)]
            rows.append(template.values(draw[0], draw[1], size, leaf.hex()))
            if size % CHECK_EVERY == 0:
                template.check(draw, size, leaf.hex())
            size += 1
        nodes = [
            [self.site, tree.last_leaf(level, idx), level, idx, digest, None]
            for (level, idx), digest in made
        ]
        self._count(batch, self.size)
        if self.log.is_postgres:
            self._copy(rows, nodes)
        else:
            self._executemany(rows, nodes)
        self.size = size

    def _count(self, batch: list[Draw], first: int) -> None:
        items = [
            rollups.Item(self.site, d[0], d[1], d[2], self.templates[d[2]].granted, first + n)
            for n, d in enumerate(batch)
        ]
        rollups.count(items, self.zone, self.last, self.deltas)
        day = rollups.local_day(batch[-1][1], self.zone)
        if day != self.latest_day:  # rows come in time order: older days are done
            self.last = {k: v for k, v in self.last.items() if k[1] >= day - timedelta(days=1)}
            self.latest_day = day

    def _executemany(self, rows: list[list[Any]], nodes: list[list[Any]]) -> None:
        raw = self.log.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: the random consent id index
            cursor.execute("BEGIN IMMEDIATE")
            marks = ", ".join("?" * len(ROW_COLUMNS))
            cursor.executemany(
                f"INSERT INTO consent_log ({', '.join(ROW_COLUMNS)}) VALUES ({marks})", rows
            )
            marks = ", ".join("?" * len(NODE_COLUMNS))
            cursor.executemany(
                f"INSERT INTO log_nodes ({', '.join(NODE_COLUMNS)}) VALUES ({marks})", nodes
            )
            cursor.execute("COMMIT")
            cursor.execute("PRAGMA cache_size = -2000")  # back to the default
        finally:
            raw.close()

    def _copy(self, rows: list[list[Any]], nodes: list[list[Any]]) -> None:
        raw = self.log.engine.raw_connection()
        try:
            cursor: Any = raw.cursor()
            with cursor.copy(f"COPY consent_log ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.copy(f"COPY log_nodes ({', '.join(NODE_COLUMNS)}) FROM STDIN") as copy:
                for node in nodes:
                    copy.write_row(node)
            raw.commit()
        finally:
            raw.close()

    def finish(self) -> None:
        """The tree's state and the roll-ups, the indexes dropped, then (PostgreSQL) ANALYZE."""
        if self.dropped:
            with self.log.engine.begin() as conn:
                if self.log.is_postgres:
                    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
                else:
                    conn.exec_driver_sql("PRAGMA cache_size = -524288")  # 512 MB to sort in
                for index in consent_log.indexes:
                    index.create(conn)
                if not self.log.is_postgres:
                    conn.exec_driver_sql("PRAGMA cache_size = -2000")
        frontier = " ".join(h.hex() for h in self.frontier)
        with self.log.engine.begin() as conn:
            conn.execute(log_state.delete().where(log_state.c.site == self.site))
            conn.execute(log_numbering.delete().where(log_numbering.c.site == self.site))
            conn.execute(log_numbering.insert().values(site=self.site, size=self.size))
            conn.execute(
                log_state.insert().values(site=self.site, tree_size=self.size, frontier=frontier)
            )
            rollups.upsert(conn, self.deltas)
        if self.log.is_postgres:  # as autovacuum would; banner never runs SQLite's ANALYZE
            with self.log.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def seed(
    log: ConsentLog, site: str, zone: str, count: int, start: datetime, span: timedelta
) -> None:
    """``count`` decisions of ``site`` (no tree yet) over ``span`` from ``start``."""
    seeder = Seeder(log, site, zone)
    batch: list[Draw] = []
    gc.disable()  # millions of young objects, no cycles: the collector only costs
    try:
        for draw in draws(count, start, span):
            batch.append(draw)
            if len(batch) == BATCH:
                seeder.add(batch)
                batch = []
        if batch:
            seeder.add(batch)
    finally:
        gc.enable()
    seeder.finish()
    with log.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar_one()
    assert found >= count, (found, count)
