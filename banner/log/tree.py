"""Each site's decisions as an RFC 9162 Merkle tree, kept in the database.

A decision gets the next ``log_index`` of its site and a leaf: its JSON Lines
export object plus ``log_index`` and ``notice_hash``, in canonical JSON
(:func:`leaf_bytes`). Numbering happens inside the transaction that inserts
the rows, under the site's write lock (the row of ``log_numbering`` that the
one numbering statement updates; SQLite's ``BEGIN IMMEDIATE`` already
serialises writers), so indices have no gaps and no duplicates across
instances. The row stores its leaf hash; that is all a decision's write pays.

The tree is built from those leaf hashes when a head is made (:func:`build`,
called by :mod:`banner.log.heads`, the purge and the migration): O(log n) per
build and amortised one node per leaf. The site's frontier (the roots of its
complete subtrees) lives in ``log_state``, every leaf hash and every complete
subtree in ``log_nodes``. A proof reads O(log n) stored hashes in one query
(:mod:`banner.log.merkle`); proofs are made against signed heads, so only
against built trees.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from banner.log import merkle
from banner.log.direct import Direct
from banner.log.merkle import NodeKey
from banner.log.schema import consent_log, log_nodes, log_numbering, log_state

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


#: A leaf's bytes before and after its ``log_index`` digits.
LeafParts = tuple[bytes, bytes]
_INDEX_KEY = b'"log_index":'


def leaf_parts(decision: Decision) -> LeafParts:
    """The leaf of ``decision`` around its index, made before the index is known.

    The first ``"log_index":0,`` of the canonical bytes is the key itself: a
    quote inside a string value is escaped, so no value can hold that text.
    """
    before, after = canonical_bytes(leaf_document(decision, 0)).split(_INDEX_KEY + b"0,", 1)
    return before + _INDEX_KEY, b"," + after


#: Leaf parts made ahead, by ``id()`` of their decision (kept alive with them).
Prepared = dict[int, tuple["Decision", LeafParts]]


def prepare(decisions: Iterable[Decision]) -> Prepared:
    """The leaf parts of ``decisions``: JSON work done before the write lock."""
    return {id(decision): (decision, leaf_parts(decision)) for decision in decisions}


def append(
    conn: sa.Connection,
    decisions: Sequence[Decision],
    rows: list[dict[str, Any]],
    prepared: Prepared | None = None,
) -> None:
    """Number ``decisions`` (in order, per site) and give each its leaf hash.

    ``rows`` are the ``consent_log`` values of ``decisions`` (same order); each
    gets its ``log_index`` and ``leaf_hash``. Call inside the inserting
    transaction; ``prepared`` (:func:`prepare`, before it) saves the JSON work there.
    """
    for site in sorted({d.site for d in decisions}):
        mine = [i for i, d in enumerate(decisions) if d.site == site]
        parts = [_parts_of(decisions[i], prepared) for i in mine]
        placed = assign(conn, site, parts)
        for i, (log_index, leaf) in zip(mine, placed, strict=True):
            rows[i]["log_index"], rows[i]["leaf_hash"] = log_index, leaf.hex()


def _parts_of(decision: Decision, prepared: Prepared | None) -> LeafParts:
    found = None if prepared is None else prepared.get(id(decision))
    # an amended decision is another object: its parts are made now
    return found[1] if found is not None and found[0] is decision else leaf_parts(decision)


def assign(
    conn: sa.Connection, site: str, decisions: Sequence[Decision | LeafParts]
) -> list[tuple[int, bytes]]:
    """Give ``decisions`` of ``site`` the next indices; return each index and leaf hash.

    One statement, ``UPDATE log_numbering SET size = size + n ... RETURNING
    size``: it takes the site's write lock (the row's, until the commit, on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the file), so indices have
    no gaps and no duplicates across processes, and a rolled back batch
    gives its numbers back. The tree's nodes are made from the stored leaf
    hashes when a head is made (:func:`build`), outside the write of a decision.
    """
    if not decisions:
        return []
    parts = [d if isinstance(d, tuple) else leaf_parts(d) for d in decisions]
    end = _bump(conn, site, len(parts))
    first = end - len(parts)
    return [
        (first + n, merkle.leaf_hash(before + str(first + n).encode() + after))
        for n, (before, after) in enumerate(parts)
    ]


#: The numbering of a batch: built and compiled once (run on every batch).
_BUMP = Direct(
    log_numbering.update()
    .where(log_numbering.c.site == sa.bindparam("numbered_site"))
    .values(size=log_numbering.c.size + sa.bindparam("count", type_=sa.BigInteger))
    .returning(log_numbering.c.size)
)


def _bump(conn: sa.Connection, site: str, count: int) -> int:
    """Add ``count`` to the site's numbering; the new size."""
    values = {"numbered_site": site, "count": count}
    size = _BUMP.run(conn, values).scalar()
    if size is not None:
        return int(size)
    # The site's first decision here: its numbering starts where schema 5 left it.
    _lock_site(conn, site)  # another process may be starting it too
    size = _BUMP.run(conn, values).scalar()
    if size is not None:
        return int(size)
    state = sa.select(log_state.c.tree_size).where(log_state.c.site == site)
    start = int(conn.execute(state).scalar() or 0)
    conn.execute(log_numbering.insert().values(site=site, size=start + count))
    return start + count


