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
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from banner.log import merkle, rollups, tree
from banner.log.schema import consent_log, log_nodes, log_numbering, log_state
from banner.log.store import ConsentLog, Decision, _row_values

BATCH = 50_000
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


def decisions(site: str, count: int, start: datetime, span: timedelta) -> Iterator[Decision]:
    """``count`` decisions of ``count // 3`` visitors spread evenly over ``span``, oldest first."""
    rng = random.Random(16)
    step = span / count
    choices = [m for m in MIX for _ in range(m[2])]
    visitors = max(count // 3, 1)
    for n in range(count):
        action, granted, _ = rng.choice(choices)
        yield Decision(
            consent_id=f"{rng.randrange(visitors):032x}",
            site=site,
            recorded_at=start + step * n,
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


class Seeder:
    """Appends decisions of one site (a fresh tree) in bulk; :meth:`finish` stores the rest."""

    def __init__(self, log: ConsentLog, site: str, zone: str) -> None:
        self.log, self.site, self.zone = log, site, ZoneInfo(zone)
        self.size, self.frontier = 0, list[bytes]()
        self.deltas: Counter[rollups.Key] = Counter()
        self.last: rollups.Last = {}
        self.latest_day: date | None = None
        dialect = log.engine.dialect
        self.processors = [consent_log.c[n].type.bind_processor(dialect) for n in ROW_COLUMNS]

    def add(self, batch: list[Decision]) -> None:
        placed: list[tuple[int, bytes]] = []
        made: list[tuple[tuple[int, int], bytes]] = []
        size = self.size
        for before, after in (tree.leaf_parts(d) for d in batch):
            leaf = merkle.leaf_hash(before + str(size).encode() + after)
            placed.append((size, leaf))
            made += [((0, size), leaf), *merkle.push(self.frontier, size, leaf)]
            size += 1
        rows = []
        for decision, (index, leaf) in zip(batch, placed, strict=True):
            values = _row_values(decision)
            values["log_index"], values["leaf_hash"] = index, leaf.hex()
            rows.append([values[n] for n in ROW_COLUMNS])
        nodes = [
            [self.site, tree.last_leaf(level, idx), level, idx, digest, None]
            for (level, idx), digest in made
        ]
        self._count(batch, placed[0][0])
        if self.log.is_postgres:
            self._copy(rows, nodes)
        else:
            self._executemany(rows, nodes)
        self.size = size

    def _count(self, batch: list[Decision], first: int) -> None:
        items = [
            rollups.Item(d.site, d.consent_id, d.recorded_at, d.action, d.granted, first + n)
            for n, d in enumerate(batch)
        ]
        rollups.count(items, self.zone, self.last, self.deltas)
        day = rollups.local_day(batch[-1].recorded_at, self.zone)
        if day != self.latest_day:  # rows come in time order: older days are done
            self.last = {k: v for k, v in self.last.items() if k[1] >= day - timedelta(days=1)}
            self.latest_day = day

    def _executemany(self, rows: list[list[Any]], nodes: list[list[Any]]) -> None:
        bound = [
            tuple(p(v) if p else v for p, v in zip(self.processors, row, strict=True))
            for row in rows
        ]
        raw = self.log.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: the random consent id index
            cursor.execute("BEGIN IMMEDIATE")
            marks = ", ".join("?" * len(ROW_COLUMNS))
            cursor.executemany(
                f"INSERT INTO consent_log ({', '.join(ROW_COLUMNS)}) VALUES ({marks})", bound
            )
            marks = ", ".join("?" * len(NODE_COLUMNS))
            cursor.executemany(
                f"INSERT INTO log_nodes ({', '.join(NODE_COLUMNS)}) VALUES ({marks})", nodes
            )
            cursor.execute("COMMIT")
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
        """The tree's state and the roll-ups, then ANALYZE."""
        frontier = " ".join(h.hex() for h in self.frontier)
        with self.log.engine.begin() as conn:
            conn.execute(log_state.delete().where(log_state.c.site == self.site))
            conn.execute(log_numbering.delete().where(log_numbering.c.site == self.site))
            conn.execute(log_numbering.insert().values(site=self.site, size=self.size))
            conn.execute(
                log_state.insert().values(site=self.site, tree_size=self.size, frontier=frontier)
            )
            rollups.upsert(conn, self.deltas)
        with self.log.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def seed(
    log: ConsentLog, site: str, zone: str, count: int, start: datetime, span: timedelta
) -> None:
    """``count`` decisions of ``site`` (no tree yet) over ``span`` from ``start``."""
    seeder = Seeder(log, site, zone)
    batch: list[Decision] = []
    for decision in decisions(site, count, start, span):
        batch.append(decision)
        if len(batch) == BATCH:
            seeder.add(batch)
            batch = []
    if batch:
        seeder.add(batch)
    seeder.finish()
    with log.engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar_one()
    assert found >= count, (found, count)
