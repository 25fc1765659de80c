"""The dashboard's storage: schema step 3 on an older log, signing-key fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from banner.admin.keys import fingerprint, first_seen, remember_keys
from banner.log.schema import SCHEMA_VERSION, schema_table, signing_keys
from banner.log.store import ConsentLog
from tests.factories import KEY_NEW, KEY_OLD

INDEX = "ix_consent_log_site_time_action"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    found: str = (
        request.getfixturevalue("postgres_url") if request.param == "postgres" else database_url
    )
    return found


def test_an_older_log_gains_the_dashboard_index(url: str) -> None:
    log = ConsentLog(url)
    try:
        log.create_schema()
        with log.engine.begin() as conn:
            conn.execute(sa.text(f"DROP INDEX {INDEX}"))
            conn.execute(schema_table.update().values(version=1))
        log.create_schema()
        assert log.schema_version() == SCHEMA_VERSION >= 3
        indexes = {i["name"] for i in sa.inspect(log.engine).get_indexes("consent_log")}
        assert INDEX in indexes
        log.create_schema()  # a second start changes nothing
    finally:
        log.dispose()


def test_each_key_is_remembered_once_by_fingerprint(url: str) -> None:
    log = ConsentLog(url)
    try:
        log.create_schema()
        first = datetime(2026, 1, 1, tzinfo=UTC)
        remember_keys(log, [KEY_OLD], now=first)
        remember_keys(log, [KEY_OLD, KEY_NEW], now=datetime(2026, 6, 1, tzinfo=UTC))
        remember_keys(log, [KEY_OLD, KEY_NEW], now=datetime(2026, 9, 1, tzinfo=UTC))
        assert first_seen(log, KEY_OLD) == first
        assert first_seen(log, KEY_NEW) == datetime(2026, 6, 1, tzinfo=UTC)
        assert first_seen(log, "never configured key 0123456789abcdef") is None
        with log.engine.connect() as conn:
            stored = conn.execute(sa.select(signing_keys.c.fingerprint)).scalars().all()
        assert sorted(stored) == sorted([fingerprint(KEY_OLD), fingerprint(KEY_NEW)])
        assert all(KEY_OLD not in s and KEY_NEW[:16] not in s for s in stored)
    finally:
        log.dispose()
