"""Two instances (two workers each) on one PostgreSQL database under concurrent load.

Every decision gets its own ``log_index``, with no gap and no duplicate; the
instances serve the same key and agree on every head; the log verifies.
"""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from banner.cli.commands import main
from tests.log import rfc9162_verifier as rfc
from tests.processes import ServerProcess, post_json, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DECISIONS = 400


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def _decide(server: str, number: int) -> str:
    body = {"site": "tokodemo", "granted": ["analytics"] if number % 2 else [], "language": "id"}
    status, answer = post_json(server + "/api/v1/consent", {**body, "policy_version": 3})
    assert status in (200, 201), status
    return str(answer["consent_id"])


def test_two_instances_number_without_gaps_and_agree_on_heads(
    tmp_path: Path, postgres_url: str
) -> None:
    config = write_config(tmp_path / "banner.toml", postgres_url)
    servers = [ServerProcess(config), ServerProcess(config)]
    try:
        urls = [s.url for s in servers]
        with ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(lambda n: _decide(urls[n % 2], n), range(DECISIONS)))
        keys = [_get(f"{u}/s/tokodemo/log/key") for u in urls]
        assert keys[0] == keys[1]  # the key generated once, in the database
        key = rfc.key_of(keys[0])
        proofs = [_get(f"{urls[n % 2]}/s/tokodemo/log/proof/{ids[n]}") for n in (0, DECISIONS - 1)]
        heads = [_get(f"{u}/s/tokodemo/log/head") for u in urls]
    finally:
        for server in servers:
            server.stop()
    assert heads[0] == heads[1] and heads[0]["tree_size"] == DECISIONS
    for proof in proofs:
        head = proof["head"]
        assert rfc.head_ok(head, key)
        entry = proof["entries"][0]
        path = [bytes.fromhex(h) for h in entry["audit_path"]]
        root = bytes.fromhex(head["root_hash"])
        assert rfc.inclusion_ok(
            entry["log_index"], head["tree_size"], entry["leaf"].encode(), path, root
        )
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        indices = conn.execute(
            sa.text("SELECT log_index FROM consent_log WHERE site = 'tokodemo' ORDER BY log_index")
        ).scalars()
        assert list(indices) == list(range(DECISIONS))
        stored = conn.execute(sa.text("SELECT tree_size, root_hash FROM log_heads")).all()
        leaves = conn.execute(
            sa.text("SELECT consent_id, log_index FROM consent_log ORDER BY log_index")
        ).all()
    engine.dispose()
    assert sorted(r.consent_id for r in leaves) == sorted(ids)
    assert len({size for size, _ in stored}) == len(stored)  # one head per size
    verified = CliRunner().invoke(main, ["log", "verify", "--config", str(config)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.startswith(f"verified {DECISIONS} decisions, {len(stored)} heads")
