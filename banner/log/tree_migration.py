"""Schema step 4 (issue 22): a tree for the decisions logged before there were trees.

Rows without a ``log_index`` are numbered per site in recorded order
(``row_id``), in chunks, each one appended to the site's tree exactly as a
new decision would be. The first signed head is made at the next start-up,
when the signing key is known (:meth:`banner.log.heads.HeadKeeper.cover_all`).
"""

from __future__ import annotations

import sqlalchemy as sa

from banner.log import tree
from banner.log.rows import decision as _decision
from banner.log.schema import consent_log, log_nodes, log_numbering, log_state

#: Rows numbered per statement.
CHUNK = 2000


def number_existing_rows(conn: sa.Connection) -> int:
    """Give every row without a ``log_index`` its index and leaf; return how many."""
    unnumbered = consent_log.c.log_index.is_(None)
    sites = conn.execute(sa.select(consent_log.c.site).where(unnumbered).distinct()).scalars()
    return sum(_number_site(conn, site) for site in sorted(sites))


def _number_site(conn: sa.Connection, site: str) -> int:
    _continue_numbering(conn, site)
    done = 0
    query = (
        sa.select(consent_log)
        .where(consent_log.c.site == site, consent_log.c.log_index.is_(None))
        .order_by(consent_log.c.row_id)
        .limit(CHUNK)
    )
    update = (
        consent_log.update()
        .where(consent_log.c.row_id == sa.bindparam("rid"))
        .values(log_index=sa.bindparam("ix"), leaf_hash=sa.bindparam("leaf"))
    )
    while rows := conn.execute(query).all():
        placed = tree.assign(conn, site, [_decision(row) for row in rows])
        values = [
            {"rid": row.row_id, "ix": index, "leaf": leaf.hex()}
            for row, (index, leaf) in zip(rows, placed, strict=True)
        ]
        conn.execute(update, values)
        done += len(rows)
    tree.build_all(conn, site)
    return done


def _continue_numbering(conn: sa.Connection, site: str) -> None:
    """Unnumbered rows follow the last index the site's rows or leaves hold (0 for none)."""
    last_row = sa.select(sa.func.max(consent_log.c.log_index)).where(consent_log.c.site == site)
    last_leaf = sa.select(sa.func.max(log_nodes.c.last_leaf)).where(
        log_nodes.c.site == site, log_nodes.c.level == 0
    )
    built = sa.select(log_state.c.tree_size).where(log_state.c.site == site)
    found = [conn.execute(q).scalar() for q in (last_row, last_leaf)]
    start = max(
        [int(n) + 1 for n in found if n is not None] + [int(conn.execute(built).scalar() or 0)]
    )
    conn.execute(log_numbering.delete().where(log_numbering.c.site == site))
    conn.execute(log_numbering.insert().values(site=site, size=start))
