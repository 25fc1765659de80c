"""In-memory rate limits count the same without starting a thread per hit."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from banner.web.limit_storage import SweptMemoryStorage, storage_uri


def test_memory_storage_is_ours_and_other_storages_are_left_alone() -> None:
    assert storage_uri("memory://") == "banner-memory://"
    assert storage_uri("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert isinstance(storage_from_string(storage_uri("memory://")), SweptMemoryStorage)


def test_hits_are_counted_and_refused_without_a_thread_per_hit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limiter = SlidingWindowCounterRateLimiter(storage_from_string("banner-memory://"))
    started: list[threading.Thread] = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda t: started.append(t) or start(t))
    limit = parse("30/minute")
    answers = [limiter.hit(limit, "203.0.113.0/24|tokodemo") for _ in range(40)]
    assert answers == [True] * 30 + [False] * 10
    assert limiter.hit(limit, "198.51.100.0/24|tokodemo")  # another key has its own count
    assert started == []
