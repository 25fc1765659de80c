"""The fast path answers exactly as the Flask routes would, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client

from banner.web.asset_cache import CACHE_LIMIT
from banner.web.fast_assets import FastAssets
from banner.web.fast_consent import FastConsent

ROUTES = ("/s/tokodemo/loader.js", "/s/tokodemo/ui.js", "/s/tokodemo/ui.css")


def fast_assets_of(app: Flask) -> FastAssets:
    """The app's :class:`FastAssets` (under the consent POST's path that ``create_app`` adds)."""
    found: Any = app.wsgi_app
    if isinstance(found, FastConsent):
        found = found.app
    assert isinstance(found, FastAssets)
    return found


def clients(app: Flask) -> tuple[Client, Client]:
    """A client through the fast path, and one straight to Flask's dispatch."""
    fast = fast_assets_of(app)
    return Client(fast), Client(fast.app)


def answer(client: Client, path: str, method: str = "GET", **headers: str) -> tuple[Any, ...]:
    response = client.open(path, method=method, headers=headers)
    return response.status, list(response.headers.items()), response.get_data()


def same(app: Flask, path: str, method: str = "GET", **headers: str) -> tuple[Any, ...]:
    fast, flask = clients(app)
    got = answer(fast, path, method, **headers)
    assert got == answer(flask, path, method, **headers)
    return got


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("encoding", ["", "gzip", "br, gzip, deflate", "br"])
def test_same_answer_as_the_route(app: Flask, route: str, method: str, encoding: str) -> None:
    status, headers, _body = same(app, route, method, **{"Accept-Encoding": encoding})
    assert status == "200 OK"
    etag = dict(headers)["ETag"]
    for if_none_match in (etag, f"W/{etag}", f'"nope", {etag}', "*", '"nope"', ""):
        same(app, route, method, **{"Accept-Encoding": encoding, "If-None-Match": if_none_match})


@pytest.mark.parametrize(
    "path",
    [
        "/s/nosuch/loader.js",
        "/s//loader.js",
        "/s/tokodemo/loader.js/",
        "/s/tokodemo/loader.jsx",
        "/s/tokodemo/../tokodemo/loader.js",
        "/s/tokodemo/x/loader.js",
        "/S/tokodemo/loader.js",
        "/s/tokodemo/preferences",
        "/s/tokodemo/loader.js?v=1&v=%00",
        "/s/%2e%2e/loader.js",
        "/s/" + "a" * 5000 + "/loader.js",
    ],
)
def test_other_paths_get_what_flask_gives(app: Flask, path: str) -> None:
    fast, flask = clients(app)
    got, expected = fast.get(path), flask.get(path)
    assert got.status == expected.status
    assert got.status_code < 500


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS"])
def test_other_methods_go_to_flask(app: Flask, method: str) -> None:
    fast, flask = clients(app)
    assert fast.open(ROUTES[0], method=method).status_code == (
        flask.open(ROUTES[0], method=method).status_code
    )


def test_hostile_hosts_are_served_from_a_bounded_cache(app: Flask) -> None:
    fast, _flask = clients(app)
    for n in range(CACHE_LIMIT + 10):
        response = fast.get(ROUTES[0], headers={"Host": f"evil{n}.example"})
        assert response.status_code == 200
        assert f"evil{n}.example".encode() in response.get_data()
    assert len(app.extensions["banner"].extras["loader_assets"]) <= CACHE_LIMIT
    same(app, ROUTES[0], Host="consent.example.co.id")


def test_the_fast_path_and_the_route_share_one_cache(app: Flask) -> None:
    fast, flask = clients(app)
    flask.get(ROUTES[0])
    cached = dict(app.extensions["banner"].extras["loader_assets"])
    fast.get(ROUTES[0])
    assert app.extensions["banner"].extras["loader_assets"] == cached


def test_a_path_prefix_reaches_the_base_url(app: Flask) -> None:
    fast, flask = clients(app)
    environ = {"SCRIPT_NAME": "/consent"}
    got = fast.get(ROUTES[0], environ_overrides=environ).get_data()
    assert got == flask.get(ROUTES[0], environ_overrides=environ).get_data()
    assert b"http://localhost/consent/" in got
