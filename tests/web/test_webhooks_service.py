"""Webhooks in the service: the API's decisions reach the outbox; the sender starts when asked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from banner.log.schema import webhook_outbox
from banner.web.app import create_app
from banner.web.webhooks import delivery_of, start_delivery
from tests.factories import SHOP_ORIGIN, make_config, paths, with_notice
from tests.webhook_receiver import Receiver, independent_check

SECRET = "a-webhook-secret-0123456789"
GOOD: dict[str, Any] = {
    "site": "tokodemo",
    "granted": ["analytics"],
    "language": "id",
    "policy_version": 3,
}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def hooked(tmp_path: Path, receiver: Receiver, post_path: str) -> Iterator[Flask]:
    config = make_config(
        f"sqlite:///{tmp_path / 'hooks.db'}",
        webhooks={"crm": {"url": receiver.url, "secret": SECRET}},
    )
    app = create_app(config, **paths(post_path))
    app.config["TESTING"] = True
    yield app
    app.extensions["banner"].log.dispose()


def post(app: Flask, body: dict[str, Any]) -> Any:
    client = app.test_client()
    headers = {"Origin": SHOP_ORIGIN, "Content-Type": "application/json"}
    return client.post(
        "/api/v1/consent", data=json.dumps(with_notice(client, body)), headers=headers
    )


def outbox_rows(app: Flask) -> list[Any]:
    with app.extensions["banner"].log.engine.connect() as conn:
        return list(conn.execute(sa.select(webhook_outbox)))


def test_a_stored_decision_has_its_event_and_a_refused_one_none(hooked: Flask) -> None:
    assert post(hooked, GOOD).status_code == 201
    assert post(hooked, {**GOOD, "granted": ["no-such"]}).status_code == 400
    assert post(hooked, {**GOOD, "site": "other"}).status_code in (400, 403, 404)
    (row,) = outbox_rows(hooked)
    assert row.event == "decision" and row.state == "pending"


def test_no_sender_thread_in_tests_unless_asked(hooked: Flask, receiver: Receiver) -> None:
    post(hooked, GOOD)
    delivery = delivery_of(hooked)
    assert delivery is not None and not delivery.running
    hooked.config["BANNER_WEBHOOK_DELIVERY"] = True
    post(hooked, {**GOOD, "granted": []})
    assert delivery.running
    deadline = time.monotonic() + 20
    while len(receiver.accepted) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.accepted) == 2
    assert all(independent_check(r.body, r.signature, SECRET) for r in receiver.accepted)


def test_start_delivery_respects_false(hooked: Flask) -> None:
    hooked.config["BANNER_WEBHOOK_DELIVERY"] = False
    start_delivery(hooked)
    post(hooked, GOOD)
    delivery = delivery_of(hooked)
    assert delivery is not None and not delivery.running
    start_delivery(object())  # not a Flask app: nothing to start


def test_a_signed_in_visitors_event_names_the_subject_hash_never_the_user(
    hooked: Flask, receiver: Receiver
) -> None:
    """The body carries ``subject`` (the keyed hash banner keeps), not the user id."""
    from banner.log.subjects import subject_of
    from tests.subject_tokens import make_token

    made = post(hooked, {**GOOD, "subject": make_token("budi@example.co.id")})
    assert made.status_code == 201
    post(hooked, {**GOOD, "granted": []})  # an anonymous visitor: no subject
    with hooked.extensions["banner"].log.engine.connect() as conn:
        linked = subject_of(conn, "tokodemo", made.get_json()["consent_id"])
    assert linked and "budi" not in linked
    hooked.config["BANNER_WEBHOOK_DELIVERY"] = True
    post(hooked, {**GOOD, "granted": ["analytics"], "consent_id": "x" * 22})
    deadline = time.monotonic() + 20
    while len(receiver.accepted) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    bodies = [json.loads(a.body) for a in receiver.accepted]
    subjects = {b["consent_id"]: b.get("subject") for b in bodies}
    assert subjects[made.get_json()["consent_id"]] == linked
    assert sum(1 for s in subjects.values() if s is None) == 2
    assert all("budi" not in a.body.decode() for a in receiver.accepted)
