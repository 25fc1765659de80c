"""Test servers' ports: outside the range the kernel gives outgoing connections."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests import processes


def test_a_free_port_is_below_the_ephemeral_range_and_bindable() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(50):
        port = processes.free_port()
        assert 1024 <= port < low
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_someone_listens_on_is_never_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        tries = iter([busy, busy, processes.LISTENING_PORTS[0] + 7])
        monkeypatch.setattr(processes._pick, "choice", lambda _ports: next(tries))
        assert processes.free_port() == processes.LISTENING_PORTS[0] + 7
