"""Any query, header and body on any banner route: never a 5xx (issue 12).

A property-based sweep: every ``/s/``, ``/api/`` and ``/healthz`` route of
the URL map, with random query keys (``url_for``'s reserved ones among them),
random headers (the ones banner reads among them) and malformed bodies.
"""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.core.config import BannerConfig, parse_config
from tests.factories import SHOP_ORIGIN, document, signed_token

#: Every route is fuzzed on both paths of the consent POST (tests/conftest.py).
POSTS_DECISIONS = True

RESERVED_KEYS = ["endpoint", "_method", "_scheme", "_external", "_anchor", "values"]
BANNER_KEYS = ["lang", "return", "token", "state", "site_id", "consent_id"]
READ_HEADERS = [
    "Cookie",
    "Origin",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Accept-Encoding",
    "If-None-Match",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "X-Forwarded-Prefix",
    "Host",
    "Sec-GPC",
    "Sec-Fetch-Site",
    "User-Agent",
    "Referer",
]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]

header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"),
    max_size=200,
)
query_values = st.text(max_size=80)
queries = st.dictionaries(
    st.sampled_from(RESERVED_KEYS + BANNER_KEYS) | st.text(min_size=1, max_size=20),
    query_values,
    max_size=6,
)
header_values = (
    header_text
    | st.just(SHOP_ORIGIN)
    | st.just("null")
    | st.just("application/json")
    | st.just("application/x-www-form-urlencoded")
    | st.just("multipart/form-data; boundary=x")
    | st.builds(lambda t: f"banner_consent={t}", header_text)
    | st.just("; ".join(["banner_consent=x"] * 12))
)
headers = st.dictionaries(
    st.sampled_from(READ_HEADERS) | st.text(string.ascii_letters + "-", min_size=1, max_size=20),
    header_values,
    max_size=6,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
consent_shaped = st.fixed_dictionaries(
    {"site": st.sampled_from(["tokodemo", "nosuch", ""]) | st.text(max_size=10)},
    optional={
        "granted": json_values | st.just(["analytics"]),
        "language": st.sampled_from(["id", "en", "xx"]) | json_values,
        "policy_version": st.sampled_from([3, 2, 4, -1, 2**40]) | json_values,
        "consent_id": st.text(max_size=70) | json_values,
        "token": st.just(signed_token("someone-elses-id-0001", ["analytics"])) | json_values,
        "gpc": json_values,
        "page_path": json_values,
    },
)
bodies = (
    st.binary(max_size=300)
    | st.builds(lambda v: json.dumps(v).encode(), json_values)
    | st.builds(lambda v: json.dumps(v).encode(), consent_shaped)
    | st.just(b"[" * 5000 + b"]" * 5000)
    | st.just(b'{"site": "tokodemo", "granted": ' + b"[" * 3000 + b"]" * 3000 + b"}")
    | st.just(b"\xff\xfe{}")
    | st.builds(lambda n: b"x" * n, st.sampled_from([8 * 1024, 8 * 1024 + 1, 64 * 1024 + 1]))
    | st.just(b"grant_analytics=y&save=x&csrf_token=nope&token=%ff&return_to=javascript:1")
    | st.just(b"--x\r\nContent-Disposition: form-data; name=save\r\n\r\nx\r\n--x--\r\n")
)


def _routes(app: Flask) -> list[tuple[str, frozenset[str]]]:
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/s/", "/api/", "/healthz")):
            path = rule.rule.replace("<site_id>", "tokodemo").replace("<filename>", "ui.css")
            path = path.replace("<path:filename>", "pages.css")
            paths.append((path.replace("<consent_id>", "some-consent-id-00001"), rule.methods))
    return paths


@pytest.fixture(params=[0, 1], ids=["direct", "behind-a-proxy"])
def config(database_url: str, request: pytest.FixtureRequest) -> BannerConfig:
    """Directly exposed, and behind one proxy (whose X-Forwarded-* headers are honoured)."""
    doc = document(database_url)
    doc["banner"]["proxy_count"] = request.param
    if request.param:
        doc["banner"]["public_url"] = "https://consent.example.com/"
    return parse_config(doc, "test.toml", {})


@pytest.fixture
def routes(app: Flask) -> list[tuple[str, frozenset[str]]]:
    found = _routes(app)
    assert len(found) >= 8  # loader, ui, css, pages, receipt (2), static, API (2), health
    return found


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    query=queries,
    sent_headers=headers,
    body=bodies,
    method=st.sampled_from(METHODS) | st.none(),
)
def test_no_route_answers_5xx(
    client: FlaskClient,
    routes: list[tuple[str, frozenset[str]]],
    data: Any,
    query: dict[str, str],
    sent_headers: dict[str, str],
    body: bytes,
    method: str | None,
) -> None:
    path, allowed = data.draw(st.sampled_from(routes))
    verb = method or data.draw(st.sampled_from(sorted(allowed)))
    response = client.open(path, method=verb, query_string=query, headers=sent_headers, data=body)
    response.close()  # static files answer with an open file
    assert response.status_code < 500, (verb, path, query, sent_headers, body[:80])
    if response.status_code >= 400 and path.startswith("/api/") and verb != "HEAD":
        assert response.is_json and "error" in response.get_json()
