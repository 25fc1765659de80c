"""The consent log: append-only proof of every decision, on SQLite or PostgreSQL.

One code path for both through SQLAlchemy Core. SQLite runs in WAL mode with
``synchronous=FULL`` and ``BEGIN IMMEDIATE`` so a committed row survives a
killed process; a decision is acknowledged only after its commit returns.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from banner.log import subjects, tree
from banner.log.direct import Direct
from banner.log.migrations import current_version, migrate
from banner.log.purge import purge_in_batches
from banner.log.rows import NOT_COLUMNS, Before
from banner.log.rows import PRIVATE as PRIVATE
from banner.log.rows import Decision as Decision
from banner.log.rows import as_utc as as_utc
from banner.log.rows import decision as _decision
from banner.log.schema import consent_log

SQLITE_BUSY_TIMEOUT_MS = 5000
#: How long a writer waits between two tries of SQLite's write lock (see :func:`begin_immediate`).
SQLITE_LOCK_POLL_SECONDS = 0.001
#: How long SQLite's own busy handler waits for the lock before that (its tries at 1, 3 and 8 ms).
SQLITE_NATIVE_WAIT_MS = 8


class StoreUnavailable(Exception):
    """The log cannot take or give rows right now (locked, full, down)."""

    def __init__(self, reason: str, retry_after: int = 2) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


#: Work done in a decision's own transaction: ``(conn, decisions, row values, before)``.
Companion = Callable[[sa.Connection, Sequence[Decision], list[dict[str, Any]], Before], None]


class StoreFull(StoreUnavailable):
    """The database has no space left; nothing was written."""


#: The insert of a write's rows (every column but ``row_id``), compiled once.
_INSERT = Direct(consent_log.insert(), [c.key for c in consent_log.c if c.key != "row_id"])


def _row_values(decision: Decision) -> dict[str, Any]:
    values = {
        n: getattr(decision, n) for n in decision.__dataclass_fields__ if n not in NOT_COLUMNS
    }
    values["granted"] = json.dumps(list(decision.granted))
    values["denied"] = json.dumps(list(decision.denied))
    return values


def from_row(row: sa.Row[Any]) -> Decision:
    """A :class:`Decision` from a ``consent_log`` row read by another part (the dashboard)."""
    return _decision(row)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _wal(cursor, SQLITE_BUSY_TIMEOUT_MS / 1000)
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.close()


def _wal(cursor: sqlite3.Cursor, timeout: float) -> None:
    """Put the database in WAL mode, waiting up to ``timeout`` s for the lock it needs.

    Switching a new database (still in rollback-journal mode) to WAL takes
    an exclusive lock and does not wait through the busy timeout: a second
    worker connecting while the first creates the schema got "database is
    locked" at once (2 of 60 processes starting together, before this). A
    database already in WAL mode stays so and needs no lock.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(SQLITE_LOCK_POLL_SECONDS)


def _sqlite_begin(conn: sa.Connection) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    if begin_immediate(raw, SQLITE_BUSY_TIMEOUT_MS / 1000):
        return
    # The lock stayed taken for the whole busy timeout: one last try without
    # waiting, for SQLite's own error as SQLAlchemy wraps it (StoreUnavailable,
    # a 503 and Retry-After).
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def begin_immediate(
    raw: sqlite3.Connection,
    timeout: float,
    poll: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    first_ms: int | None = None,
) -> bool:
    """``BEGIN IMMEDIATE`` within ``timeout`` seconds; False if the lock was never granted.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50 ...
    ms between its tries, so a writer that found the lock taken by a purge
    batch of 10 ms got it 18 or 33 ms after it asked, on average 6-8 ms after
    the lock was free (``bench.purge_probe``). Here SQLite's handler waits
    only its first ``first_ms`` (:data:`SQLITE_NATIVE_WAIT_MS`: its tries at
    1, 3 and 8 ms, enough for another decision's commit), then the lock is
    tried every ``poll`` seconds (:data:`SQLITE_LOCK_POLL_SECONDS`; a failed
    try costs a few microseconds), until ``timeout`` has passed, as the busy
    timeout did. Polling from the start looked costly for the idle POST
    (each wake-up takes the worker's GIL; not measured apart). Any error
    other than busy is raised.
    """
    poll = SQLITE_LOCK_POLL_SECONDS if poll is None else poll
    native = SQLITE_NATIVE_WAIT_MS if first_ms is None else first_ms
    deadline = clock() + timeout
    raw.execute(f"PRAGMA busy_timeout = {min(native, int(timeout * 1000))}")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return True
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
            if native:
                raw.execute("PRAGMA busy_timeout = 0")
                native = 0
            left = deadline - clock()
            if left <= 0:
                return False
            sleep(min(poll, left))
    finally:
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the durability settings of its dialect."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No pre-ping: it costs a round trip on every decision (15% of a worker's
    # time under load). After a server restart the first statement on a stale
    # connection fails, answers 503 (the loader retries) and SQLAlchemy drops
    # the whole pool, so the next request connects afresh.
    return sa.create_engine(url, pool_size=5, max_overflow=5)


def translate_error(exc: SQLAlchemyError) -> StoreUnavailable:
    text = str(getattr(exc, "orig", exc)).lower()
    if "full" in text or "disk" in text or "no space" in text:
        return StoreFull("database full", retry_after=30)
    if "locked" in text or "busy" in text:
        return StoreUnavailable("database busy", retry_after=2)
    return StoreUnavailable("database unavailable", retry_after=5)


