"""One webhook request: a signed POST that a receiver cannot turn against the sender.

No redirect is followed (a 3xx is a failed attempt), the whole exchange ends
after :data:`TIMEOUT` seconds however slowly the receiver drips its answer,
at most :data:`MAX_RESPONSE` bytes of the answer are read, and a body over
:data:`MAX_REQUEST` bytes is never sent. Plain http goes only to a loopback
address (a sidecar), checked again on the resolved address.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from banner.core.config_webhooks import is_loopback
from banner.core.webhook_signature import HEADER, sign

TIMEOUT = 10.0
MAX_REQUEST = 64 * 1024
MAX_RESPONSE = 64 * 1024
USER_AGENT = "banner-webhooks/1"


@dataclass(frozen=True, slots=True)
class Answer:
    """How one attempt went: delivered (a 2xx) or not, and what to note."""

    ok: bool
    result: str


def post(url: str, body: bytes, secret: str, event_id: str, timeout: float = TIMEOUT) -> Answer:
    """POST ``body`` signed with ``secret`` to ``url``; never raises for the receiver's faults."""
    if len(body) > MAX_REQUEST:
        return Answer(False, f"body over {MAX_REQUEST} bytes, not sent")
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    if parts.scheme == "http" and not _resolves_to_loopback(host, port or 80):
        return Answer(False, "http only to a loopback address")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Banner-Event-Id": event_id,
        HEADER: sign(body, secret),
        "Connection": "close",
    }
    conn = _connection(parts.scheme, host, port, timeout)
    try:
        return _exchange(conn, target, body, headers, timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Answer(False, f"{type(exc).__name__}: {exc}"[:200])
    finally:
        conn.close()


def _connection(
    scheme: str, host: str, port: int | None, timeout: float
) -> http.client.HTTPConnection:
    if scheme == "https":
        context = ssl.create_default_context()
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _exchange(
    conn: http.client.HTTPConnection,
    target: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> Answer:
    """Send and read the answer, cut off by a watchdog when ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    conn.connect()  # itself bounded by the socket's timeout
    left = deadline - time.monotonic()
    if left <= 0:
        return Answer(False, "timed out")
    cut = threading.Event()
    watchdog = threading.Timer(left, _cut, (conn, cut))
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_RESPONSE)  # the rest is never read: the connection closes
    except (OSError, http.client.HTTPException):
        if not cut.is_set():
            raise
    finally:
        watchdog.cancel()
    if cut.is_set():  # whatever was read before the cut is not an answer
        return Answer(False, "timed out")
    status = response.status
    if 200 <= status < 300:
        return Answer(True, str(status))
    if 300 <= status < 400:
        return Answer(False, f"{status} redirect, not followed")
    return Answer(False, str(status))


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """Stop a receiver that answers too slowly: reads in progress end at once."""
    cut.set()
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _resolves_to_loopback(host: str, port: int) -> bool:
    if not is_loopback(host):
        return False
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(found) and all(is_loopback(str(info[4][0])) for info in found)
