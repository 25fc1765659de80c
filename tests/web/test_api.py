"""The consent API: the contract, the bad-input catalogue, CORS and idempotency."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest
from flask.testing import FlaskClient

from banner.log import store
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN

GOOD: dict[str, Any] = {
    "site": "tokodemo",
    "granted": ["analytics"],
    "language": "id",
    "policy_version": 3,
}


def post(client: FlaskClient, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"Origin": SHOP_ORIGIN, "Content-Type": "application/json", **headers}
    return client.post("/api/v1/consent", data=data, headers=headers)


def rows(banner_state: BannerState) -> int:
    return banner_state.log.count("tokodemo")


def test_records_decision_and_returns_signed_token(
    client: FlaskClient, banner_state: BannerState
) -> None:
    response = post(client, {**GOOD, "page_path": "/produk/1"}, **{"User-Agent": "Mozilla/5.0"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"consent_id", "token", "granted", "policy_version", "expires_at"}
    assert body["granted"] == ["analytics"] and body["policy_version"] == 3
    [row] = banner_state.log.history(body["consent_id"])
    assert row.action == "custom" and row.denied == ("functional", "preference")
    assert (
        row.source == "banner" and row.page_origin == SHOP_ORIGIN and row.page_path == "/produk/1"
    )
    assert row.ip_masked == "127.0.0.0/24" and row.user_agent == "Mozilla/5.0"
    assert len(row.text_hash) == 64
    verdict = banner_state.service.verify("tokodemo", body["token"])
    assert verdict.token is not None and verdict.token.granted == ("analytics",)


@pytest.mark.parametrize(
    ("granted", "action"),
    [
        (["functional", "analytics", "preference"], "accept"),
        ([], "reject"),
        (["essential"], "reject"),
    ],
)
def test_first_decision_actions(
    client: FlaskClient, banner_state: BannerState, granted: list[str], action: str
) -> None:
    body = post(client, {**GOOD, "granted": granted}).get_json()
    assert banner_state.log.history(body["consent_id"])[0].action == action


def test_change_then_withdraw_share_a_consent_id(
    client: FlaskClient, banner_state: BannerState
) -> None:
    first = post(client, GOOD).get_json()
    cid = first["consent_id"]
    second = post(
        client,
        {
            **GOOD,
            "granted": ["analytics", "functional"],
            "consent_id": cid,
            "token": first["token"],
        },
    ).get_json()
    post(client, {**GOOD, "granted": [], "consent_id": cid, "token": second["token"]})
    assert [r.action for r in banner_state.log.history(cid)] == ["custom", "change", "withdraw"]


def test_retry_with_same_consent_id_writes_one_row(
    client: FlaskClient, banner_state: BannerState
) -> None:
    cid = "retry-consent-id-000001"
    body = {**GOOD, "consent_id": cid, "retry_key": "r" * 16}
    answers = [post(client, body) for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert {a.get_json()["consent_id"] for a in answers} == {cid}
    assert len(banner_state.log.history(cid)) == 1


def test_gpc_header_is_recorded(client: FlaskClient, banner_state: BannerState) -> None:
    body = post(client, {**GOOD, "granted": []}, **{"Sec-GPC": "1"}).get_json()
    [row] = banner_state.log.history(body["consent_id"])
    assert row.gpc and row.action == "gpc"


DEEP = "[" * 10_000 + "]" * 10_000
BAD_INPUT: list[tuple[str, Any, dict[str, str], int, str, str | None]] = [
    ("malformed json", '{"site": ', {}, 400, "invalid_body", None),
    ("empty body", "", {}, 400, "invalid_body", None),
    ("json array", "[]", {}, 400, "invalid_body", None),
    ("NaN constant", '{"site": NaN}', {}, 400, "invalid_body", None),
    (
        "wrong content type",
        json.dumps(GOOD),
        {"Content-Type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
        None,
    ),
    ("10,000-deep arrays", DEEP, {}, 413, "too_large", None),
    ("1,000-deep in budget", "[" * 1000 + "]" * 1000, {}, 400, "invalid_body", None),
    ("1 MB body", json.dumps({**GOOD, "page_path": "x" * 1_000_000}), {}, 413, "too_large", None),
    ("not utf-8", b'{"site": "\xff"}', {}, 400, "invalid_body", None),
    ("unknown category", {**GOOD, "granted": ["marketing2"]}, {}, 400, "invalid_field", "granted"),
    ("__proto__ category", {**GOOD, "granted": ["__proto__"]}, {}, 400, "invalid_field", "granted"),
    ("empty category", {**GOOD, "granted": [""]}, {}, 400, "invalid_field", "granted"),
    (
        "granted twice",
        {**GOOD, "granted": ["analytics", "analytics"]},
        {},
        400,
        "invalid_field",
        "granted",
    ),
    ("granted not list", {**GOOD, "granted": "analytics"}, {}, 400, "invalid_field", "granted"),
    ("granted of numbers", {**GOOD, "granted": [1]}, {}, 400, "invalid_field", "granted"),
    ("granted nested", {**GOOD, "granted": [["analytics"]]}, {}, 400, "invalid_field", "granted"),
    (
        "missing granted",
        {k: v for k, v in GOOD.items() if k != "granted"},
        {},
        400,
        "invalid_field",
        "granted",
    ),
    ("site number", {**GOOD, "site": 7}, {}, 400, "invalid_field", "site"),
    (
        "missing site",
        {k: v for k, v in GOOD.items() if k != "site"},
        {},
        400,
        "invalid_field",
        "site",
    ),
    ("language fr", {**GOOD, "language": "fr"}, {}, 400, "invalid_field", "language"),
    ("language null", {**GOOD, "language": None}, {}, 400, "invalid_field", "language"),
    (
        "policy version string",
        {**GOOD, "policy_version": "3"},
        {},
        400,
        "invalid_field",
        "policy_version",
    ),
    (
        "policy version bool",
        {**GOOD, "policy_version": True},
        {},
        400,
        "invalid_field",
        "policy_version",
    ),
    (
        "policy version float",
        {**GOOD, "policy_version": 3.0},
        {},
        400,
        "invalid_field",
        "policy_version",
    ),
    (
        "policy version future",
        {**GOOD, "policy_version": 4},
        {},
        400,
        "invalid_field",
        "policy_version",
    ),
    ("gpc string", {**GOOD, "gpc": "yes"}, {}, 400, "invalid_field", "gpc"),
    ("consent id short", {**GOOD, "consent_id": "abc"}, {}, 400, "invalid_field", "consent_id"),
    (
        "consent id number",
        {**GOOD, "consent_id": 12345678901234567},
        {},
        400,
        "invalid_field",
        "consent_id",
    ),
    (
        "lone surrogate",
        json.dumps({**GOOD, "page_path": "PATH"}).replace("PATH", "\\ud800"),
        {},
        400,
        "invalid_field",
        "page_path",
    ),
    ("NUL in string", {**GOOD, "page_path": "/a\x00b"}, {}, 400, "invalid_field", "page_path"),
    ("NUL in site", {**GOOD, "site": "toko\x00demo"}, {}, 400, "invalid_field", "site"),
    ("unknown field", {**GOOD, "admin": True}, {}, 400, "invalid_field", "admin"),
    ("unknown site", {**GOOD, "site": "nosuchsite"}, {}, 404, "unknown_site", "site"),
    (
        "foreign origin",
        GOOD,
        {"Origin": "https://evil.example"},
        403,
        "origin_not_allowed",
        "Origin",
    ),
    ("null origin", GOOD, {"Origin": "null"}, 403, "origin_not_allowed", "Origin"),
    (
        "lookalike origin",
        GOOD,
        {"Origin": SHOP_ORIGIN + ".evil.example"},
        403,
        "origin_not_allowed",
        "Origin",
    ),
    (
        "stale policy",
        {**GOOD, "policy_version": 2},
        {},
        409,
        "stale_policy_version",
        "policy_version",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "headers", "status", "error", "field"),
    BAD_INPUT,
    ids=[b[0] for b in BAD_INPUT],
)
def test_bad_input_catalogue(
    client: FlaskClient,
    banner_state: BannerState,
    name: str,
    body: Any,
    headers: dict[str, str],
    status: int,
    error: str,
    field: str | None,
) -> None:
    response = post(client, body, **headers)
    assert response.status_code == status, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["error"] == error and answer["message"]
    assert answer.get("field") == field
    assert rows(banner_state) == 0


def test_missing_origin_is_refused(client: FlaskClient, banner_state: BannerState) -> None:
    response = client.post("/api/v1/consent", json=GOOD)
    assert response.status_code == 403 and rows(banner_state) == 0


def test_cors_preflight_and_vary(client: FlaskClient) -> None:
    preflight = client.options("/api/v1/consent", headers={"Origin": SHOP_ORIGIN})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Origin" in preflight.headers["Vary"]
    foreign = client.options("/api/v1/consent", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert post(client, GOOD).headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN


def test_never_a_wildcard(client: FlaskClient) -> None:
    for response in (post(client, GOOD), client.get("/healthz"), client.options("/api/v1/verify")):
        assert response.headers.get("Access-Control-Allow-Origin") != "*"


VERIFY_REASONS = [
    ("garbage", "not.a.token", "bad_signature"),
    ("empty", "", "malformed"),
]


def test_verify_valid_and_invalid(client: FlaskClient) -> None:
    token = post(client, GOOD).get_json()["token"]
    ok = client.post("/api/v1/verify", json={"site": "tokodemo", "token": token}).get_json()
    assert ok["valid"] is True and ok["granted"] == ["analytics"] and ok["policy_version"] == 3
    for _name, bad, reason in VERIFY_REASONS:
        answer = client.post("/api/v1/verify", json={"site": "tokodemo", "token": bad}).get_json()
        assert answer == {"valid": False, "reason": reason}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"site": "tokodemo"}, 400, "token"),
        ({"site": "tokodemo", "token": 5}, 400, "token"),
        ({"site": "nope", "token": "x"}, 404, "site"),
        ({"token": "x"}, 400, "site"),
    ],
)
def test_verify_bad_input(
    client: FlaskClient, body: dict[str, Any], status: int, field: str
) -> None:
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code == status and response.get_json()["field"] == field


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_unknown_api_route_and_method_are_json(client: FlaskClient) -> None:
    assert client.get("/api/v1/nothing").get_json()["error"] == "not_found"
    assert client.get("/api/v1/consent").get_json()["error"] == "method_not_allowed"


def test_locked_database_answers_503_and_writes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    client: FlaskClient,
    banner_state: BannerState,
) -> None:
    banner_state.log.dispose()
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = post(client, GOOD)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.get_json()["error"] == "store_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert rows(banner_state) == 0
    assert post(client, GOOD).status_code == 201  # recovers once the lock is gone


def test_full_database_answers_503_and_recovers(
    database_url: str, client: FlaskClient, banner_state: BannerState
) -> None:
    path = database_url.removeprefix("sqlite:///")
    assert post(client, GOOD).status_code == 201
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    banner_state.log.dispose()

    def cap(limit: int) -> None:
        from sqlalchemy import event

        def apply(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {limit}")

        event.listen(banner_state.log.engine, "connect", apply)

    cap(pages)
    big = [post(client, {**GOOD, "page_path": "/" + "p" * 500}) for _ in range(40)]
    statuses = {r.status_code for r in big}
    assert 503 in statuses and statuses <= {201, 503}
    stored = rows(banner_state)
    assert stored == 1 + sum(r.status_code == 201 for r in big)
    banner_state.log.dispose()
    cap(1_000_000)
    assert post(client, GOOD).status_code == 201
