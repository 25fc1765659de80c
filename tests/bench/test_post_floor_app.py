"""The floor apps of ``bench.post_floor`` answer as the consent API does (pure: no server)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from werkzeug.test import Client

from banner.log import merkle, tree
from banner.log.store import ConsentLog
from bench import post_floor, post_floor_app


def test_the_bare_wsgi_floor_answers_like_the_flask_one() -> None:
    rows: list[dict[str, object]] = []
    beside = Client(post_floor_app._beside(rows.extend))
    flask = post_floor_app._app("flask", rows.extend).test_client()
    body = {"consent_id": "c0nsent", "site": "s", "granted": ["analytics"]}
    for client in (beside, flask):
        answer = client.post("/", json=body)
        assert (answer.status_code, answer.get_json()) == (
            201,
            {"consent_id": "c0nsent", "granted": ["analytics"]},
        )
        for bad in ("nope", "[1]", ""):
            refused = client.post("/", data=bad, content_type="application/json")
            assert refused.status_code == 400
        assert client.get("/").status_code == 200
    assert rows == [body, body]  # one row each, and none for a refused body


def test_every_floor_names_an_app_of_the_module() -> None:
    for _name, app in post_floor.FLOORS:
        assert callable(getattr(post_floor_app, app))


def test_the_lean_floor_writes_banners_rows_with_their_leaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lean path's batch stores rows a log verify accepts: numbered, each leaf its hash."""
    monkeypatch.setenv("BENCH_FLOOR_DB", str(tmp_path / "floor.db"))
    lean = post_floor_app._LeanSqlite()
    client = Client(post_floor_app._lean_app(lean))
    body = {
        "site": "tokodemo",
        "granted": ["analytics"],
        "language": "id",
        "policy_version": 1,
        "consent_id": "lean-consent-id-0001",
        "notice_hash": "a" * 64,
    }
    headers = {"Origin": post_floor_app.LEAN_ORIGIN}
    answer = client.post("/", json=body, headers=headers)
    assert answer.status_code == 201 and answer.get_json()["token"].count(".") == 2
    assert client.post("/", json={**body, "consent_id": "x"}, headers=headers).status_code == 400
    assert client.post("/", json=body).status_code == 400  # no origin
    path = tmp_path / f"floor.db-lean-{os.getpid()}"
    with sqlite3.connect(path) as conn:
        [(index, leaf)] = conn.execute("SELECT log_index, leaf_hash FROM consent_log").fetchall()
        assert conn.execute("SELECT size FROM log_numbering").fetchone()[0] == 1
    log = ConsentLog(f"sqlite:///{path}")
    try:
        [stored] = log.history("lean-consent-id-0001")
        assert merkle.leaf_hash(tree.leaf_bytes(stored, index)).hex() == leaf
    finally:
        log.dispose()
