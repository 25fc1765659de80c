"""The dashboard's per-site page on a big consent log, against ``banner stats``.

Seeds ``ROWS`` decisions (default 1,000,000) over the last 30 days straight
into the table (executemany on SQLite, ``COPY`` on PostgreSQL), then times,
interleaved over rounds: the logged-in ``GET /admin/s/SITE/`` (default range,
30 days: every figure, both charts and tables, rendered) through Flask's test
client, and ``banner stats --days 30`` on the same data in the same process
(the CLI reads every row and counts in Python). The ratio is page / stats.

Run: ``.venv/bin/python -m bench.dashboard [ROWS]``
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from click.testing import CliRunner

from banner.admin.accounts import create_user
from banner.app import create_app
from banner.cli.commands import main as cli
from banner.core.config import load_config
from banner.log.schema import consent_log
from bench import deployment
from bench.figures import Spread, ratio
from bench.table import markdown

ROUNDS = 3
BATCH = 20_000
PASSWORD = "bench password 1234"
CATEGORIES = ("functional", "analytics", "preference")
#: (action, granted, weight): what visitors did, roughly as a shop sees it.
MIX: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("accept", CATEGORIES, 45),
    ("reject", (), 25),
    ("custom", ("analytics",), 10),
    ("change", ("functional",), 10),
    ("withdraw", (), 5),
    ("gpc", (), 5),
)
COLUMNS = [c.name for c in consent_log.columns if c.name != "row_id"]


def rows(count: int, now: datetime) -> Iterator[dict[str, Any]]:
    """``count`` decisions spread evenly over the 30 days before ``now``, oldest first."""
    rng = random.Random(16)
    start, step = now - timedelta(days=30), timedelta(days=30) / count
    choices = [m for m in MIX for _ in range(m[2])]
    visitors = max(count // 3, 1)
    for n in range(count):
        action, granted, _ = rng.choice(choices)
        yield {
            "consent_id": f"{rng.randrange(visitors):032x}",
            "site": deployment.SITE,
            "recorded_at": start + step * n,
            "action": action,
            "granted": '["' + '", "'.join(granted) + '"]' if granted else "[]",
            "denied": '["' + '", "'.join(c for c in CATEGORIES if c not in granted) + '"]'
            if len(granted) < 3
            else "[]",
            "policy_version": 1,
            "language": "id",
            "text_hash": "0" * 64,
            "source": "banner",
            "page_origin": "https://shop.example",
            "page_path": "/produk/kopi",
            "gpc": action == "gpc",
            "ip_masked": "203.0.113.0",
            "user_agent": "Mozilla/5.0 (bench)",
        }


def _batches(count: int, now: datetime) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows(count, now):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def seed_sqlite(engine: sa.Engine, count: int, now: datetime) -> None:
    for batch in _batches(count, now):
        with engine.begin() as conn:
            conn.execute(consent_log.insert(), batch)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def seed_postgres(engine: sa.Engine, count: int, now: datetime) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY consent_log ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows(count, now):
                copy.write_row([row[c] for c in COLUMNS])
        raw.commit()
        cursor.execute("ANALYZE consent_log")
        raw.commit()
    finally:
        raw.close()


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "SQLite":
        yield deployment.sqlite_url(folder)
    else:
        with deployment.postgres_schema() as url:
            yield url


def _timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(kind: str, count: int) -> tuple[Spread, Spread, float]:
    """Seconds for the page and for ``banner stats``, and the seeding time."""
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        config_path = deployment.write_config(Path(tmp), url, "https://shop.example")
        app = create_app(load_config(config_path))
        log = app.extensions["banner"].log
        seed = seed_sqlite if kind == "SQLite" else seed_postgres
        seeding = _timed(lambda: seed(log.engine, count, datetime.now(UTC)))
        create_user(log, "bench", PASSWORD)
        client = app.test_client()
        _log_in(client)
        page_path = f"/admin/s/{deployment.SITE}/"
        stats_args = ["stats", "--config", str(config_path), "--site", deployment.SITE]
        runner = CliRunner()

        def page() -> None:
            assert client.get(page_path).status_code == 200

        def stats() -> None:
            assert runner.invoke(cli, stats_args).exit_code == 0

        page()  # warm caches (both read the same table)
        pages, stat_runs = [], []
        for _ in range(ROUNDS):
            pages.append(_timed(page))
            stat_runs.append(_timed(stats))
        log.dispose()
        return Spread.of(pages), Spread.of(stat_runs), seeding


def _log_in(client: Any) -> None:
    import re

    html = client.get("/admin/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    data = {"csrf_token": token.group(1), "name": "bench", "password": PASSWORD}
    assert client.post("/admin/login", data=data).status_code == 303


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    kinds = ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    table = []
    for kind in kinds:
        page, stats, seeding = measure(kind, count)
        table.append(
            [kind, f"{count:,}", page.show(2), stats.show(2), ratio(page.median, stats.median),
             f"{seeding:.0f}"]
        )  # fmt: skip
    out = io.StringIO()
    headers = ["database", "decisions", "page s", "banner stats s", "page / stats", "seeding s"]
    out.write(markdown(headers, table))
    out.write(f"\n\n{ROUNDS} rounds, interleaved; 30 days, {count // 3:,} consent ids.")
    print(out.getvalue())


if __name__ == "__main__":
    main()
