"""Durable ``POST /api/v1/consent`` with a webhook configured, against the same app without one.

Services under gunicorn with ``banner serve``'s settings, each on its own
database (SQLite; PostgreSQL when reachable), loaded in turn by wrk, round
after round (ABBA order), each request a new consent id; each phase runs the
reference and one case only:

- *without* a webhook: the reference, measured in the same run;
- *outbox*: one webhook configured, the sender kept off
  (``bench/no_delivery_app.py``): the cost of writing the outbox row in the
  decision's transaction, what the issue bounds at 10%;
- *outbox + sending*: the sender on, delivering to a local receiver
  (``bench/webhook_receiver.py``) while the load runs: the whole cost on the
  same two cores. After each of its rounds the bench waits for the sender to
  empty the outbox, so the backlog does not slow the next round.

Run: ``.venv/bin/python -m bench.webhookpost [ROUNDS] [CONNECTIONS]`` (default 5 rounds).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import deployment, load
from bench.figures import Spread, ratio
from bench.processes import Process, free_port, gunicorn
from bench.table import markdown
from bench.throughput import CONSENT_ID_SLOT, SHOP

ROUNDS = 5
SECRET = "bench-webhook-secret-0123456789"
#: case -> (app, with a webhook)
CASES = {
    "without": ("banner.app:create_app()", False),
    "outbox": ("bench.no_delivery_app:create_app()", True),
    "outbox + sending": ("banner.app:create_app()", True),
}
#: each phase loads the reference and one case, only those two running
PHASES = (("without", "outbox"), ("without", "outbox + sending"))
#: seconds to wait at most for the sender to empty its outbox after a round
DRAIN_SECONDS = 60.0


def _hooked(config: Path, receiver: int) -> None:
    with config.open("a", encoding="utf-8") as out:
        out.write(
            f"\n[sites.{deployment.SITE}.webhooks.bench]\n"
            f'url = "http://127.0.0.1:{receiver}/hook"\nsecret = "{SECRET}"\n'
        )


@dataclass
class Service:
    url: str
    database: str


@contextmanager
def _services(folder: Path, database: str, names: tuple[str, ...]) -> Iterator[dict[str, Service]]:
    with ExitStack() as started:
        receiver = free_port()
        argv = [sys.executable, "-m", "bench.webhook_receiver", str(receiver)]
        started.enter_context(
            Process(argv, f"http://127.0.0.1:{receiver}/", folder / "receiver.log", None)
        )
        found = {}
        for name in names:
            app, hooked = CASES[name]
            home = folder / name.replace(" ", "-").replace("+", "and")
            home.mkdir()
            url = deployment.sqlite_url(home) if database == "SQLite" else None
            if url is None:
                url = started.enter_context(deployment.postgres_schema())
            config = deployment.write_config(home, url, SHOP)
            if hooked:
                _hooked(config, receiver)
            port = free_port()
            env = {"BANNER_CONFIG": str(config)}
            started.enter_context(gunicorn(app, port, home / "service.log", env, "/healthz"))
            found[name] = Service(f"http://127.0.0.1:{port}", url)
        yield found


def _shape(url: str) -> load.Shape:
    notice = deployment.notice_hash(url)
    body = {**json.loads(deployment.consent_body(notice)), "consent_id": CONSENT_ID_SLOT}
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    return load.Shape(f"{url}/api/v1/consent", "POST", json.dumps(body), headers)


def _drain(database_url: str) -> None:
    """Wait until the sender has delivered every event (it competes for the CPU)."""
    import sqlalchemy as sa

    from banner.log.schema import webhook_outbox

    engine = sa.create_engine(database_url)
    query = sa.select(sa.func.count()).where(webhook_outbox.c.state == "pending")
    deadline = time.monotonic() + DRAIN_SECONDS
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if not conn.execute(query).scalar():
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()


def measure(database: str, rounds: int, phase: tuple[str, ...]) -> list[object]:
    """The reference and one case, round after round, in ABBA order against drift."""
    rates: dict[str, list[float]] = {name: [] for name in phase}
    errors = 0
    with (
        tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp,
        _services(Path(tmp), database, phase) as services,
    ):
        shapes = {name: _shape(s.url) for name, s in services.items()}
        for n in range(rounds):
            for name in phase if n % 2 == 0 else reversed(phase):
                result = load.run(shapes[name])
                rates[name].append(result.requests_per_second)
                errors += result.errors
                if CASES[name][1]:
                    _drain(services[name].database)
    reference, case = phase
    bare, hooked = Spread.of(rates[reference]), Spread.of(rates[case])
    name = f"durable POST ({database}), {case}, requests/s"
    return [name, hooked.show(0), bare.show(0), ratio(hooked.median, bare.median), errors]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    if len(sys.argv) > 2:
        load.CONNECTIONS = int(sys.argv[2])
    load.wrk_path()
    databases = ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    rows = [measure(db, rounds, phase) for db in databases for phase in PHASES]
    headers = ["case", "with a webhook", "without (same run)", "ratio", "wrk errors"]
    print(markdown(headers, rows))
    seconds, connections = load.SECONDS, load.CONNECTIONS
    print(f"\nmedian (min-max) of {rounds} rounds of {seconds} s, {connections} connections.")


if __name__ == "__main__":
    main()
