"""Proof bundles: everything a third party needs to check one visitor's decisions offline.

``banner log proof --site S --id ID --output F`` writes one JSON object:

- ``format``: ``"banner-proof-bundle/1"``; ``site``, ``consent_id``;
- ``public_key``: as ``GET /s/SITE/log/key`` gives it;
- ``head``: the signed tree head the proofs lead to;
- ``entries``: ``[{"log_index", "leaf", "audit_path"}]`` (RFC 9162 inclusion proofs);
- ``rows``: the decisions as ``banner log export --format jsonl`` writes them;
- ``notices``: the archived notices the decisions name: ``hash``, ``first_seen`` and
  ``document``, the archived JSON text whose UTF-8 bytes hash (SHA-256) to ``hash``.

:func:`check` (``banner log verify-proof F``) needs nothing but the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from sqlalchemy.engine import Engine

from banner.log import merkle
from banner.log.heads import HeadKeeper, SignedHead
from banner.log.notices import NoticeArchive
from banner.log.proofs import inclusion_document
from banner.log.signing import key_id

FORMAT = "banner-proof-bundle/1"


def build(engine: Engine, keeper: HeadKeeper, site: str, consent_id: str) -> dict[str, Any] | None:
    """The bundle of ``consent_id`` on ``site``; ``None`` when it has no logged row."""
    proof = inclusion_document(engine, keeper, site, consent_id)
    if proof is None:
        return None
    rows = [_row_of(json.loads(entry["leaf"])) for entry in proof["entries"]]
    found = NoticeArchive(engine).many(row["text_hash"] for row in rows)
    hashes = dict.fromkeys(row["text_hash"] for row in rows)
    return {
        "format": FORMAT,
        "site": site,
        "consent_id": consent_id,
        "public_key": keeper.key.public_json(),
        **proof,
        "rows": rows,
        # the stored text itself: its SHA-256 is the hash
        "notices": [
            {**found[h].as_record(), "document": found[h].text} for h in hashes if h in found
        ],
    }


def _row_of(leaf: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in leaf.items() if k not in ("log_index", "notice_hash")}


def check(bundle: object) -> tuple[list[str], list[str]]:
    """``(facts, problems)`` of a bundle: what it proves, and what does not hold."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        return [], [f"not a proof bundle (format {FORMAT!r} expected)"]
    try:
        return _check(bundle)
    except (KeyError, TypeError, ValueError) as exc:
        return [], [f"malformed bundle: {type(exc).__name__}: {exc}"]


def _check(bundle: dict[str, Any]) -> tuple[list[str], list[str]]:
    facts: list[str] = []
    problems: list[str] = []
    public = base64.b64decode(bundle["public_key"]["public_key"], validate=True)
    head = SignedHead.from_json(bundle["head"])
    if head.key_id != key_id(public) or bundle["public_key"]["key_id"] != key_id(public):
        problems.append("the head's key_id is not the bundle's public key")
    if not head.verifies(public):
        problems.append(f"head of tree size {head.tree_size}: bad signature")
    else:
        facts.append(
            f"head of tree size {head.tree_size} signed by key {head.key_id} ({head.timestamp})"
        )
    root = bytes.fromhex(head.root_hash)
    notices = {n["hash"]: n["document"] for n in bundle["notices"]}
    for entry, row in zip(bundle["entries"], bundle["rows"], strict=True):
        problems += _entry(entry, row, head, root, notices, bundle)
    if not problems:
        facts.append(
            f"{len(bundle['entries'])} decision(s) of {bundle['consent_id']} are in the log"
        )
    return facts, problems


def _entry(
    entry: dict[str, Any],
    row: dict[str, Any],
    head: SignedHead,
    root: bytes,
    notices: dict[str, str],
    bundle: dict[str, Any],
) -> list[str]:
    index, leaf = int(entry["log_index"]), entry["leaf"].encode("utf-8")
    path = [bytes.fromhex(h) for h in entry["audit_path"]]
    found = merkle.root_from_inclusion(index, head.tree_size, merkle.leaf_hash(leaf), path)
    problems = [] if found == root else [f"log_index {index}: inclusion proof fails"]
    document = json.loads(leaf)
    if _row_of(document) != row or document.get("log_index") != index:
        problems.append(f"log_index {index}: the row is not the leaf")
    if (document.get("site"), document.get("consent_id")) != (bundle["site"], bundle["consent_id"]):
        problems.append(f"log_index {index}: a decision of another site or consent id")
    text = notices.get(document.get("notice_hash", ""))
    if (
        text is not None
        and hashlib.sha256(text.encode("utf-8")).hexdigest() != document["notice_hash"]
    ):
        problems.append(f"log_index {index}: the notice does not match its hash")
    return problems
