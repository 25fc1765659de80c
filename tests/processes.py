"""Real server processes for tests that kill, restart and load them."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.factories import KEY_NEW, KEY_OLD, SHOP_ORIGIN


def _listening_ports() -> range:
    """Ports below the kernel's ephemeral range (where outgoing connections take theirs)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(max(1024, low - 12000), low)


#: Where test servers listen. A port the kernel picked with bind(0) is free only until
#: someone connects out: Chromium's and the tests' own outgoing connections take their
#: local ports from the same ephemeral range, so a server bound a moment later could
#: find it taken (seen in a full run beside a browser: "Address already in use", after
#: which pytest's fixture state broke every later e2e test's setup).
LISTENING_PORTS = _listening_ports()
_pick = random.Random()  # its own state: hypothesis seeds the module's random in tests


def free_port() -> int:
    """A port of 127.0.0.1 no one listens on now, outside the range outgoing connections use."""
    for _ in range(500):
        port = _pick.choice(LISTENING_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {LISTENING_PORTS}")


def write_config(
    path: Path,
    database_url: str,
    keys: tuple[str, ...] = (KEY_OLD, KEY_NEW),
    banner_extra: str = "",
    rate_limit: str = "100000/minute",
) -> Path:
    quoted = ", ".join(f'"{k}"' for k in keys)
    path.write_text(
        f"""
[banner]
secret_keys = [{quoted}]
database_url = "{database_url}"
rate_limit = "{rate_limit}"
{banner_extra}

[sites.tokodemo]
name = "Toko Demo"
origins = ["{SHOP_ORIGIN}"]
policy_version = 3
privacy_policy_url = "https://www.tokodemo.co.id/kebijakan-privasi"
categories = ["functional", "analytics", "preference"]
""",
        encoding="utf-8",
    )
    return path


class ServerProcess:
    """``banner serve`` in its own process group, so SIGKILL takes every worker."""

    def __init__(
        self, config: Path, workers: int = 2, log: Path | None = None, dev: bool = False
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or config.with_suffix(f".{self.port}.log")
        command = [sys.executable, "-m", "banner", "serve", "--config", str(config)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        if dev:  # ``banner run``: the development server, one process
            command = [sys.executable, "-m", "banner", "run", "--config", str(config)]
            command += ["--port", str(self.port)]
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log_file.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log_file.close()


def post_json(
    url: str, body: dict[str, object], origin: str = SHOP_ORIGIN
) -> tuple[int, dict[str, object]]:
    """POST ``body`` as JSON from ``origin``; the status and the JSON answer (``0`` when none).

    A decision without ``notice_hash`` gets the server's current one for its
    site and language (as a browser or API client does).
    """
    body = _with_notice(url, body)
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": origin},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status), json.load(answer)
    except urllib.error.HTTPError as error:
        return int(error.code), {}
    except (OSError, http.client.HTTPException):
        # No answer, or one cut off (a SIGKILL mid-body): not acknowledged.
        return 0, {}


#: Notice hashes already fetched, by (server, site, language): a server's notice
#: changes only when a test rewrites its config, and those tests send their own.
_NOTICES: dict[tuple[str, str, str], str] = {}


def _with_notice(url: str, body: dict[str, object]) -> dict[str, object]:
    if not url.endswith("/api/v1/consent") or not isinstance(body, dict):
        return body
    site, language = body.get("site"), body.get("language")
    if "notice_hash" in body or not isinstance(site, str) or language not in ("id", "en"):
        return body
    base = url.removesuffix("/api/v1/consent")
    key = (base, site, str(language))
    if key not in _NOTICES:
        try:
            with urllib.request.urlopen(f"{base}/s/{site}/notice?lang={language}", timeout=10) as a:
                _NOTICES[key] = json.load(a)["notice_hash"]
        except (OSError, ValueError, KeyError, http.client.HTTPException):
            return body
    return {**body, "notice_hash": _NOTICES[key]}


def api_call(url: str, body: dict[str, object]) -> dict[str, object]:
    """POST to an API route that must answer 200 or 201; its JSON answer."""
    status, answer = post_json(url, body)
    assert status in (200, 201), f"{url} answered {status}"
    return answer
