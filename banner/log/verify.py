"""``banner log verify``: the stored log recomputed, leaf by leaf, head by head.

For each site every row is turned back into its leaf and compared with the
tree's leaf at its ``log_index``; every leaf is pushed through a frontier of
our own, so the root at every signed head's size is recomputed (and the
stored nodes that proofs are made of are compared with the recomputed ones);
every head's signature is checked with the key its ``key_id`` names; every
archived notice must still hash to its name. A head kept elsewhere (``--head
FILE``) is checked through a consistency proof to the newest stored head.

Problems are reported in ``log_index`` order: the first one names where the
log was changed, deleted, inserted or moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from banner.log import heads, merkle, tree
from banner.log.heads import SignedHead
from banner.log.merkle import NodeKey
from banner.log.rows import decision as _decision
from banner.log.schema import consent_log, log_nodes, notices
from banner.log.signing import public_keys

#: Leaves whose recomputed nodes are compared with the stored ones at a time.
NODE_CHUNK = 4096


@dataclass
class SiteReport:
    """What verifying one site found."""

    site: str
    decisions: int = 0
    heads: int = 0
    purged: int = 0
    #: ``(log_index, text)``, in index order; index -1 for what has none
    problems: list[tuple[int, str]] = field(default_factory=list)

    def fail(self, index: int, text: str) -> None:
        self.problems.append((index, text))

    @property
    def first_problem(self) -> str | None:
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: p[0] if p[0] >= 0 else 2**63)[1]


def verify_site(conn: sa.Connection, site: str, outside: SignedHead | None = None) -> SiteReport:
    """Recompute ``site``'s log and check it against its leaves, nodes and heads."""
    report = SiteReport(site)
    keys = public_keys(conn)
    size, stored_frontier = tree.read_state(conn, site)
    signed = {h.tree_size: h for h in heads.every(conn, site)}
    report.heads = len(signed)
    for head in signed.values():
        _check_signature(report, head, keys)
        if head.tree_size > size:
            report.fail(
                head.tree_size, f"head of tree size {head.tree_size}: larger than the tree ({size})"
            )
    roots = _walk(
        conn, site, (size, tree.numbered(conn, site)), report, set(signed) | _sizes(outside)
    )
    for tree_size, head in sorted(signed.items()):
        root = roots.get(tree_size)
        if root is not None and root.hex() != head.root_hash:
            report.fail(tree_size, f"head of tree size {tree_size}: root does not match the log")
    if roots.get(size) is not None and merkle.root(stored_frontier) != roots[size]:
        report.fail(size, "the stored frontier does not match the leaves")
    _check_unnumbered(conn, site, report)
    if outside is not None:
        _check_outside(conn, report, outside, roots, signed, keys)
    return report


def _sizes(outside: SignedHead | None) -> set[int]:
    return set() if outside is None else {outside.tree_size}


def _check_signature(report: SiteReport, head: SignedHead, keys: dict[str, bytes]) -> None:
    public = keys.get(head.key_id)
    if public is None:
        report.fail(
            head.tree_size, f"head of tree size {head.tree_size}: unknown key {head.key_id}"
        )
    elif not head.verifies(public):
        report.fail(head.tree_size, f"head of tree size {head.tree_size}: bad signature")


def _walk(
    conn: sa.Connection,
    site: str,
    sizes: tuple[int, int],
    report: SiteReport,
    wanted: set[int],
) -> dict[int, bytes]:
    """Every leaf against its row; the roots at the ``wanted`` sizes.

    ``sizes``: the built tree's and the numbering's. Rows numbered after the
    built tree wait for the next head (``banner log verify`` builds first).
    """
    size, numbered = sizes
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted else {}
    frontier: list[bytes] = []
    made: dict[NodeKey, bytes] = {}
    rows = _rows(conn, site)
    row = next(rows, None)
    expected = 0
    first_use: dict[str, int] = {}
    for index, leaf, purged in _leaves(conn, site):
        if index != expected:
            report.fail(expected, f"log_index {expected}: leaf missing from the tree")
            return roots
        while row is not None and row.log_index < index:
            report.fail(int(row.log_index), f"log_index {row.log_index}: row inserted twice")
            row = next(rows, None)
        if row is not None and row.log_index == index:
            _check_row(report, row, index, leaf)
            first_use.setdefault(row.text_hash, index)
            row = next(rows, None)
        elif purged:
            report.purged += 1
        else:
            report.fail(index, f"log_index {index}: row deleted")
        made.update(merkle.push(frontier, index, leaf))
        expected = index + 1
        if expected in wanted:
            roots[expected] = merkle.root(frontier)
        if len(made) >= NODE_CHUNK:
            _check_nodes(conn, site, made, report)
    _check_nodes(conn, site, made, report)
    if expected != size:
        report.fail(expected, f"log_index {expected}: the tree has {size} leaves, found {expected}")
    while row is not None:
        if not size <= row.log_index < numbered:
            report.fail(
                int(row.log_index), f"log_index {row.log_index}: row inserted (not in the tree)"
            )
        row = next(rows, None)
    _check_notices(conn, first_use, report)
    return roots


