"""The consent POST's p99 while ``banner log purge`` runs, against its idle p99.

For each purge (the batched one of ``banner log purge``, and the single
transaction it replaced, as the reference in the same run): a fresh database
with ``ROWS`` decisions recorded 400 to 40 days ago (:mod:`bench.seeding`),
the service under gunicorn (``banner serve``'s settings), then
:data:`CLIENTS` keep-alive clients posting decisions back to back: first
idle for :data:`IDLE_SECONDS`, then while the purge of everything older than
30 days runs in its own process. The table gives each phase's p50 and p99
and the ratio of the purge's p99 to the idle one (target: at most 2x).

Run: ``.venv/bin/python -m bench.purge [ROWS] [SQLite|PostgreSQL ...]`` (default 1,000,000).
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

from banner.app import create_app
from banner.core.config import load_config
from bench import deployment
from bench.processes import free_port, gunicorn
from bench.seeding import seed
from bench.table import markdown
from bench.throughput import SHOP

CLIENTS = 4
#: Connections of the open loop (:class:`OpenLoopClients`): enough that none waits at 200/s.
OPEN_CONNECTIONS = 16
IDLE_SECONDS = 15
#: The purge ``banner log purge`` replaced: every row in one transaction.
ONE_TRANSACTION = """
import sys
from datetime import UTC, datetime, timedelta
from banner.core.config import load_config
from banner.log import tree
from banner.log.schema import consent_log
from banner.log.store import ConsentLog
log = ConsentLog(load_config(sys.argv[1]).database_url)
before = datetime.now(UTC) - timedelta(days=30)
with log.engine.begin() as conn:
    tree.mark_purged(conn, before, datetime.now(UTC))
    conn.execute(consent_log.delete().where(consent_log.c.recorded_at < before))
