"""Proofs fetched over HTTP, checked by the independent RFC 9162 verifier.

Every tree size from 1 to 130 (inclusion of new and older decisions,
consistency from every earlier signed size) and one of 100,000 decisions.
The expected roots are computed here from the leaves alone.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from banner.log.export import jsonl_lines
from tests.log import rfc9162_verifier as rfc
from tests.log.seeding import decision, seed

SITE = "tokodemo"


def _get(client: FlaskClient, path: str) -> Any:
    response = client.get(f"/s/{SITE}/log/{path}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _expected_leaf(number: int, log_index: int) -> bytes:
    """Issue 22's leaf: the JSON Lines export object plus log_index and notice_hash."""
    exported = json.loads(next(jsonl_lines([decision(number)])))
    return rfc.canonical({**exported, "log_index": log_index, "notice_hash": exported["text_hash"]})


def _check_inclusion(body: dict[str, Any], key: bytes) -> tuple[int, bytes]:
    head = body["head"]
    assert rfc.head_ok(head, key)
    root = bytes.fromhex(head["root_hash"])
    for entry in body["entries"]:
        path = [bytes.fromhex(h) for h in entry["audit_path"]]
        leaf = entry["leaf"].encode("utf-8")
        assert rfc.inclusion_ok(entry["log_index"], head["tree_size"], leaf, path, root)
        assert json.loads(leaf)["log_index"] == entry["log_index"]
    return head["tree_size"], root


def _check_consistency(
    client: FlaskClient, first: int, second: int, roots: dict[int, bytes]
) -> None:
    proof = _get(client, f"consistency?first={first}&second={second}")
    assert (proof["first"], proof["second"]) == (first, second)
    path = [bytes.fromhex(h) for h in proof["proof"]]
    assert rfc.consistency_ok(first, second, roots[first], roots[second], path), (first, second)
    if path:  # a proof for other roots or other sizes fails
        assert not rfc.consistency_ok(first, second, roots[second], roots[second], path)


def test_every_tree_size_from_1_to_130(app: Flask, client: FlaskClient) -> None:
    log = app.extensions["banner"].log
    key = rfc.key_of(_get(client, "key"))
    frontier, leaves, roots = rfc.Frontier(), [], {}
    for size in range(1, 131):
        log.append(decision(size - 1), fresh=True)
        body = _get(client, f"proof/{decision(size - 1).consent_id}")
        assert body["entries"][0]["log_index"] == size - 1
        leaf = body["entries"][0]["leaf"].encode("utf-8")
        assert leaf == _expected_leaf(size - 1, size - 1)
        leaves.append(leaf)
        frontier.add(leaf)
        tree_size, roots[size] = _check_inclusion(body, key)
        assert tree_size == size and roots[size] == frontier.root()
        for older in {0, size // 2, max(0, size - 2)}:
            earlier = _get(client, f"proof/{decision(older).consent_id}")
            assert _check_inclusion(earlier, key) == (size, roots[size])
            assert earlier["entries"][0]["leaf"].encode() == leaves[older]
        for first in {1, size // 2 or 1, max(1, size - 1), size, *(2**p for p in range(8))}:
            if first <= size:
                _check_consistency(client, first, size, roots)
    for first in range(1, 131):
        for second in (first, 130):
            _check_consistency(client, first, second, roots)
    assert rfc.mth(leaves) == roots[130]
    assert rfc.head_ok(_get(client, "head"), key)


def test_a_tree_of_100000(app: Flask, client: FlaskClient) -> None:
    log = app.extensions["banner"].log
    key = rfc.key_of(_get(client, "key"))
    seed(log, 99_000)
    small = _get(client, "head")
    assert small["tree_size"] == 99_000 and rfc.head_ok(small, key)
    seed(log, 1_000, start=99_000)
    body = _get(client, f"proof/{decision(99_999).consent_id}")
    size, root = _check_inclusion(body, key)
    frontier = rfc.Frontier()
    for number in range(100_000):
        frontier.add(_expected_leaf(number, number))
    assert size == 100_000 and root == frontier.root()
    assert root == bytes.fromhex(small["root_hash"]) or small["tree_size"] < size
    for number in (0, 1, 65_535, 65_536, 98_999, 99_000):
        assert _check_inclusion(_get(client, f"proof/{decision(number).consent_id}"), key) == (
            size,
            root,
        )
    proof = _get(client, "consistency?first=99000&second=100000")
    path = [bytes.fromhex(h) for h in proof["proof"]]
    assert rfc.consistency_ok(99_000, 100_000, bytes.fromhex(small["root_hash"]), root, path)
    assert not rfc.consistency_ok(99_000, 100_000, root, root, path)
