"""SQLite's write lock: after SQLite's first 8 ms a writer tries it every millisecond.

:func:`banner.log.store.begin_immediate` keeps SQLite's busy handler for its
first tries only (its sleeps grow to 25, 50, 100 ms), then tries every
:data:`~banner.log.store.SQLITE_LOCK_POLL_SECONDS`, never past the busy
timeout. These tests drive it with a fake clock (no timed assertion) and
through the store with a real holder.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from banner.core.consent import Action
from banner.log import store
from banner.log.group_commit import GroupCommitLog
from banner.log.store import ConsentLog, StoreUnavailable, begin_immediate
from tests.log.seeding import decision


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "banner.db"
    log = ConsentLog(f"sqlite:///{path}")
    log.create_schema()
    log.dispose()
    return path


@pytest.fixture
def holder(path: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock (released by the test or at the end)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    yield conn
    if conn.in_transaction:
        conn.execute("ROLLBACK")
    conn.close()


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {store.SQLITE_BUSY_TIMEOUT_MS}")
    return conn


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_held_lock_is_tried_every_poll_and_given_up_at_the_timeout_not_later(
    path: Path, holder: sqlite3.Connection
) -> None:
    conn, clock = connect(path), FakeClock()
    assert not begin_immediate(conn, 0.0105, poll=0.001, clock=clock, sleep=clock.sleep, first_ms=0)
    assert not conn.in_transaction
    assert clock.now - 100.0 == pytest.approx(0.0105)  # never slept past the timeout
    assert all(s <= 0.001 for s in clock.sleeps) and len(clock.sleeps) == 11
    # the connection's own busy timeout is back for every other statement
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.SQLITE_BUSY_TIMEOUT_MS


def test_the_lock_is_taken_at_the_first_try_after_it_is_free(
    path: Path, holder: sqlite3.Connection
) -> None:
    conn, clock = connect(path), FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            holder.execute("ROLLBACK")

    assert begin_immediate(conn, 5.0, poll=0.001, clock=clock, sleep=sleep, first_ms=0)
    assert conn.in_transaction and len(clock.sleeps) == 3  # the try right after the release
    conn.execute("ROLLBACK")
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.SQLITE_BUSY_TIMEOUT_MS


class Recording:
    """A connection that notes every statement it runs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.statements = conn, list[str]()

    def execute(self, statement: str) -> sqlite3.Cursor:
        self.statements.append(statement)
        return self.conn.execute(statement)


def test_sqlite_waits_its_first_milliseconds_then_the_lock_is_polled(
    path: Path, holder: sqlite3.Connection
) -> None:
    conn, clock = Recording(connect(path)), FakeClock()
    raw: Any = conn
    assert not begin_immediate(raw, 0.0025, poll=0.001, clock=clock, sleep=clock.sleep, first_ms=8)
    assert conn.statements == [
        "PRAGMA busy_timeout = 2",  # SQLite's own handler, never past the timeout
        "BEGIN IMMEDIATE",
        "PRAGMA busy_timeout = 0",  # then a try every poll
        *["BEGIN IMMEDIATE"] * 3,
        f"PRAGMA busy_timeout = {store.SQLITE_BUSY_TIMEOUT_MS}",
    ]


def test_a_free_lock_is_taken_at_once_with_sqlites_first_wait_only(path: Path) -> None:
    conn, clock = Recording(connect(path)), FakeClock()
    raw: Any = conn
    assert begin_immediate(raw, 5.0, clock=clock, sleep=clock.sleep)
    assert conn.statements == [
        f"PRAGMA busy_timeout = {store.SQLITE_NATIVE_WAIT_MS}",
        "BEGIN IMMEDIATE",
        f"PRAGMA busy_timeout = {store.SQLITE_BUSY_TIMEOUT_MS}",
    ]
    assert clock.sleeps == []


def test_a_free_lock_is_taken_without_sleeping(path: Path) -> None:
    conn, clock = connect(path), FakeClock()
    assert begin_immediate(conn, 5.0, clock=clock, sleep=clock.sleep)
    assert conn.in_transaction and clock.sleeps == []


def test_an_error_other_than_busy_is_raised_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    (tmp_path / "broken.db").write_bytes(b"not a database" * 100)
    conn = sqlite3.connect(tmp_path / "broken.db", isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError):
        begin_immediate(conn, 5.0, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


@pytest.mark.parametrize("kind", [ConsentLog, GroupCommitLog])
def test_a_withdrawal_waiting_for_the_lock_is_stored_once_it_is_free(
    path: Path, holder: sqlite3.Connection, kind: type[ConsentLog]
) -> None:
    log = kind(f"sqlite:///{path}")
    withdrawal = decision(1, action=Action.WITHDRAW, granted=(), denied=("analytics",))
    outcome: list[object] = []
    writer = threading.Thread(target=lambda: outcome.append(log.append(withdrawal, fresh=True)))
    writer.start()
    writer.join(0.05)  # whether it is already waiting or not, it must get the lock
    holder.execute("ROLLBACK")
    writer.join()
    try:
        assert len(outcome) == 1
        assert log.history(withdrawal.consent_id) == [withdrawal]
    finally:
        log.dispose()


def test_a_lock_held_past_the_busy_timeout_answers_store_unavailable_without_waiting_twice(
    path: Path, holder: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_MS", 50)
    log = ConsentLog(f"sqlite:///{path}")
    waits: list[int] = []  # SQLite's own busy timeout when the last BEGIN goes through SQLAlchemy

    @event.listens_for(log.engine, "before_cursor_execute")
    def probe(conn: sa.Connection, _c: Any, statement: str, *_: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            raw = conn.connection.driver_connection
            waits.append(raw.execute("PRAGMA busy_timeout").fetchone()[0])

    try:
        with pytest.raises(StoreUnavailable, match="busy"):
            log.append(decision(1), fresh=True)
        assert waits == [0]  # the last try does not wait a second busy timeout
        holder.execute("ROLLBACK")
        assert log.count("tokodemo") == 0
        log.append(decision(2), fresh=True)
        assert log.count("tokodemo") == 1
    finally:
        log.dispose()


def test_a_worker_connecting_while_another_creates_the_schema_waits(tmp_path: Path) -> None:
    """A new database's first writer holds its lock: switching to WAL waits, never fails.

    (Workers of a plain ``gunicorn 'banner.app:create_app()'`` start together on
    a new file; ``banner serve`` creates the schema before it forks.)
    """
    path = tmp_path / "new.db"
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("BEGIN IMMEDIATE")  # as the migration's transaction does
    first.execute("CREATE TABLE creating (x)")  # the first worker, mid-migration
    log = GroupCommitLog(f"sqlite:///{path}")
    result: list[object] = []

    def second_worker() -> None:
        try:
            log.create_schema()
            result.append("created")
        except Exception as exc:  # what the worker would have died of
            result.append(exc)

    thread = threading.Thread(target=second_worker)
    thread.start()
    thread.join(0.3)
    assert thread.is_alive(), f"did not wait for the lock: {result}"
    first.execute("COMMIT")
    first.close()
    thread.join(10)
    assert result == ["created"]
    with log.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    log.dispose()
