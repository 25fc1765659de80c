"""Where the consent POST's floor is: banner's POST beside POSTs without banner's code.

Every server runs under ``banner serve``'s gunicorn settings, loaded by wrk as
``bench.throughput`` does, round-robin, with hello-world as the reference:

- ``POST, Flask echo``: parse the JSON body, answer 201 (``bench/post_floor_app.py``);
- ``POST, parked``: the echo, with the request thread parked until a batch
  thread takes it (a group commit's wake-up, no database);
- ``POST, parked + SQLite commit``: parked, the batch inserted and committed
  durably (WAL, ``synchronous=FULL``) before the wake-up;
- banner's own ``POST /api/v1/consent`` on SQLite.

Each row's ratio to hello-world is what the POST could reach if banner's own
code cost nothing on top of that row's design.

Run: ``.venv/bin/python -m bench.post_floor [ROUNDS [CONNECTIONS]]`` (wrk's connections,
default ``bench.load.CONNECTIONS``: more of them make larger batches)
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench import deployment, load, stack
from bench.post_floor_app import POSTGRES_TABLE
from bench.processes import free_port, gunicorn
from bench.throughput import (
    CONSENT_ID_SLOT,
    HELLO,
    SHOP,
    Case,
    run_rounds,
)

ROUNDS = 3
FLOORS = (
    ("POST, Flask echo", "echo"),
    ("POST, parked", "parked"),
    ("POST, parked + SQLite commit", "durable"),
    ("POST, parked + PostgreSQL commit", "durable_pg"),
    ("POST beside Flask (bare WSGI), parked + SQLite commit", "durable_beside"),
    ("POST beside Flask (bare WSGI), parked + PostgreSQL commit", "durable_pg_beside"),
    ("banner's required work, lean, beside Flask, SQLite", "lean_beside"),
)
BANNER_SQLITE = "POST /api/v1/consent (banner, SQLite)"
BANNER_POSTGRES = "POST /api/v1/consent (banner, PostgreSQL)"


@dataclass(frozen=True, slots=True)
class Floors:
    urls: dict[str, str]
    masters: dict[str, int]


@contextmanager
def servers(folder: Path) -> Iterator[Floors]:
    """hello-world, the floor apps, and banner on SQLite and on PostgreSQL."""
    with ExitStack() as started:
        urls: dict[str, str] = {}
        masters: dict[str, int] = {}
        apps = [(HELLO, "bench.hello:app"), *[(n, f"bench.post_floor_app:{a}") for n, a in FLOORS]]
        postgres = started.enter_context(deployment.postgres_schema())
        engine = sa.create_engine(postgres)
        with engine.begin() as conn:
            conn.execute(sa.text(POSTGRES_TABLE))
        engine.dispose()
        env = {"BENCH_FLOOR_DB": str(folder / "floor.db"), "BENCH_FLOOR_PG": postgres}
        for name, app in apps:
            port = free_port()
            log = folder / f"{app.rsplit(':', 1)[1]}.log"
            masters[urls.setdefault(name, f"http://127.0.0.1:{port}")] = started.enter_context(
                gunicorn(app, port, log, env)
            ).pid
        (folder / "sqlite").mkdir()
        (folder / "pg").mkdir()
        databases = {
            BANNER_SQLITE: (folder / "sqlite", deployment.sqlite_url(folder / "sqlite")),
            BANNER_POSTGRES: (folder / "pg", started.enter_context(deployment.postgres_schema())),
        }
        for name, (home, url) in databases.items():
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            masters[urls[name]] = started.enter_context(stack.service(home, url, SHOP, port)).pid
        yield Floors(urls, masters)


def cases(running: Floors) -> list[Case]:
    site = running.urls[BANNER_SQLITE]
    notice = deployment.notice_hash(site)
    consent = {**json.loads(deployment.consent_body(notice)), "consent_id": CONSENT_ID_SLOT}
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    body = json.dumps(consent)
    found = [Case(HELLO, load.Shape(f"{running.urls[HELLO]}/"), 200)]
    for name, _ in FLOORS:
        found.append(Case(name, load.Shape(f"{running.urls[name]}/", "POST", body, headers), 201))
    for name in (BANNER_SQLITE, BANNER_POSTGRES):
        shape = load.Shape(f"{running.urls[name]}/api/v1/consent", "POST", body, headers)
        found.append(Case(name, shape, 201))
    return found


def measure(rounds: int) -> str:
    load.wrk_path()
    with tempfile.TemporaryDirectory(prefix="banner-floor-") as tmp, servers(Path(tmp)) as run:
        return run_rounds(run, cases(run), rounds)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    if len(sys.argv) > 2:
        load.CONNECTIONS = int(sys.argv[2])
    print(measure(rounds))
    print(
        f"\nbanner serve's gunicorn settings for every server; wrk 1 thread, "
        f"{load.CONNECTIONS} connections, {load.SECONDS} s per case per round, {rounds} rounds, "
        "median (min-max); CPU ceiling = hello-world's worker CPU per request ÷ the row's."
    )


if __name__ == "__main__":
    main()
