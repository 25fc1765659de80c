"""``banner run``: the demo on other ports, a taken port named by its flag, the dev
server's log without consent tokens; ``banner --version``; ``banner serve``'s settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from banner.web.server import _Gunicorn, options
from tests.processes import post_json
from tests.scan.site import free_port

pytestmark = pytest.mark.slow
SECRET = "tok.SECRET-0123456789abcdef"


def get(url: str, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@contextmanager
def demo(tmp_path: Path, args: list[str], env: dict[str, str]) -> Iterator[Path]:
    """``banner run`` (no config: the demo) in ``tmp_path``; yields its log file."""
    log = tmp_path / "run.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BANNER_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "banner", "run", *args],
            cwd=tmp_path,
            env={**environment, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield log
        finally:
            process.terminate()
            process.wait(timeout=10)


def wait_for(url: str, log: Path) -> None:
    for _ in range(300):
        try:
            if get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(log.read_text(encoding="utf-8"))


@pytest.mark.parametrize("how", ["flags", "environment"])
def test_the_demo_moves_to_other_ports_service_and_shop_alike(tmp_path: Path, how: str) -> None:
    port, shop = free_port(), free_port()
    args = ["--port", str(port), "--shop-port", str(shop)] if how == "flags" else []
    env = {} if args else {"BANNER_PORT": str(port), "BANNER_SHOP_PORT": str(shop)}
    with demo(tmp_path, args, env) as log:
        wait_for(f"http://127.0.0.1:{port}/healthz", log)
        wait_for(f"http://127.0.0.1:{shop}/", log)
        assert (
            f"http://127.0.0.1:{port}/s/tokodemo/loader.js" in get(f"http://127.0.0.1:{shop}/")[1]
        )
        body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 1}
        status, answer = post_json(
            f"http://127.0.0.1:{port}/api/v1/consent", body, f"http://localhost:{shop}"
        )
        assert status == 201, answer  # the shop's origin on its new port is allowed
        get(f"http://127.0.0.1:{port}/s/tokodemo/preferences?lang=id&token={SECRET}")
        time.sleep(0.3)
    text = log.read_text(encoding="utf-8")
    assert f"Demo shop page: http://localhost:{shop}/" in text
    assert SECRET not in text and "token=***" in text


@pytest.mark.parametrize(
    ("taken", "flag", "variable"),
    [("service", "--port", "BANNER_PORT"), ("shop", "--shop-port", "BANNER_SHOP_PORT")],
)
def test_a_taken_port_is_refused_naming_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taken: str, flag: str, variable: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BANNER_CONFIG", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        other = free_port()
        ports = (port, other) if taken == "service" else (other, port)
        args = ["run", "--port", str(ports[0]), "--shop-port", str(ports[1])]
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()[-1:]
    assert line.startswith(f"Error: port {port} on 127.0.0.1 is not free")
    assert f"choose another with {flag} N" in line and f"{variable}=N make demo" in line


def test_the_shop_port_must_differ_from_the_service_port() -> None:
    result = CliRunner().invoke(main, ["run", "--port", "8123", "--shop-port", "8123"])
    assert result.exit_code == 2 and "--shop-port" in result.output


def test_version_names_the_distribution_banner_consent() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert version("banner-consent") in result.output


def test_serve_writes_no_control_socket_under_home() -> None:
    assert options("127.0.0.1:0", 1)["control_socket_disable"] is True
    settings = _Gunicorn(options("127.0.0.1:0", 1), None).cfg
    if "control_socket_disable" in settings.settings:  # gunicorn 25.1 and later
        assert settings.control_socket_disable is True
