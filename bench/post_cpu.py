"""The consent POST's CPU in one process, in two parts, without gunicorn or wrk.

- *request side*: ``POST /api/v1/consent`` through the whole WSGI app (rate
  limit, view, service, token, response) with the log's ``append`` answering
  at once (no database): CPU per request of the calling thread;
- *batch side*: :meth:`GroupCommitLog.commit_batch` of batches of ``BATCH``
  new decisions (with consent ids, as the loader sends them) on SQLite and on
  PostgreSQL (when reachable): CPU of the calling thread per decision,
  the fsync's own wait excluded.

Each figure is printed three times (three runs in a row). Thread CPU time, so
the machine's other load moves it less than the wrk benchmarks; compare
commits by running this on each (``git stash``, or the archives of
``bench.post_pair``).

Run: ``.venv/bin/python -m bench.post_cpu [REQUESTS [BATCHES [BATCH]]]``
(default 3,000 requests, 300 batches of 4)
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from bench import deployment
from bench.throughput import SHOP

BATCH = 4


@contextmanager
def app_on(database: str) -> Iterator[Flask]:
    """banner's app on a new SQLite file or PostgreSQL schema, with the bench config."""
    with tempfile.TemporaryDirectory(prefix="banner-cpu-") as tmp, ExitStack() as started:
        home = Path(tmp)
        if database == "SQLite":
            url = deployment.sqlite_url(home)
        else:
            url = started.enter_context(deployment.postgres_schema())
        os.environ["BANNER_CONFIG"] = str(deployment.write_config(home, url, SHOP))
        from banner.app import create_app

        app = create_app()
        try:
            yield app
        finally:
            app.extensions["banner"].log.dispose()


def _notice(app: Flask) -> str:
    answer = app.test_client().get(f"/s/{deployment.SITE}/notice?lang=id").get_json()
    found: str = answer["notice_hash"]
    return found


def thread_ms(run: Callable[[int], None], count: int, per: int) -> list[float]:
    """CPU ms of this thread per item for ``run(count)``, three times."""
    found = []
    for _ in range(3):
        start = time.thread_time()
        run(count)
        found.append(1000 * (time.thread_time() - start) / (count * per))
    return found


def request_side(requests: int) -> list[float]:
    from werkzeug.test import EnvironBuilder

    from banner.log.group_commit import GroupCommitLog

    with app_on("SQLite") as app:
        document = json.loads(deployment.consent_body(_notice(app)))
        log = app.extensions["banner"].log
        assert isinstance(log, GroupCommitLog)

        def at_once(
            decision: Any, fresh: bool = False, amend: Any = None, retry: Any = None
        ) -> Any:
            return amend(None) if amend else decision

        log.append = at_once  # type: ignore[method-assign]
        headers = {"Origin": SHOP, "User-Agent": "wrk"}

        def environ() -> dict[str, Any]:
            body = json.dumps({**document, "consent_id": secrets.token_urlsafe(16)})
            built = EnvironBuilder(
                path="/api/v1/consent",
                method="POST",
                data=body,
                headers=headers,
                content_type="application/json",
            )
            return built.get_environ()

        def answered(status: str, _headers: Any, _error: Any = None) -> None:
            assert status.startswith("201"), status

        # the environs are made ahead: werkzeug's test builder is not the app's cost
        environs = [[environ() for _ in range(requests)] for _ in range(4)]

        def run(count: int) -> None:
            for one in environs.pop()[:count]:
                b"".join(app(one, answered))

        run(requests)  # warm-up
        return thread_ms(run, requests, 1)


def batch_side(database: str, batches: int, size: int) -> list[float]:
    from banner.log.group_commit import Entry, GroupCommitLog
    from banner.log.store import Decision

    with app_on(database) as app:
        notice = _notice(app)
        log = app.extensions["banner"].log
        assert isinstance(log, GroupCommitLog)

        def decision() -> Decision:
            return Decision(
                consent_id=secrets.token_urlsafe(16),
                site=deployment.SITE,
                recorded_at=datetime.fromtimestamp(int(time.time()), UTC),
                action="custom",
                granted=("analytics",),
                denied=("functional", "preference"),
                policy_version=1,
                language="id",
                text_hash=notice,
                source="banner",
                page_origin=SHOP,
                page_path="/",
                gpc=False,
                ip_masked="127.0.0.0/24",
                user_agent="wrk",
            )

        held: list[Any] = []  # the writer thread's connection, kept between batches

        def run(count: int) -> None:
            for _ in range(count):
                batch = [Entry(decision(), False, None) for _ in range(size)]
                log.commit_batch(batch, held)
                assert all(e.error is None for e in batch)

        run(50)  # warm-up
        try:
            return thread_ms(run, batches, size)
        finally:
            for conn in held:
                conn.close()


def main(argv: list[str]) -> None:
    requests = int(argv[0]) if argv else 3000
    batches = int(argv[1]) if len(argv) > 1 else 300
    size = int(argv[2]) if len(argv) > 2 else BATCH
    print("| part | CPU ms per decision, three runs |\n| --- | --- |")
    side = " ".join(f"{v:.3f}" for v in request_side(requests))
    print(f"| request side (append answering at once) | {side} |")
    databases = ["SQLite"] + (["PostgreSQL"] if deployment.postgres_reachable() else [])
    for database in databases:
        figures = " ".join(f"{v:.3f}" for v in batch_side(database, batches, size))
        print(f"| commit_batch, {size} a batch, {database} | {figures} |")


if __name__ == "__main__":
    main(sys.argv[1:])
