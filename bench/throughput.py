"""Server throughput under gunicorn (``banner serve``'s settings) on 127.0.0.1.

A hello-world Flask app (``bench/hello.py``) under the same gunicorn
settings is the reference of every round. Cases: ``loader.js`` (200, and
304 with its ETag), ``POST /api/v1/consent`` on SQLite and on PostgreSQL
(its own schema, dropped after), ``POST /api/v1/verify``, and the
preference page. Load comes from wrk, bounded in time; cases run
round-robin so noise spreads evenly.

Every server runs 2 ``gthread`` workers with ``banner serve``'s threads and
keep-alive cap (``bench/gunicorn_settings.py``): the cap is what keeps one
worker from taking every wrk connection after a fresh start (BENCH-NOTES).
Durable decisions are also measured against two instances sharing one
database, each loaded by its own wrk with half the connections (the figure is
their sum).

Run: ``.venv/bin/python -m bench.throughput [ROUNDS]``
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from banner.web.server import KEEPALIVE_REQUESTS, THREADS
from bench import deployment, load, stack
from bench.figures import Spread, ratio
from bench.processes import free_port, gunicorn, workers_cpu_seconds
from bench.table import markdown

ROUNDS = 3
SHOP = "http://localhost:8001"
ENCODINGS = "br, gzip"
HELLO = "hello-world Flask"
#: Replaced by wrk with a new consent id in every request.
CONSENT_ID_SLOT = "__BENCH_CONSENT_ID__"


@dataclass(frozen=True, slots=True)
class Case:
    """One row of the table: a request shape and the status it must get."""

    name: str
    shape: load.Shape
    status: int
    #: The same request to other instances, loaded at the same time.
    also: tuple[load.Shape, ...] = ()


class Running(Protocol):
    """Started servers: gunicorn's master process of each base URL (for their workers' CPU)."""

    @property
    def masters(self) -> dict[str, int]: ...


@dataclass(frozen=True, slots=True)
class Services:
    hello: str
    sqlite: str
    postgres: str | None
    #: A second instance on the same SQLite file, and on the same PostgreSQL schema.
    sqlite_twin: str
    postgres_twin: str | None
    #: gunicorn's master process of each URL above (for profiling its workers).
    masters: dict[str, int]


@contextmanager
def services(folder: Path) -> Iterator[Services]:
    """Start hello-world, banner on SQLite and (when reachable) on PostgreSQL."""
    with ExitStack() as started:
        ports = free_port(), free_port(), free_port(), free_port(), free_port()
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        masters = {
            urls[0]: started.enter_context(
                gunicorn("bench.hello:app", ports[0], folder / "hello.log")
            ).pid
        }
        (folder / "sqlite").mkdir()
        sqlite = deployment.sqlite_url(folder / "sqlite")
        service = stack.service(folder / "sqlite", sqlite, SHOP, ports[1])
        masters[urls[1]] = started.enter_context(service).pid
        (folder / "sqlite-twin").mkdir()
        service = stack.service(folder / "sqlite-twin", sqlite, SHOP, ports[3])
        masters[urls[3]] = started.enter_context(service).pid
        postgres = postgres_twin = None
        if deployment.postgres_reachable():
            (folder / "pg").mkdir()
            (folder / "pg-twin").mkdir()
            database = started.enter_context(deployment.postgres_schema())
            service = stack.service(folder / "pg", database, SHOP, ports[2])
            masters[urls[2]] = started.enter_context(service).pid
            service = stack.service(folder / "pg-twin", database, SHOP, ports[4])
            masters[urls[4]] = started.enter_context(service).pid
            postgres, postgres_twin = urls[2], urls[4]
        yield Services(urls[0], urls[1], postgres, urls[3], postgres_twin, masters)


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def _post(url: str, document: dict[str, object]) -> load.Shape:
    headers = {"Content-Type": "application/json", "Origin": SHOP}
    return load.Shape(url, "POST", json.dumps(document), headers)


def cases(running: Services) -> list[Case]:
    site = running.sqlite
    loader = f"{site}/s/{deployment.SITE}/loader.js"
    encoding = {"Accept-Encoding": ENCODINGS}
    etag = _get(loader, encoding)[1].get("ETag", "")
    token = deployment.obtain_token(site, SHOP)
    # Each request carries a new consent id, as the loader sends (bench/wrk/request.lua),
    # so the write path checks for a retry of that id before inserting.
    notice = deployment.notice_hash(site)
    consent = {**json.loads(deployment.consent_body(notice)), "consent_id": CONSENT_ID_SLOT}
    found = [
        Case(HELLO, load.Shape(f"{running.hello}/"), 200),
        Case("loader.js 200", load.Shape(loader, headers=encoding), 200),
        Case("loader.js 304", load.Shape(loader, headers={**encoding, "If-None-Match": etag}), 304),
        Case("POST /api/v1/consent (SQLite)", _post(f"{site}/api/v1/consent", consent), 201),
        _twin("SQLite", site, running.sqlite_twin, consent),
    ]
    if running.postgres and running.postgres_twin:
        shape = _post(f"{running.postgres}/api/v1/consent", consent)
        found.append(Case("POST /api/v1/consent (PostgreSQL)", shape, 201))
        found.append(_twin("PostgreSQL", running.postgres, running.postgres_twin, consent))
    verify = {"site": deployment.SITE, "token": token}
    found.append(Case("POST /api/v1/verify", _post(f"{site}/api/v1/verify", verify), 200))
    preferences = load.Shape(f"{site}/s/{deployment.SITE}/preferences")
    found.append(Case("GET /s/SITE/preferences", preferences, 200))
    return found


def _twin(database: str, first: str, second: str, consent: dict[str, object]) -> Case:
    shapes = [_post(f"{url}/api/v1/consent", consent) for url in (first, second)]
    return Case(f"POST /api/v1/consent ({database}, 2 instances)", shapes[0], 201, (shapes[1],))


def status_of(shape: load.Shape) -> int:
    # A new consent id, as wrk sends: the same id twice is a retry, which needs its proof.
    body = shape.body.replace(CONSENT_ID_SLOT, secrets.token_urlsafe(16)) if shape.body else ""
    data = body.encode() if body else None
    request = urllib.request.Request(shape.url, data, dict(shape.headers), method=shape.method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Figures:
    """What the rounds measured, per case name."""

    statuses: dict[str, int]
    rates: dict[str, list[float]] = field(default_factory=dict)
    cpu_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)


def _masters(running: Running, case: Case) -> list[int]:
    urls = [shape.url for shape in (case.shape, *case.also)]
    return [pid for base, pid in running.masters.items() if any(u.startswith(base) for u in urls)]


def load_case(running: Running, case: Case, found: Figures) -> None:
    """One wrk run of ``case``: requests/s, and the workers' CPU per request."""
    masters = _masters(running, case)
    before = sum(workers_cpu_seconds(m) for m in masters)
    result = load.run_spread([case.shape, *case.also])
    used = sum(workers_cpu_seconds(m) for m in masters) - before
    found.rates.setdefault(case.name, []).append(result.requests_per_second)
    requests = max(1.0, result.requests_per_second * load.SECONDS)
    found.cpu_ms.setdefault(case.name, []).append(1000 * used / requests)
    found.errors[case.name] = found.errors.get(case.name, 0) + result.errors


