"""The webhook outbox's cost on the consent log's write path, without HTTP in between.

``bench.webhookpost`` measures the same through gunicorn and wrk; on a busy
machine its rounds spread too widely to show a 10% difference. Here the
service's own write path (``GroupCommitLog``, 8 threads sharing group
commits, as a gunicorn worker's threads do) stores new decisions for
:data:`SECONDS` per round, with and without one webhook configured, the two
alternating (ABBA) on fresh databases, SQLite and PostgreSQL when reachable.
The sender is not running: this is the outbox row written in each
decision's transaction.

Run: ``.venv/bin/python -m bench.webhookrate [ROUNDS]`` (default 8).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from banner.core.config import load_config
from banner.log.group_commit import GroupCommitLog
from banner.log.outbox import Outbox
from banner.log.store import Decision, StoreUnavailable
from bench import deployment
from bench.figures import Spread, ratio
from bench.table import markdown

ROUNDS = 8
SECONDS = 3.0
THREADS = 8
SHOP = "https://shop.example"
HOOK = (
    f'\n[sites.{deployment.SITE}.webhooks.bench]\nurl = "https://hooks.example/banner"\n'
    'secret = "bench-webhook-secret-0123456789"\n'
)


def _decision() -> Decision:
    return Decision(
        consent_id=secrets.token_urlsafe(16),
        site=deployment.SITE,
        recorded_at=datetime.now(UTC),
        action="custom",
        granted=("analytics",),
        denied=(),
        policy_version=1,
        language="id",
        text_hash="0" * 64,
        source="banner",
        page_origin=SHOP,
        page_path="/produk/kopi",
        gpc=False,
        ip_masked="203.0.113.0/24",
        user_agent="Mozilla/5.0 (bench)",
    )


def _round(folder: Path, database: str, hooked: bool) -> float:
    """Decisions per second for one round on a fresh database."""
    with ExitStack() as stack:
        url = deployment.sqlite_url(folder) if database == "SQLite" else None
        if url is None:
            url = stack.enter_context(deployment.postgres_schema())
        path = deployment.write_config(folder, url, SHOP)
        if hooked:
            path.write_text(path.read_text(encoding="utf-8") + HOOK, encoding="utf-8")
        config = load_config(path)
        log = GroupCommitLog(url)
        log.create_schema()
        log.companions.append(Outbox(lambda: config))
        stack.callback(log.dispose)
        return _load(log)


def _load(log: GroupCommitLog) -> float:
    stored = [0] * THREADS
    deadline = time.perf_counter() + SECONDS

    def writer(n: int) -> None:
        while time.perf_counter() < deadline:
            try:
                log.append(_decision(), fresh=True)
            except StoreUnavailable:  # a busy moment of a loaded machine: not stored
                continue
            stored[n] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(stored) / (time.perf_counter() - start)


def measure(database: str, rounds: int) -> list[object]:
    rates: dict[bool, list[float]] = {True: [], False: []}
    for n in range(rounds):
        for hooked in (False, True) if n % 2 == 0 else (True, False):
            with tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp:
                rates[hooked].append(_round(Path(tmp), database, hooked))
    hooked, bare = Spread.of(rates[True]), Spread.of(rates[False])
    name = f"decisions stored ({database}), decisions/s"
    return [name, hooked.show(0), bare.show(0), ratio(hooked.median, bare.median)]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    rows = [measure("SQLite", rounds)]
    if deployment.postgres_reachable():
        rows.append(measure("PostgreSQL", rounds))
    headers = ["case", "with a webhook (outbox)", "without (same run)", "ratio"]
    print(markdown(headers, rows))
    print(f"\nmedian (min-max) of {rounds} rounds of {SECONDS:g} s, {THREADS} threads, ABBA order.")


if __name__ == "__main__":
    main()
