"""Durable ``POST /api/v1/consent`` with the tamper-evident log, against the same app without it.

Both run under gunicorn with ``banner serve``'s settings, each on its own
database (SQLite; PostgreSQL when reachable), in the same run; wrk loads them
in turn, round after round, each request a new consent id (as the loader
sends). The reference (``bench/no_tree_app.py``) is today's write path: the
group commit without numbering, leaves, nodes or heads.

Run: ``.venv/bin/python -m bench.logpost [ROUNDS] [CONNECTIONS]`` (default 5 rounds, the
throughput bench's 8 connections).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import deployment, load
from bench.figures import Spread, ratio
from bench.processes import free_port, gunicorn, workers_cpu_seconds
from bench.table import markdown
from bench.throughput import CONSENT_ID_SLOT, SHOP

ROUNDS = 5
#: Seconds of load on each app before the counted rounds.
WARM_UP_SECONDS = 2
APPS = {"with the log": "banner.app:create_app()", "without": "bench.no_tree_app:create_app()"}


@contextmanager
def _services(folder: Path, database: str) -> Iterator[dict[str, tuple[str, int]]]:
    """Each app's URL and its gunicorn master's pid."""
    with ExitStack() as started:
        urls = {}
        for name, app in APPS.items():
            home = folder / name.replace(" ", "-")
            home.mkdir()
            url = deployment.sqlite_url(home) if database == "SQLite" else None
            if url is None:
                url = started.enter_context(deployment.postgres_schema())
            config = deployment.write_config(home, url, SHOP)
            port = free_port()
            env = {"BANNER_CONFIG": str(config)}
            service = gunicorn(app, port, home / "service.log", env, "/healthz")
            started.enter_context(service)
            urls[name] = (f"http://127.0.0.1:{port}", service.pid)
        yield urls


def _shape(url: str) -> load.Shape:
    notice = deployment.notice_hash(url)
    body = {**json.loads(deployment.consent_body(notice)), "consent_id": CONSENT_ID_SLOT}
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    return load.Shape(f"{url}/api/v1/consent", "POST", json.dumps(body), headers)


def measure(database: str, rounds: int) -> list[object]:
    rates: dict[str, list[float]] = {name: [] for name in APPS}
    cpu_ms: dict[str, list[float]] = {name: [] for name in APPS}
    errors = 0
    with (
        tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp,
        _services(Path(tmp), database) as urls,
    ):
        for url, _master in urls.values():  # warm-up, not counted: pools, caches, the first head
            load.run(_shape(url), WARM_UP_SECONDS)
        for turn in range(rounds):
            # ABBA: every other round starts with the other app, so a drift of
            # the machine (another process, the disk's cache) favours neither
            for name, (url, master) in sorted(urls.items(), reverse=turn % 2 == 1):
                shape, before = _shape(url), workers_cpu_seconds(master)
                result = load.run(shape)
                used = workers_cpu_seconds(master) - before
                rates[name].append(result.requests_per_second)
                requests = max(1.0, result.requests_per_second * load.SECONDS)
                cpu_ms[name].append(1000 * used / requests)
                errors += result.errors
    logged, bare = Spread.of(rates["with the log"]), Spread.of(rates["without"])
    paired = Spread.of(a / b for a, b in zip(rates["with the log"], rates["without"], strict=True))
    name = f"durable POST /api/v1/consent ({database}), requests/s"
    row = [name, logged.show(0), bare.show(0), ratio(logged.median, bare.median)]
    cpu = [Spread.of(cpu_ms[n]) for n in APPS]
    row += [paired.show(2), cpu[0].show(2), cpu[1].show(2), ratio(cpu[0].median, cpu[1].median)]
    return [*row, errors]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    if len(sys.argv) > 2:
        load.CONNECTIONS = int(sys.argv[2])
    load.wrk_path()
    rows = [measure("SQLite", rounds)]
    if deployment.postgres_reachable():
        rows.append(measure("PostgreSQL", rounds))
    headers = ["case", "with the log", "without (same run)", "ratio of medians"]
    headers += ["ratio per round pair", "worker CPU ms per decision, with", "without"]
    headers += ["CPU ratio", "wrk errors"]
    print(markdown(headers, rows))
    seconds, connections = load.SECONDS, load.CONNECTIONS
    print(f"\nmedian (min-max) of {rounds} rounds of {seconds} s, {connections} connections.")


if __name__ == "__main__":
    main()
