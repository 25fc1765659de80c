"""A webhook receiver for tests, and the signature check written from the standard.

The check uses :mod:`hmac` and :mod:`hashlib` directly, never banner's code:
``Banner-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: what the receiver does with a request: (handler, body) -> status, or None when
#: the behaviour wrote its own answer
Behaviour = Callable[[BaseHTTPRequestHandler, bytes], int | None]


def independent_check(body: bytes, header: str, secret: str) -> bool:
    """The standard's HMAC-SHA256 over ``t.body``, computed here."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    signed = fields["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@dataclass
class Received:
    body: bytes
    signature: str
    path: str

    @property
    def event(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 noting every POST; ``behaviour`` answers it."""

    behaviour: Behaviour = lambda _handler, _body: 200
    received: list[Received] = field(default_factory=list)
    accepted: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: the port to listen on (``0``: any free one)
    port: int = 0

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                note = Received(body, self.headers.get("Banner-Signature", ""), self.path)
                with receiver.lock:
                    receiver.received.append(note)
                status = receiver.behaviour(self, body)
                if status is None:
                    return
                if 200 <= status < 300:
                    with receiver.lock:
                        receiver.accepted.append(note)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