def _check_row(report: SiteReport, row: Any, index: int, leaf: bytes) -> None:
    report.decisions += 1
    recomputed = merkle.leaf_hash(tree.leaf_bytes(_decision(row), index))
    if recomputed != leaf or row.leaf_hash != leaf.hex():
        report.fail(index, f"log_index {index}: row changed or moved (does not match its leaf)")


def _rows(conn: sa.Connection, site: str) -> Iterator[Any]:
    query = (
        sa.select(consent_log)
        .where(consent_log.c.site == site, consent_log.c.log_index.is_not(None))
        .order_by(consent_log.c.log_index, consent_log.c.row_id)
    )
    yield from conn.execution_options(yield_per=2000).execute(query)


def _leaves(conn: sa.Connection, site: str) -> Iterator[tuple[int, bytes, bool]]:
    query = (
        sa.select(log_nodes.c.idx, log_nodes.c.hash, log_nodes.c.purged_at)
        .where(log_nodes.c.site == site, log_nodes.c.level == 0)
        .order_by(log_nodes.c.last_leaf)
    )
    for index, leaf, purged in conn.execution_options(yield_per=5000).execute(query):
        yield int(index), bytes(leaf), purged is not None


def _check_nodes(
    conn: sa.Connection, site: str, made: dict[NodeKey, bytes], report: SiteReport
) -> None:
    """The stored nodes proofs are built from must be the recomputed ones."""
    if not made:
        return
    inner = {key: value for key, value in made.items() if key[0] > 0}
    made.clear()
    try:
        stored = tree.lookup(conn, site, inner)
    except LookupError:
        stored = {}
    for (level, idx), value in sorted(inner.items(), key=lambda kv: kv[0][1] << kv[0][0]):
        if stored.get((level, idx)) != value:
            first = idx << level
            report.fail(
                first, f"log_index {first}: stored tree node (level {level}) does not match"
            )
            return


def _check_notices(conn: sa.Connection, first_use: dict[str, int], report: SiteReport) -> None:
    hashes = sorted(first_use)
    for start in range(0, len(hashes), 500):
        query = sa.select(notices.c.hash, notices.c.document).where(
            notices.c.hash.in_(hashes[start : start + 500])
        )
        for name, document in conn.execute(query):
            if hashlib.sha256(document.encode("utf-8")).hexdigest() != name:
                index = first_use[name]
                report.fail(
                    index, f"log_index {index}: its archived notice {name[:12]}… was changed"
                )


def _check_unnumbered(conn: sa.Connection, site: str, report: SiteReport) -> None:
    query = sa.select(consent_log.c.row_id, consent_log.c.consent_id).where(
        consent_log.c.site == site, consent_log.c.log_index.is_(None)
    )
    for row_id, consent_id in conn.execute(query.limit(5)):
        report.fail(-1, f"row {row_id} ({consent_id}) inserted without a log_index")


def _check_outside(
    conn: sa.Connection,
    report: SiteReport,
    outside: SignedHead,
    roots: dict[int, bytes],
    signed: dict[int, SignedHead],
    keys: dict[str, bytes],
) -> None:
    """A head kept elsewhere: signed, and the stored log extends it (consistency proof)."""
    name = f"the given head (tree size {outside.tree_size})"
    _check_signature(report, outside, keys)
    newest = signed[max(signed)] if signed else None
    if outside.site != report.site or newest is None or outside.tree_size > newest.tree_size:
        report.fail(outside.tree_size, f"{name}: not a head of this log")
        return
    first, second = outside.tree_size, newest.tree_size
    try:
        path = tree.consistency(conn, report.site, first, second) if 0 < first < second else []
    except LookupError:  # stored nodes missing: reported by the walk; no proof to give
        path = []
    old_root, new_root = bytes.fromhex(outside.root_hash), bytes.fromhex(newest.root_hash)
    proven = merkle.consistent(first, second, old_root, new_root, path) if first else True
    if not proven or roots.get(first, old_root) != old_root:
        report.fail(first, f"{name}: the log was rewritten since (consistency proof fails)")


def verify(conn: sa.Connection, sites: list[str], outside: SignedHead | None) -> list[SiteReport]:
    """Reports of ``sites`` (the head kept elsewhere applies to its own site)."""
    return [
        verify_site(conn, site, outside if outside and outside.site == site else None)
        for site in sites
    ]
