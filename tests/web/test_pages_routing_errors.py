"""Errors met while routing under ``/s/`` get our translated page, with its headers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.web.test_pages import text


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "heading"),
    [
        ("POST", "/s/tokodemo/cookies", {"Accept-Language": "id"}, 405, "Permintaan ditolak"),
        ("GET", "/s/tokodemo/nothing?lang=en", {}, 404, "Page not found"),
        ("GET", "/s/", {"Accept-Language": "en"}, 404, "Page not found"),
    ],
)
def test_routing_errors_are_translated_pages(
    client: FlaskClient, method: str, path: str, headers: dict[str, str], status: int, heading: str
) -> None:
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == status
    assert heading in text(response)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_routing_errors_elsewhere_are_left_to_the_host_app(client: FlaskClient) -> None:
    response = client.get("/not-ours")
    assert response.status_code == 404 and "Content-Security-Policy" not in response.headers
