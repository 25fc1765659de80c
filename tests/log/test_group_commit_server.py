"""``banner serve`` on the group-commit path: gthread workers, the keep-alive cap, a clean stop.

The SIGKILL figures are in ``test_durability.py`` (the same server, the same path).
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from banner.web.server import KEEPALIVE_REQUESTS
from tests.log.test_durability import assert_all_stored, post_consent
from tests.processes import ServerProcess, write_config

pytestmark = pytest.mark.slow


def test_serve_uses_gthread_and_closes_a_connection_after_its_cap(tmp_path: Path) -> None:
    config = write_config(tmp_path / "banner.toml", f"sqlite:///{tmp_path / 'b.db'}")
    server = ServerProcess(config)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        closes = []
        for _ in range(KEEPALIVE_REQUESTS):
            connection.request("GET", "/s/tokodemo/loader.js")
            answer = connection.getresponse()
            answer.read()
            closes.append(answer.getheader("Connection", "").lower() == "close")
        connection.close()
    finally:
        server.stop()
    assert closes == [False] * (KEEPALIVE_REQUESTS - 1) + [True]
    assert "gthread" in server.log_path.read_text()


def test_sigterm_mid_stream_loses_no_acknowledged_decision(
    tmp_path: Path, figure: Callable[[str], None]
) -> None:
    database_url = f"sqlite:///{tmp_path / 'b.db'}"
    server = ServerProcess(write_config(tmp_path / "banner.toml", database_url))
    acked: set[str] = set()
    lock = threading.Lock()
    deadline = time.monotonic() + 30

    def one(_n: int) -> None:
        if time.monotonic() > deadline:
            return
        consent_id = f"durable-{uuid.uuid4().hex}"
        if post_consent(server.url, consent_id):
            with lock:
                acked.add(consent_id)
                if len(acked) == 40:
                    threading.Thread(target=server.stop).start()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(300)))
    server.stop()
    assert len(acked) >= 40
    stored = assert_all_stored(database_url, acked)
    figure(
        f"SIGTERM (graceful stop) after 40 acks: acknowledged {len(acked)}, stored {stored}, lost 0"
    )
