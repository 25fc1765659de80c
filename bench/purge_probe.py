"""Where a writer's time goes while the log is purged: every SQLite transaction timed.

An investigation tool for issue 24 (the consent POST's p99 during a purge of
ten million rows). Every transaction of the service's workers and of the
purge writes one line to ``$BANNER_PROBE/<pid>.jsonl``: when its
``BEGIN IMMEDIATE`` started (wall clock), how long it waited for the lock,
how long its work took and how long its ``COMMIT`` took (the WAL's fsync and
any checkpoint the commit ran).

- the service: ``gunicorn ... 'bench.purge_probe:create_app()'``;
- the purge: ``python -m bench.purge_probe log purge --older-than 1 --config ...``
  (the arguments of ``banner``);
- ``python -m bench.purge_probe report FOLDER``: after a ``bench.scale purge``
  run with ``BENCH_PROBE=1``, the writers' lock waits and commits per phase.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask

from banner.log import store

_local = threading.local()
_out: IO[str] | None = None
_out_lock = threading.Lock()


def _write(record: dict[str, Any]) -> None:
    global _out
    folder = os.environ.get("BANNER_PROBE")
    if not folder:
        return
    with _out_lock:
        if _out is None:
            _out = open(Path(folder) / f"{os.getpid()}.jsonl", "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        _out.write(json.dumps(record) + "\n")


def _busy_handler_begin(conn: sa.Connection) -> None:
    """The lock as SQLite's busy handler gives it (before ``store.begin_immediate``)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


#: ``BENCH_BUSY_HANDLER=1``: the writers wait with SQLite's busy handler, for an A/B.
_begin = _busy_handler_begin if os.environ.get("BENCH_BUSY_HANDLER") else store._sqlite_begin


def _timed_begin(conn: sa.Connection) -> None:
    wall, started = time.time(), time.perf_counter()
    _begin(conn)
    _local.begun = (wall, started, time.perf_counter())


def _timed_commit(original: Callable[[Any], None], role: str) -> Callable[[Any], None]:
    def commit(dbapi_connection: Any) -> None:
        before = time.perf_counter()
        original(dbapi_connection)
        after = time.perf_counter()
        begun = getattr(_local, "begun", None)
        _local.begun = None
        if begun is None:
            return
        wall, started, locked = begun
        _write({"role": role, "pid": os.getpid(), "t": wall, "wait": locked - started,
                "work": before - locked, "commit": after - before})  # fmt: skip

    return commit


def install(engine: sa.Engine, role: str) -> None:
    dialect: Any = engine.dialect
    dialect.do_commit = _timed_commit(dialect.do_commit, role)


def create_app() -> Flask:
    store._sqlite_begin = _timed_begin  # before the app makes its engine
    from banner.app import create_app as banner_app

    app = banner_app()
    install(app.extensions["banner"].log.engine, "writer")
    return app


def _purge_cli(argv: list[str]) -> None:
    store._sqlite_begin = _timed_begin
    original = store.make_engine

    def make_engine(url: str) -> sa.Engine:
        engine = original(url)
        install(engine, "purge")
        return engine

    store.make_engine = make_engine
    from banner.log import purge

    checkpoint = getattr(purge, "checkpoint", None)  # (a purge before it had none)

    def timed_checkpoint(conn: sa.Connection) -> None:
        assert checkpoint is not None
        wall, started = time.time(), time.perf_counter()
        checkpoint(conn)
        took = time.perf_counter() - started
        _write({"role": "checkpoint", "pid": os.getpid(), "t": wall, "wait": 0.0,
                "work": 0.0, "commit": took})  # fmt: skip

    if checkpoint is not None:
        purge.checkpoint = timed_checkpoint
    from banner.cli.commands import main

    main(argv, prog_name="banner")


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(folder: Path) -> None:
    phases = json.loads((folder / "phases.json").read_text(encoding="utf-8"))
    records = [
        json.loads(line)
        for path in (folder / "probe").glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    for name in ("idle", "purge"):
        windows = [(a, b) for phase, a, b in phases if phase.startswith(name)]
        for role in ("writer", "purge", "checkpoint"):
            found = [
                r for r in records
                if r["role"] == role and any(a <= r["t"] < b for a, b in windows)
            ]  # fmt: skip
            if not found:
                continue
            line = [f"{name:5} {role:6} n={len(found):6}"]
            for key in ("wait", "work", "commit"):
                values = [r[key] * 1000 for r in found]
                line.append(
                    f"{key} p50/p90/p99/max ms {_pct(values, 0.5):.1f}/{_pct(values, 0.9):.1f}"
                    f"/{_pct(values, 0.99):.1f}/{max(values):.1f}"
                )
            print(" | ".join(line))


if __name__ == "__main__":
    if sys.argv[1] == "report":
        report(Path(sys.argv[2]))
    else:
        _purge_cli(sys.argv[1:])