"""
PURGES = {
    "batched (banner log purge)": ["-m", "banner", "log", "purge", "--older-than", "30"],
    "one transaction (before)": ["-c", ONE_TRANSACTION],
}


def _post(
    conn: http.client.HTTPConnection, port: int, body: bytes
) -> tuple[http.client.HTTPConnection, bool]:
    """One decision POSTed on a keep-alive connection; a broken one is replaced."""
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    try:
        conn.request("POST", "/api/v1/consent", body, headers)
        answer = conn.getresponse()
        answer.read()
        return conn, answer.status in (200, 201)
    except (OSError, http.client.HTTPException):
        conn.close()
        return http.client.HTTPConnection("127.0.0.1", port, timeout=30), False


class _Posters:
    """Threads posting decisions on keep-alive connections; latencies kept per phase."""

    def __init__(self, port: int, body: bytes, threads: list[threading.Thread]) -> None:
        self.port, self.body = port, body
        self.phase = "warm"
        self.latencies: dict[str, list[float]] = {}
        self.errors = 0
        self.stopping = threading.Event()
        self.threads = threads

    def _post(
        self, conn: http.client.HTTPConnection, phase: str, since: float
    ) -> http.client.HTTPConnection:
        """POST one decision; its latency counts from ``since`` into ``phase``."""
        conn, ok = _post(conn, self.port, self.body)
        if ok:
            self.latencies.setdefault(phase, []).append(time.perf_counter() - since)
        else:
            self.errors += 1
        return conn

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


class Clients(_Posters):
    """Keep-alive clients posting decisions back to back."""

    def __init__(self, port: int, body: bytes) -> None:
        super().__init__(port, body, [threading.Thread(target=self._run) for _ in range(CLIENTS)])

    def _run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stopping.is_set():
            conn = self._post(conn, self.phase, time.perf_counter())


class OpenLoopClients(_Posters):
    """Decisions posted at a fixed rate whatever the answers: an open loop.

    The :class:`Clients` post back to back, so they saturate the service and
    their latencies mix its throughput with its delays. Here the ``rate``
    POSTs a second are scheduled ahead (``1 / rate`` apart) and sent by a pool
    of :data:`OPEN_CONNECTIONS` keep-alive connections; a latency runs from the
    scheduled time, not the sending, so a request held back by slow ones
    before it counts its whole delay (no coordinated omission). A phase is the
    one of the scheduled time.
    """

    def __init__(self, port: int, body: bytes, rate: float) -> None:
        threads = [threading.Thread(target=self._schedule)] + [
            threading.Thread(target=self._send) for _ in range(OPEN_CONNECTIONS)
        ]
        super().__init__(port, body, threads)
        self.rate = rate
        #: requests that waited for a free connection past their time
        self.late = 0
        self.due: queue.SimpleQueue[tuple[str, float] | None] = queue.SimpleQueue()

    def _schedule(self) -> None:
        start = time.perf_counter()
        n = 0
        while not self.stopping.is_set():
            at = start + n / self.rate
            wait = at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            self.due.put((self.phase, at))
            n += 1
        for _ in range(OPEN_CONNECTIONS):
            self.due.put(None)

    def _send(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (item := self.due.get()) is not None:
            phase, at = item
            if time.perf_counter() - at > 0.001:
                self.late += 1
            conn = self._post(conn, phase, at)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextlib.contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "SQLite":
        yield deployment.sqlite_url(folder)
    else:
        with deployment.postgres_schema() as url:
            yield url


def measure(kind: str, count: int, purge: list[str]) -> list[object]:
    with (
        tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp,
        _database(kind, Path(tmp)) as url,
    ):
        home = Path(tmp)
        config_path = deployment.write_config(home, url, SHOP)
        config = load_config(config_path)
        app = create_app(config)
        log = app.extensions["banner"].log
        now = datetime.now(UTC)
        zone = config.sites[deployment.SITE].timezone
        seed(log, deployment.SITE, zone, count, now - timedelta(days=400), timedelta(days=360))
        log.dispose()
        port = free_port()
        env = {"BANNER_CONFIG": str(config_path)}
        with gunicorn("banner.app:create_app()", port, home / "service.log", env, "/healthz"):
            body = deployment.consent_body(deployment.notice_hash(f"http://127.0.0.1:{port}"))
            with Clients(port, body) as clients:
                time.sleep(3)
                clients.phase = "idle"
                time.sleep(IDLE_SECONDS)
                clients.phase = "purge"
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, *purge, "--config", str(config_path)]
                    if purge[0] == "-m"
                    else [sys.executable, *purge, str(config_path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                purge_seconds = time.perf_counter() - started
                clients.phase = "after"
            assert done.returncode == 0, done.stderr[-2000:]
        idle, during = clients.latencies["idle"], clients.latencies.get("purge", [])
        p99 = percentile(idle, 0.99)
        return [
            kind,
            f"{count:,}",
            f"{percentile(idle, 0.5) * 1000:.1f} / {p99 * 1000:.1f}",
            f"{percentile(during, 0.5) * 1000:.1f} / {percentile(during, 0.99) * 1000:.1f}"
            if during
            else "-",
            f"{percentile(during, 0.99) / p99:.2f}x" if during else "-",
            f"{purge_seconds:.0f}",
            f"{len(idle) / IDLE_SECONDS:.0f} / {len(during) / purge_seconds:.0f}",
            clients.errors,
        ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    kinds = sys.argv[2:] or ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    rows = []
    for kind in kinds:
        for name, purge in PURGES.items():
            rows.append([name, *measure(kind, count, purge)])
            print(rows[-1], flush=True)
    headers = ["purge", "database", "rows purged", "idle p50 / p99 ms", "purging p50 / p99 ms",
               "p99 purging / idle", "purge s", "POST/s idle / purging", "errors"]  # fmt: skip
    print(markdown(headers, rows))
    print(f"\n{CLIENTS} keep-alive clients posting back to back; idle phase {IDLE_SECONDS} s.")


if __name__ == "__main__":
    main()
