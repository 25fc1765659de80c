"""Several instances on one PostgreSQL database: each event is taken by one at a time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest
import sqlalchemy as sa

from banner.core.config import BannerConfig
from banner.log import outbox
from banner.log.outbox import Outbox
from banner.log.schema import webhook_outbox
from banner.log.store import ConsentLog
from banner.log.webhook_delivery import WebhookDelivery
from tests.factories import make_config
from tests.log.seeding import decision
from tests.webhook_receiver import Receiver

SECRET = "a-webhook-secret-0123456789"
EVENTS = 60


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    def slow(_handler: BaseHTTPRequestHandler, _body: bytes) -> int:
        time.sleep(0.02)  # long enough for the instances' rounds to overlap
        return 200

    found = Receiver(behaviour=slow)
    yield found
    found.close()


def instances(postgres_url: str, receiver: Receiver) -> tuple[BannerConfig, list[ConsentLog]]:
    config = make_config(postgres_url, webhooks={"crm": {"url": receiver.url, "secret": SECRET}})
    logs = [ConsentLog(postgres_url) for _ in range(2)]
    for log in logs:
        log.create_schema()
        log.companions.append(Outbox(lambda: config))
    return config, logs


def test_two_instances_never_take_one_event(postgres_url: str, receiver: Receiver) -> None:
    config, logs = instances(postgres_url, receiver)
    for n in range(EVENTS):
        logs[n % 2].append(decision(n))
    senders = [WebhookDelivery(log.engine, lambda: config) for log in logs]
    go = threading.Barrier(len(senders))

    def drain(sender: WebhookDelivery) -> None:
        go.wait()
        idle = 0
        while idle < 3:
            idle = 0 if sender.round() else idle + 1

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    taken = Counter(r.event["event_id"] for r in receiver.received)
    assert len(taken) == EVENTS and set(taken.values()) == {1}
    with logs[0].engine.connect() as conn:
        states = conn.execute(sa.select(webhook_outbox.c.state)).scalars().all()
    assert set(states) == {"delivered"}
    for log in logs:
        log.dispose()


def test_a_claim_in_progress_is_skipped_not_waited_for(
    postgres_url: str, receiver: Receiver
) -> None:
    _config, logs = instances(postgres_url, receiver)
    for n in range(4):
        logs[0].append(decision(n))
    now = datetime.now(UTC)
    with logs[0].engine.begin() as first:
        mine = outbox.claim(first, now, 2, timedelta(seconds=15))
        with logs[1].engine.begin() as second:  # while the first still holds its rows
            theirs = outbox.claim(second, now, 10, timedelta(seconds=15))
    assert len(mine) == 2 and len(theirs) == 2
    assert {e.event_id for e in mine}.isdisjoint({e.event_id for e in theirs})
    with logs[1].engine.begin() as later:  # leased: nobody takes them until the lease ends
        assert outbox.claim(later, now, 10, timedelta(seconds=15)) == []
        in_a_minute = now + timedelta(minutes=1)
        assert len(outbox.claim(later, in_a_minute, 10, timedelta(seconds=15))) == 4
    for log in logs:
        log.dispose()
