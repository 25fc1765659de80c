"""Attacks on the sender: redirects, huge or slow answers, hostile addresses."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from banner.log import webhook_post
from banner.log.webhook_post import MAX_REQUEST, post
from tests.webhook_receiver import Receiver, independent_check

SECRET = "a-webhook-secret-0123456789"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


def test_a_2xx_is_delivered_and_signed(receiver: Receiver) -> None:
    answer = post(receiver.url + "?x=1", b'{"a":1}', SECRET, "e1")
    assert answer.ok and answer.result == "200"
    (got,) = receiver.received
    assert got.path == "/hook?x=1" and independent_check(got.body, got.signature, SECRET)


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    elsewhere = Receiver()

    def redirect(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.send_response(307)
        handler.send_header("Location", elsewhere.url)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    receiver.behaviour = redirect
    answer = post(receiver.url, b"{}", SECRET, "e1")
    elsewhere.close()
    assert not answer.ok and "redirect" in answer.result
    assert elsewhere.received == []


def test_a_huge_answer_is_read_only_up_to_the_cap(receiver: Receiver) -> None:
    sent = [0]

    def flood(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(1 << 30))
        handler.end_headers()
        chunk = b"x" * 65536
        try:
            for _ in range(1 << 14):
                handler.wfile.write(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass  # the sender hung up, as it should

    receiver.behaviour = flood
    answer = post(receiver.url, b"{}", SECRET, "e1")
    assert answer.ok
    assert sent[0] < 64 * 1024 * 1024  # hung up long before a gigabyte


def test_a_slow_receiver_is_cut_off(receiver: Receiver) -> None:
    def drip(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        try:
            for _ in range(100):  # a header line every 0.1 s: each read is "in time"
                handler.wfile.write(b"X-Slow: 1\r\n")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    receiver.behaviour = drip
    answer = post(receiver.url, b"{}", SECRET, "e1", timeout=0.5)
    assert answer == webhook_post.Answer(False, "timed out")


def test_a_receiver_that_never_answers_is_cut_off() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        answer = post(url, b"{}", SECRET, "e1", timeout=0.3)
    assert not answer.ok and "timed out" in answer.result


def test_a_body_over_the_cap_is_never_sent(receiver: Receiver) -> None:
    answer = post(receiver.url, b"x" * (MAX_REQUEST + 1), SECRET, "e1")
    assert not answer.ok and receiver.received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # plain http off the machine
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_plain_http_goes_only_to_loopback(url: str) -> None:
    answer = post(url, b"{}", SECRET, "e1")
    assert not answer.ok and "loopback" in answer.result


def test_a_refused_connection_is_a_failed_attempt() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    answer = post(f"http://127.0.0.1:{port}/", b"{}", SECRET, "e1")
    assert not answer.ok and "Connection" in answer.result


def test_the_watchdog_leaves_no_thread_behind(receiver: Receiver) -> None:
    before = threading.active_count()
    for _ in range(5):
        post(receiver.url, b"{}", SECRET, "e1")
    time.sleep(0.1)
    assert threading.active_count() <= before + 1
    assert webhook_post.TIMEOUT == 10.0


def test_a_flood_of_headers_is_a_failed_attempt(receiver: Receiver) -> None:
    def headers(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        try:
            for n in range(1000):
                handler.wfile.write(b"X-Flood-%d: %s\r\n" % (n, b"x" * 1000))
            handler.wfile.write(b"\r\n")
        except OSError:
            pass

    receiver.behaviour = headers
    answer = post(receiver.url, b"{}", SECRET, "e1")
    assert not answer.ok  # http.client stops at 100 header lines; nothing is raised


def test_the_secret_travels_only_as_a_signature(receiver: Receiver) -> None:
    post(receiver.url, b'{"a":1}', SECRET, "e1")
    (got,) = receiver.received
    assert SECRET not in got.signature and SECRET.encode() not in got.body
