"""``banner log export``'s resident memory on a big log: it must stay flat.

A fresh database with ``ROWS`` decisions (:mod:`bench.seeding`), then
``banner log export --format jsonl`` of all of them to ``/dev/null`` in its own
process, its resident set (``VmRSS``) sampled every 20 ms. The growth is the
peak minus the peak of the same command exporting nothing (``--since`` a day
after the last row): start-up and imports cancel out. Target: at most 100 MB
at 10,000,000 rows.

Run: ``.venv/bin/python -m bench.export_memory [ROWS] [SQLite|PostgreSQL ...]``
(default 1,000,000).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from banner.app import create_app
from banner.core.config import load_config
from bench import deployment
from bench.purge import _database
from bench.seeding import seed
from bench.table import markdown

SAMPLE_SECONDS = 0.02


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def peak_rss(argv: list[str]) -> tuple[int, float]:
    """The command's highest sampled resident set (kB), and its seconds."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while child.poll() is None:
        peak = max(peak, rss_kb(child.pid))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    return peak, seconds


def measure(kind: str, count: int) -> list[object]:
    with (
        tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp,
        _database(kind, Path(tmp)) as url,
    ):
        config_path = deployment.write_config(Path(tmp), url, "https://shop.example")
        config = load_config(config_path)
        app = create_app(config)
        log = app.extensions["banner"].log
        now = datetime.now(UTC)
        zone = config.sites[deployment.SITE].timezone
        seed(log, deployment.SITE, zone, count, now - timedelta(days=30), timedelta(days=29))
        log.dispose()
        command = [sys.executable, "-m", "banner", "log", "export", "--site", deployment.SITE,
                   "--format", "jsonl", "--output", "/dev/null",
                   "--config", str(config_path)]  # fmt: skip
        empty, _ = peak_rss([*command, "--since", (now + timedelta(days=1)).date().isoformat()])
        full, seconds = peak_rss(command)
    growth = (full - empty) / 1024
    return [kind, f"{count:,}", f"{empty / 1024:.0f}", f"{full / 1024:.0f}", f"{growth:.0f}",
            f"{seconds:.0f}", f"{count / seconds:,.0f}"]  # fmt: skip


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    kinds = sys.argv[2:] or ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    rows = []
    for kind in kinds:
        rows.append(measure(kind, count))
        print(rows[-1], flush=True)
    headers = ["database", "rows exported", "RSS exporting nothing MB", "RSS peak MB",
               "growth MB", "export s", "rows/s"]  # fmt: skip
    print(markdown(headers, rows))


if __name__ == "__main__":
    main()
