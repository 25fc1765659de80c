"""A policy bump in the config file reaches every check without a restart.

The service (API verify and record), the Flask helpers of ``Banner(app, config,
mount_routes=False)`` and the WSGI middleware built from the file all follow it.
The look at the file happens at most every ``RELOAD_INTERVAL`` seconds; here it
is 0 so the tests need not wait.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify

from banner.check.flask_consent import consent_required, has_consent
from banner.check.middleware import ConsentMiddleware, consent_in
from banner.core import config_watch
from banner.core.config import ConfigError, load_config
from banner.core.keys import site_token_keys
from banner.core.token import Reason, TokenCodec
from banner.log.service import DecisionRequest
from banner.log.store import StoreUnavailable
from banner.web.app import create_app
from banner.web.extension import Banner
from tests.factories import KEY_NEW, KEY_OLD, SHOP_ORIGIN, paths

SITE = "tokodemo"


def write(path: Path, database_url: str, version: int, keys: tuple[str, ...] = (KEY_NEW,)) -> None:
    quoted = ", ".join(f'"{k}"' for k in keys)
    path.write_text(
        f"""
[banner]
secret_keys = [{quoted}]
database_url = "{database_url}"

[sites.{SITE}]
name = "Toko Demo"
origins = ["{SHOP_ORIGIN}"]
policy_version = {version}
privacy_policy_url = "https://www.tokodemo.co.id/privasi"
categories = ["analytics"]
""",
        encoding="utf-8",
    )
    stamp = 1_700_000_000_000_000_000 + version * 1_000_000_000 + len(keys)
    os.utime(path, ns=(stamp, stamp))


def token(version: int, key: str = KEY_NEW) -> str:
    return TokenCodec(SITE, site_token_keys([key], SITE), version, 86400).sign(
        "visitor-0123456789abcd", ["analytics"]
    )[0]


@pytest.fixture(autouse=True)
def look_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config_watch, "RELOAD_INTERVAL", 0.0)


@pytest.fixture
def path(tmp_path: Path, database_url: str) -> Path:
    found = tmp_path / "banner.toml"
    write(found, database_url, 3)
    return found


@pytest.fixture
def checking_app(path: Path) -> Iterator[Flask]:
    """A shop that only checks consent; the consent service runs elsewhere."""
    app = Flask("shop")
    Banner(app, load_config(path, env={}), mount_routes=False)

    @app.get("/has")
    def has() -> Any:
        return jsonify(has_consent("analytics"))

    @app.get("/guarded")
    @consent_required("analytics")
    def guarded() -> Any:
        return jsonify("ok")

    yield app
    app.extensions["banner"].log.dispose()


def ask(app: Flask, route: str, value: str) -> tuple[int, Any]:
    client = app.test_client()
    client.set_cookie("banner_consent", value)
    answer = client.get(route)
    return answer.status_code, answer.get_json()


def test_the_flask_helpers_learn_a_policy_bump(
    checking_app: Flask, path: Path, database_url: str
) -> None:
    old = token(3)
    assert ask(checking_app, "/has", old) == (200, True)
    assert ask(checking_app, "/guarded", old) == (200, "ok")
    write(path, database_url, 4)
    assert ask(checking_app, "/has", old) == (200, False)
    assert ask(checking_app, "/guarded", old)[0] == 403
    assert ask(checking_app, "/has", token(4)) == (200, True)


def test_the_flask_helpers_learn_new_keys(
    checking_app: Flask, path: Path, database_url: str
) -> None:
    rotated = token(3, KEY_OLD)
    assert ask(checking_app, "/has", rotated) == (200, False)
    write(path, database_url, 3, (KEY_OLD, KEY_NEW))
    assert ask(checking_app, "/has", rotated) == (200, True)


def test_an_invalid_file_keeps_the_helpers_answering(
    checking_app: Flask, path: Path, database_url: str
) -> None:
    old = token(3)
    path.write_text("[banner\n", encoding="utf-8")
    assert ask(checking_app, "/has", old) == (200, True)
    write(path, database_url, 4)
    assert ask(checking_app, "/has", old) == (200, False)


def test_the_service_verify_and_record_learn_a_policy_bump(
    path: Path, database_url: str, post_path: str
) -> None:
    app = create_app(load_config(path, env={}), **paths(post_path))
    client = app.test_client()
    old = token(3)
    verify = {"site": SITE, "token": old}
    assert client.post("/api/v1/verify", json=verify).get_json()["valid"] is True
    shown = client.get(f"/s/{SITE}/notice?lang=id").get_json()["notice_hash"]
    write(path, database_url, 4)
    assert client.post("/api/v1/verify", json=verify).get_json() == {
        "valid": False,
        "reason": "stale_policy",
    }
    decision = {"site": SITE, "granted": ["analytics"], "language": "id", "policy_version": 3}
    headers = {"Origin": SHOP_ORIGIN}
    stale = client.post("/api/v1/consent", json={**decision, "notice_hash": shown}, headers=headers)
    assert stale.status_code == 409
    current = client.get(f"/s/{SITE}/notice?lang=id").get_json()
    assert current["policy_version"] == 4 and current["notice_hash"] != shown
    decision.update(policy_version=4, notice_hash=shown)
    refused = client.post("/api/v1/consent", json=decision, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"] == "notice_changed"
    decision["notice_hash"] = current["notice_hash"]
    made = client.post("/api/v1/consent", json=decision, headers=headers)
    assert made.status_code == 201 and made.get_json()["policy_version"] == 4
    app.extensions["banner"].log.dispose()


def test_the_loader_is_rebuilt_for_the_new_version(
    path: Path, database_url: str, post_path: str
) -> None:
    app = create_app(load_config(path, env={}), **paths(post_path))
    client = app.test_client()
    before = client.get(f"/s/{SITE}/loader.js").get_data(as_text=True)
    write(path, database_url, 4)
    after = client.get(f"/s/{SITE}/loader.js").get_data(as_text=True)
    assert '"v":3' in before and '"v":4' in after
    app.extensions["banner"].log.dispose()


def test_the_middleware_built_from_the_file_learns_a_policy_bump(
    path: Path, database_url: str
) -> None:
    def view(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        consent = consent_in(environ)
        return [b"yes" if consent is not None and consent.allows("analytics") else b"no"]

    wrapped = ConsentMiddleware.from_config(view, path, env={})
    shop = Flask("wsgi")
    shop.wsgi_app = wrapped  # type: ignore[method-assign]
    client = shop.test_client()
    old = token(3)
    client.set_cookie("banner_consent", old)
    assert client.get("/").data == b"yes"
    write(path, database_url, 4)
    assert client.get("/").data == b"no"


def test_the_middleware_refuses_an_unknown_site_at_start(path: Path) -> None:
    with pytest.raises(ConfigError, match="site"):
        ConsentMiddleware.from_config(lambda e, s: [], path, site="nope", env={})


def test_a_site_removed_from_the_file_is_gone_at_once(path: Path, post_path: str) -> None:
    app = create_app(load_config(path, env={}), **paths(post_path))
    service = app.extensions["banner"].service
    path.write_text(path.read_text().replace(f"[sites.{SITE}]", "[sites.tokolain]"))
    os.utime(path, ns=(1_800_000_000_000_000_000, 1_800_000_000_000_000_000))
    client = app.test_client()
    assert client.post("/api/v1/verify", json={"site": SITE, "token": token(3)}).status_code == 404
    assert service.verify(SITE, token(3)).reason == Reason.OTHER_SITE
    with pytest.raises(StoreUnavailable):
        service.record(DecisionRequest(SITE, ("analytics",), "id"))
    assert client.get(f"/s/{SITE}/loader.js").status_code == 404
    app.extensions["banner"].log.dispose()
