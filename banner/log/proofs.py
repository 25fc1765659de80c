"""Inclusion and consistency proofs as the HTTP routes and proof bundles give them.

An inclusion proof answers for every decision of one consent id on one site
(its rows that have not been purged), against one signed head that covers
them all; a consistency proof links two sizes that both have signed heads.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from banner.log import heads, tree
from banner.log.heads import HeadKeeper
from banner.log.rows import decision as _decision
from banner.log.schema import consent_log


class BadProofRequest(ValueError):
    """A proof asked with a value it cannot have; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def logged_rows(conn: sa.Connection, site: str, consent_id: str) -> list[tuple[int, bytes]]:
    """``(log_index, leaf bytes)`` of every numbered row of ``consent_id`` on ``site``."""
    # By consent id, then row_id (the order of log_index within a site): the
    # consent id's index, never a walk along the site's log.
    query = (
        sa.select(consent_log)
        .where(consent_log.c.consent_id == consent_id, consent_log.c.site == site)
        .order_by(consent_log.c.consent_id, consent_log.c.row_id)
    )
    return [
        (int(row.log_index), tree.leaf_bytes(_decision(row), int(row.log_index)))
        for row in conn.execute(query)
        if row.log_index is not None
    ]


def inclusion_document(
    engine: Engine, keeper: HeadKeeper, site: str, consent_id: str
) -> dict[str, Any] | None:
    """``{"head", "entries": [{"log_index", "leaf", "audit_path"}]}``, ``None`` for no rows."""
    with engine.connect() as conn:
        rows = logged_rows(conn, site, consent_id)
    if not rows:
        return None
    head = keeper.covering(site, rows[-1][0] + 1)
    with engine.connect() as conn:
        entries = [
            {
                "log_index": index,
                "leaf": leaf.decode("utf-8"),
                "audit_path": [h.hex() for h in tree.inclusion(conn, site, index, head.tree_size)],
            }
            for index, leaf in rows
        ]
    return {"head": head.as_json(), "entries": entries}


def consistency_document(engine: Engine, site: str, first: int, second: int) -> dict[str, Any]:
    """``{"first", "second", "proof"}`` between two sizes with signed heads.

    :raises BadProofRequest: naming ``first`` or ``second``.
    """
    if first < 1:
        raise BadProofRequest("first", "first must be 1 or more")
    if second < first:
        raise BadProofRequest("second", "second must not be smaller than first")
    with engine.connect() as conn:
        for name, size in (("first", first), ("second", second)):
            if heads.at_size(conn, site, size) is None:
                raise BadProofRequest(name, f"no signed head of tree size {size}")
        proof = tree.consistency(conn, site, first, second) if first < second else []
    return {"first": first, "second": second, "proof": [h.hex() for h in proof]}
