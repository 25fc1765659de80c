"""The tracker gate against a real local HTTP endpoint that records what arrives."""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from banner.check import covers
from banner.check.tracker_gate import TrackerGate
from banner.core.token import ConsentToken

NOW = 1_790_000_000
VISITOR = "gate-visitor-0123456789"


def consent_for(*granted: str) -> ConsentToken:
    return ConsentToken(VISITOR, "tokodemo", granted, 3, NOW, NOW + 86400)


@dataclass
class Collector:
    """A tracker endpoint (think GA4 Measurement Protocol) on 127.0.0.1."""

    url: str
    received: list[dict[str, object]] = field(default_factory=list)


@pytest.fixture
def collector() -> Iterator[Collector]:
    received: list[dict[str, object]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads ``received`` instead."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Collector(f"http://{host!s}:{port}/mp/collect", received)
    server.shutdown()
    server.server_close()
    thread.join()


def post(url: str, event: dict[str, object]) -> int:
    """Send one event; returns once the endpoint has answered (and recorded it)."""
    data = json.dumps(event).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        status: int = response.status
        return status


PURCHASE = {"name": "purchase", "order": "INV-001", "value": 150000}


def test_with_consent_the_event_arrives(collector: Collector) -> None:
    gate = TrackerGate()
    status = gate.run(
        consent_for("analytics"), "analytics", lambda: post(collector.url, PURCHASE), event="p"
    )
    assert status == 204
    assert collector.received == [{"path": "/mp/collect", "body": PURCHASE}]
    assert (gate.sent, gate.dropped) == ({("p", "analytics"): 1}, {})


@pytest.mark.parametrize("consent", [None, consent_for(), consent_for("functional")])
def test_without_consent_nothing_arrives(
    collector: Collector, consent: ConsentToken | None, caplog: pytest.LogCaptureFixture
) -> None:
    gate = TrackerGate()
    caplog.set_level(logging.INFO, logger="banner.gate")
    result = gate.run(consent, "analytics", lambda: post(collector.url, PURCHASE), event="p")
    # An essential event sent afterwards proves the endpoint was listening.
    gate.run(consent, "essential", lambda: post(collector.url, {"name": "ping"}), event="ping")
    assert result is None
    assert collector.received == [{"path": "/mp/collect", "body": {"name": "ping"}}]
    assert gate.dropped == {("p", "analytics"): 1}
    assert gate.sent == {("ping", "essential"): 1}
    assert [r.getMessage() for r in caplog.records] == [
        "dropped server-side event p (analytics): "
        + ("no consent" if consent is None else "category not granted")
    ]


def test_drops_are_logged_without_personal_data(
    collector: Collector, caplog: pytest.LogCaptureFixture
) -> None:
    gate = TrackerGate()
    caplog.set_level(logging.DEBUG)
    gate.run(
        consent_for("functional"), "analytics", lambda: post(collector.url, PURCHASE), event="p"
    )
    logged = caplog.text
    assert "dropped" in logged
    assert VISITOR not in logged and "INV-001" not in logged and "127.0.0.1" not in logged


def test_the_decorated_form_takes_the_consent_first(collector: Collector) -> None:
    gate = TrackerGate()

    @gate.event("analytics")
    def meta_purchase(order: str, value: int) -> int:
        return post(collector.url, {"order": order, "value": value})

    assert meta_purchase(None, "INV-002", 5) is None
    assert meta_purchase(consent_for("analytics"), "INV-003", value=7) == 204
    assert collector.received == [{"path": "/mp/collect", "body": {"order": "INV-003", "value": 7}}]
    assert gate.dropped == {("meta_purchase", "analytics"): 1}
    assert gate.sent == {("meta_purchase", "analytics"): 1}
    assert meta_purchase.__name__ == "meta_purchase"


def test_a_failing_call_is_not_counted_as_sent() -> None:
    gate = TrackerGate()

    def unreachable() -> None:
        raise ConnectionError("tracker down")

    with pytest.raises(ConnectionError):
        gate.run(consent_for("analytics"), "analytics", unreachable, event="p")
    assert gate.sent == {}


@pytest.mark.parametrize("name", ["", "user@example.com", "order 42", "x" * 65, "1abc"])
def test_event_names_are_short_labels(name: str) -> None:
    gate = TrackerGate()
    with pytest.raises(ValueError, match="short identifier"):
        gate.run(consent_for("analytics"), "analytics", lambda: None, event=name)
    with pytest.raises(ValueError, match="short identifier"):
        gate.event("analytics", name)(lambda: None)


@pytest.mark.parametrize(
    ("consent", "category", "allowed"),
    [
        (None, "essential", True),
        (None, "analytics", False),
        (consent_for(), "essential", True),
        (consent_for(), "analytics", False),
        (consent_for("analytics"), "analytics", True),
        (consent_for("analytics"), "marketing", False),
        (consent_for("analytics", "marketing"), "marketing", True),
    ],
)
def test_covers(consent: ConsentToken | None, category: str, allowed: bool) -> None:
    assert covers(consent, category) is allowed
