"""``banner log purge``'s batches: on SQLite they skip the fsync, and the pool gets FULL back."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from banner.log import purge
from banner.log.schema import consent_log, log_nodes
from banner.log.store import ConsentLog
from tests.log.seeding import T0, seed

#: ``PRAGMA synchronous`` answers 1 for NORMAL and 2 for FULL.
NORMAL, FULL = 1, 2


@pytest.fixture
def log(database_url: str) -> Any:
    store = ConsentLog(database_url)
    store.create_schema()
    seed(store, 30)
    yield store
    store.dispose()


def counts(engine: sa.Engine) -> tuple[int, int]:
    """Rows left, and leaves noted as purged."""
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar_one()
        marked = conn.execute(
            sa.select(sa.func.count()).where(
                log_nodes.c.level == 0, log_nodes.c.purged_at.is_not(None)
            )
        ).scalar_one()
    return int(left), int(marked)


def synchronous_of_every_pooled_connection(engine: sa.Engine) -> set[int]:
    held = [engine.connect() for _ in range(engine.pool.checkedin())]
    try:
        return {int(c.exec_driver_sql("PRAGMA synchronous").scalar_one()) for c in held}
    finally:
        for conn in held:
            conn.close()


def test_sqlite_batches_commit_without_the_fsync_then_the_connection_is_full_again(
    log: ConsentLog,
) -> None:
    seen: list[int] = []

    @event.listens_for(log.engine, "before_cursor_execute")
    def probe(conn: sa.Connection, _c: Any, statement: str, *_: Any) -> None:
        if statement.startswith("DELETE FROM consent_log"):
            raw = conn.connection.driver_connection
            seen.append(raw.execute("PRAGMA synchronous").fetchone()[0])

    cut = T0 + timedelta(seconds=20)
    removed = purge.purge_in_batches(
        log.engine, cut, datetime.now(UTC), batch=6, sleep=lambda _: None
    )
    assert removed == 20
    assert len(seen) >= 2 and set(seen) == {NORMAL}  # batches of 6 rows or more
    assert counts(log.engine) == (10, 20)
    assert synchronous_of_every_pooled_connection(log.engine) == {FULL}
    with log.engine.connect() as conn:  # the pool's connection writes as the store wants
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == FULL


def test_an_interrupted_purge_keeps_every_batch_done_and_gives_back_a_full_connection(
    log: ConsentLog,
) -> None:
    pauses: list[float] = []

    def interrupt(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    cut = T0 + timedelta(seconds=25)
    with pytest.raises(KeyboardInterrupt):
        purge.purge_in_batches(log.engine, cut, datetime.now(UTC), batch=5, sleep=interrupt)
    left, marked = counts(log.engine)  # two batches of five or more, each its own transaction
    assert 10 <= marked < 25 and left + marked == 30
    assert synchronous_of_every_pooled_connection(log.engine) == {FULL}
    # the next purge deletes the rest
    rest = 25 - marked
    assert (
        purge.purge_in_batches(log.engine, cut, datetime.now(UTC), batch=5, sleep=lambda _: None)
        == rest
    )
    assert counts(log.engine) == (5, 25)


def test_sqlite_batches_are_copied_into_the_database_by_the_purge_between_batches(
    log: ConsentLog,
) -> None:
    """No decision's commit is left to checkpoint the purge's pages: the purge does it."""
    path = log.engine.url.database
    assert path is not None
    seen: list[tuple[int, int]] = []
    autocheckpoints: list[int] = []

    @event.listens_for(log.engine, "before_cursor_execute")
    def probe(conn: sa.Connection, _c: Any, statement: str, *_: Any) -> None:
        if statement.startswith("DELETE FROM consent_log"):
            raw = conn.connection.driver_connection
            autocheckpoints.append(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    def pause(_seconds: float) -> None:
        # the database file alone (the WAL ignored) already holds the batch's deletion
        in_file = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            seen.append(
                (
                    in_file.execute("SELECT count(*) FROM consent_log").fetchone()[0],
                    counts(log.engine)[0],
                )
            )
        finally:
            in_file.close()

    cut = T0 + timedelta(seconds=20)
    assert purge.purge_in_batches(log.engine, cut, datetime.now(UTC), batch=5, sleep=pause) == 20
    pause(0.0)  # after the last batch too
    assert len(seen) >= 2 and all(file == live for file, live in seen)  # batches vary in size
    assert seen[-1] == (10, 10)
    assert set(autocheckpoints) == {0}  # the purge's own commits never checkpoint
    held = [log.engine.raw_connection() for _ in range(log.engine.pool.checkedin())]
    try:  # the pool's connections checkpoint as SQLite does by default again
        found = {
            c.driver_connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] for c in held
        }
        assert found == {purge.WAL_AUTOCHECKPOINT}
    finally:
        for conn in held:
            conn.close()
