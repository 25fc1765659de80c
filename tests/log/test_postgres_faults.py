"""PostgreSQL stopped and restarted under load: clean errors, full recovery, nothing lost."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.pg_cluster import Cluster
from tests.processes import ServerProcess, post_json, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
MAX_SECONDS = 60.0


def post(url: str, consent_id: str) -> int:
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    return post_json(url + "/api/v1/consent", {**body, "consent_id": consent_id})[0]


def health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    own = Cluster()
    own.start()
    yield own
    own.remove()


class Load:
    """A bounded stream of decisions in a background thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: Counter[int] = Counter()
        self.acked: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        for _ in range(5000):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            consent_id = f"pgfault-{uuid.uuid4().hex}"
            status = post(self.url, consent_id)
            self.statuses[status] += 1
            if status == 201:
                self.acked.append(consent_id)

    def wait_for(self, count: int, status: int) -> None:
        deadline = time.monotonic() + 20
        while self.statuses[status] < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.statuses[status] >= count, dict(self.statuses)

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def test_postgres_restart_during_load(
    tmp_path: Path, cluster: Cluster, figure: Callable[[str], None]
) -> None:
    config = write_config(tmp_path / "banner.toml", cluster.url)
    server = ServerProcess(config)
    try:
        load = Load(server.url)
        load.wait_for(30, 201)
        cluster.stop()
        load.wait_for(load.statuses[503] + 10, 503)
        down_health = health(server.url)
        cluster.start()
        load.wait_for(load.statuses[201] + 30, 201)
        load.finish()
    finally:
        server.stop()
    assert down_health == 503
    assert set(load.statuses) <= {201, 503}, dict(load.statuses)  # never a 500, never silence
    engine = sa.create_engine(cluster.url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT consent_id FROM consent_log")).scalars().all()
    engine.dispose()
    assert len(stored) == len(set(stored))
    assert not set(load.acked) - set(stored), "acknowledged decisions lost"
    figure(
        f"PostgreSQL stopped and restarted under load: sent {load.statuses.total()}, "
        f"answers {dict(sorted(load.statuses.items()))}, healthz while down {down_health}, "
        f"acknowledged {len(load.acked)}, stored {len(stored)}, lost 0"
    )
