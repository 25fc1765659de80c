"""Security of the hosted pages: headers on every response, the session cookie, the pure checks."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from banner.log.service import DecisionRequest
from banner.web.page_security import (
    content_security_policy,
    cookie_reaches,
    is_foreign_post,
    safe_return,
)
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN

ORIGINS = (SHOP_ORIGIN, "http://localhost:8001")


@pytest.fixture
def consent_id(banner_state: BannerState) -> str:
    recorded = banner_state.service.record(DecisionRequest("tokodemo", ("analytics",), "id"))
    return recorded.decision.consent_id


def urls(consent_id: str) -> dict[str, tuple[str, bool]]:
    """Page URLs and whether each one carries a visitor's state (no-store)."""
    return {
        "preferences": ("/s/tokodemo/preferences", True),
        "cookies": ("/s/tokodemo/cookies", False),
        "receipt": (f"/s/tokodemo/receipt/{consent_id}", True),
        "receipt.json": (f"/s/tokodemo/receipt/{consent_id}.json", True),
        "not found": ("/s/tokodemo/receipt/unknown-consent-id-0000", True),
        "unknown site": ("/s/nosuchsite/cookies", True),
    }


@pytest.mark.parametrize(
    "page", ["preferences", "cookies", "receipt", "receipt.json", "not found", "unknown site"]
)
def test_security_headers_on_every_page(client: FlaskClient, consent_id: str, page: str) -> None:
    url, stateful = urls(consent_id)[page]
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src" not in policy  # no scripts at all: default-src 'none' holds
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert (response.headers.get("Cache-Control") == "no-store") is stateful


def test_the_nonce_is_fresh_and_matches_the_style_block(client: FlaskClient) -> None:
    nonces = []
    for _ in range(2):
        response = client.get("/s/tokodemo/preferences")
        nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
        assert nonce is not None
        assert f'<style nonce="{nonce[1]}">' in response.get_data(as_text=True)
        nonces.append(nonce[1])
    assert nonces[0] != nonces[1]


def test_pages_have_no_inline_script_or_style_attribute(client: FlaskClient) -> None:
    html = client.get("/s/tokodemo/preferences").get_data(as_text=True)
    assert "<script" not in html
    assert " style=" not in html


def test_form_may_only_lead_to_the_sites_origins(client: FlaskClient) -> None:
    policy = client.get("/s/tokodemo/preferences").headers["Content-Security-Policy"]
    assert f"form-action 'self' {SHOP_ORIGIN}" in policy


@pytest.mark.parametrize(
    ("base_url", "secure"), [("http://localhost", False), ("https://consent.example.co.id", True)]
)
def test_session_cookie_flags(client: FlaskClient, base_url: str, secure: bool) -> None:
    response = client.get("/s/tokodemo/preferences", base_url=base_url)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure


def test_csp_lists_form_targets() -> None:
    policy = content_security_policy("abc", ORIGINS)
    assert f"form-action 'self' {SHOP_ORIGIN} http://localhost:8001" in policy
    assert "style-src 'self' 'nonce-abc'" in policy


@pytest.mark.parametrize(
    ("origin", "fetch_site", "host", "foreign"),
    [
        ("https://consent.example", None, "consent.example", False),
        ("http://consent.example", None, "consent.example", False),  # TLS ended at a proxy
        ("https://consent.example:8443", None, "consent.example:8443", False),
        ("https://evil.example", None, "consent.example", True),
        ("https://consent.example.evil.example", None, "consent.example", True),
        ("null", None, "consent.example", True),
        (None, "same-origin", "consent.example", False),
        (None, "none", "consent.example", False),
        (None, "same-site", "consent.example", True),
        (None, "cross-site", "consent.example", True),
        (None, None, "consent.example", False),  # an old browser: the CSRF token decides
    ],
)
def test_foreign_post(origin: str | None, fetch_site: str | None, host: str, foreign: bool) -> None:
    assert is_foreign_post(origin, fetch_site, host) is foreign


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (None, f"{SHOP_ORIGIN}/"),
        ("http://localhost:8001/a?b=1#c", "http://localhost:8001/a?b=1"),
        ("http://localhost:8001:99/", f"{SHOP_ORIGIN}/"),
        ("http://localhost:80010/", f"{SHOP_ORIGIN}/"),
        ("https://www.tokodemo.co.id/\r\nSet-Cookie:x", f"{SHOP_ORIGIN}/"),
        ("https://www.tokodemo.co.id/\x00", f"{SHOP_ORIGIN}/"),
        ("https://user:pw@www.tokodemo.co.id/", f"{SHOP_ORIGIN}/"),
        ("data:text/html,hi", f"{SHOP_ORIGIN}/"),
        ("https://www.tokodemo.co.id/" + "a" * 3000, f"{SHOP_ORIGIN}/"),
    ],
)
def test_safe_return(asked: str | None, expected: str) -> None:
    assert safe_return(asked, ORIGINS) == expected


@pytest.mark.parametrize(
    ("host", "target", "cookie_domain", "reaches"),
    [
        ("consent.tokodemo.co.id", SHOP_ORIGIN, ".tokodemo.co.id", True),
        ("tokodemo.co.id:8443", SHOP_ORIGIN, ".tokodemo.co.id", True),
        ("consent.other.example", SHOP_ORIGIN, ".tokodemo.co.id", False),
        ("eviltokodemo.co.id", SHOP_ORIGIN, ".tokodemo.co.id", False),
        ("consent.tokodemo.co.id", "http://localhost:8001/", ".tokodemo.co.id", False),
        ("www.tokodemo.co.id", f"{SHOP_ORIGIN}/a", None, True),  # inside the site's own app
        ("localhost:5000", "http://localhost:8001/", None, True),
        ("consent.example", SHOP_ORIGIN, None, False),
        # Issue 12, item 6: the service's host is one of the site's origins,
        # the visitor returns to another one: the cookie would not reach it.
        ("127.0.0.1:8000", "http://localhost:8001/", None, False),
        ("localhost:8000", f"{SHOP_ORIGIN}/", None, False),
    ],
)
def test_cookie_reaches_the_page_returned_to(
    host: str, target: str, cookie_domain: str | None, reaches: bool
) -> None:
    assert cookie_reaches(host, target, cookie_domain) is reaches


@pytest.mark.parametrize("path", ["/healthz"])
def test_hot_paths_open_no_session(client: FlaskClient, path: str) -> None:
    from flask import session

    with client:
        assert client.get(path).status_code == 200
        assert session.__class__.__name__ == "NullSession"


@pytest.mark.parametrize(
    "path", ["/s/tokodemo/loader.js", "/s/tokodemo/ui.js", "/s/tokodemo/ui.css"]
)
def test_loader_files_never_reach_sessions(
    app: Flask, client: FlaskClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They are answered before Flask's dispatch (banner.web.fast_assets): no session at all."""

    def refuse(*_args: object) -> None:
        raise AssertionError("a session was opened")

    monkeypatch.setattr(app.session_interface, "open_session", refuse)
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_pages_keep_their_session(client: FlaskClient) -> None:
    response = client.get("/s/tokodemo/preferences")
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))
