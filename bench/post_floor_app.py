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


def _ready(start_response: Callable[..., Any]) -> list[bytes]:
    """The answer to the harness's readiness GET."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ready"]


def _posted(environ: dict[str, Any]) -> Any:
    """The POST's JSON body, or ``None`` when it is not JSON."""
    size = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        return json.loads(environ["wsgi.input"].read(size))
    except ValueError:
        return None


def _beside(batch: Batch) -> Callable[..., list[bytes]]:
    """The durable POST without Flask: a bare WSGI callable, as a path beside Flask would be.

    The same body check, batch and answer as :func:`_app`; no routing, no request object.
    """
    batcher = _Batcher(batch)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return _ready(start_response)
        row = _posted(environ)
        if not isinstance(row, dict):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": "body"}']
        batcher.wait(row)
        answer = {"consent_id": row.get("consent_id"), "granted": row.get("granted")}
        start_response("201 Created", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return app


class _LeanSqlite:
    """The batch as banner must write it, lean: banner's schema on the bare driver.

    BEGIN IMMEDIATE, the numbering's UPDATE ... RETURNING, the newest rows of the
    batch's ids, the roll-ups' zones, the rows with their leaf hashes, the
    roll-ups' upsert, COMMIT (WAL, ``synchronous=FULL``).
    """

    COLUMNS = (
        "consent_id, site, recorded_at, action, granted, denied, policy_version, language, "
        "text_hash, source, page_origin, page_path, gpc, ip_masked, user_agent, age_confirmed, "
        "retry_key_hash, log_index, leaf_hash"
    )

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            from banner.log.store import ConsentLog

            path = f"{os.environ['BENCH_FLOOR_DB']}-lean-{os.getpid()}"
            log = ConsentLog(f"sqlite:///{path}")
            log.create_schema()
            log.dispose()
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("INSERT OR IGNORE INTO log_numbering (site, size) VALUES ('shop', 0)")
            conn.execute("INSERT OR IGNORE INTO rollup_zones (site, zone) VALUES ('shop', 'UTC')")
            self._conn = conn
        return self._conn

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        from banner.log import merkle

        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        end = conn.execute(
            "UPDATE log_numbering SET size = size + ? WHERE site = ? RETURNING size",
            (len(rows), "shop"),
        ).fetchone()[0]
        ids = [r["decision"].consent_id for r in rows]
        marks = ",".join("?" * len(ids))
        conn.execute(
            "SELECT * FROM consent_log WHERE row_id IN (SELECT max(row_id) FROM consent_log "
            f"WHERE consent_id IN ({marks}) GROUP BY consent_id, site)",
            ids,
        ).fetchall()
        conn.execute("SELECT site, zone FROM rollup_zones WHERE site IN (?)", ("shop",)).fetchall()
        first = end - len(rows)
        values = []
        for n, row in enumerate(rows):
            d, (before, after) = row["decision"], row["parts"]
            leaf = merkle.leaf_hash(before + str(first + n).encode() + after)
            values.append(
                (
                    d.consent_id,
                    d.site,
                    d.recorded_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    d.action,
                    json.dumps(list(d.granted)),
                    json.dumps(list(d.denied)),
                    d.policy_version,
                    d.language,
                    d.text_hash,
                    d.source,
                    d.page_origin,
                    d.page_path,
                    int(d.gpc),
                    d.ip_masked,
                    d.user_agent,
                    0,
                    "",
                    first + n,
                    leaf.hex(),
                )
            )
        conn.executemany(
            f"INSERT INTO consent_log ({self.COLUMNS}) VALUES ({', '.join('?' * 19)})", values
        )
        day = rows[0]["decision"].recorded_at.date().isoformat()
        conn.executemany(
            "INSERT INTO rollup_days (site, day, kind, name, n) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (site, day, kind, name) DO UPDATE SET n = n + excluded.n",
            [
                ("shop", day, "action", "custom", len(rows)),
                ("shop", day, "visitors", "", len(rows)),
                ("shop", day, "granted", "analytics", len(rows)),
            ],
        )
        conn.execute("COMMIT")


#: The origin the benchmark's decisions come from (``bench.throughput.SHOP``).
LEAN_ORIGIN = "http://localhost:8001"
#: Decisions a minute per network and site: far above the load (the bench config allows 999,999/s).
LEAN_LIMIT = 1_000_000


def _lean_app(batch: Batch) -> Callable[..., list[bytes]]:
    """banner's required work per decision, written lean, beside Flask (floor of a lean path).

    The origin, the fields' shapes, a sliding-window count, the decision and its
    leaf's canonical bytes, the batch (``batch``: :class:`_LeanSqlite`), the HMAC
    token and the answer. Generous to the floor: no ownership, retry, notice
    archive, webhook outbox, subject link or signed head, and one database per
    worker (no lock shared between workers).
    """
    import re
    import time as clock
    from datetime import UTC, datetime

    from banner.core.token import TokenCodec
    from banner.log import tree
    from banner.log.rows import Decision

    batcher = _Batcher(batch)
    codec = TokenCodec("shop", [b"k" * 32], 1, 180 * 86400)
    consent_id = re.compile(r"[A-Za-z0-9_-]{16,64}")
    fields = (
        "site",
        "granted",
        "language",
        "policy_version",
        "consent_id",
        "notice_hash",
        "page_path",
        "retry_key",
        "source",
        "gpc",
        "age_confirmed",
        "token",
        "subject",
    )
    windows: dict[tuple[str, int], int] = {}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return _ready(start_response)
        d = _posted(environ)
        ok = isinstance(d, dict) and environ.get("HTTP_ORIGIN") == LEAN_ORIGIN
        ok = ok and all(k in fields for k in d) and isinstance(d.get("granted"), list)
        ok = ok and d.get("language") in ("id", "en") and type(d.get("policy_version")) is int
        ok = ok and bool(consent_id.fullmatch(str(d.get("consent_id"))))
        ok = ok and isinstance(d.get("notice_hash"), str) and len(d["notice_hash"]) == 64
        if not ok:
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": "body"}']
        now = clock.time()
        key, window = "127.0.0.0/24|shop", int(now // 60)
        current = windows.get((key, window), 0)
        counted = windows.get((key, window - 1), 0) * (1 - (now % 60) / 60) + current
        if counted >= LEAN_LIMIT:  # the sliding window's refusal, as banner's limit
            start_response("429 Too Many Requests", [("Content-Type", "application/json")])
            return [b'{"error": "rate_limited"}']
        windows[(key, window)] = current + 1
        decision = Decision(
            consent_id=d["consent_id"],
            site="shop",
            recorded_at=datetime.fromtimestamp(int(now), UTC),
            action="custom",
            granted=tuple(d["granted"]),
            denied=("functional", "preference"),
            policy_version=1,
            language=d["language"],
            text_hash=d["notice_hash"],
            source="banner",
            page_origin=environ["HTTP_ORIGIN"],
            page_path=str(d.get("page_path", "")),
            gpc=False,
            ip_masked="127.0.0.0/24",
            user_agent=environ.get("HTTP_USER_AGENT", ""),
        )
        batcher.wait({"decision": decision, "parts": tree.leaf_parts(decision)})
        token, content = codec.sign(decision.consent_id, decision.granted, 1)
        answer = {
            "consent_id": decision.consent_id,
            "token": token,
            "granted": list(content.granted),
            "policy_version": 1,
            "expires_at": "x",
        }
        start_response("201 Created", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return app


lean_beside = _lean_app(_LeanSqlite())
echo = _app("echo", None)
parked = _app("parked", _nothing)
durable = _app("durable", _SqliteRows())
durable_pg = _app("durable_pg", _PostgresRows())
durable_beside = _beside(_SqliteRows())
durable_pg_beside = _beside(_PostgresRows())
