"""``banner log purge``: old rows deleted in small batches, writers served in between.

Each batch is its own short transaction: it notes on the rows' leaves that
they are purged (the leaf hashes stay, so the trees and every proof still
verify, issue 22) and deletes the rows. Rows are found per site through the
(site, recorded_at) index, oldest first, so a batch reads only what it
deletes and the last, empty look-up costs one index probe per site. Between
batches the purge pauses about as long as the batch held the database, so
writers waiting for SQLite's lock (or PostgreSQL's pages) get it: a decision
waits at most one batch, never the whole purge.

The daily roll-ups are statistics of decisions made and stay as they are
(:mod:`banner.log.rollups`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from banner.log import tree
from banner.log.schema import consent_log, log_nodes

#: Rows per batch: about 10 ms of the write lock on SQLite.
BATCH = 500
#: The pause after a batch, as a multiple of the batch's own time.
PAUSE = 1.0


def purge_in_batches(
    engine: Engine,
    before: datetime,
    now: datetime,
    batch: int = BATCH,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Delete every row recorded before ``before``; return how many went."""
    with engine.connect() as conn:
        sites = tree.sites(conn)
        # rows logged before the trees (none after schema step 5) have a site too
        sites += [
            s
            for s in conn.execute(
                sa.select(consent_log.c.site).where(consent_log.c.log_index.is_(None)).distinct()
            ).scalars()
            if s not in sites
        ]
    removed = 0
    for site in sites:
        # Leaves are built into the tree when a head is made: build the backlog
        # in chunks of their own first, so a batch's own build_all is short.
        tree.catch_up(engine, site)
        while True:
            started = time.perf_counter()
            with engine.begin() as conn:
                done = _one_batch(conn, site, before, now, batch)
            removed += done
            if done < batch:
                break
            sleep((time.perf_counter() - started) * PAUSE)
    return removed


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
