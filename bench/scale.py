"""Issue 24 at ten million decisions: one seeded database, every measure on it.

Seeding ten million rows costs minutes, so one database per kind serves the
three measures in turn (each the same as in its own bench module, which seeds
its own database per run):

- ``seed FOLDER SQLite|PostgreSQL ROWS``: a config and a database in
  ``FOLDER`` (PostgreSQL: a schema of the test database), ``ROWS`` decisions
  between 31 and 1 days ago (:mod:`bench.seeding`);
- ``dashboard FOLDER``: the logged-in site page (30 days) against
  ``banner stats --days 30`` on the same data, interleaved (:mod:`bench.dashboard`);
- ``export FOLDER``: ``banner log export`` of every row, its resident growth
  over the same command exporting nothing (:mod:`bench.export_memory`);
- ``purge FOLDER ROUNDS SECONDS``: the consent POST's p99 while ``banner log
  purge --older-than 1`` deletes the seeded rows, against its idle p99
  (:mod:`bench.purge`), in ``ROUNDS`` idle and purging phases of ``SECONDS``
  each, interleaved; a purging phase interrupts the purge at its end (each
  batch is its own transaction) and the next goes on from there;
- ``drop FOLDER``: the database goes (the folder stays with its notes).

Run: ``.venv/bin/python -m bench.scale seed /tmp/scale/sqlite SQLite 10000000`` and so on.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
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
from bench.dashboard import PASSWORD, ROUNDS, _log_in, _timed
from bench.export_memory import peak_rss
from bench.figures import Spread, ratio
from bench.processes import free_port, gunicorn
from bench.purge import CLIENTS, Clients, OpenLoopClients, percentile
from bench.seeding import seed
from bench.throughput import SHOP

NOTES = "scale.json"
#: A prefix for the purge command (an experiment: the purge at a lower CPU priority).
NICE = os.environ.get("BENCH_PURGE_PREFIX", "").split()
#: Time every transaction of the service and the purge (:mod:`bench.purge_probe`).
PROBE = bool(os.environ.get("BENCH_PROBE"))


def _notes(folder: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((folder / NOTES).read_text(encoding="utf-8"))
    return found


def _load(_folder: Path) -> str:
    uptime = Path("/proc/loadavg").read_text(encoding="ascii").split()[:3]
    return f"load {' '.join(uptime)}"


def seed_database(folder: Path, kind: str, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "SQLite":
        url = deployment.sqlite_url(folder)
    else:
        schema = f"bench_{secrets.token_hex(4)}"
        with sa.create_engine(deployment.POSTGRES_URL).begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = f"{deployment.POSTGRES_URL}?options=-csearch_path%3D{schema}"
    config_path = deployment.write_config(folder, url, SHOP)
    notes = {"kind": kind, "rows": count, "url": url, "config": str(config_path)}
    (folder / NOTES).write_text(json.dumps(notes), encoding="utf-8")
    config = load_config(config_path)
    log = create_app(config).extensions["banner"].log
    zone = config.sites[deployment.SITE].timezone
    now = datetime.now(UTC)
    start = _load(folder)
    seconds = _timed(lambda: seed(log, deployment.SITE, zone, count, now - timedelta(days=31),
                                  timedelta(days=30)))  # fmt: skip
    create_user(log, "bench", PASSWORD)
    log.dispose()
    print(f"| {kind} | {count:,} | seeding s {seconds:.0f} | rows/s {count / seconds:,.0f} "
          f"| {start} / {_load(folder)} |", flush=True)  # fmt: skip


def dashboard(folder: Path) -> None:
    notes = _notes(folder)
    config_path = notes["config"]
    app = create_app(load_config(config_path))
    client = app.test_client()
    _log_in(client)
    page_path = f"/admin/s/{deployment.SITE}/"
    stats_args = ["stats", "--config", config_path, "--site", deployment.SITE, "--days", "30"]
    runner = CliRunner()

    def page() -> None:
        assert client.get(page_path).status_code == 200

    def stats() -> None:
        done = runner.invoke(cli, stats_args)
        assert done.exit_code == 0, done.output

    start = _load(folder)
    page()
    pages, stat_runs = [], []
    for _ in range(ROUNDS):
        pages.append(_timed(page))
        stat_runs.append(_timed(stats))
    shown, against = Spread.of(pages), Spread.of(stat_runs)
    print(f"| {notes['kind']} | {notes['rows']:,} | page s {shown.show(3)} "
          f"| banner stats s {against.show(3)} | {ratio(shown.median, against.median)} "
          f"| {start} / {_load(folder)} |", flush=True)  # fmt: skip


def export(folder: Path) -> None:
    notes = _notes(folder)
    command = [sys.executable, "-m", "banner", "log", "export", "--site", deployment.SITE,
               "--format", "jsonl", "--output", "/dev/null",
               "--config", notes["config"]]  # fmt: skip
    start = _load(folder)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    empty, _ = peak_rss([*command, "--since", tomorrow])
    full, seconds = peak_rss(command)
    print(f"| {notes['kind']} | {notes['rows']:,} | RSS empty MB {empty / 1024:.0f} "
          f"| RSS peak MB {full / 1024:.0f} | growth MB {(full - empty) / 1024:.0f} "
          f"| export s {seconds:.0f} | rows/s {notes['rows'] / seconds:,.0f} "
          f"| {start} / {_load(folder)} |", flush=True)  # fmt: skip


def _disk_mb() -> tuple[float, float]:
    """MB read from and written to the machine's disks so far (/proc/diskstats, whole disks)."""
    read = written = 0
    for line in Path("/proc/diskstats").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if fields[1] == "0" and not fields[2].startswith(("loop", "ram")):
            read, written = read + int(fields[5]), written + int(fields[9])
    return read * 512 / 1e6, written * 512 / 1e6


