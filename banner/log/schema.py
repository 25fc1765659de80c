"""The consent database's tables, and the steps that bring an older one up to date.

Every table lives here, so ``create_all`` makes a new database complete in one
go. An existing database carries its version in ``banner_schema``; each step
of :data:`MIGRATIONS` takes it one version further, in the same transaction as
the start-up that runs it.

To change the schema: add the table or column here, raise
:data:`SCHEMA_VERSION`, and add the step that turns the previous version into
this one (``ALTER TABLE``, new indexes). New tables need no step: ``create_all``
adds missing tables to an existing database.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

import sqlalchemy as sa

SCHEMA_VERSION = 4

metadata = sa.MetaData()

schema_table = sa.Table(
    "banner_schema",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

consent_log = sa.Table(
    "consent_log",
    metadata,
    sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("consent_id", sa.String(64), nullable=False),
    sa.Column("site", sa.String(40), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("granted", sa.Text, nullable=False),
    sa.Column("denied", sa.Text, nullable=False),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("page_origin", sa.String(255), nullable=False),
    sa.Column("page_path", sa.String(512), nullable=False),
    sa.Column("gpc", sa.Boolean, nullable=False),
    sa.Column("ip_masked", sa.String(64), nullable=False),
    sa.Column("user_agent", sa.String(255), nullable=False),
    # version 2: the visitor ticked "18 or older, or a guardian agrees" (UU PDP Pasal 25)
    sa.Column("age_confirmed", sa.Boolean, nullable=False, server_default=sa.false()),
    # version 4: SHA-256 (hex) of the client's retry_key that wrote the row, "" for none;
    # only a retry carrying that key (or the id's current token) gets a token again
    sa.Column("retry_key_hash", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_consent_log_consent", "consent_id", "row_id"),
    sa.Index("ix_consent_log_site_time", "site", "recorded_at"),
    # The dashboard's day-by-action counts read only this index (schema step 3).
    sa.Index("ix_consent_log_site_time_action", "site", "recorded_at", "action", "consent_id"),
)

#: Reports of ``banner scan --save``, newest per site read by the dashboard.
scan_reports = sa.Table(
    "scan_reports",
    metadata,
    sa.Column("scan_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(40), nullable=False),
    sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("violations", sa.Integer, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Index("ix_scan_reports_site", "site", "scan_id"),
)


def _add_age_confirmed(conn: sa.Connection) -> None:
    """Version 2: ``consent_log.age_confirmed``, false for every earlier row."""
    if any(c["name"] == "age_confirmed" for c in sa.inspect(conn).get_columns("consent_log")):
        return  # steps are idempotent: a half-migrated database finishes cleanly
    conn.execute(
        sa.text("ALTER TABLE consent_log ADD COLUMN age_confirmed BOOLEAN NOT NULL DEFAULT false")
    )


#: Every distinct notice document shown to visitors, once, under the hash the
#: consent log's ``text_hash`` carries (:mod:`banner.log.notices`).
notices = sa.Table(
    "notices",
    metadata,
    sa.Column("hash", sa.String(64), primary_key=True),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)

#: Dashboard accounts (``banner admin create-user``): a scrypt hash, never a password.
admin_users = sa.Table(
    "admin_users",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    #: space-separated site ids this account may see; empty for every site
    sa.Column("sites", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,  # a deleted account's id is never given again
)

#: When each signing key was first seen, by a fingerprint (a hash, never the key).
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
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


#: version -> the step that makes the previous version into it.
MIGRATIONS: Mapping[int, Callable[[sa.Connection], None]] = {
    2: _add_age_confirmed,
    3: _step_3_dashboard_index,
    4: _step_4_retry_key_hash,
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