def _lock_site(conn: sa.Connection, site: str) -> None:
    """PostgreSQL: the site's tree lock until the transaction ends (SQLite holds the file)."""
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(site.encode()) - 2**31
        lock = sa.text("SELECT pg_advisory_xact_lock(:a, :b)")
        conn.execute(lock, {"a": _PG_TREE_LOCK, "b": key})


def lock_writes(conn: sa.Connection, site: str) -> None:
    """Hold the site's write lock until the transaction ends: no decision of it commits.

    PostgreSQL: its numbering row (what every write updates), or, before the
    site's first numbered decision, the advisory lock a first write takes;
    SQLite's ``BEGIN IMMEDIATE`` already holds the file.
    """
    if conn.dialect.name != "postgresql":
        return
    if _LOCK_NUMBERING.run(conn, {"locked_site": site}).first() is None:
        _lock_site(conn, site)
        _LOCK_NUMBERING.run(conn, {"locked_site": site}).first()  # a first write made it?


#: The numbering row of a site, locked (built and compiled once: every batch runs it).
_LOCK_NUMBERING = Direct(
    sa.select(log_numbering.c.size)
    .where(log_numbering.c.site == sa.bindparam("locked_site"))
    .with_for_update()
)


def lock_sites(conn: sa.Connection, sites: Iterable[str]) -> None:
    """:func:`lock_writes` of each of ``sites``, in one fixed order (no deadlock).

    Every writer takes these before any consent id's lock, so a batch can
    take its sites' locks first and then add the decisions that arrived while
    it waited for them.
    """
    for site in sorted(set(sites)):
        lock_writes(conn, site)


def numbered(conn: sa.Connection, site: str) -> int:
    """How many indices the site's decisions were given (committed ones, on PostgreSQL)."""
    query = sa.select(log_numbering.c.size).where(log_numbering.c.site == site)
    size = conn.execute(query).scalar()
    return read_state(conn, site)[0] if size is None else int(size)


#: Leaves added to a tree per call of :func:`build` (one transaction each).
BUILD_CHUNK = 1024


