"""``banner log export`` reads keyset pages, each its own short read: flat memory, no lock held."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from banner.admin.reading import count_rows, export_rows, reader
from banner.log.store import ConsentLog
from tests.log.seeding import T0, decision, seed


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, database_url: str) -> ConsentLog:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else database_url
    found = ConsentLog(url)
    found.create_schema()
    request.addfinalizer(found.dispose)
    return found


def test_pages_give_every_row_once_in_order_with_open_or_closed_ends(log: ConsentLog) -> None:
    seed(log, 30, chunk=8)
    seed(log, 5, start=100, make=lambda n: decision(n, site="other"))
    every = list(export_rows(log, "tokodemo", None, None, batch=7))
    assert [d.consent_id for d in every] == [decision(n).consent_id for n in range(30)]
    middle = list(
        export_rows(log, "tokodemo", T0 + timedelta(seconds=5), T0 + timedelta(seconds=12), batch=3)
    )
    assert [d.recorded_at for d in middle] == [T0 + timedelta(seconds=n) for n in range(5, 12)]
    assert count_rows(log, "tokodemo", None, None) == 30
    assert count_rows(log, "tokodemo", T0 + timedelta(seconds=5), None) == 25


def test_a_paused_export_holds_nothing_writers_need(log: ConsentLog) -> None:
    """Between pages no transaction is open: a decision commits while the export waits."""
    seed(log, 20)
    pages = export_rows(log, "tokodemo", None, None, batch=5)
    first = [next(pages) for _ in range(5)]  # the first page read, the second not yet
    written = log.append(decision(500), fresh=True)  # SQLite would wait on a held lock (5 s, 503)
    rest = list(pages)
    assert len(first) + len(rest) == 21 and rest[-1].consent_id == written.consent_id


def test_pages_follow_the_time_and_give_rows_of_one_instant_once(log: ConsentLog) -> None:
    """Oldest first, ties (one instant, many rows) in row order across page ends."""
    seed(log, 12, make=lambda n: decision(n, recorded_at=T0 + timedelta(seconds=n // 5)))
    seed(log, 1, start=12, make=lambda n: decision(n, recorded_at=T0 - timedelta(seconds=1)))
    every = list(export_rows(log, "tokodemo", None, None, batch=3))
    assert [d.consent_id for d in every] == [decision(n).consent_id for n in (12, *range(12))]
    since = list(export_rows(log, "tokodemo", T0 + timedelta(seconds=1), None, batch=2))
    assert [d.consent_id for d in since] == [decision(n).consent_id for n in range(5, 12)]


def test_a_page_reads_the_time_index_without_sorting_and_without_statistics(
    database_url: str,
) -> None:
    """SQLite without ``ANALYZE`` (banner never runs it): no page sorts the site's rows."""
    log = ConsentLog(database_url)
    log.create_schema()
    seen: list[str] = []

    @sa.event.listens_for(reader(log), "before_cursor_execute")
    def plan(conn: sa.Connection, _c: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM consent_log" in statement:
            raw = conn.connection.driver_connection
            rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            seen.append(" / ".join(r[3] for r in rows))

    try:
        seed(log, 9)
        assert len(list(export_rows(log, "tokodemo", None, None, batch=4))) == 9
        assert len(list(export_rows(log, "tokodemo", T0, T0 + timedelta(seconds=5), 2))) == 5
        assert len(seen) == 3 + 3
        for found in seen:
            assert "ix_consent_log_site_time" in found and "TEMP B-TREE" not in found, found
    finally:
        log.dispose()
