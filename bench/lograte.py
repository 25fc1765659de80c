"""Consent log write rate: rows per second through ``ConsentService.record``.

SQLite (WAL, ``synchronous=FULL``) and PostgreSQL, one and two writer
processes. The reference, measured in the same run, is a bare durable
``INSERT`` + ``COMMIT`` of the same row through the same engine: the
database's own floor, so the ratio shows what banner's write path adds.

Run: ``.venv/bin/python -m bench.lograte``
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from banner.core.config import load_config
from banner.core.texts import banner_texts
from banner.log.rows import NOT_COLUMNS
from banner.log.schema import consent_log
from banner.log.service import ConsentService, DecisionRequest
from banner.log.store import ConsentLog, Decision
from bench import deployment
from bench.figures import Spread, ratio
from bench.table import markdown

ROUNDS = 5
#: Each writer stops after this many rows or this many seconds, whichever first.
ROWS = 400
SECONDS = 4.0
SHOP = "https://shop.example"

REQUEST = DecisionRequest(
    site=deployment.SITE,
    granted=("analytics",),
    language="id",
    page_origin=SHOP,
    page_path="/produk/kopi",
    ip="203.0.113.77",
    user_agent="Mozilla/5.0 (bench)",
)


def _service(config_path: str) -> ConsentService:
    config = load_config(config_path)
    return ConsentService(config, ConsentLog(config.database_url), texts=banner_texts)


def _bounded(write: Callable[[], object]) -> float:
    """Call ``write`` up to :data:`ROWS` times within :data:`SECONDS`; rows/s."""
    start = time.perf_counter()
    rows = 0
    while rows < ROWS and time.perf_counter() - start < SECONDS:
        write()
        rows += 1
    return rows / (time.perf_counter() - start)


def service_writer(config_path: str) -> float:
    """One writer process: new decisions through the real write path."""
    consent = _service(config_path)
    consent.record(REQUEST)  # connect and warm up outside the timing
    rate = _bounded(lambda: consent.record(REQUEST))
    consent.log.dispose()
    return rate


def bare_writer(config_path: str) -> float:
    """One writer process: the same row as a plain INSERT and COMMIT."""
    consent = _service(config_path)
    stored = consent.record(REQUEST).decision
    engine = consent.log.engine

    def insert() -> None:
        row = _row(replace(stored, recorded_at=datetime.now(UTC)))
        with engine.begin() as conn:
            conn.execute(consent_log.insert().values(**row))

    rate = _bounded(insert)
    engine.dispose()
    return rate


def _row(decision: Decision) -> dict[str, object]:
    fields = (n for n in decision.__dataclass_fields__ if n not in NOT_COLUMNS)
    row: dict[str, object] = {n: getattr(decision, n) for n in fields}
    row["granted"], row["denied"] = '["analytics"]', '["functional", "preference"]'
    return row


def _total_rate(writer: Callable[[str], float], config_path: str, writers: int) -> float:
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        return sum(pool.map(writer, [config_path] * writers))


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "SQLite":
        yield deployment.sqlite_url(folder)
    else:
        with deployment.postgres_schema() as url:
            yield url


def measure(kind: str, writers: int) -> tuple[Spread, Spread]:
    """Rows/s of the service and of the bare insert, interleaved over rounds."""
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        config_path = str(deployment.write_config(Path(tmp), url, SHOP))
        ConsentLog(url).create_schema()
        service, bare = [], []
        for _ in range(ROUNDS):
            service.append(_total_rate(service_writer, config_path, writers))
            bare.append(_total_rate(bare_writer, config_path, writers))
        return Spread.of(service), Spread.of(bare)


def main() -> None:
    kinds = ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    rows = []
    for kind in kinds:
        for writers in (1, 2):
            service, bare = measure(kind, writers)
            rows.append(
                [kind, writers, service.show(0), bare.show(0), ratio(service.median, bare.median)]
            )
    print(
        markdown(
            ["database", "writers", "record rows/s", "bare INSERT rows/s", "record / bare"], rows
        )
    )
    if "PostgreSQL" not in kinds:
        print(f"\nPostgreSQL skipped: {deployment.POSTGRES_URL} does not answer.")
    print(f"\n{ROUNDS} rounds; each writer stops at {ROWS} rows or {SECONDS:.0f} s.")


if __name__ == "__main__":
    main()
