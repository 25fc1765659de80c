"""Service processes a benchmark starts itself and always stops."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

#: How long a process gets to answer its first request.
START_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answers(url: str) -> bool:
    """True when ``url`` gives any HTTP answer (even an error status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class Process:
    """A child process that is up once ``ready_url`` answers; a context manager.

    :param argv: the command.
    :param ready_url: polled until it answers, for at most :data:`START_SECONDS`.
    :param log: file receiving the child's output.
    :param env: extra environment variables.
    :param cwd: the child's working directory (``python -m`` imports from it first).
    """

    def __init__(
        self,
        argv: Sequence[str],
        ready_url: str,
        log: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.argv, self.ready_url, self.log, self.cwd = list(argv), ready_url, log, cwd
        self.env = {**os.environ, **(env or {})}
        self.child: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        """The running child's process id."""
        if self.child is None:
            raise RuntimeError("the process has not been started")
        return self.child.pid

    def __enter__(self) -> Process:
        out = self.log.open("ab")
        self.child = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=out, cwd=self.cwd)
        out.close()
        deadline = time.monotonic() + START_SECONDS
        while not answers(self.ready_url):
            if self.child.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{' '.join(self.argv)} did not start:\n{tail}")
            time.sleep(0.1)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self.child is None or self.child.poll() is not None:
            return
        self.child.terminate()
        try:
            self.child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait(timeout=5)


def gunicorn(
    app: str,
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/",
    cwd: Path | None = None,
) -> Process:
    """gunicorn on 127.0.0.1 with ``banner serve``'s settings (bench/gunicorn_settings.py)."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config=python:bench.gunicorn_settings",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        app,
    ]
    return Process(argv, f"http://127.0.0.1:{port}{ready_path}", log, env, cwd)


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU seconds used so far by a gunicorn master's worker processes."""
    total = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
