"""The consent log on both databases: one code path, the same behaviour."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from banner.log.schema import SCHEMA_VERSION
from banner.log.store import ConsentLog, Decision

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def log(request: pytest.FixtureRequest, database_url: str) -> Iterator[ConsentLog]:
    url = database_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    store = ConsentLog(url)
    store.create_schema()
    yield store
    store.dispose()


def decision(
    consent_id: str, granted: tuple[str, ...], at: datetime = T0, **kw: object
) -> Decision:
    fields: dict[str, object] = {
        "consent_id": consent_id,
        "site": "tokodemo",
        "recorded_at": at,
        "action": "custom",
        "granted": granted,
        "denied": tuple(c for c in ("functional", "analytics", "preference") if c not in granted),
        "policy_version": 3,
        "language": "id",
        "text_hash": "0" * 64,
        "source": "banner",
        "page_origin": "https://www.tokodemo.co.id",
        "page_path": "/",
        "gpc": False,
        "ip_masked": "203.0.113.0/24",
        "user_agent": "Mozilla/5.0",
        **kw,
    }
    return Decision(**fields)  # type: ignore[arg-type]


def test_schema_is_versioned_and_creation_is_repeatable(log: ConsentLog) -> None:
    log.create_schema()
    assert log.schema_version() == SCHEMA_VERSION


def test_append_and_read_back(log: ConsentLog) -> None:
    stored = log.append(decision("consent-aaaaaaaaaaaaaa", ("analytics",)))
    assert log.history("consent-aaaaaaaaaaaaaa") == [stored]
    assert stored.recorded_at == T0


def test_retry_is_idempotent_but_a_change_is_a_new_row(log: ConsentLog) -> None:
    cid = "consent-bbbbbbbbbbbbbb"
    first = log.append(decision(cid, ("analytics",)))
    assert log.append(decision(cid, ("analytics",), at=T0 + timedelta(seconds=5))) == first
    log.append(decision(cid, (), at=T0 + timedelta(minutes=1), action="withdraw"))
    assert [d.action for d in log.history(cid)] == ["custom", "withdraw"]


def test_amend_sees_the_latest_row_of_the_same_site_only(log: ConsentLog) -> None:
    cid = "consent-dddddddddddddd"
    log.append(decision(cid, ("analytics",), site="othershop"))
    seen: list[Decision | None] = []

    def amend(latest: Decision | None) -> Decision:
        seen.append(latest)
        return decision(cid, (), at=T0 + timedelta(minutes=1), action="reject")

    stored = log.append(decision(cid, ()), amend=amend)
    assert seen == [None] and stored.action == "reject"
    again = log.append(decision(cid, ("analytics",), at=T0 + timedelta(minutes=2)), amend=amend)
    assert seen[-1] == stored and again.action == "reject"  # amend decides what is stored
    assert [d.site for d in log.history(cid)] == ["othershop", "tokodemo", "tokodemo"]


def test_concurrent_retries_write_one_row(log: ConsentLog) -> None:
    cid = "consent-cccccccccccccc"
    threads = [
        threading.Thread(target=log.append, args=(decision(cid, ("analytics",)),)) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(log.history(cid)) == 1


def test_export_range_count_and_purge(log: ConsentLog) -> None:
    for day in range(5):
        log.append(
            decision(f"consent-day{day}-xxxxxxxxx", ("analytics",), at=T0 + timedelta(days=day))
        )
    since, until = T0 + timedelta(days=1), T0 + timedelta(days=3)
    assert [d.recorded_at for d in log.export("tokodemo", since, until)] == [
        since,
        since + timedelta(days=1),
    ]
    assert log.count("tokodemo", since, until) == 2 and log.count("tokodemo") == 5
    assert log.purge(T0 + timedelta(days=2)) == 2
    assert log.count("tokodemo") == 3


def test_ping(log: ConsentLog) -> None:
    assert log.ping()
    assert not ConsentLog("postgresql+psycopg://postgres@127.0.0.1:1/none").ping()


def test_an_amend_that_refuses_writes_nothing(log: ConsentLog) -> None:
    """``amend`` may raise to refuse a decision (a change without its token): no row."""
    log.append(decision("refused-id-000000001", ()))

    def refuse(_latest: Decision | None) -> Decision:
        raise LookupError("refused")

    with pytest.raises(LookupError):
        log.append(decision("refused-id-000000001", ("analytics",)), amend=refuse)
    assert [row.granted for row in log.history("refused-id-000000001")] == [()]
    log.append(decision("refused-id-000000001", ("analytics",)))  # the lock was released
    assert len(log.history("refused-id-000000001")) == 2
