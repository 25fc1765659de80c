"""``banner_first_layer`` in a Flask app's templates, and the headers its pages get."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient

from banner.core.config import parse_config
from banner.web.extension import Banner
from tests.factories import document

PAGE = (
    "{% set drawn = banner_first_layer(lang) %}<html><head>{{ drawn.head }}</head>"
    "<body>{{ drawn.body }}{% if not drawn %}<p>not drawn</p>{% endif %}</body></html>"
)


def make_app(tmp_path: Path, mount: bool, **banner: Any) -> Flask:
    doc = document(f"sqlite:///{tmp_path / 'shop.db'}")
    doc["banner"].update(banner)
    config = parse_config(doc, "shop.toml", {})
    app = Flask("shop")
    app.config["TESTING"] = True
    Banner(app, config, mount_routes=mount)

    @app.get("/page")
    def page() -> Any:
        from flask import request

        answer = app.make_response(render_template_string(PAGE, lang=request.args.get("lang")))
        answer.vary.add("Accept-Encoding")
        return answer

    @app.get("/plain")
    def plain() -> str:
        return "no layer here"

    return app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    app = make_app(tmp_path, mount=True)
    yield app.test_client()
    app.extensions["banner"].log.dispose()


def test_a_visitor_without_a_cookie_gets_the_layer_in_the_pages_language(
    client: FlaskClient,
) -> None:
    answer = client.get("/page?lang=en")
    html = answer.text
    assert '<div class="bn bn-drawn" lang="en" hidden>' in html
    assert 'href="http://localhost/s/tokodemo/ui.' in html  # the app's own root: mounted here
    assert "Accept all" in html and "&lt;" not in html.split("<body>")[0]
    assert {v.strip() for v in answer.headers["Vary"].split(",")} >= {
        "Cookie",
        "Sec-GPC",
        "Accept-Encoding",
    }
    assert answer.headers["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("headers", "why"),
    [({}, "cookie"), ({"Sec-GPC": "1"}, "Global Privacy Control")],
)
def test_it_is_not_drawn_for_a_cookie_or_gpc_and_the_page_still_varies(
    client: FlaskClient, headers: dict[str, str], why: str
) -> None:
    if why == "cookie":
        client.set_cookie("banner_consent", "x")  # any value: the gate reads it first
    answer = client.get("/page", headers=headers)
    assert "<p>not drawn</p>" in answer.text and "bn-drawn" not in answer.text, why
    assert {v.strip() for v in answer.headers["Vary"].split(",")} >= {"Cookie", "Sec-GPC"}
    assert answer.headers["Cache-Control"] == "private, no-cache"


def test_a_page_that_does_not_ask_keeps_its_headers(client: FlaskClient) -> None:
    answer = client.get("/plain")
    assert "Vary" not in answer.headers and "Cache-Control" not in answer.headers


def test_a_hosted_service_is_named_by_its_public_url(tmp_path: Path) -> None:
    app = make_app(tmp_path, mount=False, public_url="https://consent.tokodemo.co.id/")
    try:
        html = app.test_client().get("/page").text
    finally:
        app.extensions["banner"].log.dispose()
    assert 'href="https://consent.tokodemo.co.id/s/tokodemo/ui.' in html
    assert 'lang="id"' in html  # the site's default language


def test_hostile_query_languages_fall_back(client: FlaskClient) -> None:
    answer = client.get('/page?lang="><script>alert(1)</script>')
    assert answer.status_code == 200
    assert '<div class="bn bn-drawn" lang="id" hidden>' in answer.text
    assert "<script>" not in answer.text


def test_forwarded_headers_from_a_visitor_do_not_name_the_stylesheets_host(
    client: FlaskClient,
) -> None:
    """No proxy is configured (proxy_count 0): a visitor's X-Forwarded-* names nothing."""
    forged = {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Prefix": "/evil",
    }
    answer = client.get("/page", headers=forged)
    assert 'href="http://localhost/s/tokodemo/ui.' in answer.text
    assert "evil" not in answer.text
    assert answer.headers["Cache-Control"] == "private, no-cache"  # never kept for others


def test_routes_not_mounted_and_no_public_url_draw_nothing_and_say_why_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The service's address cannot be told: a stylesheet on this app would be a 404."""
    app = make_app(tmp_path, mount=False)
    try:
        client = app.test_client()
        answers = [client.get("/page") for _ in range(3)]
    finally:
        app.extensions["banner"].log.dispose()
    assert all(a.status_code == 200 and "<p>not drawn</p>" in a.text for a in answers)
    said = [r.getMessage() for r in caplog.records if "banner_first_layer" in r.getMessage()]
    assert len(said) == 1 and "public_url" in said[0]


def test_a_second_site_in_the_config_draws_nothing_instead_of_failing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Several sites and no BANNER_SITE (a site added to a followed config): the page renders."""
    doc = document(f"sqlite:///{tmp_path / 'shop.db'}")
    doc["sites"]["blog"] = {**doc["sites"]["tokodemo"], "cookie_name": "blog_consent"}
    app = Flask("shop")
    app.config["TESTING"] = True
    Banner(app, parse_config(doc, "shop.toml", {}))

    @app.get("/page")
    def page() -> str:
        return render_template_string(PAGE, lang=None)

    try:
        answer = app.test_client().get("/page")
    finally:
        app.extensions["banner"].log.dispose()
    assert answer.status_code == 200 and "<p>not drawn</p>" in answer.text
    assert any("BANNER_SITE" in r.getMessage() for r in caplog.records)
