"""How the dashboard reads the log without holding up decisions.

The log's own SQLite engine opens every transaction with ``BEGIN IMMEDIATE``
(the write lock) so appends are serialised; a dashboard read under that lock
would make visitors' decisions wait. In WAL mode readers never block the
writer, so on SQLite the dashboard reads through an engine of its own whose
transactions are plain deferred (read-only) ones. On PostgreSQL it shares the
log's pool. An export is read in batches, each in a short transaction, so a
slow download holds nothing open between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from banner.log.schema import consent_log
from banner.log.store import SQLITE_BUSY_TIMEOUT_MS, ConsentLog, Decision, from_row, translate_error

EXPORT_BATCH = 1000
_READERS: WeakKeyDictionary[ConsentLog, Engine] = WeakKeyDictionary()


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only = ON")
    cursor.execute("PRAGMA temp_store = MEMORY")
    cursor.execute("PRAGMA cache_size = -65536")
    cursor.close()


def reader(log: ConsentLog) -> Engine:
    """The engine the dashboard reads ``log`` through (made once per log)."""
    if log.is_postgres:
        return log.engine
    found = _READERS.get(log)
    if found is None:
        found = sa.create_engine(log.url, connect_args={"check_same_thread": False})
        event.listen(found, "connect", _read_only)
        _READERS[log] = found
        log.closers.append(lambda: dispose_reader(log))
    return found


def dispose_reader(log: ConsentLog) -> None:
    found = _READERS.pop(log, None)
    if found is not None:
        found.dispose()


def _range(site: str, since: datetime | None, until: datetime | None) -> list[Any]:
    column = consent_log.c.recorded_at
    where = [consent_log.c.site == site]
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column < until)
    return where


def count_rows(log: ConsentLog, site: str, since: datetime | None, until: datetime | None) -> int:
    """How many rows :func:`export_rows` gives (read without the writers' lock)."""
    query = sa.select(sa.func.count()).select_from(consent_log).where(*_range(site, since, until))
    try:
        with reader(log).connect() as conn:
            return int(conn.execute(query).scalar_one())
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc


def export_rows(
    log: ConsentLog,
    site: str,
    since: datetime | None,
    until: datetime | None,
    batch: int = EXPORT_BATCH,
) -> Iterator[Decision]:
    """The rows ``banner log export`` gives for the range (open ends: ``None``), oldest first.

    Keyset pages of ``batch`` rows, each read in its own short transaction:
    memory stays flat whatever the log's size, and nothing is held open
    between pages (on SQLite, not the writers' lock either).

    Pages follow the (site, recorded_at) index, ties in row order: a page
    reads only its own rows whatever the database's statistics. Paging by
    row id alone (before issue 24's ten million rows) let SQLite without
    ``ANALYZE`` read every later row of the site and sort them for each page.

    :raises banner.log.store.StoreUnavailable: when a batch cannot be read.
    """
    c = consent_log.c
    where = _range(site, since, until)
    last: tuple[datetime, int] | None = None
    while True:
        query = sa.select(consent_log).where(*where)
        if last is not None:
            query = query.where(
                c.recorded_at >= last[0],
                sa.or_(c.recorded_at > last[0], c.row_id > last[1]),
            )
        query = query.order_by(c.recorded_at, c.row_id).limit(batch)
        try:
            with reader(log).connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        yield from (from_row(row) for row in rows)
        if len(rows) < batch:
            return
        last = (rows[-1].recorded_at, rows[-1].row_id)
