"""The login limits are sliding windows: a window's edge gives an attacker nothing.

CI once failed ``test_an_account_is_limited_across_networks`` because its ten
wrong passwords crossed a quarter hour: with fixed windows the eleventh
attempt, a minute later, counted in an empty window. These tests set the
clock, so they check the edge on purpose, on memory storage and on Redis.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from limits.storage import MemoryStorage, RedisStorage, Storage

from banner.admin.login_limits import ACCOUNT_LIMIT, NETWORK_LIMIT, Attempt, LoginLimits

QUARTER = ACCOUNT_LIMIT.seconds


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    found = RedisStorage("redis://127.0.0.1:6379/0", key_prefix=f"test-{uuid.uuid4().hex}")
    yield found
    found.reset()


def _networks() -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"net-{n}"


def test_attempts_across_a_windows_edge_still_count(storage: Storage) -> None:
    clock = Clock(100 * QUARTER - 2.0)  # two seconds before a quarter hour
    limits = LoginLimits(storage, clock)
    networks = _networks()
    for _ in range(ACCOUNT_LIMIT.count):
        assert isinstance(limits.count(next(networks), "operator"), Attempt)
    clock.now += 60  # a minute later, in the next fixed window
    wait = limits.count(next(networks), "operator")
    assert isinstance(wait, int)
    # A fixed window would have let it through. The ten attempts before the
    # edge fade linearly: 10 * (842 - t) / 900 + 1 (this one) + 1 (the next)
    # is at most 10 from t = 122 s.
    assert wait == 122


def _refused_after_ten(storage: Storage, account: str) -> tuple[LoginLimits, Clock, int]:
    clock = Clock(100 * QUARTER + 300.0)
    limits = LoginLimits(storage, clock)
    networks = _networks()
    for _ in range(ACCOUNT_LIMIT.count):
        assert isinstance(limits.count(next(networks), account), Attempt)
    clock.now += 10
    wait = limits.count(next(networks), account)
    assert isinstance(wait, int) and wait > 0
    return limits, clock, wait


@pytest.mark.parametrize("early", [0, 30])
def test_the_wait_it_names_is_enough_and_not_much_more(storage: Storage, early: int) -> None:
    limits, clock, wait = _refused_after_ten(storage, "operator")
    clock.now += wait - early
    answer = limits.count("net-x", "operator")
    assert isinstance(answer, Attempt if early == 0 else int)


def test_an_old_window_fades_linearly(storage: Storage) -> None:
    clock = Clock(200 * NETWORK_LIMIT.seconds - 1.0)
    limits = LoginLimits(storage, clock)
    for n in range(NETWORK_LIMIT.count):
        assert isinstance(limits.count("one-network", f"account-{n}"), Attempt)
    # Halfway through the next window half of the old attempts still count:
    # 2.5 + the new ones, so two more are allowed and the third is refused.
    clock.now += 1 + NETWORK_LIMIT.seconds / 2
    assert isinstance(limits.count("one-network", "a"), Attempt)
    assert isinstance(limits.count("one-network", "b"), Attempt)
    assert isinstance(limits.count("one-network", "c"), int)


def test_a_right_password_gives_its_attempt_back_across_the_edge(storage: Storage) -> None:
    clock = Clock(300 * QUARTER - 1.0)
    limits = LoginLimits(storage, clock)
    networks = _networks()
    for _ in range(3 * ACCOUNT_LIMIT.count):
        attempt = limits.count(next(networks), "operator")
        assert isinstance(attempt, Attempt)
        limits.give_back(attempt)
        clock.now += 1.0