def build(conn: sa.Connection, site: str, limit: int = BUILD_CHUNK) -> bool:
    """Add up to ``limit`` numbered leaves to the site's stored tree; True when it is complete.

    Reads the leaf hashes the decisions were stored with, in ``log_index``
    order, and stores each leaf and every complete subtree it closes, and the
    new frontier: O(log n) per batch, amortised one node per leaf. Builders
    take turns on the site's state row. A missing row (deleted) stops the
    tree before it: ``banner log verify`` names it.
    """
    size, frontier, known = locked_state(conn, site)
    target = min(numbered(conn, site), size + limit)
    if target <= size:
        return True
    query = (
        sa.select(consent_log.c.log_index, consent_log.c.leaf_hash)
        .where(consent_log.c.site == site)
        .where(consent_log.c.log_index >= size, consent_log.c.log_index < target)
        .order_by(consent_log.c.log_index)
    )
    nodes: list[tuple[NodeKey, bytes]] = []
    start = size
    for log_index, leaf_hex in conn.execute(query):
        if log_index != size or leaf_hex is None:
            break
        leaf = bytes.fromhex(leaf_hex)
        nodes += [((0, size), leaf), *merkle.push(frontier, size, leaf)]
        size += 1
    if size == start:
        return True
    # Thousands of rows of plain values: straight to the driver (Core's per-row
    # processing cost more than the hashing).
    marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * 5)
    conn.exec_driver_sql(
        f"INSERT INTO log_nodes (site, last_leaf, level, idx, hash) VALUES ({marks})",
        [(site, last_leaf(lv, ix), lv, ix, h) for (lv, ix), h in nodes],
    )
    values = {"tree_size": size, "frontier": " ".join(h.hex() for h in frontier)}
    if known:
        conn.execute(log_state.update().where(log_state.c.site == site).values(**values))
    else:
        conn.execute(log_state.insert().values(site=site, **values))
    return size >= numbered(conn, site)


def catch_up(engine: Engine, site: str) -> None:
    """Build the site's whole tree, a chunk per transaction (writers wait one chunk at most)."""
    built = False
    while not built:
        with engine.begin() as conn:
            built = build(conn, site)


def build_all(conn: sa.Connection, site: str) -> None:
    """Build the site's whole tree in the caller's transaction (migration, purge)."""
    while not build(conn, site):
        pass


def locked_state(conn: sa.Connection, site: str) -> tuple[int, list[bytes], bool]:
    """The site's built size and frontier, held until the transaction ends.

    PostgreSQL: the state row's lock (one statement), or, before the site's
    first build, an advisory lock; SQLite's ``BEGIN IMMEDIATE`` holds the file.
    The last value says whether the state row exists.
    """
    query = sa.select(log_state.c.tree_size, log_state.c.frontier).where(log_state.c.site == site)
    postgres = conn.dialect.name == "postgresql"
    row = conn.execute(query.with_for_update() if postgres else query).first()
    if row is None and postgres:
        _lock_site(conn, site)
        row = conn.execute(query.with_for_update()).first()  # another may have begun it
    if row is None:
        return 0, [], False
    return int(row.tree_size), [bytes.fromhex(h) for h in row.frontier.split()], True


def last_leaf(level: int, idx: int) -> int:
    """The last leaf under node ``(level, idx)``: the first part of its key."""
    return ((idx + 1) << level) - 1


def read_state(conn: sa.Connection, site: str) -> tuple[int, list[bytes]]:
    """The size and frontier of the site's built tree (``0, []`` before any), without a lock."""
    query = sa.select(log_state.c.tree_size, log_state.c.frontier).where(log_state.c.site == site)
    row = conn.execute(query).first()
    if row is None:
        return 0, []
    return int(row.tree_size), [bytes.fromhex(h) for h in row.frontier.split()]


def sites(conn: sa.Connection) -> list[str]:
    """Every site that has a tree."""
    query = sa.union(sa.select(log_state.c.site), sa.select(log_numbering.c.site))
    return sorted(conn.execute(query).scalars())


def lookup(conn: sa.Connection, site: str, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """The stored hashes of the complete subtrees ``keys`` (level 0: leaves), in one query."""
    by_level: dict[int, set[int]] = {}
    for level, idx in keys:
        by_level.setdefault(level, set()).add(idx)
    if not by_level:
        return {}
    # One SELECT per level, joined by UNION ALL: each walks the primary key
    # (an OR of them makes SQLite scan the site's whole tree).
    per_level = [
        sa.select(log_nodes.c.level, log_nodes.c.idx, log_nodes.c.hash).where(
            log_nodes.c.site == site,
            log_nodes.c.last_leaf.in_(sorted(last_leaf(level, idx) for idx in ids)),
            log_nodes.c.level == level,
        )
        for level, ids in sorted(by_level.items())
    ]
    query = per_level[0] if len(per_level) == 1 else sa.union_all(*per_level)
    found = {(int(r.level), int(r.idx)): bytes(r.hash) for r in conn.execute(query)}
    missing = {(lv, ix) for lv, ids in by_level.items() for ix in ids} - found.keys()
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
