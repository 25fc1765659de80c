"""Schema step 4 on a database of schema 3: rows numbered in recorded order, a first head."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from banner.log import tree
from banner.log.heads import newest
from banner.log.schema import SCHEMA_VERSION, consent_log
from banner.log.store import ConsentLog, _row_values
from banner.log.verify import verify_site
from banner.web.app import create_app
from tests.factories import make_config
from tests.log import rfc9162_verifier as rfc
from tests.log.seeding import decision

NEW_TABLES = ("log_nodes", "log_state", "log_heads", "log_keys")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    return (
        database_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    )


def _schema_3(url: str, count: int) -> None:
    """A database as schema 3 left it, ``count`` rows logged by two sites, interleaved."""
    log = ConsentLog(url)
    log.create_schema()
    with log.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_consent_log_site_index"))
        conn.execute(sa.text("ALTER TABLE consent_log DROP COLUMN leaf_hash"))
        conn.execute(sa.text("ALTER TABLE consent_log DROP COLUMN log_index"))
        for table in NEW_TABLES:
            conn.execute(sa.text(f"DROP TABLE {table}"))
        conn.execute(sa.text("UPDATE banner_schema SET version = 3"))
        old = sa.Table("consent_log", sa.MetaData(), autoload_with=conn)
        rows = [
            _row_values(decision(n, site="tokodemo" if n % 3 else "other")) for n in range(count)
        ]
        conn.execute(old.insert(), rows)
    log.dispose()


@pytest.fixture
def migrated(url: str) -> Iterator[ConsentLog]:
    _schema_3(url, 40)
    app = create_app(make_config(url))  # start-up migrates and signs the first heads
    yield app.extensions["banner"].log
    app.extensions["banner"].log.dispose()


def test_rows_get_indices_in_recorded_order_and_a_first_head(migrated: ConsentLog) -> None:
    with migrated.engine.connect() as conn:
        assert migrated.schema_version() == SCHEMA_VERSION
        query = sa.select(consent_log.c.consent_id, consent_log.c.log_index).order_by(
            consent_log.c.row_id
        )
        rows = conn.execute(query.where(consent_log.c.site == "tokodemo")).all()
        assert [r.log_index for r in rows] == list(range(len(rows))) and len(rows) == 26
        other = conn.execute(query.where(consent_log.c.site == "other")).all()
        assert [r.log_index for r in other] == list(range(14))
        head = newest(conn, "tokodemo")
        assert head is not None and head.tree_size == 26
        report = verify_site(conn, "tokodemo")
        assert (report.decisions, report.heads, report.problems) == (26, 1, [])
        numbers = [n for n in range(40) if n % 3]
        leaves = [
            rfc.canonical(
                {
                    **json.loads(json.dumps(decision(n).as_record())),
                    "log_index": i,
                    "notice_hash": decision(n).text_hash,
                }
            )
            for i, n in enumerate(numbers)
        ]
        assert head.root_hash == rfc.mth(leaves).hex()
        assert tree.read_state(conn, "other")[0] == 14


def test_new_decisions_follow_the_migrated_ones(migrated: ConsentLog) -> None:
    stored = migrated.append(decision(1000), fresh=True)
    with migrated.engine.connect() as conn:
        row = conn.execute(
            sa.select(consent_log.c.log_index).where(consent_log.c.consent_id == stored.consent_id)
        ).scalar_one()
        assert row == 26 and tree.numbered(conn, "tokodemo") == 27
        assert verify_site(conn, "tokodemo").problems == []
    tree.catch_up(migrated.engine, "tokodemo")  # as a head does: the tree takes the new leaf
    with migrated.engine.connect() as conn:
        assert tree.read_state(conn, "tokodemo")[0] == 27
        assert verify_site(conn, "tokodemo").problems == []
