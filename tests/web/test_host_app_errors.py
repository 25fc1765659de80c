"""banner's error handlers answer for banner's own routes only (issue 12, item 10).

A host app's ``abort(401)`` keeps its ``WWW-Authenticate``, a host view's
crash is the host's 500, and a missing host page is the host's 404; banner's
own routes keep their JSON errors and translated pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from werkzeug.datastructures import WWWAuthenticate

from banner.web.extension import Banner
from tests.factories import make_config


@pytest.fixture
def host(tmp_path: Path) -> FlaskClient:
    app = Flask("host")
    Banner(app, make_config(f"sqlite:///{tmp_path / 'host.db'}"))

    @app.get("/account")
    @app.get("/api/orders")
    def account() -> str:
        abort(401, www_authenticate=WWWAuthenticate("basic", {"realm": "shop"}))

    @app.get("/crash")
    def crash() -> str:
        raise RuntimeError("the host's own bug")

    return app.test_client()


@pytest.mark.parametrize("path", ["/account", "/api/orders"])
def test_a_host_abort_keeps_its_status_and_headers(host: FlaskClient, path: str) -> None:
    response = host.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert not response.is_json


def test_a_host_crash_is_the_host_apps_500(host: FlaskClient) -> None:
    response = host.get("/crash")
    assert response.status_code == 500
    assert not response.is_json and b"internal_error" not in response.data


@pytest.mark.parametrize("path", ["/nothing", "/api/nothing"])
def test_a_missing_host_page_is_the_host_apps_404(host: FlaskClient, path: str) -> None:
    response = host.get(path)
    assert response.status_code == 404
    assert not response.is_json and "Content-Security-Policy" not in response.headers


def test_banner_routes_keep_their_own_errors(host: FlaskClient) -> None:
    assert host.get("/api/v1/nothing").json == {
        "error": "not_found",
        "message": "no such API route",
    }
    refused = host.get("/api/v1/consent")
    assert refused.status_code == 405 and refused.json["error"] == "method_not_allowed"
    assert "POST" in refused.headers["Allow"]
    page = host.get("/s/tokodemo/nothing")
    assert page.status_code == 404
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert host.post("/api/v1/verify", data="x" * 9000).json["error"] == "too_large"
