"""A batch takes its sites' write locks first, then adds what arrived while it waited.

The site's lock is held from outside (another connection, as another
process's batch would hold it) while decisions queue up; what commits
together is read from the calls to :meth:`ConsentLog.insert`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from banner.log import tree
from banner.log.group_commit import GroupCommitLog
from banner.log.store import Decision, make_engine
from tests.log.test_store import decision


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, database_url: str) -> Iterator[GroupCommitLog]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = GroupCommitLog(url, window=0.0)
    store.create_schema()
    yield store
    store.dispose()


def batches_of(log: GroupCommitLog) -> list[list[str]]:
    """Record the consent ids each transaction inserts, in order."""
    seen: list[list[str]] = []
    insert = log.insert

    def recording(
        conn: sa.Connection, decisions: Any, prepared: Any = None, before: Any = None
    ) -> None:
        seen.append([d.consent_id for d in decisions])
        insert(conn, decisions, prepared, before)

    log.insert = recording  # type: ignore[method-assign]
    return seen


@contextmanager
def site_locked(log: GroupCommitLog, site: str) -> Iterator[None]:
    """Hold ``site``'s write lock from another connection, as another process's batch does."""
    other = make_engine(log.url)
    try:
        with other.begin() as conn:  # SQLite: BEGIN IMMEDIATE holds the file
            tree.lock_sites(conn, [site])
            yield
    finally:
        other.dispose()


def writer_waits(log: GroupCommitLog) -> threading.Event:
    """Set when the group commit's writer begins a transaction (then it waits for the lock)."""
    waiting, writing = threading.Event(), log._writing

    def signalling(held: Any) -> Any:
        if threading.current_thread().name == "banner-group-commit":
            waiting.set()
        return writing(held)  # SQLite's BEGIN IMMEDIATE waits in it, PostgreSQL's lock just after

    log._writing = signalling  # type: ignore[method-assign]
    return waiting


def in_thread(log: GroupCommitLog, made: Decision, out: list[Decision]) -> threading.Thread:
    thread = threading.Thread(target=lambda: out.append(log.append(made)))
    thread.start()
    return thread


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_decisions_that_arrive_during_the_wait_share_the_commit(log: GroupCommitLog) -> None:
    log.append(decision("consent-first", ()))  # the site's numbering row exists
    log.append(decision("consent-elsewhere-0", (), site="othersite"))
    seen, out, waits = batches_of(log), [], writer_waits(log)
    threads = []
    with site_locked(log, "tokodemo"):
        threads.append(in_thread(log, decision("consent-a", ("analytics",)), out))
        assert waits.wait(10)  # the writer holds it and waits for the lock
        for made in (
            decision("consent-b", ()),
            decision("consent-elsewhere", (), site="othersite"),
            decision("consent-c", ("functional",)),
        ):
            threads.append(in_thread(log, made, out))
            queued = len(threads) - 1
            wait_for(lambda queued=queued: log._queue.qsize() == queued)
        assert seen == []
    for thread in threads:
        thread.join(10)
    assert seen == [["consent-a", "consent-b", "consent-c"], ["consent-elsewhere"]]
    assert len(out) == 4
    with log.engine.connect() as conn:
        assert tree.numbered(conn, "tokodemo") == 4
        assert tree.numbered(conn, "othersite") == 2


def test_a_stop_during_the_wait_commits_everything_queued(database_url: str) -> None:
    log = GroupCommitLog(database_url, window=0.0)
    log.create_schema()
    seen, out, waits = batches_of(log), [], writer_waits(log)
    with site_locked(log, "tokodemo"):
        first = in_thread(log, decision("consent-a", ()), out)
        assert waits.wait(10)
        second = in_thread(log, decision("consent-b", ()), out)
        wait_for(lambda: log._queue.qsize() == 1)
        closing = threading.Thread(target=log.close)
        closing.start()
        wait_for(lambda: log._queue.qsize() == 2)
        third = in_thread(log, decision("consent-c", ()), out)  # after the stop
        wait_for(lambda: log._queue.qsize() == 3)
    for thread in (first, second, closing, third):
        thread.join(10)
    assert seen == [["consent-a", "consent-b"], ["consent-c"]]
    assert log.count("tokodemo") == 3 and len(out) == 3
    log.dispose()