def _disk_since(start: tuple[float, float]) -> tuple[float, float]:
    now = _disk_mb()
    return now[0] - start[0], now[1] - start[1]


def _old_rows(url: str) -> int:
    engine = sa.create_engine(url)
    before = datetime.now(UTC) - timedelta(hours=23)
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(
            consent_log.c.site == deployment.SITE, consent_log.c.recorded_at < before
        )
        found = int(conn.execute(query).scalar_one())
    engine.dispose()
    return found


def purge(folder: Path, rounds: int, seconds: float, rate: float = 0) -> None:
    """Idle and purging phases interleaved, ``rounds`` times ``seconds`` each, under one load.

    Each purging phase starts ``banner log purge`` and interrupts it after
    ``seconds`` (its batch under way rolls back; the next phase goes on from
    there); the last one runs to the end when ``rounds`` is 0 extra. The
    machine's other load moves within minutes, so the phases alternate.
    """
    notes = _notes(folder)
    config_path = notes["config"]
    old = _old_rows(notes["url"])
    port = free_port()
    env = {"BANNER_CONFIG": config_path}
    argv = [*NICE, sys.executable, "-m", "banner", "log", "purge", "--older-than", "1",
            "--config", config_path]  # fmt: skip
    app = "banner.app:create_app()"
    phases: list[tuple[str, float, float]] = []
    disk = {"idle": [0.0, 0.0], "purge": [0.0, 0.0]}  # MB read, written
    if PROBE:  # every transaction timed (bench.purge_probe)
        (folder / "probe").mkdir(exist_ok=True)
        env["BANNER_PROBE"] = str(folder / "probe")
        argv[argv.index("banner")] = "bench.purge_probe"
        app = "bench.purge_probe:create_app()"
    start = _load(folder)
    purging = 0.0
    ratios = []
    with gunicorn(app, port, folder / "service.log", env, "/healthz"):
        body = deployment.consent_body(deployment.notice_hash(f"http://127.0.0.1:{port}"))
        clients: Clients | OpenLoopClients
        clients = OpenLoopClients(port, body, rate) if rate else Clients(port, body)
        with clients:
            time.sleep(3)
            for n in range(rounds):
                clients.phase = f"idle {n}"
                wall, mb = time.time(), _disk_mb()
                time.sleep(seconds)
                disk["idle"] = [a + b for a, b in zip(disk["idle"], _disk_since(mb), strict=True)]
                phases.append((f"idle {n}", wall, time.time()))
                clients.phase = f"purge {n}"
                wall, mb = time.time(), _disk_mb()
                started = time.perf_counter()
                child = subprocess.Popen(
                    argv,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    preexec_fn=_interruptible,
                    env={**os.environ, **env},
                )
                try:
                    child.wait(timeout=seconds)
                except subprocess.TimeoutExpired:
                    child.send_signal(signal.SIGINT)  # the batch under way rolls back
                    child.wait()
                purging += time.perf_counter() - started
                disk["purge"] = [a + b for a, b in zip(disk["purge"], _disk_since(mb), strict=True)]
                phases.append((f"purge {n}", wall, time.time()))
                clients.phase = "after"
                ratios.append(
                    percentile(clients.latencies[f"purge {n}"], 0.99)
                    / percentile(clients.latencies[f"idle {n}"], 0.99)
                )
    (folder / "phases.json").write_text(json.dumps(phases), encoding="utf-8")
    purged = old - _old_rows(notes["url"])
    lat = clients.latencies
    idle = [x for n in range(rounds) for x in lat[f"idle {n}"]]
    during = [x for n in range(rounds) for x in lat[f"purge {n}"]]
    p99, p99_during = percentile(idle, 0.99), percentile(during, 0.99)
    mode = f"open loop {rate:.0f}/s" if rate else f"{CLIENTS} clients back to back"
    late = f" late {clients.late}" if isinstance(clients, OpenLoopClients) else ""
    print(f"| {notes['kind']} | {notes['rows']:,} | {mode} | {rounds} x {seconds:.0f} s "
          f"| purged {purged:,} "
          f"in {purging:.0f} s ({purged / purging:,.0f} rows/s) "
          f"| idle p50/p99 ms {percentile(idle, 0.5) * 1000:.1f} / {p99 * 1000:.1f} "
          f"| purging p50/p99 ms {percentile(during, 0.5) * 1000:.1f} / {p99_during * 1000:.1f} "
          f"| {p99_during / p99:.2f}x (rounds: {' '.join(f'{r:.2f}' for r in ratios)}) "
          f"| POST/s {len(idle) / (rounds * seconds):.0f} / {len(during) / purging:.0f} "
          f"| disk read/written MB/s {disk['idle'][0] / (rounds * seconds):.1f}/"
          f"{disk['idle'][1] / (rounds * seconds):.1f} idle, "
          f"{disk['purge'][0] / purging:.1f}/{disk['purge'][1] / purging:.1f} purging "
          f"| errors {clients.errors}{late} | {start} / {_load(folder)} |", flush=True)  # fmt: skip


def _interruptible() -> None:
    """SIGINT as Python expects it: a shell's background job starts with it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def drop(folder: Path) -> None:
    notes = _notes(folder)
    if notes["kind"] == "SQLite":
        for path in folder.glob("bench.db*"):
            path.unlink()
    else:
        schema = notes["url"].rsplit("%3D", 1)[1]
        with sa.create_engine(deployment.POSTGRES_URL).begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    step, folder = sys.argv[1], Path(sys.argv[2])
    if step == "seed":
        seed_database(folder, sys.argv[3], int(sys.argv[4]))
    elif step == "dashboard":
        dashboard(folder)
    elif step == "export":
        export(folder)
    elif step == "purge":
        rate = float(sys.argv[5]) if sys.argv[5:] else 0.0
        purge(folder, int(sys.argv[3]), float(sys.argv[4]), rate)
    elif step == "drop":
        drop(folder)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
