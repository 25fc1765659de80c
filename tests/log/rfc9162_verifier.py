"""An independent checker of banner's log, written from RFC 9162 and issue 22 alone.

It imports nothing of banner: hashes, proofs and signatures are checked here
from the RFC's text (§2.1.1 Merkle Tree Hash, §2.1.3.2 verifying an inclusion
proof, §2.1.4.2 verifying a consistency proof) and Ed25519 through the
``cryptography`` package, as a third party holding only a receipt would.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_leaf(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf)


def hash_children(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1, by its recursive definition (``leaves`` are leaf bytes)."""
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return hash_leaf(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return hash_children(mth(leaves[:k]), mth(leaves[k:]))


class Frontier:
    """MTH of a growing list without keeping it: the same value as :func:`mth`."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (size, hash) of complete subtrees

    def add(self, leaf: bytes) -> None:
        size, value = 1, hash_leaf(leaf)
        while self.stack and self.stack[-1][0] == size:
            value = hash_children(self.stack.pop()[1], value)
            size *= 2
        self.stack.append((size, value))

    def root(self) -> bytes:
        if not self.stack:
            return sha256(b"")
        value = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            value = hash_children(left, value)
        return value


def inclusion_ok(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes
) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if leaf_index >= tree_size:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = hash_leaf(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hash_children(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            r = hash_children(r, p)
        fn //= 2
        sn //= 2
    return sn == 0 and r == root_hash


def consistency_ok(
    first: int, second: int, first_hash: bytes, second_hash: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, step by step (equal sizes: an empty proof, equal roots)."""
    if first == second:
        return len(path) == 0 and first_hash == second_hash
    if not path or first == 0 or first > second:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn //= 2
                    sn //= 2
        else:
            sr = hash_children(sr, c)
        fn //= 2
        sn //= 2
    return fr == first_hash and sr == second_hash and sn == 0


def canonical(document: dict[str, Any]) -> bytes:
    """Issue 22: sorted keys, separators ``,`` and ``:``, no ASCII escaping, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_of(key_json: dict[str, Any]) -> bytes:
    """The raw public key of ``GET /log/key``, its ``key_id`` checked."""
    assert key_json["algorithm"] == "Ed25519"
    raw = base64.b64decode(key_json["public_key"], validate=True)
    assert len(raw) == 32
    assert key_json["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    return raw


def head_ok(head: dict[str, Any], public_key: bytes) -> bool:
    """The head's Ed25519 signature over its four signed fields."""
    signed = {k: head[k] for k in ("site", "tree_size", "root_hash", "timestamp")}
    if not head["timestamp"].endswith("Z") or len(head["root_hash"]) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            base64.b64decode(head["signature"], validate=True), canonical(signed)
        )
    except (InvalidSignature, ValueError):
        return False
    return head["key_id"] == hashlib.sha256(public_key).hexdigest()[:16]
