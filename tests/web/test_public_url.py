"""``[banner] public_url`` and the loader's cache headers (issue 26 item 2, issue 20 items 3, 4).

A shared cache keeps ``loader.js`` and the UI files for every visitor of
every customer page, so nothing a request can choose (forwarded host, prefix
or scheme) may reach their bodies; the UI files are named by their bytes and
immutable, the loader kept at most ``loader_max_age`` seconds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from banner.core.config import BannerConfig, ConfigError, parse_config
from banner.web.app import create_app
from banner.web.site_files import CHUNK_FILES
from tests.factories import document

PUBLIC = "https://consent.example.co.id/banner/"
FORWARDED = {
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Prefix": "//evil.example/x",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-For": "203.0.113.9",
}
HASHED = re.compile(r"ui\.[0-9a-f]{16}\.(js|css)")


def config_with(database_url: str, **banner: Any) -> BannerConfig:
    doc = document(database_url)
    doc["banner"].update(banner)
    return parse_config(doc, "banner.toml", {})


@pytest.fixture
def proxied(database_url: str) -> Iterator[Flask]:
    app = create_app(config_with(database_url, proxy_count=1, public_url=PUBLIC))
    yield app
    app.extensions["banner"].log.dispose()


def ui_names(client: FlaskClient, **headers: str) -> dict[str, str]:
    """The UI files the gate names: one hash, ``ui.<hash>.js``, ``ui.<hash>.css``
    and the on-demand chunks ``ui.<hash>.<chunk>.js``."""
    gate = client.get("/s/tokodemo/loader.js", headers=headers).get_data(as_text=True)
    [named] = re.findall(r'"ui":"([0-9a-f]{16})"', gate)
    chunks = {tail: f"ui.{named}.{tail}" for tail in CHUNK_FILES}
    return {"js": f"ui.{named}.js", "css": f"ui.{named}.css", **chunks}


# --- the config key ---------------------------------------------------------------


def test_a_proxy_without_public_url_is_a_config_error_naming_file_and_key(
    database_url: str,
) -> None:
    with pytest.raises(ConfigError) as raised:
        config_with(database_url, proxy_count=1)
    assert "banner.toml: banner.public_url:" in str(raised.value)
    assert "required when proxy_count > 0" in str(raised.value)


@pytest.mark.parametrize(
    "value",
    [
        "ftp://consent.example.co.id/",
        "http://consent.example.co.id/",  # plain http only for localhost
        "https://consent.example.co.id/?x=1",
        "https://consent.example.co.id/#top",
        "https://user@consent.example.co.id/",
        "consent.example.co.id",
        "https:///nohost",
        "https://consent.example.co.id:99999/",
        " https://consent.example.co.id/",
        'https://consent.example.co.id/"',
        "",
        5,
    ],
)
def test_a_bad_public_url_is_a_config_error(database_url: str, value: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        config_with(database_url, public_url=value)
    assert "banner.public_url" in str(raised.value)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://consent.example.co.id", "https://consent.example.co.id/"),
        ("https://consent.example.co.id/banner", "https://consent.example.co.id/banner/"),
        ("http://localhost:8000/", "http://localhost:8000/"),
    ],
)
def test_public_url_always_ends_with_a_slash(database_url: str, value: str, kept: str) -> None:
    assert config_with(database_url, public_url=value).public_url == kept


@pytest.mark.parametrize("value", [-1, 86401, "60", 1.5, True])
def test_a_bad_loader_max_age_is_a_config_error(database_url: str, value: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        config_with(database_url, loader_max_age=value)
    assert "banner.loader_max_age" in str(raised.value)


# --- forwarded headers never reach a cacheable body ------------------------------


def test_forwarded_headers_never_reach_the_loader_or_the_ui(proxied: Flask) -> None:
    client = proxied.test_client()
    plain = ui_names(client)
    assert ui_names(client, **FORWARDED) == plain  # the same files, whatever was forwarded
    paths = ["loader.js", "ui.js", "ui.css", *plain.values()]
    for name in paths:
        for headers in ({}, FORWARDED):
            answer = client.get(f"/s/tokodemo/{name}", headers=headers)
            body = answer.get_data(as_text=True)
            assert answer.status_code == 200
            assert "evil" not in body, name
            assert answer.headers["Vary"] == "Accept-Encoding"
        untouched = client.get(f"/s/tokodemo/{name}").headers["ETag"]
        assert client.get(f"/s/tokodemo/{name}", headers=FORWARDED).headers["ETag"] == untouched
    gate = client.get("/s/tokodemo/loader.js", headers=FORWARDED).get_data(as_text=True)
    assert f'"api":"{PUBLIC}"' in gate
    ui = client.get(f"/s/tokodemo/{plain['js']}", headers=FORWARDED).get_data(as_text=True)
    assert "consent.example" not in ui  # no address at all: the UI finds its pages beside it


def test_forwarded_headers_first_then_plain_still_give_the_public_url(proxied: Flask) -> None:
    """The poisoner asks first (the asset is built for the first request): still clean."""
    client = proxied.test_client()
    first = client.get("/s/tokodemo/loader.js", headers=FORWARDED).get_data(as_text=True)
    assert "evil" not in first and PUBLIC in first


def test_the_cookie_list_behind_a_proxy_is_never_kept_by_a_shared_cache(proxied: Flask) -> None:
    """Its links follow X-Forwarded-Prefix, so it is the requester's own page."""
    answer = proxied.test_client().get("/s/tokodemo/cookies?lang=en", headers=FORWARDED)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_cookie_list_without_a_proxy_stays_cacheable(client: FlaskClient) -> None:
    answer = client.get("/s/tokodemo/cookies?lang=en")
    assert "no-store" not in answer.headers.get("Cache-Control", "")


