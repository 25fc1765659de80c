"""The log's HTTP routes attacked: bad parameters, foreign ids, unknown sites, methods, caching."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.log.seeding import decision

BASE = "/s/tokodemo/log"


@pytest.fixture
def logged(app: Flask) -> list[str]:
    log = app.extensions["banner"].log
    for number in range(5):
        log.append(decision(number), fresh=True)
    return [decision(n).consent_id for n in range(5)]


def _error(client: FlaskClient, path: str, status: int) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body: dict[str, Any] = response.get_json()
    return body


def test_key_is_the_raw_ed25519_key_and_its_id(client: FlaskClient) -> None:
    response = client.get(f"{BASE}/key")
    body = response.get_json()
    raw = base64.b64decode(body["public_key"], validate=True)
    assert body["algorithm"] == "Ed25519" and len(raw) == 32
    assert body["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    assert response.headers["Cache-Control"].startswith("public")


def test_a_new_site_has_a_signed_empty_head(client: FlaskClient) -> None:
    head = client.get(f"{BASE}/head").get_json()
    assert head["tree_size"] == 0
    assert head["root_hash"] == hashlib.sha256(b"").hexdigest()
    assert head["timestamp"].endswith("Z") and head["signature"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "first"),
        ("first=1", "second"),
        ("first=abc&second=2", "first"),
        ("first=-1&second=2", "first"),
        ("first=0&second=2", "first"),
        ("first=1.5&second=2", "first"),
        ("first=%EF%BC%91&second=2", "first"),  # a full-width digit
        ("first=1&second=" + "9" * 40, "second"),
        ("first=3&second=2", "second"),
        # no head at 4; one at 2 only when a batch of the fixture's commits ended there
        ("first=2&second=4", "first second"),
        ("first=5&second=9", "second"),  # nor at 9
    ],
)
def test_bad_consistency_parameters_are_400_naming_the_field(
    client: FlaskClient, logged: list[str], query: str, field: str
) -> None:
    client.get(f"{BASE}/proof/{logged[-1]}")  # a head at 5
    body = _error(client, f"{BASE}/consistency?{query}", 400)
    assert body["field"] in field.split()


def test_consistency_between_signed_heads_is_immutable(
    client: FlaskClient, app: Flask, logged: list[str]
) -> None:
    client.get(f"{BASE}/proof/{logged[0]}")
    first = client.get(f"{BASE}/head").get_json()["tree_size"]
    app.extensions["banner"].log.append(decision(77), fresh=True)
    client.get(f"{BASE}/proof/{decision(77).consent_id}")
    response = client.get(f"{BASE}/consistency?first={first}&second=6")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/s/nosuchsite/log/head", 404, "site"),
        ("/s/nosuchsite/log/proof/seeded-consent-000000000000", 404, "site"),
        (f"{BASE}/proof/unknown-consent-id-000", 404, "consent_id"),
        (f"{BASE}/proof/short", 400, "consent_id"),
        (f"{BASE}/proof/%3Cscript%3Ealert(1)%3C-script%3E-xxxxxx", 400, "consent_id"),
        (f"{BASE}/proof/a%2F..%2F..%2Fhead-xxxxxxxxxxxx", 404, None),
    ],
)
def test_unknown_and_bad_ids_are_json_errors(
    client: FlaskClient, logged: list[str], path: str, status: int, field: str | None
) -> None:
    assert _error(client, path, status).get("field") == field


def test_no_such_log_route_and_wrong_method_are_json(client: FlaskClient) -> None:
    assert _error(client, f"{BASE}/nothing", 404)["error"] == "not_found"
    response = client.post(f"{BASE}/head")
    assert response.status_code == 405 and response.is_json


def test_a_proof_lists_only_that_ids_decisions_on_that_site(
    client: FlaskClient, app: Flask, logged: list[str]
) -> None:
    log = app.extensions["banner"].log
    log.append(decision(1, site="other", consent_id=logged[2]), fresh=True)
    body = client.get(f"{BASE}/proof/{logged[2]}").get_json()
    assert [e["log_index"] for e in body["entries"]] == [2]
    assert body["head"]["site"] == "tokodemo"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.text(max_size=30), second=st.text(max_size=30))
def test_any_query_is_answered_never_a_500(client: FlaskClient, first: str, second: str) -> None:
    response = client.get(f"{BASE}/consistency", query_string={"first": first, "second": second})
    assert response.status_code in (200, 400) and response.is_json


def test_a_leaf_never_carries_the_retry_key_hash(client: FlaskClient, app: Flask) -> None:
    """The retry key's hash is a secret between the log and its client (issue 26)."""
    secret = "5e" * 32
    app.extensions["banner"].log.append(decision(9, retry_key_hash=secret), fresh=True)
    body = client.get(f"{BASE}/proof/{decision(9).consent_id}").get_json()
    leaf = body["entries"][0]["leaf"]
    assert secret not in leaf and "retry_key" not in leaf


def test_a_database_that_cannot_sign_is_503_never_500(
    client: FlaskClient, app: Flask, logged: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from banner.log.heads import HeadKeeper

    def locked(_self: HeadKeeper, _site: str) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(HeadKeeper, "make", locked)
    app.extensions["banner"].log.append(decision(50), fresh=True)  # not covered by a head
    proof = client.get(f"{BASE}/proof/{decision(50).consent_id}")
    assert proof.status_code == 503 and proof.is_json and "Retry-After" in proof.headers
    receipt = client.get(f"/s/tokodemo/receipt/{decision(50).consent_id}.json")
    assert receipt.status_code == 503
