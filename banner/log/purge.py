"""``banner log purge``: old rows deleted in small batches, writers served in between.

Each batch is its own short transaction: it notes on the rows' leaves that
they are purged (the leaf hashes stay, so the trees and every proof still
verify, issue 22) and deletes the rows. Rows are found per site through the
(site, recorded_at) index, oldest first, so a batch reads only what it
deletes and the last, empty look-up costs one index probe per site. A batch
is sized to hold the database about 10 ms on SQLite (250 ms on PostgreSQL,
where a delete blocks no insert), following the machine's speed and load,
and the purge then pauses twice as long on SQLite (as long on PostgreSQL),
so writers waiting for SQLite's lock (or the machine) get it: a decision
waits at most one batch, never the whole purge.

On SQLite three things keep a batch from costing the writers more than its
own 10 ms (issue 24, a purge of ten million rows; ``bench.purge_probe`` timed
every transaction, ``bench/RESULTS.md`` has the figures):

- the batches commit with ``synchronous = NORMAL`` on the purge's own
  connection: in WAL mode a commit then writes the log without waiting for
  its fsync, so a batch holds the write lock only for its own work. The
  batches stay atomic, and each decision a writer acknowledges is still
  committed with ``FULL``, whose fsync of the WAL also makes every purge
  batch before it durable; a crash can only undo the last purge batches,
  which the next purge deletes again;
- after each batch the purge copies the WAL into the database itself
  (:func:`checkpoint`, outside the lock; its own commits never checkpoint):
  a batch writes a few hundred pages to the WAL, and left to SQLite's
  automatic checkpoint one commit in a few copies them, at times a decision's,
  whose POST then waited for the copy and the database's fsync. A
  checkpoint with ``NORMAL`` first syncs the WAL, so the decisions committed
  after it no longer sync the batch's frames;
- writers try the lock every millisecond after SQLite's own first 8 ms
  (:func:`banner.log.store.begin_immediate`): SQLite's busy handler sleeps
  10, 15, 20, 25 ms next, so a writer behind a batch spent 6-8 ms of its
  wait with the lock free (the waits over 5 ms, at ten million rows), at
  times until after the next batch.

At ten million rows on a quiet machine the POST's p99 while purging went
from 41.9 ms (4.25x its idle p99) to 20.5 ms (1.95x), one pair of runs;
the writers' lock wait p99 while purging from 35-80 ms to 12 ms
(``bench/RESULTS.md``).

The daily roll-ups are statistics of decisions made and stay as they are
(:mod:`banner.log.rollups`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from banner.log import tree
from banner.log.schema import consent_log, log_nodes

#: What one batch may hold the database. SQLite: its writers wait for it, so
#: below a group commit's own time. PostgreSQL: a delete blocks no insert, the
#: batch only bounds one transaction (and the pause shares the machine).
TARGET_SECONDS = {"sqlite": 0.01, "postgresql": 0.25}
#: Rows of the first batch, and the bounds the batches are sized within. The
#: first is the smallest: at ten million rows a cold first batch of 500 held
#: SQLite 50-100 ms (the deleted rows' consent-id index pages are scattered).
BATCH, SMALLEST, LARGEST = 100, 100, 10_000
#: The pause after a batch, as a multiple of the batch's own time.
PAUSE = {"sqlite": 2.0, "postgresql": 1.0}
#: What the store's SQLite connections use (:func:`banner.log.store.make_engine`).
SYNCHRONOUS = "FULL"
#: SQLite's default, which the store keeps: a commit that takes the WAL to
#: this many pages copies it into the database (a checkpoint).
WAL_AUTOCHECKPOINT = 1000


def purge_in_batches(
    engine: Engine,
    before: datetime,
    now: datetime,
    batch: int = BATCH,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Delete every row recorded before ``before``; return how many went.

    Batches are sized to take about :data:`TARGET_SECONDS` on this machine
    and load: halved after a slower one (down to :data:`SMALLEST` rows),
    doubled after a much faster one (an explicit ``batch`` below
    :data:`SMALLEST` is kept as it is, for tests).
    """
    with engine.connect() as conn:
        # every row has its site's tree (schema step 5 numbered the older ones)
        sites = tree.sites(conn)
    removed = 0
    smallest = min(batch, SMALLEST)
    target = TARGET_SECONDS.get(engine.dialect.name, 0.01)
    pause = PAUSE.get(engine.dialect.name, 2.0)
    for site in sites:
        # Leaves are built into the tree when a head is made: build the backlog
        # in chunks of their own first, so a batch's own build_all is short.
        tree.catch_up(engine, site)
        with _purging(engine) as conn:
            while True:
                started = time.perf_counter()
                with conn.begin():
                    done = _one_batch(conn, site, before, now, batch)
                took = time.perf_counter() - started
                removed += done
                checkpoint(conn)
                if done < batch:
                    break
                if took > target:
                    batch = max(smallest, batch // 2)
                elif took < target / 2:
                    batch = min(LARGEST, batch * 2)
                sleep(took * pause)
    return removed


@contextmanager
def _purging(engine: Engine) -> Iterator[sa.Connection]:
    """One connection for a site's batches; on SQLite its commits skip the fsync."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            yield conn
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            yield conn
        finally:  # the connection goes back to the pool as the store made it
            if conn.in_transaction():
                conn.rollback()
            raw.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
            raw.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")


def checkpoint(conn: sa.Connection) -> None:
    """SQLite: copy the WAL into the database now, outside the write lock, between batches.

    A batch writes a few hundred pages to the WAL; left to SQLite's automatic
    checkpoint (at :data:`WAL_AUTOCHECKPOINT` pages), one commit in a few runs
    the checkpoint, and when that commit is a decision's, its POST waits for
    the copy and the database's fsync (``PASSIVE``: no writer waits for it).
    """
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _one_batch(conn: sa.Connection, site: str, before: datetime, now: datetime, batch: int) -> int:
    tree.build_all(conn, site)  # every row being deleted has its leaf (the tree is built late)
    c = consent_log.c
    found = conn.execute(
        sa.select(c.row_id, c.log_index)
        .where(c.site == site, c.recorded_at < before)
        .order_by(c.recorded_at)
        .limit(batch)
    ).all()
    if not found:
        return 0
    leaves = [int(r.log_index) for r in found if r.log_index is not None]
    if leaves:
        conn.execute(
            log_nodes.update()
            .where(
                log_nodes.c.site == site,
                log_nodes.c.level == 0,
                log_nodes.c.last_leaf.in_(leaves),
                log_nodes.c.purged_at.is_(None),
            )
            .values(purged_at=now)
        )
    conn.execute(consent_log.delete().where(c.row_id.in_([int(r.row_id) for r in found])))
    return len(found)