def test_without_a_proxy_forwarded_headers_are_ignored(client: FlaskClient) -> None:
    body = client.get("/s/tokodemo/loader.js", headers=FORWARDED).get_data(as_text=True)
    assert "evil" not in body and '"api":"http://localhost/"' in body


# --- content-addressed UI files and the loader's lifetime ---------------------------


def test_ui_files_are_named_by_their_bytes_and_immutable(client: FlaskClient) -> None:
    """One SHA-256 over the UI script, its stylesheet, the subject part (issue 25) and the
    on-demand chunks, each prefixed by its length (8 bytes, big-endian)."""
    names = ui_names(client)
    hashed = names["js"].split(".")[1]
    names["subject"] = f"subject.{hashed}.js"
    kinds = ("js", "css", "subject", *CHUNK_FILES)
    bodies = [client.get(f"/s/tokodemo/{names[kind]}").get_data() for kind in kinds]
    digest = hashlib.sha256(b"".join(len(b).to_bytes(8, "big") + b for b in bodies))
    assert names["js"] == f"ui.{digest.hexdigest()[:16]}.js"
    for name in names.values():
        answer = client.get(f"/s/tokodemo/{name}")
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        zipped = client.get(f"/s/tokodemo/{name}", headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("name", ["ui.js", "ui.css"])
def test_the_old_fixed_names_are_revalidated(client: FlaskClient, name: str) -> None:
    answer = client.get(f"/s/tokodemo/{name}")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    ("max_age", "cache_control"),
    [(None, "public, max-age=60"), (5, "public, max-age=5"), (0, "no-cache")],
)
def test_the_loader_lives_loader_max_age(
    database_url: str, max_age: int | None, cache_control: str
) -> None:
    extra = {} if max_age is None else {"loader_max_age": max_age}
    app = create_app(config_with(database_url, **extra))
    client = app.test_client()
    first = client.get("/s/tokodemo/loader.js", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Cache-Control"] == cache_control
    again = client.get(
        "/s/tokodemo/loader.js",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304 and again.headers["Cache-Control"] == cache_control
    app.extensions["banner"].log.dispose()


def test_an_outdated_ui_name_goes_to_the_current_file(client: FlaskClient) -> None:
    current = ui_names(client)
    for kind in ("js", "css", *CHUNK_FILES):
        answer = client.get(f"/s/tokodemo/ui.{'0' * 16}.{kind}")
        assert answer.status_code == 307
        assert answer.headers["Location"].endswith(current[kind])
        assert answer.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "name",
    [
        "ui.0000.js",
        "ui.ZZZZZZZZZZZZZZZZ.js",
        "ui.0000000000000000.html",
        "ui..js",
        "ui.0000000000000000.evil.js",
        "ui.0000000000000000.send.css",
    ],
)
def test_other_ui_names_are_404(client: FlaskClient, name: str) -> None:
    assert client.get(f"/s/tokodemo/{name}").status_code == 404


def test_the_fast_path_and_flask_answer_alike(app: Flask) -> None:
    """The same status, headers and body through the WSGI fast path and the Flask route."""
    from tests.web.test_fast_assets import fast_assets_of

    fast = app.test_client()
    outer, inner = app.wsgi_app, fast_assets_of(app).app
    for name in ["loader.js", *ui_names(fast).values()]:
        through_fast = fast.get(f"/s/tokodemo/{name}")
        app.wsgi_app = inner  # type: ignore[method-assign]
        through_flask = app.test_client().get(f"/s/tokodemo/{name}")
        app.wsgi_app = outer  # type: ignore[method-assign]
        assert through_fast.get_data() == through_flask.get_data()
        assert through_fast.headers["Cache-Control"] == through_flask.headers["Cache-Control"]
        assert through_fast.headers["ETag"] == through_flask.headers["ETag"]


def test_a_config_built_in_code_with_a_proxy_still_uses_its_public_url(database_url: str) -> None:
    config = dataclasses.replace(config_with(database_url), proxy_count=1, public_url=PUBLIC)
    app = create_app(config)
    body = app.test_client().get("/s/tokodemo/loader.js", headers=FORWARDED).get_data(as_text=True)
    assert "evil" not in body and PUBLIC in body
    app.extensions["banner"].log.dispose()
