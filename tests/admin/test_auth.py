"""Dashboard accounts in the browser's shoes: login, limits, CSRF, cookie, logout, attacks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from banner.admin.accounts import delete_user
from banner.admin.session import COOKIE
from banner.log.store import ConsentLog
from tests.admin.conftest import NAME, PASSWORD, csrf_of, log_in

PAGES = [
    "/admin/",
    "/admin/s/tokodemo/",
    "/admin/s/tokodemo/?first=2026-11-01&last=2026-11-30",
    "/admin/s/tokodemo/lookup?consent_id=abcdefabcdefabcdef",
    "/admin/s/tokodemo/export?first=2026-11-01&last=2026-11-30&format=csv",
    "/admin/s/tokodemo/scan",
    "/admin/s/nosuchsite/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_but_the_login_redirects_there_without_a_session(
    anonymous: FlaskClient, account: str, path: str
) -> None:
    response = anonymous.get(path)
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/admin/login"
    assert parse_qs(target.query)["next"] == [path]
    assert "Set-Cookie" not in response.headers or COOKIE not in response.headers["Set-Cookie"]


def test_logout_without_a_session_redirects_too(anonymous: FlaskClient) -> None:
    assert anonymous.post("/admin/logout").status_code == 303


def test_login_opens_a_session_with_strict_cookie_flags(
    anonymous: FlaskClient, account: str
) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post(
        "/admin/login", data={"csrf_token": token, "name": NAME, "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE))
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path"} <= flags and "secure" not in flags
    assert "SameSite=Strict" in cookie and "Path=/admin/" in cookie
    assert "Expires" not in cookie  # ends with the browser session, and after idling
    assert anonymous.get("/admin/").status_code == 200


def test_the_cookie_is_secure_on_https(admin_app: Flask, account: str) -> None:
    client = admin_app.test_client()
    base = "https://consent.tokodemo.co.id"
    token = csrf_of(client.get("/admin/login", base_url=base).text)
    response = client.post(
        "/admin/login",
        base_url=base,
        data={"csrf_token": token, "name": NAME, "password": PASSWORD},
        headers={"Origin": base},
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE))
    assert "Secure" in cookie


@pytest.mark.parametrize("lang", ["id", "en"])
def test_wrong_passwords_are_limited_per_network_with_a_translated_page(
    admin_app: Flask, account: str, lang: str
) -> None:
    client = admin_app.test_client()
    for _ in range(5):
        assert log_in(client, password="wrong password!") == 401
    token = csrf_of(client.get("/admin/login").text)
    limited = client.post(
        f"/admin/login?lang={lang}",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD},
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    words = {"id": "Terlalu banyak percobaan", "en": "Too many attempts"}
    assert words[lang] in limited.text
    # The same /24 network is limited too, from a fresh client; another one is not.
    same = admin_app.test_client()
    assert log_in(same) == 429
    elsewhere = admin_app.test_client()
    token = csrf_of(elsewhere.get("/admin/login").text)
    answer = elsewhere.post(
        "/admin/login",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert answer.status_code == 303


def test_a_right_password_does_not_count_against_the_limit(admin_app: Flask, account: str) -> None:
    for _ in range(8):
        assert log_in(admin_app.test_client()) == 303


def test_the_wrong_password_and_an_unknown_name_read_the_same(
    anonymous: FlaskClient, account: str
) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    wrong = anonymous.post(
        "/admin/login", data={"csrf_token": token, "name": NAME, "password": "not it at all"}
    )
    unknown = anonymous.post(
        "/admin/login", data={"csrf_token": token, "name": "nobody", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong" in wrong.text.lower() or "salah" in wrong.text.lower()


@pytest.mark.parametrize(
    "token",
    [None, "", "forged-token", "IjAwMDAi.AAAAAA.forged"],
    ids=["none", "empty", "junk", "fake"],
)
def test_a_login_without_a_valid_csrf_token_is_refused(
    anonymous: FlaskClient, account: str, token: str | None
) -> None:
    anonymous.get("/admin/login")
    data = {"name": NAME, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = anonymous.post("/admin/login", data=data)
    assert response.status_code == 400
    assert COOKIE not in response.headers.get("Set-Cookie", "")


def test_a_csrf_token_from_another_session_is_refused(admin_app: Flask, account: str) -> None:
    theirs = csrf_of(admin_app.test_client().get("/admin/login").text)
    mine = admin_app.test_client()
    mine.get("/admin/login")
    response = mine.post(
        "/admin/login", data={"csrf_token": theirs, "name": NAME, "password": PASSWORD}
    )
    assert response.status_code == 400


def test_a_login_posted_from_another_site_is_refused(anonymous: FlaskClient, account: str) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post(
        "/admin/login",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 400


def test_logout_needs_its_csrf_token_and_ends_the_session(operator: FlaskClient) -> None:
    assert operator.post("/admin/logout").status_code == 400
    assert operator.get("/admin/").status_code == 200
    token = csrf_of(operator.get("/admin/").text)
    response = operator.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert "/admin/login" in response.headers["Location"]
    assert any(c.startswith(f"{COOKIE}=;") for c in response.headers.getlist("Set-Cookie"))
    assert operator.get("/admin/").status_code == 303


def test_a_deleted_account_s_session_stops_at_once(operator: FlaskClient, log: ConsentLog) -> None:
    assert operator.get("/admin/").status_code == 200
    delete_user(log, NAME)
    assert operator.get("/admin/").status_code == 303


def test_a_recreated_account_of_the_same_name_does_not_inherit_the_session(
    operator: FlaskClient, log: ConsentLog
) -> None:
    from banner.admin.accounts import create_user

    delete_user(log, NAME)
    create_user(log, NAME, "another long password")
    assert operator.get("/admin/").status_code == 303


@pytest.mark.parametrize(
    "next_value",
    [
        "https://evil.example/",
        "//evil.example/admin/",
        "/\\evil.example",
        "/admin/\\\\evil.example",
        "/admin//evil.example",
        "javascript:alert(1)",
        "/admin/../s/x",
        "/admin/\r\nSet-Cookie: x=1",
        "http://localhost/admin/",
        "/admin/" + "a" * 2000,
        "/adminx/",
        "/admin/é",
    ],
)
def test_the_next_parameter_never_leaves_the_dashboard(
    anonymous: FlaskClient, account: str, next_value: str
) -> None:
    assert log_in(anonymous, next=next_value) == 303
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post(
        "/admin/login",
        data={"csrf_token": token, "name": NAME, "password": PASSWORD, "next": next_value},
    )
    assert response.headers["Location"] == "/admin/"


def test_the_next_parameter_returns_to_a_dashboard_page(
    anonymous: FlaskClient, account: str
) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "name": NAME,
            "password": PASSWORD,
            "next": "/admin/s/tokodemo/?first=2026-11-01",
        },
    )
    assert response.headers["Location"] == "/admin/s/tokodemo/?first=2026-11-01"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_without_any_account_the_login_page_says_how_to_create_one(
    anonymous: FlaskClient, lang: str
) -> None:
    page = anonymous.get(f"/admin/login?lang={lang}")
    assert page.status_code == 200
    assert "banner admin create-user NAME" in page.text
    assert f'<html lang="{lang}">' in page.text


def test_with_an_account_the_login_page_does_not(anonymous: FlaskClient, account: str) -> None:
    assert "create-user" not in anonymous.get("/admin/login").text


@pytest.mark.parametrize(
    "data",
    [
        {"name": "x" * 100_000, "password": "p"},
        {"name": NAME, "password": "p" * 70_000},
    ],
    ids=["huge-name", "huge-password"],
)
def test_oversized_login_forms_are_refused_with_a_page(
    anonymous: FlaskClient, account: str, data: dict[str, str]
) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post("/admin/login", data={"csrf_token": token, **data})
    assert response.status_code == 413
    assert "<html" in response.text


def test_long_but_allowed_fields_give_a_form_error_not_a_500(
    anonymous: FlaskClient, account: str
) -> None:
    token = csrf_of(anonymous.get("/admin/login").text)
    response = anonymous.post(
        "/admin/login", data={"csrf_token": token, "name": "n" * 65, "password": "p" * 2000}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/admin/", "/admin/login"])
def test_dashboard_pages_carry_the_hosted_pages_security_headers(
    operator: FlaskClient, path: str
) -> None:
    response = operator.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script" not in response.text and " style=" not in response.text
