"""Saved scan reports: the newest per site, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from banner.log.scans import latest_scan, save_scan
from banner.log.store import ConsentLog


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_latest_scan_is_the_newest_of_its_site(
    backend: str, database_url: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else database_url
    log = ConsentLog(url)
    log.create_schema()
    try:
        assert latest_scan(log, "tokodemo") is None
        first = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
        save_scan(log, "tokodemo", first, {"url": "https://a.test/", "violations": [1, 2]})
        second = save_scan(log, "tokodemo", first, {"url": "https://b.test/", "violations": []})
        save_scan(log, "other", first, {"url": "https://c.test/", "violations": [1]})
        found = latest_scan(log, "tokodemo")
        assert found is not None
        assert (found.scan_id, found.url, found.violations) == (second, "https://b.test/", 0)
        assert found.scanned_at == first
        assert found.report == {"url": "https://b.test/", "violations": []}
    finally:
        log.dispose()


def test_an_older_database_gains_new_tables_on_start(database_url: str) -> None:
    import sqlalchemy as sa

    from banner.log.schema import scan_reports

    log = ConsentLog(database_url)
    log.create_schema()
    with log.engine.begin() as conn:
        scan_reports.drop(conn)
    log.create_schema()
    assert sa.inspect(log.engine).has_table("scan_reports")
    log.dispose()
