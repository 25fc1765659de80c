"""The head keeper's timers against the engine's life: closing leaves nothing running."""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from banner.log import heads
from banner.log.group_commit import GroupCommitLog
from banner.log.heads import HeadKeeper
from banner.log.signing import LogKey, record_public
from tests.log.seeding import decision

SITE = "tokodemo"  # decision()'s site


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, database_url: str) -> Iterator[GroupCommitLog]:
    url = (
        database_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    )
    made = GroupCommitLog(url)
    made.create_schema()
    yield made
    made.dispose()


def _keeper(log: GroupCommitLog) -> HeadKeeper:
    key = LogKey(Ed25519PrivateKey.generate(), "test")
    record_public(log.engine, key)
    keeper = HeadKeeper(log.engine, key)
    log.listeners.append(keeper.note)
    log.closers.append(keeper.close)
    return keeper


class _Held:
    """Holds ``tree.catch_up`` (the first step of making a head) until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        real = heads.tree.catch_up

        def held(engine: Any, site: str) -> Any:
            self.entered.set()
            assert self.release.wait(10)
            return real(engine, site)

        monkeypatch.setattr(heads.tree, "catch_up", held)


def test_disposing_waits_for_a_head_being_made_and_leaves_no_connection_open(
    log: GroupCommitLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper = _keeper(log)
    held = _Held(monkeypatch)
    log.append(decision(1))  # the first decision: a head at once, on a timer's thread
    assert held.entered.wait(10), "no head was begun"
    disposed = threading.Event()
    closing = threading.Thread(target=lambda: (log.dispose(), disposed.set()))
    closing.start()
    assert not disposed.wait(0.5), "disposed while a head was still being made"
    held.release.set()
    closing.join(15)
    assert disposed.is_set()
    assert keeper.newest(SITE) is not None  # the head begun was finished, then the pool closed
    log.engine.dispose()  # the newest() above opened the new pool: close it too
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert not [w for w in caught if "still open" in str(w.message)], caught


def test_no_head_is_begun_after_closing(
    log: GroupCommitLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    keeper = _keeper(log)
    keeper.close()
    begun = threading.Event()
    monkeypatch.setattr(heads.tree, "catch_up", lambda *_: begun.set())
    log.append(decision(1))
    log.close()  # the final batch's listeners ran
    assert not begun.wait(0.5), "a head was begun after the keeper closed"
