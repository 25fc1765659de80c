"""The webhook outbox and its sender: written with the decision, sent signed, in order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from banner.core.config import BannerConfig
from banner.log import outbox
from banner.log.outbox import Outbox
from banner.log.schema import consent_log, webhook_outbox
from banner.log.store import ConsentLog
from banner.log.webhook_delivery import GIVE_UP_AFTER, WebhookDelivery, retry_delay
from tests.factories import make_config
from tests.log.seeding import decision
from tests.webhook_receiver import Receiver, independent_check

SECRET = "a-webhook-secret-0123456789"


def hook_config(database_url: str, **hooks: dict[str, Any]) -> BannerConfig:
    return make_config(database_url, webhooks=hooks)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "sqlite":
        return database_url
    found: str = request.getfixturevalue("postgres_url")
    return found


def logged(url: str, config: BannerConfig) -> ConsentLog:
    log = ConsentLog(url)
    log.create_schema()
    log.companions.append(Outbox(lambda: config))
    return log


def rows(log: ConsentLog) -> list[Any]:
    with log.engine.connect() as conn:
        order = (webhook_outbox.c.site, webhook_outbox.c.log_index, webhook_outbox.c.webhook)
        return list(conn.execute(sa.select(webhook_outbox).order_by(*order)))


def test_one_event_per_decision_and_webhook_that_wants_it(url: str, receiver: Receiver) -> None:
    config = hook_config(
        url,
        crm={"url": receiver.url, "secret": SECRET},
        audit={"url": receiver.url, "secret": SECRET, "events": ["withdraw"]},
    )
    log = logged(url, config)
    log.append(decision(1, action="accept"))
    log.append(decision(2, action="withdraw"))
    log.append(decision(3, site="other"))  # no such site in the config: no event
    found = [(r.webhook, r.event, r.consent_id) for r in rows(log)]
    assert found == [
        ("crm", "decision", decision(1).consent_id),
        ("audit", "withdraw", decision(2).consent_id),
        ("crm", "withdraw", decision(2).consent_id),
    ]
    log.dispose()


def test_no_event_without_its_decision(url: str, receiver: Receiver) -> None:
    """A transaction that fails after the outbox is written stores neither."""
    config = hook_config(url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(url, config)

    def broken(*_args: object) -> None:
        raise RuntimeError("a later companion fails")

    log.companions.append(broken)
    with pytest.raises(RuntimeError):
        log.append(decision(1))
    assert rows(log) == []
    with log.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar() == 0
    log.dispose()


def test_delivery_is_signed_without_ip_and_in_order(url: str, receiver: Receiver) -> None:
    config = hook_config(url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(url, config)
    same = "one-device"
    steps = (("accept", ("analytics",)), ("change", ("functional",)), ("withdraw", ()))
    for n, (action, granted) in enumerate(steps):
        log.append(decision(n, consent_id=same, action=action, granted=granted))
    delivery = WebhookDelivery(log.engine, lambda: config)
    while delivery.round():
        pass
    events = [r.event for r in receiver.received]
    assert [e["action"] for e in events] == ["accept", "change", "withdraw"]
    assert [e["event"] for e in events] == ["decision", "change", "withdraw"]
    assert all(independent_check(r.body, r.signature, SECRET) for r in receiver.received)
    assert all("ip_masked" not in e and "retry_key_hash" not in e for e in events)
    assert {e["event_id"] for e in events} == {r.event_id for r in rows(log)}
    assert {r.state for r in rows(log)} == {"delivered"}
    log.dispose()


def test_a_later_event_waits_for_an_earlier_one(url: str, receiver: Receiver) -> None:
    config = hook_config(url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(url, config)
    receiver.behaviour = lambda _h, _b: 500
    log.append(decision(1, consent_id="dev", action="accept"))
    log.append(decision(2, consent_id="dev", action="withdraw", granted=()))
    log.append(decision(3, consent_id="other", action="accept"))
    delivery = WebhookDelivery(log.engine, lambda: config)
    assert delivery.round() == 2  # the first of "dev", and "other"
    assert sorted(r.event["consent_id"] for r in receiver.received) == ["dev", "other"]
    first = rows(log)[0]
    assert first.state == "pending" and first.attempts == 1 and first.last_result == "500"
    assert delivery.round() == 0  # "dev"'s first is not due yet; its second waits behind it
    log.dispose()


def test_failed_after_a_day_then_retried_by_hand(database_url: str, receiver: Receiver) -> None:
    config = hook_config(database_url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(database_url, config)
    receiver.behaviour = lambda _h, _b: 503
    log.append(decision(1))
    long_ago = datetime.now(UTC) - GIVE_UP_AFTER - timedelta(seconds=1)
    with log.engine.begin() as conn:
        conn.execute(webhook_outbox.update().values(tries_since=long_ago))
    delivery = WebhookDelivery(log.engine, lambda: config)
    delivery.round()
    assert rows(log)[0].state == "failed"
    with log.engine.begin() as conn:
        assert outbox.counts(conn) == {"tokodemo": {"pending": 0, "delivered": 0, "failed": 1}}
        assert outbox.retry_failed(conn) == 1
    receiver.behaviour = lambda _h, _b: 204
    delivery.round()
    assert rows(log)[0].state == "delivered"
    with log.engine.begin() as conn:
        assert outbox.replay(conn, datetime.now(UTC) - timedelta(hours=1)) == 1
    delivery.round()
    assert len({r.event["event_id"] for r in receiver.received}) == 1  # replay keeps the id
    assert len(receiver.accepted) == 2
    log.dispose()


def test_a_purged_decision_is_never_sent(database_url: str, receiver: Receiver) -> None:
    config = hook_config(database_url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(database_url, config)
    log.append(decision(1))
    log.purge(datetime.now(UTC) + timedelta(days=1))
    WebhookDelivery(log.engine, lambda: config).round()
    assert receiver.received == []
    assert rows(log)[0].state == "failed"
    log.dispose()


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 2.5, 5), (2, 5, 10), (3, 10, 20), (8, 300, 600), (9, 300, 600), (500, 300, 600)],
)
def test_retry_schedule_doubles_from_five_seconds_to_ten_minutes(
    attempt: int, low: float, high: float
) -> None:
    assert retry_delay(attempt, rng=lambda: 0.0) == low
    assert retry_delay(attempt, rng=lambda: 0.999999) == pytest.approx(high, rel=1e-5)
    assert low <= retry_delay(attempt) <= high


def test_delivered_events_are_forgotten_after_thirty_days(
    database_url: str, receiver: Receiver
) -> None:
    config = hook_config(database_url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(database_url, config)
    log.append(decision(1))
    log.append(decision(2))
    delivery = WebhookDelivery(log.engine, lambda: config)
    delivery.round()
    old = datetime.now(UTC) - timedelta(days=31)
    with log.engine.begin() as conn:
        conn.execute(
            webhook_outbox.update().where(webhook_outbox.c.log_index == 0).values(done_at=old)
        )
    assert delivery.prune() == 1
    assert [r.log_index for r in rows(log)] == [1]
    log.dispose()


def test_a_stale_sender_cannot_settle_an_event_taken_again(database_url: str) -> None:
    config = hook_config(database_url, crm={"url": "https://crm.example.co.id/", "secret": SECRET})
    log = logged(database_url, config)
    log.append(decision(1))
    now = datetime.now(UTC)
    lease = timedelta(seconds=15)
    with log.engine.begin() as conn:
        (first,) = outbox.claim(conn, now, 5, lease)
    with log.engine.begin() as conn:  # its lease ran out: another sender takes it
        (second,) = outbox.claim(conn, now + timedelta(seconds=20), 5, lease)
        assert not outbox.settle(conn, first, "200", outbox.DELIVERED, None)
        assert outbox.settle(conn, second, "500", outbox.PENDING, now)
    assert rows(log)[0].last_result == "500"
    log.dispose()


def test_a_commit_wakes_the_sender_only_for_a_site_with_webhooks(database_url: str) -> None:
    hooked = hook_config(database_url, crm={"url": "http://127.0.0.1:9/", "secret": SECRET})
    bare = make_config(database_url)
    for config, woken in ((bare, False), (hooked, True)):
        delivery = WebhookDelivery(sa.create_engine(database_url), lambda config=config: config)
        delivery.note({"tokodemo", "no-such-site"})
        assert delivery._wake.is_set() is woken
        delivery.engine.dispose()