def run_rounds(running: Running, table: list[Case], rounds: int) -> str:
    """Load every case answering its expected status, round-robin; the table."""
    found = Figures({case.name: status_of(case.shape) for case in table})
    ready = [case for case in table if found.statuses[case.name] == case.status]
    for _ in range(rounds):
        for case in ready:
            load_case(running, case, found)
    return table_of(table, found)


def measure(rounds: int) -> str:
    load.wrk_path()
    with tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp, services(Path(tmp)) as run:
        return run_rounds(run, cases(run), rounds)


def table_of(table: list[Case], found: Figures) -> str:
    hello = Spread.of(found.rates[HELLO]).median
    hello_cpu = Spread.of(found.cpu_ms[HELLO]).median
    rows = []
    for case in table:
        if case.name not in found.rates:
            got = f"not measured: answers {found.statuses[case.name]}, expected {case.status}"
            rows.append([case.name, got, "—", "—", "—", "—"])
            continue
        spread, cpu = Spread.of(found.rates[case.name]), Spread.of(found.cpu_ms[case.name])
        ceiling = ratio(hello_cpu, cpu.median)
        rate = ratio(spread.median, hello)
        rows.append(
            [case.name, spread.show(0), rate, cpu.show(3), ceiling, found.errors[case.name]]
        )
    head = ["endpoint", "requests/s", "÷ hello-world", "worker CPU ms/request"]
    return markdown([*head, "CPU ceiling ÷ hello-world", "errors"], rows)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    print(measure(rounds))
    print(
        f"\ngunicorn 2 gthread workers, {THREADS} threads, keep-alive capped at "
        f"{KEEPALIVE_REQUESTS} requests (banner serve's settings, hello-world's too); "
        f"wrk 1 thread, {load.CONNECTIONS} connections (split over 2 instances), "
        f"{load.SECONDS} s per case per round, {rounds} rounds, median (min-max). "
        "Worker CPU: user + system seconds of the case's gunicorn workers over its run, per "
        "request; CPU ceiling = hello-world's CPU per request ÷ the case's, the ratio it "
        "could reach if both were bound by the same cores."
    )


if __name__ == "__main__":
    main()
