"""A throw-away PostgreSQL cluster of the test's own, so it can be stopped and restarted.

The machine's shared server is never touched. ``initdb`` refuses to run as
root, so as root the cluster runs as the ``postgres`` user in a folder it owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found[-1]


class Cluster:
    """``initdb`` in a temporary folder; ``start`` / ``stop`` with ``pg_ctl``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="banner-pg-", dir="/tmp"))
        self.port = free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.root, "postgres")
        self._run(_bin("initdb"), "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as, *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        data, log = str(self.root / "data"), str(self.root / "server.log")
        self._run(_bin("pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
