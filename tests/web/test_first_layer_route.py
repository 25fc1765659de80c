"""``GET /s/<site>/first-layer``: the drawn first layer for a back end that is not Python.

Its markup is what :func:`banner.first_layer` draws for a visitor without a
cookie, its words are archived before they are served (as the loader's), and
the request's own cookies, forwarded headers or hostile parameters never
change it or make it fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from banner.core.config import BannerConfig
from banner.core.notice import site_notices
from banner.core.texts import banner_texts
from banner.log.schema import notices
from banner.web.app import create_app
from banner.web.drawn_layer import first_layer
from tests.factories import make_config

ROUTE = "/s/tokodemo/first-layer"


class Links(HTMLParser):
    """The ``href`` of every ``<link>`` of a fragment (read by the standard library)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.found.append(dict(attrs).get("href") or "")


def stylesheets(head: str) -> list[str]:
    links = Links()
    links.feed(head)
    return links.found


def test_it_is_the_layer_first_layer_draws_for_a_visitor_without_a_cookie(
    client: FlaskClient, config: BannerConfig
) -> None:
    answer = client.get(ROUTE + "?lang=en")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    got = answer.get_json()
    drawn = first_layer(config.sites["tokodemo"], "http://localhost/", cookies=None, lang="en")
    assert (got["head"], got["body"]) == (drawn.head, drawn.body)
    assert got["cookie"] == "banner_consent"
    assert got["headers"] == {"Cache-Control": "private, no-cache", "Vary": "Cookie, Sec-GPC"}
    assert "Accept all" in got["body"] and 'lang="en"' in got["body"]
    # the stylesheet the loader's own gate would load, from this service
    (href,) = stylesheets(got["head"])
    assert href.startswith("http://localhost/s/tokodemo/ui.") and href.endswith(".css")
    assert client.get(href.removeprefix("http://localhost")).status_code == 200


def test_the_sites_language_by_default(client: FlaskClient) -> None:
    body = client.get(ROUTE).get_json()["body"]
    assert 'lang="id"' in body and "Tolak semua" in body


def test_the_words_are_archived_before_they_are_served(
    client: FlaskClient, config: BannerConfig
) -> None:
    client.get(ROUTE + "?lang=id")
    engine = sa.create_engine(config.database_url)
    try:
        with engine.connect() as conn:
            archived = set(conn.execute(sa.select(notices.c.hash)).scalars())
    finally:
        engine.dispose()
    assert site_notices(config.sites["tokodemo"], banner_texts)["id"].hash in archived


def test_the_visitors_cookies_and_gpc_are_the_back_ends_to_read(client: FlaskClient) -> None:
    """The back end calls this, not the browser: a cookie or GPC on this request draws the same."""
    plain = client.get(ROUTE).get_json()
    client.set_cookie("banner_consent", "x")
    assert client.get(ROUTE, headers={"Sec-GPC": "1"}).get_json() == plain


def test_it_may_be_kept_a_minute_and_asked_again_cheaply(client: FlaskClient) -> None:
    answer = client.get(ROUTE)
    assert answer.headers["Cache-Control"] == "private, max-age=60"
    etag = answer.headers["ETag"]
    again = client.get(ROUTE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(ROUTE + "?lang=en", headers={"If-None-Match": etag})
    assert other.status_code == 200  # another language, other bytes


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?lang=fr", "lang"),
        ("?lang=", "lang"),
        ("?lang=en-US", "lang"),
        ("?lang=__proto__", "lang"),
        ("?lang=%3Cscript%3E", "lang"),
    ],
)
def test_a_bad_language_is_a_400_naming_it(client: FlaskClient, query: str, field: str) -> None:
    answer = client.get(ROUTE + query)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == field


@pytest.mark.parametrize(
    "site", ["nosuchsite", "TOKODEMO", "toko demo", "toko.demo", "a" * 300, "%00", "__proto__"]
)
def test_an_unknown_site_is_a_404_naming_it(client: FlaskClient, site: str) -> None:
    answer = client.get(f"/s/{site}/first-layer")
    assert answer.status_code == 404
    assert answer.get_json()["field"] == "site"


def test_a_path_that_names_no_site_is_a_404(client: FlaskClient) -> None:
    for path in ("/s/..%2Ftokodemo/first-layer", "/s//first-layer", "/s/tokodemo/first-layer/x"):
        assert client.get(path).status_code == 404, path


def test_forwarded_headers_do_not_name_the_stylesheets_host(tmp_path: Path) -> None:
    """With ``public_url`` set, a visitor's X-Forwarded-Host never reaches the markup."""
    config = dataclasses.replace(
        make_config(f"sqlite:///{tmp_path / 'b.db'}"),
        proxy_count=1,  # one proxy trusted: without public_url its headers would count
        public_url="https://consent.example.id/",
    )
    app = create_app(config)
    try:
        got = (
            app.test_client()
            .get(
                ROUTE,
                headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"},
            )
            .get_json()
        )
    finally:
        app.extensions["banner"].log.dispose()
    (href,) = stylesheets(got["head"])
    assert href.startswith("https://consent.example.id/s/tokodemo/ui.")
    assert "evil" not in got["head"] + got["body"]


@pytest.fixture
def guardian_client(tmp_path: Path) -> Iterator[FlaskClient]:
    app: Flask = create_app(make_config(f"sqlite:///{tmp_path / 'g.db'}", children="guardian"))
    yield app.test_client()
    app.extensions["banner"].log.dispose()


def test_a_site_whose_script_draws_the_first_layer_gets_no_markup(
    guardian_client: FlaskClient,
) -> None:
    got: dict[str, Any] = guardian_client.get(ROUTE).get_json()
    assert got["head"] == "" and got["body"] == ""
    assert got["headers"]["Vary"] == "Cookie, Sec-GPC"


def test_a_host_header_never_reaches_a_body_a_shared_cache_keeps(client: FlaskClient) -> None:
    """Without ``public_url`` the stylesheet's host is the request's: the answer is private."""
    answer = client.get(ROUTE, headers={"Host": "evil.example"})
    assert answer.status_code == 200
    assert "evil.example" in answer.get_json()["head"]  # the service as this request named it
    assert "private" in answer.headers["Cache-Control"].split(", ")
