"""The steps that bring an older consent database up to the current schema.

Each step of :data:`MIGRATIONS` takes the database one version further, in the
same transaction as the start-up that runs it; every step is idempotent, so a
half-migrated database finishes cleanly.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import sqlalchemy as sa

from banner.log.schema import SCHEMA_VERSION, consent_log, metadata, rollup_zones, schema_table
from banner.log.tree_migration import number_existing_rows


def _add_age_confirmed(conn: sa.Connection) -> None:
    """Version 2: ``consent_log.age_confirmed``, false for every earlier row."""
    if any(c["name"] == "age_confirmed" for c in sa.inspect(conn).get_columns("consent_log")):
        return  # steps are idempotent: a half-migrated database finishes cleanly
    conn.execute(
        sa.text("ALTER TABLE consent_log ADD COLUMN age_confirmed BOOLEAN NOT NULL DEFAULT false")
    )


def _step_3_dashboard_index(conn: sa.Connection) -> None:
    """The covering index of the dashboard's day-by-action counts (independent of step 2)."""
    index = next(i for i in consent_log.indexes if i.name == "ix_consent_log_site_time_action")
    index.create(conn, checkfirst=True)


def _step_4_retry_key_hash(conn: sa.Connection) -> None:
    """Version 4: ``consent_log.retry_key_hash``, empty for every earlier row.

    An earlier row has no retry key, so only its current token can get a
    token for its consent id again (issue 26).
    """
    if any(c["name"] == "retry_key_hash" for c in sa.inspect(conn).get_columns("consent_log")):
        return
    conn.execute(
        sa.text("ALTER TABLE consent_log ADD COLUMN retry_key_hash VARCHAR(64) NOT NULL DEFAULT ''")
    )


def _step_log_tree(conn: sa.Connection) -> None:
    """Version 5 (issue 22): ``log_index`` and leaves for every row, in recorded order.

    Needs only the tree's tables (made by ``create_all``) and the columns it
    adds itself, so it may run after any other step.
    """
    columns = {c["name"] for c in sa.inspect(conn).get_columns("consent_log")}
    for name, kind in (("log_index", "BIGINT"), ("leaf_hash", "VARCHAR(64)")):
        if name not in columns:
            conn.execute(sa.text(f"ALTER TABLE consent_log ADD COLUMN {name} {kind}"))
    index = next(i for i in consent_log.indexes if i.name == "ix_consent_log_site_index")
    index.create(conn, checkfirst=True)
    number_existing_rows(conn)


def _step_6_rollups(conn: sa.Connection) -> None:
    """Version 6 (issue 24): daily roll-ups for the rows logged before them.

    ``create_all`` made the tables. The counting needs each site's time zone,
    which only the config knows: this step forgets any roll-up's zone, so the
    same start-up rebuilds every site from its rows right after the schema, in
    the config's zones (:func:`banner.log.rollups.ensure`, called wherever the
    log is opened with a config).
    """
    conn.execute(rollup_zones.delete())


#: version -> the step that makes the previous version into it.
MIGRATIONS: Mapping[int, Callable[[sa.Connection], None]] = {
    2: _add_age_confirmed,
    3: _step_3_dashboard_index,
    4: _step_4_retry_key_hash,
    5: _step_log_tree,
    6: _step_6_rollups,
}


def current_version(conn: sa.Connection) -> int | None:
    """The schema version recorded in the database, ``None`` before the first start."""
    return conn.execute(sa.select(sa.func.max(schema_table.c.version))).scalar()


def migrate(conn: sa.Connection) -> None:
    """Create what is missing and run every step newer than the database's version."""
    if conn.dialect.name == "postgresql":
        # Instances starting together take turns; the first one does the work.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(b"schema")})
    fresh = not sa.inspect(conn).has_table(schema_table.name)
    metadata.create_all(conn)
    version = None if fresh else current_version(conn)
    if version is None:
        conn.execute(schema_table.insert().values(version=SCHEMA_VERSION))
        return
    for step in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[step](conn)
    if version < SCHEMA_VERSION:
        conn.execute(schema_table.update().values(version=SCHEMA_VERSION))
