"""The demo shop: a page on its own origin embedding the loader under a strict CSP."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from banner.web.demo import demo_shop_app

SERVICE = "http://127.0.0.1:8000"


@pytest.fixture
def shop() -> Client:
    return Client(demo_shop_app(SERVICE + "/"))


def test_shop_page_embeds_the_loader_under_a_strict_policy(shop: Client) -> None:
    response = shop.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<script src="{SERVICE}/s/tokodemo/loader.js" async></script>' in html
    assert "data-banner-open" in html
    assert 'type="text/plain" data-category="analytics"' in html
    policy = response.headers["Content-Security-Policy"]
    assert f"script-src 'self' {SERVICE} " in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    ("path", "status", "mimetype"),
    [
        ("/kebijakan-privasi", 200, "text/html"),
        ("/demo.js", 200, "text/javascript"),
        ("/demo.css", 200, "text/css"),
        ("/demo-tag.js", 200, "text/javascript"),
        ("/nothing-here", 404, "text/plain"),
    ],
)
def test_shop_routes(shop: Client, path: str, status: int, mimetype: str) -> None:
    response = shop.get(path)
    assert (response.status_code, response.mimetype) == (status, mimetype)
