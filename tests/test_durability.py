"""Acknowledged decisions survive SIGKILL: real servers, SQLite and PostgreSQL.

A bounded stream of POSTs runs against ``banner serve``; part way through the
whole process group is killed. Every consent id that got a 201 must be in the
log exactly once, and SQLite's integrity check must pass.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from banner.store import ConsentLog
from tests.factories import SHOP_ORIGIN
from tests.processes import ServerProcess, write_config

pytestmark = pytest.mark.slow

MAX_REQUESTS = 400
MAX_SECONDS = 30.0
KILL_AFTER_ACKS = 60
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def post_consent(url: str, consent_id: str) -> bool:
    """True when the service acknowledged (201) this decision."""
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    data = json.dumps({**body, "consent_id": consent_id}).encode()
    request = urllib.request.Request(
        url + "/api/v1/consent",
        data=data,
        headers={"Content-Type": "application/json", "Origin": SHOP_ORIGIN},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return bool(answer.status == 201)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def stream_and_kill(servers: list[ServerProcess], victim: ServerProcess) -> tuple[set[str], int]:
    """Send a bounded stream across ``servers``, SIGKILL ``victim`` part way."""
    acked: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()
    deadline = time.monotonic() + MAX_SECONDS

    def one(n: int) -> None:
        if time.monotonic() > deadline:
            return
        consent_id = f"durable-{uuid.uuid4().hex}"
        if post_consent(servers[n % len(servers)].url, consent_id):
            with lock:
                acked.add(consent_id)
                if len(acked) >= KILL_AFTER_ACKS and not killed.is_set():
                    killed.set()
                    victim.kill()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(MAX_REQUESTS)))
    assert killed.is_set(), "the stream ended before the kill"
    return acked, MAX_REQUESTS


def assert_all_stored(database_url: str, acked: set[str]) -> None:
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


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'durable.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    schema = f"durable_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def run_kill_test(tmp_path: Path, database_url: str, instances: int) -> None:
    config = write_config(tmp_path / "banner.toml", database_url)
    servers = [ServerProcess(config) for _ in range(instances)]
    try:
        acked, sent = stream_and_kill(servers, servers[0])
    finally:
        for server in servers:
            server.stop()
    assert 0 < len(acked) <= sent
    assert_all_stored(database_url, acked)


@pytest.mark.parametrize("instances", [1, 2])
def test_sigkill_loses_nothing_on_sqlite(tmp_path: Path, sqlite_url: str, instances: int) -> None:
    run_kill_test(tmp_path, sqlite_url, instances)
    path = sqlite_url.removeprefix("sqlite:///")
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
@pytest.mark.parametrize("instances", [1, 2])
def test_sigkill_loses_nothing_on_postgres(
    tmp_path: Path, postgres_url: str, instances: int
) -> None:
    run_kill_test(tmp_path, postgres_url, instances)
