"""Webhook events name the subject of a linked consent id (issues 25 and the webhooks seam)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from banner.core.subject import subject_hash
from banner.log.webhook_delivery import WebhookDelivery
from tests.factories import KEY_NEW, KEY_OLD
from tests.log.seeding import decision
from tests.log.test_webhooks import SECRET, hook_config, logged
from tests.webhook_receiver import Receiver, independent_check


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_linked_decision_and_its_sync_carry_the_subject_hash(
    kind: str, request: pytest.FixtureRequest, receiver: Receiver
) -> None:
    url = request.getfixturevalue("database_url" if kind == "sqlite" else "postgres_url")
    config = hook_config(url, crm={"url": receiver.url, "secret": SECRET})
    log = logged(url, config)
    hashed = subject_hash([KEY_OLD, KEY_NEW], "tokodemo", "pelanggan-42")
    log.append(decision(1, action="reject", subject=hashed))
    log.append(decision(2, action="sync", subject=hashed))
    log.append(decision(3, action="accept"))
    delivery = WebhookDelivery(log.engine, lambda: config)
    while delivery.round():
        pass
    events = {r.event["consent_id"]: r.event for r in receiver.received}
    assert events[decision(1).consent_id]["subject"] == hashed
    assert events[decision(2).consent_id]["event"] == "sync"
    assert events[decision(2).consent_id]["subject"] == hashed
    assert "pelanggan-42" not in str(receiver.received)
    assert events[decision(3).consent_id].get("subject") is None
    assert all(independent_check(r.body, r.signature, SECRET) for r in receiver.received)
    log.dispose()
