"""The consent POST's floor, without banner: three Flask apps under banner serve's gunicorn.

Each answers ``POST /`` with the consent API's body and a small JSON answer, 201:

- ``echo``: reads and parses the JSON body, answers. The floor of any POST
  answered through Flask on this server.
- ``parked``: the same, but the request thread waits until a batch thread has
  taken it (one wake-up per batch, as a group commit does), with no database.
  The cost of parking a gthread worker's thread per POST.
- ``durable``: parked, and the batch thread inserts the batch's rows into SQLite
  (WAL, ``synchronous=FULL``, one ``BEGIN IMMEDIATE`` ... ``COMMIT`` per batch)
  before it wakes them. A durable POST with none of banner's own code: no
  validation, notice, numbering, tree, rate limit or token.
- ``durable_beside``, ``durable_pg_beside``: ``durable`` and ``durable_pg``
  answered by a bare WSGI callable instead of Flask: the floor of a path beside
  Flask for the consent POST (issue 24 allows one).
- ``durable_pg``: the same on PostgreSQL (psycopg, one transaction per batch,
  the server's default ``synchronous_commit = on``), into the table
  :data:`POSTGRES_TABLE` that ``bench.post_floor`` makes in ``$BENCH_FLOOR_PG``.

``bench.post_floor`` loads them beside hello-world and banner's own POST.
The SQLite file is ``$BENCH_FLOOR_DB`` (one per gunicorn worker: ``-<pid>``).
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

POSTGRES_TABLE = (
    "CREATE TABLE decisions (row_id BIGSERIAL PRIMARY KEY, consent_id TEXT NOT NULL, "
    "site TEXT NOT NULL, granted TEXT NOT NULL, body TEXT NOT NULL)"
)

Batch = Callable[[list[dict[str, Any]]], None]


class _Batcher:
    """One thread per process that takes every waiting request at once."""

    def __init__(self, work: Batch) -> None:
        self._work = work
        self._queue: queue.SimpleQueue[tuple[dict[str, Any], threading.Event]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wait(self, row: dict[str, Any]) -> None:
        self._start()
        done = threading.Event()
        self._queue.put((row, done))
        done.wait(10)

    def _start(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._work([row for row, _ in items])
            for _, done in items:
                done.set()


def _values(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """The table's columns of each row: consent id, site, granted, the whole body."""
    return [
        (
            str(row.get("consent_id")),
            str(row.get("site")),
            json.dumps(row.get("granted")),
            json.dumps(row),
        )
        for row in rows
    ]


def _nothing(rows: list[dict[str, Any]]) -> None:
    del rows


class _SqliteRows:
    """The batch's rows into one SQLite file, durably, one transaction per batch."""

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO decisions (consent_id, site, granted, body) VALUES (?, ?, ?, ?)",
            _values(rows),
        )
        conn.execute("COMMIT")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            path = f"{os.environ['BENCH_FLOOR_DB']}-{os.getpid()}"
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS decisions (row_id INTEGER PRIMARY KEY, "
                "consent_id TEXT NOT NULL, site TEXT NOT NULL, granted TEXT NOT NULL, "
                "body TEXT NOT NULL)"
            )
            self._conn = conn
        return self._conn


class _PostgresRows:
    """The batch's rows into one PostgreSQL table, one transaction per batch."""

    def __init__(self) -> None:
        self._conn: Any = None

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO decisions (consent_id, site, granted, body) VALUES (%s, %s, %s, %s)",
                _values(rows),
            )

    def _connection(self) -> Any:
        if self._conn is None:
            import psycopg

            url = os.environ["BENCH_FLOOR_PG"].replace("postgresql+psycopg://", "postgresql://")
            self._conn = psycopg.connect(url, autocommit=True)
        return self._conn


def _app(name: str, batch: Batch | None) -> Flask:
    app = Flask(name)
    batcher = None if batch is None else _Batcher(batch)

    @app.get("/")
    def ready() -> str:
        return "ready"

    @app.post("/")
    def decide() -> Response:
        row = request.get_json()
        if not isinstance(row, dict):
            return Response('{"error": "body"}', 400, mimetype="application/json")
        if batcher is not None:
            batcher.wait(row)
        answer = {"consent_id": row.get("consent_id"), "granted": row.get("granted")}
        return Response(json.dumps(answer), 201, mimetype="application/json")

    return app


def _beside(batch: Batch) -> Callable[..., list[bytes]]:
    """The durable POST without Flask: a bare WSGI callable, as a path beside Flask would be.

    The same body check, batch and answer as :func:`_app`; no routing, no request object.
    """
    batcher = _Batcher(batch)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ready"]
        size = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            row = json.loads(environ["wsgi.input"].read(size))
        except ValueError:
            row = None
        if not isinstance(row, dict):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": "body"}']
        batcher.wait(row)
        answer = {"consent_id": row.get("consent_id"), "granted": row.get("granted")}
        start_response("201 Created", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return app


echo = _app("echo", None)
parked = _app("parked", _nothing)
durable = _app("durable", _SqliteRows())
durable_pg = _app("durable_pg", _PostgresRows())
durable_beside = _beside(_SqliteRows())
durable_pg_beside = _beside(_PostgresRows())
