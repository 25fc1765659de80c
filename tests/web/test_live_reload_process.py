"""Two processes: one writes the config file, the other keeps answering and learns the bump.

The answering process is a shop that checks consent with ``Banner(app, config,
mount_routes=False)`` and with ``ConsentMiddleware.from_config``, or the hosted
service under gunicorn; neither is restarted. The file is looked at every
``RELOAD_INTERVAL`` (2 s), so the new answer comes within a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from banner.core.keys import site_token_keys
from banner.core.token import TokenCodec
from tests.factories import KEY_NEW, KEY_OLD
from tests.processes import ServerProcess, free_port, post_json, write_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SITE = "tokodemo"

SHOP = """
import json, sys
from flask import Flask, jsonify, request
from werkzeug.serving import make_server
from banner import Banner, ConsentMiddleware, consent_in, has_consent, load_config

path, port = sys.argv[1], int(sys.argv[2])
app = Flask("shop")
Banner(app, load_config(path), mount_routes=False)

@app.get("/answer")
def answer():
    middleware = consent_in(request.environ)
    return jsonify({
        "extension": has_consent("analytics"),
        "middleware": middleware is not None and middleware.allows("analytics"),
    })

app.wsgi_app = ConsentMiddleware.from_config(app.wsgi_app, path)
server = make_server("127.0.0.1", port, app, threaded=True)
print("ready", flush=True)
server.serve_forever()
"""


def token(version: int) -> str:
    codec = TokenCodec(SITE, site_token_keys([KEY_NEW], SITE), version, 86400)
    return codec.sign("visitor-0123456789abcd", ["analytics"])[0]


def bump(path: Path, version: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("policy_version = 3", f"policy_version = {version}"))


def until(answer: Callable[[], object], wanted: object, timeout: float = 60.0) -> float:
    """Seconds until ``answer()`` gave ``wanted`` five times in a row (fails after ``timeout``).

    ``None`` (no answer from a busy server) neither counts nor breaks the streak.
    """
    start = time.monotonic()
    streak = 0
    seen: list[object] = []
    while time.monotonic() - start < timeout:
        seen.append(answer())
        if seen[-1] is not None:
            streak = streak + 1 if seen[-1] == wanted else 0
        if streak == 5:
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"still not {wanted!r} after {timeout} s; last answers {seen[-10:]}")


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    return write_config(tmp_path / "banner.toml", database_url, keys=(KEY_OLD, KEY_NEW))


@pytest.fixture
def shop(config: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "shop.log").open("wb")
    child = subprocess.Popen(
        [sys.executable, "-c", SHOP, str(config), str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_ready(url, child, tmp_path / "shop.log")
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)
        log.close()


def _wait_ready(url: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"shop exited: {log.read_text()}")
        try:
            urllib.request.urlopen(url + "/answer", timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError("shop did not become ready")


def shop_answer(url: str, value: str) -> dict[str, bool] | None:
    """The shop's answer, or ``None`` when it gave none in time (a loaded machine)."""
    request = urllib.request.Request(url + "/answer", headers={"Cookie": f"banner_consent={value}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            found: dict[str, bool] = json.load(answer)
            return found
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        return None


def test_a_running_shop_learns_a_policy_bump(
    shop: str, config: Path, figure: Callable[[str], None]
) -> None:
    old = token(3)
    assert shop_answer(shop, old) == {"extension": True, "middleware": True}
    bump(config, 4)
    took = until(lambda: shop_answer(shop, old), {"extension": False, "middleware": False})
    assert shop_answer(shop, token(4)) == {"extension": True, "middleware": True}
    figure(f"shop learnt the policy bump {took:.1f} s after the file was written")


def test_a_running_service_learns_a_policy_bump_in_every_worker(
    config: Path, figure: Callable[[str], None]
) -> None:
    server = ServerProcess(config, workers=2)
    try:
        old = {"site": SITE, "token": token(3)}
        assert post_json(server.url + "/api/v1/verify", old)[1]["valid"] is True
        bump(config, 4)

        def reason() -> object:
            status, answer = post_json(server.url + "/api/v1/verify", old)
            return None if status != 200 else answer.get("reason", "valid")

        try:
            took = until(reason, "stale_policy")
        except AssertionError as failed:
            raise AssertionError(f"{failed}\n{server.log_path.read_text()[-3000:]}") from None
        figure(f"service learnt the policy bump {took:.1f} s after the file was written")
    finally:
        server.stop()


def test_a_broken_file_keeps_the_shop_answering(shop: str, config: Path, tmp_path: Path) -> None:
    old = token(3)
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("policy_version = 3", "policy_version = 'four'"))
    time.sleep(3)  # longer than the interval: the broken file has been looked at
    assert shop_answer(shop, old) == {"extension": True, "middleware": True}
    said = (tmp_path / "shop.log").read_text().splitlines()
    # one line per follower of the file (the extension and the middleware), once each
    complaints = [line for line in said if "keeping the last good config" in line]
    assert len(complaints) == 2 and all("policy_version" in line for line in complaints)
    config.write_text(good.replace("policy_version = 3", "policy_version = 5"))
    until(lambda: shop_answer(shop, old), {"extension": False, "middleware": False})
