"""The issue's webhook test: a receiver down, then failing, a service SIGKILLed meanwhile.

Real ``banner serve`` processes (two gunicorn workers, each with its sender)
post to a receiver that refuses connections for :data:`DOWN_SECONDS` (the
issue's two minutes, shortened: ``[banner] webhook_first_retry`` makes the
backoff start at 50 ms instead of 5 s; the schedule itself is tested in
``test_webhooks.py``), then answers 500 three times, then 200. Part way the
service is SIGKILLed and started again. Then:

- every stored decision was delivered (a 2xx) at least once;
- every delivery carries a signature checked here with hmac/hashlib;
- per consent id, no event was attempted before the one before it was delivered;
- nothing was delivered for a decision that is not stored.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from banner.log.schema import consent_log, webhook_outbox
from tests.processes import ServerProcess, free_port, post_json, write_config
from tests.webhook_receiver import Received, Receiver, independent_check

pytestmark = pytest.mark.slow

SECRET = "kill-test-webhook-secret-0123"
DOWN_SECONDS = 6.0
DEVICES = 12
STEPS = (["analytics"], ["functional"], [], ["analytics", "functional"])


def config_file(tmp_path: Path, database_url: str, port: int) -> Path:
    path = write_config(
        tmp_path / "banner.toml", database_url, banner_extra="webhook_first_retry = 0.05"
    )
    with path.open("a", encoding="utf-8") as out:
        out.write(
            f'\n[sites.tokodemo.webhooks.crm]\nurl = "http://127.0.0.1:{port}/hook"\n'
            f'secret = "{SECRET}"\n'
        )
    return path


def device(servers: Callable[[], ServerProcess], acked: list[str], lock: threading.Lock) -> None:
    """One consent id through :data:`STEPS`, each step sent until some server answers."""
    consent_id = f"kill-{uuid.uuid4().hex}"
    token: str | None = None
    for granted in STEPS:
        body: dict[str, Any] = {"site": "tokodemo", "granted": granted, "language": "id"}
        body |= {"policy_version": 3, "consent_id": consent_id}
        if token is not None:
            body["token"] = token
        for _ in range(40):
            status, answer = post_json(servers().url + "/api/v1/consent", body)
            if status in (200, 201):
                token = str(answer["token"])
                with lock:
                    acked.append(consent_id)
                break
            if status not in (0, 503):
                return  # refused (a step lost to the kill left an old token): stop here
            time.sleep(0.1)
        time.sleep(0.05)


def receiver_behaviour() -> Callable[[BaseHTTPRequestHandler, bytes], int]:
    answered = [0]
    lock = threading.Lock()

    def behave(_handler: BaseHTTPRequestHandler, _body: bytes) -> int:
        with lock:
            answered[0] += 1
            return 500 if answered[0] <= 3 else 200

    return behave


def stored_events(database_url: str) -> tuple[dict[str, Any], list[Any]]:
    """Outbox rows by event id, and the stored decisions (with their event ids)."""
    engine = sa.create_engine(database_url)
    joined = sa.select(consent_log, webhook_outbox.c.event_id).join(
        webhook_outbox,
        sa.and_(
            webhook_outbox.c.site == consent_log.c.site,
            webhook_outbox.c.log_index == consent_log.c.log_index,
        ),
        isouter=True,
    )
    with engine.connect() as conn:
        events = {r.event_id: r for r in conn.execute(sa.select(webhook_outbox))}
        decisions = list(conn.execute(joined.order_by(consent_log.c.log_index)))
    engine.dispose()
    return events, decisions


def wait_all_delivered(database_url: str, timeout: float = 120.0) -> None:
    engine = sa.create_engine(database_url)
    deadline = time.monotonic() + timeout
    query = sa.select(sa.func.count()).where(webhook_outbox.c.state != "delivered")
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(query).scalar() == 0:
                    return
            time.sleep(0.2)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_down_then_failing_receiver_and_a_sigkill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, figure: Callable[[str], None]
) -> None:
    database_url = (
        f"sqlite:///{tmp_path / 'kill.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    port = free_port()
    config = config_file(tmp_path, database_url, port)
    current = [ServerProcess(config, workers=2)]
    acked: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()
    with ThreadPoolExecutor(DEVICES) as pool:
        runs = [pool.submit(device, lambda: current[0], acked, lock) for _ in range(DEVICES)]
        while len(acked) < DEVICES and time.monotonic() - started < 30:
            time.sleep(0.05)
        current[0].kill()  # mid-stream, with events pending and the receiver down
        current[0] = ServerProcess(config, workers=2)
        for run in runs:
            run.result()
    time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - started)))
    receiver = Receiver(behaviour=receiver_behaviour(), port=port)
    try:
        wait_all_delivered(database_url)
    finally:
        current[0].stop()
        receiver.close()
    events, decisions = stored_events(database_url)
    check_deliveries(receiver, events, decisions, acked)
    figure(
        f"{len(acked)} acknowledged, {len(decisions)} stored, {len(events)} events, "
        f"{len(receiver.received)} attempts reached the receiver, {len(receiver.accepted)} accepted"
    )


def check_deliveries(
    receiver: Receiver, events: dict[str, Any], decisions: list[Any], acked: list[str]
) -> None:
    assert set(acked) <= {d.consent_id for d in decisions}  # acknowledged means stored
    assert len(decisions) >= DEVICES and all(d.event_id is not None for d in decisions)
    delivered = {r.event["event_id"] for r in receiver.accepted}
    assert {d.event_id for d in decisions} <= delivered  # every stored decision, at least once
    assert len(receiver.received) > len(receiver.accepted)  # the three 500s were retried
    stored = {d.event_id: d for d in decisions}
    for got in receiver.received:
        assert independent_check(got.body, got.signature, SECRET)
        event = got.event
        decision = stored[event["event_id"]]  # nothing sent for a decision not stored
        assert event["consent_id"] == decision.consent_id and event["action"] == decision.action
        assert "ip_masked" not in event
    check_order(receiver.received, receiver.accepted, stored)


def check_order(received: list[Received], accepted: list[Received], stored: dict[str, Any]) -> None:
    """No event of a consent id is attempted before the one before it was delivered."""
    done: dict[str, int] = {}  # consent id -> the highest log index delivered so far
    ok_bodies = {id(r) for r in accepted}
    by_id: dict[str, list[int]] = {}
    for d in stored.values():
        by_id.setdefault(d.consent_id, []).append(d.log_index)
    for got in received:
        decision = stored[got.event["event_id"]]
        order = sorted(by_id[decision.consent_id])
        position = order.index(decision.log_index)
        if position:
            previous = order[position - 1]
            assert done.get(decision.consent_id, -1) >= previous, "sent before the one before"
        if id(got) in ok_bodies:
            best = max(done.get(decision.consent_id, -1), decision.log_index)
            done[decision.consent_id] = best
