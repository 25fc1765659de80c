"""Acknowledged decisions survive SIGKILL: real servers, SQLite and PostgreSQL.

A bounded stream of POSTs runs against ``banner serve``; part way through the
whole process group is killed. Every consent id that got a 201 must be in the
log exactly once, and SQLite's integrity check must pass.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from banner.log.store import ConsentLog
from tests.processes import ServerProcess, post_json, write_config

pytestmark = pytest.mark.slow

MAX_REQUESTS = 400
MAX_SECONDS = 30.0
KILL_AFTER_ACKS = 60


def post_consent(url: str, consent_id: str) -> bool:
    """True when the service acknowledged (201) this decision."""
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    return post_json(url + "/api/v1/consent", {**body, "consent_id": consent_id})[0] == 201


def stream_and_kill(servers: list[ServerProcess], victim: ServerProcess) -> tuple[set[str], int]:
    """Send a bounded stream across ``servers``, SIGKILL ``victim`` part way.

    :returns: the acknowledged consent ids and how many requests were sent.
    """
    acked: set[str] = set()
    sent = [0]
    lock = threading.Lock()
    killed = threading.Event()
    deadline = time.monotonic() + MAX_SECONDS

    def one(n: int) -> None:
        if time.monotonic() > deadline:
            return
        consent_id = f"durable-{uuid.uuid4().hex}"
        with lock:
            sent[0] += 1
        if post_consent(servers[n % len(servers)].url, consent_id):
            with lock:
                acked.add(consent_id)
                if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                    killed.set()
                    victim.kill()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(MAX_REQUESTS)))
    assert killed.is_set(), "the stream ended before the kill"
    return acked, sent[0]


def assert_all_stored(database_url: str, acked: set[str]) -> int:
    """Every acknowledged id is stored exactly once; how many rows the stream left."""
    log = ConsentLog(database_url)
    try:
        with log.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT consent_id FROM consent_log")).scalars().all()
    finally:
        log.dispose()
    stored = [r for r in rows if r.startswith("durable-")]
    assert len(stored) == len(set(stored)), "duplicate rows"
    lost = acked - set(stored)
    assert not lost, f"{len(lost)} acknowledged decisions lost"
    return len(stored)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'durable.db'}"


def run_kill_test(
    tmp_path: Path, database_url: str, instances: int, figure: Callable[[str], None]
) -> None:
    config = write_config(tmp_path / "banner.toml", database_url)
    servers = [ServerProcess(config) for _ in range(instances)]
    try:
        acked, sent = stream_and_kill(servers, servers[0])
    finally:
        for server in servers:
            server.stop()
    assert 0 < len(acked) <= sent
    stored = assert_all_stored(database_url, acked)
    figure(
        f"{instances} instance(s), SIGKILL after {KILL_AFTER_ACKS} acks: sent {sent}, "
        f"acknowledged {len(acked)}, stored {stored} (each acknowledged one once), lost 0"
    )


@pytest.mark.parametrize("instances", [1, 2])
def test_sigkill_loses_nothing_on_sqlite(
    tmp_path: Path, sqlite_url: str, instances: int, figure: Callable[[str], None]
) -> None:
    run_kill_test(tmp_path, sqlite_url, instances, figure)
    path = sqlite_url.removeprefix("sqlite:///")
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
@pytest.mark.parametrize("instances", [1, 2])
def test_sigkill_loses_nothing_on_postgres(
    tmp_path: Path, postgres_url: str, instances: int, figure: Callable[[str], None]
) -> None:
    run_kill_test(tmp_path, postgres_url, instances, figure)
