"""The consent database's tables and its schema version.

Every table lives here, so ``create_all`` makes a new database complete in one
go. An existing database carries its version in ``banner_schema``; the steps
that bring an older one up to date are in :mod:`banner.log.migrations`.

To change the schema: add the table or column here, raise
:data:`SCHEMA_VERSION`, and add the step that turns the previous version into
this one in :mod:`banner.log.migrations` (``ALTER TABLE``, new indexes). New
tables need no step: ``create_all`` adds missing tables to an existing database.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 6

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
    # version 5 (issue 22): place in the site's Merkle tree, and SHA-256(0x00 || leaf) in hex
    sa.Column("log_index", sa.BigInteger, nullable=True),
    sa.Column("leaf_hash", sa.String(64), nullable=True),
    sa.Index("ix_consent_log_consent", "consent_id", "row_id"),
    sa.Index("ix_consent_log_site_index", "site", "log_index", unique=True),
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

#: Dashboard sessions (issue 26): the cookie holds a random id; only its SHA-256
#: is kept here, so logging out (deleting the row) ends a copied cookie too.
admin_sessions = sa.Table(
    "admin_sessions",
    metadata,
    sa.Column("session_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False),
    #: the account's password stamp at login: a new password ends the session
    sa.Column("stamp", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_admin_sessions_user", "user_id"),
)

#: When each signing key was first seen, by a fingerprint (a hash, never the key).
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)


#: The Merkle tree of each site's decisions (issue 22, :mod:`banner.log.tree`):
#: every complete subtree, level L and index i covering leaves
#: [i * 2**L, (i + 1) * 2**L). Level 0 are the leaf hashes, about as many
#: nodes again above them. Leaves outlive their rows: ``banner log purge``
#: deletes a decision but keeps its leaf (and notes when, in ``purged_at``),
#: so the tree and every proof still verify.
#: Keyed by the last leaf a node covers, ``(idx + 1) * 2**level - 1``: the
#: nodes one batch makes sit side by side at the end of the key, so a commit
#: touches one or two pages (and on SQLite the table is that key alone).
log_nodes = sa.Table(
    "log_nodes",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("last_leaf", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("level", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
    sqlite_with_rowid=False,
)

#: Per site: how many leaves the nodes of ``log_nodes`` cover (the built
#: tree), and the roots of its complete subtrees (hex, left to right) from
#: which the next node and the root are computed. Written when a head is made
#: (:func:`banner.log.tree.build`), never by the write of a decision.
log_state = sa.Table(
    "log_state",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.Text, nullable=False),
)

#: Signed tree heads; ``timestamp`` is the exact RFC 3339 text that was signed.
log_heads = sa.Table(
    "log_heads",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.String(64), nullable=False),
    sa.Column("timestamp", sa.String(32), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
)

#: The public part of every log signing key that signed a head, by key id.
#: ``private_key`` is set only for the key generated when ``[banner]
#: log_key_file`` is not configured (demo, tests; see :mod:`banner.log.signing`).
log_keys = sa.Table(
    "log_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("private_key", sa.Text, nullable=True),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
)

#: Daily roll-ups (issue 24, :mod:`banner.log.rollups`): per site and local day,
#: ``kind`` "action" (``name`` the action), "granted" (``name`` the category:
#: visitors whose last decision of the day granted it) or "visitors" (``name`` "").
rollup_days = sa.Table(
    "rollup_days",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("n", sa.BigInteger, nullable=False),
)

#: The zone each site's roll-ups are counted in; a site without a row has none yet.
rollup_zones = sa.Table(
    "rollup_zones",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("zone", sa.String(64), nullable=False),
)

#: Webhook events waiting, delivered or given up (issue 25, :mod:`banner.log.outbox`).
#: One row per (decision, webhook that wants its event), written in the
#: decision's own transaction, keyed by the decision's place in its site's log
#: (so a commit appends to one page). The body is built from the decision's row
#: when sent; per (site, webhook, consent id) rows go out in ``log_index``
#: order, found through ``consent_log``'s consent-id index. ``lease`` and
#: ``lease_until`` mark the instance sending it, so several instances never
#: send one event at once. Only waiting events are in the due index.
webhook_outbox = sa.Table(
    "webhook_outbox",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("log_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("webhook", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("consent_id", sa.String(64), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    #: when its current 24 hours of tries began (creation, or the last retry or replay)
    sa.Column("tries_since", sa.DateTime(timezone=True), nullable=False),
    #: ``pending``, ``delivered`` or ``failed`` (given up after 24 hours)
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("lease", sa.String(32), nullable=True),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    #: the last answer: an HTTP status or what went wrong, for ``banner webhooks list``
    sa.Column("last_result", sa.String(200), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index(
        "ix_webhook_outbox_due",
        "next_at",
        sqlite_where=sa.text("state = 'pending'"),
        postgresql_where=sa.text("state = 'pending'"),
    ),
    sqlite_with_rowid=False,
)

#: Which consent ids a signed-in subject decided on (issue 25, :mod:`banner.log.subjects`).
#: ``subject`` is a keyed hash of the site's user id, never the id itself; a consent
#: id belongs to one subject at a time. ``banner log forget-subject`` deletes the
#: rows; the decisions stay as proof under their consent ids.
subject_links = sa.Table(
    "subject_links",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("consent_id", sa.String(64), primary_key=True),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_subject_links_subject", "site", "subject"),
)

#: Subjects forgotten lately, so a subject token issued before the erasure
#: (still within its 10 minutes) links nothing again. Kept about a token's life.
subject_forgotten = sa.Table(
    "subject_forgotten",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("subject", sa.String(64), primary_key=True),
    sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
)

#: Per site: how many ``log_index`` values its decisions were given. The one
#: row a write of decisions updates (``size = size + n``, which also takes the
#: site's write lock until the commit); the tree is built up to it later
#: (:func:`banner.log.tree.build`). A site without a row here was numbered
#: before this table (schema 5): its count is ``log_state.tree_size``.
log_numbering = sa.Table(
    "log_numbering",
    metadata,
    sa.Column("site", sa.String(40), primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
)
