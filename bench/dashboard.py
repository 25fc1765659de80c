"""The dashboard's per-site page on a big consent log, against ``banner stats``.

Seeds ``ROWS`` decisions (default 1,000,000) over the last 30 days in the
store's own row format (:mod:`bench.seeding`: rows with their ``log_index``
and leaf, the tree, the roll-ups; ``banner log verify`` passes on it). Then
it times,
interleaved over rounds: the logged-in ``GET /admin/s/SITE/`` (default range,
30 days: every figure, both charts and tables, rendered) through Flask's test
client, and ``banner stats --days 30`` on the same data in the same process
(the CLI reads every row and counts in Python). The ratio is page / stats.

The page and ``banner stats`` read the daily roll-ups; "figures from rows" is
the same page's figures counted from the rows (the path without roll-ups),
once, on the same data.

Run: ``.venv/bin/python -m bench.dashboard [ROWS] [SQLite|PostgreSQL ...]``
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from banner.admin.accounts import create_user
from banner.admin.figures import site_figures
from banner.admin.ranges import default_range
from banner.app import create_app
from banner.cli.commands import main as cli
from banner.core.config import load_config
from bench import deployment
from bench.figures import Spread, ratio
from bench.seeding import seed
from bench.table import markdown

ROUNDS = 3
PASSWORD = "bench password 1234"


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


def measure(kind: str, count: int) -> tuple[Spread, Spread, float, float]:
    """Seconds for the page and for ``banner stats``, the seeding, the figures from rows."""
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        config_path = deployment.write_config(Path(tmp), url, "https://shop.example")
        config = load_config(config_path)
        app = create_app(config)
        log = app.extensions["banner"].log
        now, zone = datetime.now(UTC), config.sites[deployment.SITE].timezone
        span = timedelta(days=30)
        seeding = _timed(lambda: seed(log, deployment.SITE, zone, count, now - span, span))
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
        rows_read = _timed(lambda: _without_rollups(log, config))
        log.dispose()
        return Spread.of(pages), Spread.of(stat_runs), seeding, rows_read


def _without_rollups(log: Any, config: Any) -> None:
    """The page's figures counted from the rows (issue 16's GROUP BY): the zone
    ``Etc/GMT-7`` has Jakarta's days but no roll-ups, so the figures read the rows."""
    site = config.sites[deployment.SITE]
    days = default_range(ZoneInfo("Etc/GMT-7"))
    site_figures(log, site.id, days, [c for c in site.category_ids if c != "essential"])


def _log_in(client: Any) -> None:
    import re

    html = client.get("/admin/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token is not None
    data = {"csrf_token": token.group(1), "name": "bench", "password": PASSWORD}
    assert client.post("/admin/login", data=data).status_code == 303


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    kinds = sys.argv[2:] or ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    table = []
    for kind in kinds:
        page, stats, seeding, rows_read = measure(kind, count)
        table.append(
            [kind, f"{count:,}", page.show(3), stats.show(3), ratio(page.median, stats.median),
             f"{rows_read:.2f}", f"{seeding:.0f}", f"{count / seeding:,.0f}"]
        )  # fmt: skip
    out = io.StringIO()
    headers = ["database", "decisions", "page s", "banner stats s", "page / stats",
               "figures from rows s", "seeding s", "seeded rows/s"]  # fmt: skip
    out.write(markdown(headers, table))
    out.write(f"\n\n{ROUNDS} rounds, interleaved; 30 days, {count // 3:,} consent ids.")
    print(out.getvalue(), flush=True)


if __name__ == "__main__":
    main()
