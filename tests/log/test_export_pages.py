"""``banner log export`` reads keyset pages, each its own short read: flat memory, no lock held."""

from __future__ import annotations

from datetime import timedelta

import pytest

from banner.admin.reading import count_rows, export_rows
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