class ConsentLog:
    """Append-only consent log over an SQLAlchemy engine.

    :param url: an SQLAlchemy URL (``sqlite:///banner.db``,
        ``postgresql+psycopg://...``).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        #: called after a commit with the sites that got new rows (signed heads)
        self.listeners: list[Callable[[set[str]], None]] = []
        #: called by :meth:`dispose` first (the listeners' timers)
        self.closers: list[Callable[[], None]] = []
        #: called inside the writing transaction, after the rows are inserted,
        #: with the decisions written and their row values (``log_index`` set):
        #: whatever must commit or fail with the decisions (roll-ups, outbox, links)
        self.companions: list[Companion] = [subjects.link]

    def insert(
        self,
        conn: sa.Connection,
        decisions: Sequence[Decision],
        prepared: tree.Prepared | None = None,
        before: Before = None,
    ) -> None:
        """Number, insert and accompany ``decisions`` inside the caller's transaction.

        Both write paths (:meth:`append` and the group commit) store rows
        only through here, so every companion sees every decision. ``before``:
        what the group commit read of the consent ids' rows under its lock.
        """
        if not decisions:
            return
        rows = [_row_values(d) for d in decisions]
        tree.append(conn, decisions, rows, prepared)
        _INSERT.run(conn, rows)
        for companion in self.companions:
            companion(conn, decisions, rows, before)

    def appended(self, sites: set[str]) -> None:
        """Tell the listeners that ``sites`` got rows; their failures are theirs."""
        for listener in self.listeners if sites else ():
            listener(sites)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def create_schema(self) -> None:
        """Create the tables on first start, or migrate an older schema."""
        try:
            with self.engine.begin() as conn:
                migrate(conn)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def schema_version(self) -> int | None:
        with self.engine.connect() as conn:
            return current_version(conn)

    def append(
        self,
        decision: Decision,
        fresh: bool = False,
        amend: Callable[[Decision | None], Decision] | None = None,
        retry: Callable[[Decision], None] | None = None,
    ) -> Decision:
        """Commit ``decision`` unless it repeats the consent id's latest row.

        A retry (same consent id, site, granted categories and policy version
        as the latest row) writes nothing and returns the stored row, so
        clients may resend until they are answered.

        :param fresh: the consent id was just generated here, so it has no rows
            and the retry check is skipped.
        :param amend: called with the latest row of the consent id on this
            site (``None`` for none), read under the same lock as the write;
            returns the decision to store (its action may depend on that row).
        :param retry: called with the latest row, under the same lock, when
            ``decision`` repeats it; may raise to refuse the retry (an
            unproven one), and then nothing is written or returned.
        :raises StoreUnavailable: when the row could not be committed.
        """
        try:
            with self.engine.begin() as conn:
                tree.lock_sites(conn, [decision.site])  # the site's lock before the id's
                latest = None if fresh else self._latest_locked(conn, decision)
                if latest is not None and _same_choice(latest, decision):
                    if retry is not None:
                        retry(latest)
                    return latest
                if amend is not None:
                    decision = amend(latest)
                self.insert(conn, [decision])
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        self.appended({decision.site})
        return decision

    def _latest_locked(self, conn: sa.Connection, decision: Decision) -> Decision | None:
        self._serialise(conn, decision.consent_id)
        query = (
            sa.select(consent_log)
            .where(consent_log.c.consent_id == decision.consent_id)
            .where(consent_log.c.site == decision.site)
            .order_by(consent_log.c.row_id.desc())
            .limit(1)
        )
        row = conn.execute(query).first()
        return None if row is None else _decision(row)

    def _serialise(self, conn: sa.Connection, consent_id: str) -> None:
        # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL
        # needs a lock per consent id so two retries cannot both insert.
        if self.is_postgres:
            key = zlib.crc32(consent_id.encode()) - 2**31
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def history(self, consent_id: str, site: str | None = None) -> list[Decision]:
        """Every row of one consent id, oldest first."""
        query = sa.select(consent_log).where(consent_log.c.consent_id == consent_id)
        if site is not None:
            query = query.where(consent_log.c.site == site)
        return self._fetch(query.order_by(consent_log.c.row_id))

    def latest(self, consent_id: str, site: str | None = None) -> Decision | None:
        """The newest row of a consent id (optionally only for ``site``)."""
        rows = self.history(consent_id, site)
        return rows[-1] if rows else None

    def _fetch(self, query: sa.Select[Any]) -> list[Decision]:
        try:
            with self.engine.connect() as conn:
                return [_decision(r) for r in conn.execute(query)]
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def _range(self, site: str, since: datetime | None, until: datetime | None) -> sa.Select[Any]:
        query = sa.select(consent_log).where(consent_log.c.site == site)
        if since is not None:
            query = query.where(consent_log.c.recorded_at >= since)
        if until is not None:
            query = query.where(consent_log.c.recorded_at < until)
        return query.order_by(consent_log.c.row_id)

    def count(self, site: str, since: datetime | None = None, until: datetime | None = None) -> int:
        query = self._range(site, since, until).order_by(None)
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
            )

    def export(
        self, site: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Decision]:
        """Stream rows of ``site`` in the date range, oldest first."""
        query = self._range(site, since, until)
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=500).execute(query)
            for row in result:
                yield _decision(row)

    def purge(self, before: datetime) -> int:
        """Delete rows recorded before ``before`` (their leaf hashes stay); return how many went.

        In small batches, each its own transaction (:mod:`banner.log.purge`).
        """
        try:
            return purge_in_batches(self.engine, before, utcnow())
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc

    def ping(self) -> bool:
        """True when the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def dispose(self) -> None:
        for close in self.closers:
            close()
        self.engine.dispose()


def _same_choice(latest: Decision, new: Decision) -> bool:
    return (
        latest.site == new.site
        and set(latest.granted) == set(new.granted)
        and latest.policy_version == new.policy_version
    )


def utcnow() -> datetime:
    return datetime.now(UTC)
