"""Hostile bodies and broken requests against real servers (issue 12, items 2, 5, 7, 8).

gunicorn (``banner serve``) and the development server (``banner run``) each
get: a declared body far over the route's cap (answered 413 before any of it
is sent), an endless chunked body (cut at the cap), broken chunking (400),
and requests gunicorn itself refuses (its warning must not name the client).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import SHOP_ORIGIN
from tests.processes import ServerProcess, post_json, write_config

pytestmark = pytest.mark.slow

#: Routes with their caps: the API's JSON bodies and the preference form.
CAPPED = [
    ("/api/v1/consent", 8 * 1024),
    ("/api/v1/verify", 8 * 1024),
    ("/s/tokodemo/preferences", 64 * 1024),
]


@pytest.fixture(params=["gunicorn", "dev"], scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp(request.param)
    config = write_config(folder / "banner.toml", f"sqlite:///{folder / 'b.db'}")
    started = ServerProcess(config, workers=1, dev=request.param == "dev")
    yield started
    started.stop()


def _connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=30)


def _head(path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Origin: {SHOP_ORIGIN}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _status(sock: socket.socket) -> int:
    answer = b""
    while b"\r\n" not in answer:
        part = sock.recv(4096)
        if not part:
            break
        answer += part
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def _resident_kib(server: ServerProcess) -> int:
    """Resident memory of the server's processes (master and workers), in KiB."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            if os.getpgid(int(pid)) != server.process.pid:
                continue
        except OSError:
            continue
        total += int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmRSS")))
    return total


@pytest.mark.parametrize(("path", "cap"), CAPPED)
def test_a_declared_body_over_the_cap_is_refused_before_it_is_sent(
    server: ServerProcess, path: str, cap: int
) -> None:
    """``Content-Length: 10^12`` and not a byte of body: the answer comes anyway."""
    for declared in (cap + 1, 300_000_000, 10**12):
        with _connect(server) as sock:
            sock.sendall(
                _head(path, "Content-Type: application/json", f"Content-Length: {declared}")
            )
            assert _status(sock) == 413


@pytest.mark.parametrize(("path", "cap"), CAPPED)
def test_an_endless_chunked_body_is_cut_at_the_cap(
    server: ServerProcess, path: str, cap: int
) -> None:
    """The body never ends (no last chunk): only a server that stops at the cap answers."""
    before = _resident_kib(server)
    chunk = b"%x\r\n%s\r\n" % (4096, b"{" * 4096)
    with _connect(server) as sock:
        sock.sendall(_head(path, "Content-Type: application/json", "Transfer-Encoding: chunked"))
        with contextlib.suppress(OSError):  # the server may close while we still send
            for _ in range(64 * cap // 4096):
                sock.sendall(chunk)
        assert _status(sock) == 413
    assert _resident_kib(server) - before < 20 * 1024


@pytest.mark.parametrize(("path", "_cap"), CAPPED)
def test_broken_chunking_is_a_bad_request(server: ServerProcess, path: str, _cap: int) -> None:
    with _connect(server) as sock:
        sock.sendall(_head(path, "Content-Type: application/json", "Transfer-Encoding: chunked"))
        sock.sendall(b"zz\r\n{}\r\n0\r\n\r\n")
        assert _status(sock) == 400


def test_the_server_still_answers_afterwards(server: ServerProcess) -> None:
    body = {"site": "tokodemo", "granted": [], "language": "id", "policy_version": 3}
    status, answer = post_json(server.url + "/api/v1/consent", body)
    assert status == 201 and answer["granted"] == []


BROKEN_REQUESTS = [
    b"POST /api/v1/consent HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /api/v1/consent HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Name\x01: 1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.8.7\x01\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 9000 + b"\r\n\r\n",
]


def test_gunicorn_names_no_client_address_for_broken_requests(tmp_path: Path) -> None:
    config = write_config(tmp_path / "banner.toml", f"sqlite:///{tmp_path / 'b.db'}")
    server = ServerProcess(config, workers=1)
    try:
        for raw in BROKEN_REQUESTS:
            with _connect(server) as sock:
                sock.sendall(raw)
                assert _status(sock) >= 400
    finally:
        server.stop()
    lines = server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    warnings = [line for line in lines if "Invalid request" in line]
    assert len(warnings) == len(BROKEN_REQUESTS)
    assert all("127.0.0.0/24" in line for line in warnings)
    for address in ("127.0.0.1", "10.9.8.7"):
        assert not [line for line in lines if address in line and "Listening at" not in line]


def test_the_dev_server_masks_addresses_in_the_log_not_the_consent_log(tmp_path: Path) -> None:
    """The request log has no address; the row has the masked one and limits key on it."""
    database = tmp_path / "d.db"
    config = write_config(tmp_path / "b.toml", f"sqlite:///{database}", rate_limit="2/minute")
    server = ServerProcess(config, dev=True)
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    try:
        statuses = [post_json(server.url + "/api/v1/consent", body)[0] for _ in range(3)]
        time.sleep(0.5)  # let the request log reach the file
    finally:
        server.stop()
    assert statuses == [201, 201, 429]
    rows = sqlite3.connect(database).execute("SELECT ip_masked FROM consent_log").fetchall()
    assert rows == [("127.0.0.0/24",), ("127.0.0.0/24",)]
    log_text = server.log_path.read_text(encoding="utf-8", errors="replace")
    requests = [line for line in log_text.splitlines() if "/api/v1/consent" in line]
    assert len(requests) == 3 and not [line for line in requests if "127.0.0.1" in line]
    assert json.dumps(body)  # the body itself is never logged
    assert "analytics" not in "".join(requests)


ROUTES = [
    "/api/v1/consent",
    "/api/v1/verify",
    "/healthz",
    "/s/tokodemo/loader.js",
    "/s/tokodemo/preferences?endpoint=x&_external=1",
    "/s/tokodemo/cookies?_method=GET",
    "/s/tokodemo/receipt/some-consent-id-00001",
    "/s/nosuch/preferences",
]
GARBAGE = [
    ("Transfer-Encoding: chunked", b"5;x=\x01\r\nhello\r\n0\r\n\r\n"),
    ("Transfer-Encoding: chunked", b"-1\r\nx\r\n0\r\n\r\n"),
    ("Transfer-Encoding: chunked", b"4\r\nabcdEXTRA\r\n0\r\n\r\n"),
    ("Content-Length: 12", b"\xff\xfe\x00{[}\x00\x00\x00\x00\x00]"),
    ("Content-Length: 11", b"grant_=%zz&"),
]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(("framing", "raw"), GARBAGE)
def test_garbage_bodies_never_give_a_5xx(
    server: ServerProcess, path: str, framing: str, raw: bytes
) -> None:
    for content_type in ("application/json", "application/x-www-form-urlencoded"):
        with _connect(server) as sock:
            sock.sendall(_head(path, f"Content-Type: {content_type}", framing) + raw)
            status = _status(sock)
        assert 200 <= status < 500, (path, framing, raw)
