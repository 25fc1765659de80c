"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: pure functions.

Hashes are SHA-256: a leaf is ``SHA-256(0x00 || leaf bytes)``, an interior
node ``SHA-256(0x01 || left || right)``, and the Merkle Tree Hash of an empty
list ``SHA-256("")`` (RFC 9162 §2.1.1).

The consent log stores the hash of every *complete* subtree it has built: a
node of level ``L`` and index ``i`` covers leaves ``[i * 2**L, (i + 1) * 2**L)``
(level 0 are the leaves). Every range that the proofs of §2.1.3 and §2.1.4
need is the concatenation of a few such nodes (:func:`peaks`), so a proof
costs O(log n) stored hashes, never a walk over the log.

Proofs are built in two passes so the storage can answer in one query: the
ranges a proof needs (:func:`inclusion_ranges`, :func:`consistency_ranges`),
then their hashes from the stored nodes (:func:`range_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

#: ``(level, index)`` of a stored complete subtree.
NodeKey = tuple[int, int]
#: ``[start, end)`` of the leaves a hash covers.
Range = tuple[int, int]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` > 1): RFC 9162's ``k``."""
    return 1 << ((size - 1).bit_length() - 1)


# --- building: the frontier of complete subtrees --------------------------------


def push(frontier: list[bytes], size: int, leaf: bytes) -> list[tuple[NodeKey, bytes]]:
    """Append leaf hash ``leaf`` as leaf number ``size``; return the nodes it completes.

    ``frontier`` holds the roots of the complete subtrees of the tree of
    ``size`` leaves, left to right (one per set bit of ``size``), and is
    updated in place. Amortised, one node per leaf.
    """
    made: list[tuple[NodeKey, bytes]] = []
    current, level = leaf, 0
    while size >> level & 1:
        current = node_hash(frontier.pop(), current)
        level += 1
        made.append(((level, size >> level), current))
    frontier.append(current)
    return made


def root(frontier: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the tree whose frontier is ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    result = frontier[-1]
    for peak in reversed(frontier[:-1]):
        result = node_hash(peak, result)
    return result


def frontier_keys(size: int) -> list[NodeKey]:
    """The stored nodes that make the frontier of a tree of ``size`` leaves."""
    return peaks(0, size)


# --- proofs: which ranges, then their hashes ------------------------------------


def peaks(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees that make ``[start, end)``, left to right."""
    keys: list[NodeKey] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def range_hash(start: int, end: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH of leaves ``[start, end)`` from stored nodes (a range of a proof, never empty)."""
    return root([nodes[key] for key in peaks(start, end)])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes make PATH(index, D[0:size]) (§2.1.3.1), leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    found: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            found.append((start + k, end))
            end = start + k
        else:
            found.append((start, start + k))
            start += k
    return found[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes make PROOF(first, D[0:second]) (§2.1.4.1), in proof order."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    found: list[Range] = []
    start, end, complete = 0, second, True
    m = first
    while m != end - start:
        k = split(end - start)
        if m <= k:
            found.append((start + k, end))
            end = start + k
        else:
            found.append((start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        found.append((start, end))
    return found[::-1]


def needed(ranges: Iterable[Range]) -> set[NodeKey]:
    """Every stored node the hashes of ``ranges`` are made of."""
    return {key for start, end in ranges for key in peaks(start, end)}


def proof(
    ranges: Sequence[Range], lookup: Callable[[set[NodeKey]], Mapping[NodeKey, bytes]]
) -> list[bytes]:
    """The hashes of ``ranges``, the stored nodes fetched at once by ``lookup``."""
    nodes = lookup(needed(ranges))
    return [range_hash(start, end, nodes) for start, end in ranges]


# --- checking (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion proof leads to, or ``None`` when it cannot be one (§2.1.3.2)."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def consistent(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """Whether ``path`` proves tree ``second`` extends tree ``first`` (§2.1.4.2)."""
    if first == second:
        return not path and first_root == second_root
    if not 0 < first < second or not path:
        return False
    nodes = list(path)
    if first & (first - 1) == 0:  # a power of two: first_root is the first node
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
