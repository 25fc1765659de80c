"""Group commit keeps every rule of one-by-one appends, on both databases.

Batches are built by hand (``commit_batch``) where the test needs to know what
shares a transaction, and through the writer thread where it needs timing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import pairwise

import pytest
import sqlalchemy as sa

from banner.log.group_commit import Done, Entry, GroupCommitLog
from banner.log.store import Decision, StoreUnavailable
from tests.log.test_store import decision


class Refused(Exception):
    """What a callback raises to refuse one decision."""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, database_url: str) -> Iterator[GroupCommitLog]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = GroupCommitLog(url)
    store.create_schema()
    yield store
    store.dispose()


def marked(previous: Decision | None, new: Decision, seen: list[Decision | None]) -> Decision:
    seen.append(previous)
    return replace(new, action="update" if previous else "custom")


def test_two_decisions_for_one_id_in_one_batch_keep_their_order(log: GroupCommitLog) -> None:
    seen: list[Decision | None] = []
    first = decision("consent-order", ("analytics",))
    second = decision("consent-order", ())
    batch = [Entry(d, False, lambda p, d=d: marked(p, d, seen)) for d in (first, second)]
    log.commit_batch(batch)
    history = log.history("consent-order")
    assert [r.granted for r in history] == [("analytics",), ()]
    assert [r.action for r in history] == ["custom", "update"]
    assert seen == [None, history[0]]
    assert [e.outcome() for e in batch] == history


def test_an_exact_retry_inside_one_batch_writes_once(log: GroupCommitLog) -> None:
    same = decision("consent-retry", ("analytics",))
    batch = [Entry(same, False, None), Entry(same, False, None), Entry(same, False, None)]
    log.commit_batch(batch)
    assert log.history("consent-retry") == [same]
    assert [e.outcome() for e in batch] == [same, same, same]
    assert [e.writes for e in batch] == [True, False, False]


def test_a_retry_of_a_stored_row_writes_nothing(log: GroupCommitLog) -> None:
    stored = log.append(decision("consent-old", ("analytics",)))
    later = replace(stored, recorded_at=stored.recorded_at.replace(hour=13))
    assert log.append(later) == stored
    assert len(log.history("consent-old")) == 1


def test_a_long_history_is_judged_by_its_newest_row_of_the_site(log: GroupCommitLog) -> None:
    """Only the newest row per (consent id, site) is read; it alone decides."""
    choices: list[tuple[str, ...]] = [("analytics",), (), ("functional",)] * 4
    for granted in choices:
        log.append(decision("consent-long", granted))
    log.append(decision("consent-long", ("analytics",), site="othersite"))
    seen: list[Decision | None] = []
    retry = decision("consent-long", ("functional",))  # the newest row's choice on tokodemo
    change = decision("consent-long", ("analytics",))  # an older row's choice: a change
    other = decision("consent-long", (), site="othersite")
    batch = [Entry(d, False, lambda p, d=d: marked(p, d, seen)) for d in (retry, change, other)]
    log.commit_batch(batch)
    history = log.history("consent-long")
    assert [e.writes for e in batch] == [False, True, True]
    assert [r.granted for r in history[-2:]] == [("analytics",), ()]
    assert [p.granted if p else None for p in seen] == [("functional",), ("analytics",)]
    assert [p.site if p else None for p in seen] == ["tokodemo", "othersite"]
    assert batch[0].outcome() == history[len(choices) - 1]


def test_a_refusal_reaches_only_its_request_and_the_batch_commits(log: GroupCommitLog) -> None:
    log.append(decision("consent-kept", ("analytics",)))

    def refuse(_previous: Decision | None) -> Decision:
        raise Refused("token_required")

    refused = Entry(decision("consent-kept", ()), False, refuse)
    others = [Entry(decision(f"consent-other-{n}", ("analytics",)), False, None) for n in range(3)]
    after = Entry(decision("consent-kept", ("functional",)), False, None)
    log.commit_batch([others[0], refused, *others[1:], after])
    with pytest.raises(Refused):
        refused.outcome()
    assert [r.granted for r in log.history("consent-kept")] == [("analytics",), ("functional",)]
    for entry in others:
        assert log.history(entry.decision.consent_id) == [entry.outcome()]


def test_a_failed_batch_answers_each_request_and_stores_nothing(log: GroupCommitLog) -> None:
    good = [Entry(decision(f"consent-good-{n}", ("analytics",)), False, None) for n in range(3)]
    broken = Entry(replace(decision("consent-broken", ()), language=None), True, None)  # type: ignore[arg-type]
    log.commit_batch([good[0], broken, *good[1:]])
    for entry in [*good, broken]:
        with pytest.raises(StoreUnavailable):
            entry.outcome()
    with log.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM consent_log")).scalar_one() == 0


def test_a_failing_callback_bug_fails_only_its_entry(log: GroupCommitLog) -> None:
    def bug(_previous: Decision | None) -> Decision:
        raise KeyError("oops")

    entries = [
        Entry(decision("consent-bug", ()), False, bug),
        Entry(decision("c-ok", ()), True, None),
    ]
    log.commit_batch(entries)
    with pytest.raises(KeyError):
        entries[0].outcome()
    assert entries[1].outcome() == log.latest("c-ok")


def test_concurrent_appends_share_commits_and_all_land(log: GroupCommitLog) -> None:
    commits = [0]
    sa.event.listen(log.engine, "commit", lambda _conn: commits.__setitem__(0, commits[0] + 1))

    def one(n: int) -> Decision:
        return log.append(decision(f"consent-many-{n}", ("analytics",)))

    with ThreadPoolExecutor(max_workers=16) as pool:
        stored = list(pool.map(one, range(160)))
    assert {d.consent_id for d in stored} == {f"consent-many-{n}" for n in range(160)}
    assert log.count("tokodemo") == 160
    assert commits[0] < 160, "every decision had a commit of its own"


def test_shutdown_commits_what_is_queued(database_url: str) -> None:
    slow = GroupCommitLog(database_url, window=30.0)  # a batch would wait 30 s for more
    slow.create_schema()
    results: list[Decision] = []

    def one(n: int) -> None:
        results.append(slow.append(decision(f"consent-flush-{n}", ())))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while slow._queue.qsize() < 2 and time.monotonic() < deadline:  # the writer holds the first
        time.sleep(0.01)
    started = time.monotonic()
    slow.close()
    for thread in threads:
        thread.join(10)
    assert time.monotonic() - started < 10
    assert len(results) == 3
    assert slow.count("tokodemo") == 3
    slow.dispose()


def test_the_writer_ends_when_idle_and_restarts(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("banner.log.group_commit.IDLE_SECONDS", 0.05)
    log = GroupCommitLog(database_url)
    log.create_schema()
    log.append(decision("consent-idle-1", ()))
    deadline = time.monotonic() + 5
    while log._writer is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log._writer is None
    log.append(decision("consent-idle-2", ()))
    assert log.count("tokodemo") == 2
    log.dispose()


def test_two_instances_with_crossing_ids_neither_deadlock_nor_lose(log: GroupCommitLog) -> None:
    """Batches of two logs lock the same ids; retries and changes still come out whole."""
    twin = GroupCommitLog(log.url)
    ids = [f"consent-cross-{n}" for n in range(12)]

    def one(n: int) -> Decision:
        target = log if n % 2 else twin
        order = ids if n % 2 else list(reversed(ids))
        granted = ("analytics",) if n % 3 else ()
        return target.append(decision(order[n % len(ids)], granted))

    with ThreadPoolExecutor(max_workers=16) as pool:
        stored = list(pool.map(one, range(240)))
    twin.dispose()
    assert len(stored) == 240
    for consent_id in ids:
        history = log.history(consent_id)
        assert all(a.granted != b.granted for a, b in pairwise(history))


def test_an_entrys_signal_times_out_then_wakes_every_wait() -> None:
    done = Done()
    assert not done.wait(0.01) and not done.is_set()
    waiting = ThreadPoolExecutor(2)
    woken = [waiting.submit(done.wait, 5) for _ in range(2)]
    time.sleep(0.02)
    done.set()
    done.set()  # a second set changes nothing
    assert [w.result(timeout=5) for w in woken] == [True, True]
    assert done.wait(0) and done.is_set()
    waiting.shutdown()
