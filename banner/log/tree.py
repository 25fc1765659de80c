"""Each site's decisions as an RFC 9162 Merkle tree, kept in the database.

A decision gets the next ``log_index`` of its site and a leaf: its JSON Lines
export object plus ``log_index`` and ``notice_hash``, in canonical JSON
(:func:`leaf_bytes`). Numbering happens inside the transaction that inserts
the rows, under a per-site lock (PostgreSQL: an advisory lock; SQLite's
``BEGIN IMMEDIATE`` already serialises writers), so indices have no gaps and
no duplicates across instances.

Appending costs O(log n) per batch and amortised one node per leaf: the
site's frontier (the roots of its complete subtrees) lives in ``log_state``,
every complete subtree in ``log_nodes`` and every leaf hash in
``log_leaves``. A proof reads O(log n) stored hashes in two queries
(:mod:`banner.log.merkle`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from banner.log import merkle
from banner.log.merkle import NodeKey
from banner.log.schema import log_leaves, log_nodes, log_state

if TYPE_CHECKING:
    from banner.log.rows import Decision

#: First half of the two-part PostgreSQL advisory lock key of a site's tree
#: (the one-part keys are the consent ids' locks; the two spaces never meet).
_PG_TREE_LOCK = 22


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """Sorted keys, separators ``,`` and ``:``, no ASCII escaping, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def leaf_document(decision: Decision, log_index: int) -> dict[str, Any]:
    """The export object of ``decision`` with its ``log_index`` and ``notice_hash``."""
    return {**decision.as_record(), "log_index": log_index, "notice_hash": decision.text_hash}


def leaf_bytes(decision: Decision, log_index: int) -> bytes:
    """The leaf of ``decision`` at ``log_index``: its canonical bytes."""
    return canonical_bytes(leaf_document(decision, log_index))


def append(conn: sa.Connection, decisions: Sequence[Decision], rows: list[dict[str, Any]]) -> None:
    """Number ``decisions`` (in order, per site) and add their leaves to the trees.

    ``rows`` are the ``consent_log`` values of ``decisions`` (same order); each
    gets its ``log_index`` and ``leaf_hash``. Call inside the inserting transaction.
    """
    for site in sorted({d.site for d in decisions}):
        mine = [i for i, d in enumerate(decisions) if d.site == site]
        placed = assign(conn, site, [decisions[i] for i in mine])
        for i, (log_index, leaf) in zip(mine, placed, strict=True):
            rows[i]["log_index"], rows[i]["leaf_hash"] = log_index, leaf.hex()


def assign(
    conn: sa.Connection, site: str, decisions: Sequence[Decision]
) -> list[tuple[int, bytes]]:
    """Give ``decisions`` of ``site`` the next indices; store leaves, nodes and frontier."""
    lock_site(conn, site)
    size, frontier = read_state(conn, site)
    start, placed, nodes = size, [], []
    for decision in decisions:
        leaf = merkle.leaf_hash(leaf_bytes(decision, size))
        placed.append((size, leaf))
        nodes += merkle.push(frontier, size, leaf)
        size += 1
    conn.execute(
        log_leaves.insert(), [{"site": site, "log_index": i, "leaf_hash": h} for i, h in placed]
    )
    if nodes:
        conn.execute(
            log_nodes.insert(),
            [{"site": site, "level": lv, "idx": ix, "hash": h} for (lv, ix), h in nodes],
        )
    _save_state(conn, site, start, size, frontier)
    return placed


def lock_site(conn: sa.Connection, site: str) -> None:
    """Hold the site's tree until the transaction ends (PostgreSQL; SQLite holds the file)."""
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(site.encode()) - 2**31
        conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _PG_TREE_LOCK, "b": key}
        )


def read_state(conn: sa.Connection, site: str) -> tuple[int, list[bytes]]:
    """The site's tree size and frontier (``0, []`` before its first leaf)."""
    row = conn.execute(
        sa.select(log_state.c.tree_size, log_state.c.frontier).where(log_state.c.site == site)
    ).first()
    if row is None:
        return 0, []
    return int(row.tree_size), [bytes.fromhex(h) for h in row.frontier.split()]


def _save_state(
    conn: sa.Connection, site: str, before: int, size: int, frontier: list[bytes]
) -> None:
    values = {"tree_size": size, "frontier": " ".join(h.hex() for h in frontier)}
    if before == 0 and _missing(conn, site):
        conn.execute(log_state.insert().values(site=site, **values))
    else:
        conn.execute(log_state.update().where(log_state.c.site == site).values(**values))


def _missing(conn: sa.Connection, site: str) -> bool:
    query = sa.select(log_state.c.site).where(log_state.c.site == site)
    return conn.execute(query).first() is None


def sites(conn: sa.Connection) -> list[str]:
    """Every site that has a tree."""
    return list(conn.execute(sa.select(log_state.c.site).order_by(log_state.c.site)).scalars())


def lookup(conn: sa.Connection, site: str, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """The stored hashes of the complete subtrees ``keys`` (level 0: leaves)."""
    keys = list(keys)
    found: dict[NodeKey, bytes] = {}
    leaves = [ix for lv, ix in keys if lv == 0]
    if leaves:
        query = sa.select(log_leaves.c.log_index, log_leaves.c.leaf_hash).where(
            log_leaves.c.site == site, log_leaves.c.log_index.in_(leaves)
        )
        found.update({(0, int(i)): bytes(h) for i, h in conn.execute(query)})
    inner = [key for key in keys if key[0] > 0]
    if inner:
        pair = sa.tuple_(log_nodes.c.level, log_nodes.c.idx)
        query = sa.select(log_nodes.c.level, log_nodes.c.idx, log_nodes.c.hash).where(
            log_nodes.c.site == site, pair.in_(inner)
        )
        found.update({(int(r.level), int(r.idx)): bytes(r.hash) for r in conn.execute(query)})
    missing = set(keys) - found.keys()
    if missing:
        raise LookupError(f"{site}: tree nodes missing: {sorted(missing)[:3]}")
    return found


def inclusion(conn: sa.Connection, site: str, index: int, size: int) -> list[bytes]:
    """RFC 9162 §2.1.3 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return merkle.proof(merkle.inclusion_ranges(index, size), lambda k: lookup(conn, site, k))


def consistency(conn: sa.Connection, site: str, first: int, second: int) -> list[bytes]:
    """RFC 9162 §2.1.4 consistency proof between the trees of ``first`` and ``second`` leaves."""
    ranges = merkle.consistency_ranges(first, second)
    return merkle.proof(ranges, lambda k: lookup(conn, site, k))


def root_at(conn: sa.Connection, site: str, size: int) -> bytes:
    """The Merkle Tree Hash of the first ``size`` leaves (from O(log n) stored nodes)."""
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.range_hash(0, size, lookup(conn, site, merkle.peaks(0, size)))
