"""Dashboard sessions live on the server; logins are counted before checking (issue 26).

Item 11: logging out ends every copy of the cookie, a session lasts at most
12 hours, and the cookie's content says nothing. Item 10: 30 concurrent
wrong passwords get at most 5 checks, a per-account limit stands beside the
per-network one, and password hashes run one at a time. Item 12: no key a
site's backend holds can open a dashboard session.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer

from banner.admin import accounts, login
from banner.admin.accounts import find_user
from banner.admin.session import COOKIE, IDLE_SECONDS, LIFETIME_SECONDS, SALT
from banner.admin.sessions import open_session
from banner.core.keys import ADMIN_SESSION, derive_key, site_token_keys
from banner.log.schema import admin_sessions
from banner.log.store import ConsentLog
from tests.admin.conftest import NAME, PASSWORD, csrf_of, log_in
from tests.factories import KEY_NEW, KEY_OLD


def _cookie_of(client: FlaskClient) -> str:
    found = client.get_cookie(COOKIE, path="/admin/")
    assert found is not None
    return found.value


def _session_id(log: ConsentLog) -> str:
    account = find_user(log, NAME)
    assert account is not None
    return open_session(log, account)


def _signed(session_id: str, key: str) -> str:
    return URLSafeSerializer([key], salt=SALT).dumps(session_id)


def test_logout_ends_a_copied_cookie_too(operator: FlaskClient, admin_app: Flask) -> None:
    copy = admin_app.test_client()
    copy.set_cookie(COOKIE, _cookie_of(operator), path="/admin/")
    assert copy.get("/admin/").status_code == 200
    token = csrf_of(operator.get("/admin/").text)
    assert operator.post("/admin/logout", data={"csrf_token": token}).status_code == 303
    assert copy.get("/admin/").status_code == 303


def _age(log: ConsentLog, created: timedelta, seen: timedelta) -> None:
    now = datetime.now(UTC)
    with log.engine.begin() as conn:
        conn.execute(admin_sessions.update().values(created_at=now - created, seen_at=now - seen))


@pytest.mark.parametrize(
    ("created", "seen", "status"),
    [
        (LIFETIME_SECONDS - 120, 30, 200),
        (LIFETIME_SECONDS + 1, 30, 303),  # used all along, but 12 hours old: over
        (600, IDLE_SECONDS + 5, 303),  # idle too long
        (600, -3600, 303),  # "seen" in the future: not a session we wrote
    ],
)
def test_a_session_has_an_absolute_lifetime_and_an_idle_end(
    operator: FlaskClient, log: ConsentLog, created: int, seen: int, status: int
) -> None:
    _age(log, timedelta(seconds=created), timedelta(seconds=seen))
    assert operator.get("/admin/").status_code == status


def test_the_cookie_says_nothing_and_the_database_keeps_only_a_hash(
    operator: FlaskClient, log: ConsentLog
) -> None:
    value = _cookie_of(operator)
    payload = value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    session_id = decoded.strip('"')
    assert len(session_id) == 43 and NAME not in value and NAME not in decoded
    with log.engine.connect() as conn:
        stored = conn.execute(sa.select(admin_sessions)).all()
    assert len(stored) == 1 and session_id not in str(stored[0])


def _forgeries(log: ConsentLog) -> list[str]:
    real = _session_id(log)
    return [
        _signed(real, KEY_NEW),  # the configured secret itself: it signs nothing
        _signed(real, site_token_keys([KEY_NEW], "tokodemo")[0]),  # a site backend's key
        _signed(real, derive_key(KEY_NEW, ADMIN_SESSION) + "x"),
        URLSafeSerializer([derive_key(KEY_NEW, ADMIN_SESSION)], salt="other").dumps(real),
        _signed("A" * 43, derive_key(KEY_NEW, ADMIN_SESSION)),  # no such session
        URLSafeSerializer([derive_key(KEY_NEW, ADMIN_SESSION)], salt=SALT).dumps([real]),
        "a" * 3000,
        "",
    ]


@pytest.mark.parametrize("which", range(8))
def test_forged_session_cookies_open_nothing(
    anonymous: FlaskClient, account: str, log: ConsentLog, which: int
) -> None:
    anonymous.set_cookie(COOKIE, _forgeries(log)[which], path="/admin/")
    assert anonymous.get("/admin/").status_code == 303


@pytest.mark.parametrize("secret", [KEY_OLD, KEY_NEW])
def test_a_session_signed_before_a_key_rotation_still_works(
    anonymous: FlaskClient, account: str, log: ConsentLog, secret: str
) -> None:
    value = _signed(_session_id(log), derive_key(secret, ADMIN_SESSION))
    anonymous.set_cookie(COOKIE, value, path="/admin/")
    assert anonymous.get("/admin/").status_code == 200


# --- login limits ---------------------------------------------------------------------


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    real = login.authenticate

    def counted(*args: Any) -> Any:
        checked.append(args[1])
        return real(*args)

    monkeypatch.setattr(login, "authenticate", counted)
    return checked


def _together(jobs: list[Callable[[], int]]) -> list[int]:
    """Run ``jobs`` in threads released at the same moment; their answers."""
    start = threading.Barrier(len(jobs))
    answers: list[int] = []

    def run(job: Callable[[], int]) -> None:
        start.wait()
        answers.append(job())

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _attempt(admin_app: Flask, password: str, address: str = "203.0.113.9") -> Callable[[], int]:
    client = admin_app.test_client()
    token = csrf_of(client.get("/admin/login").text)
    data = {"csrf_token": token, "name": NAME, "password": password}

    def post() -> int:
        answer = client.post("/admin/login", data=data, environ_base={"REMOTE_ADDR": address})
        return answer.status_code

    return post


def test_thirty_concurrent_wrong_passwords_get_at_most_five_checks(
    admin_app: Flask, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _counting(monkeypatch)
    answers = _together([_attempt(admin_app, f"wrong password {n}") for n in range(30)])
    assert len(checked) <= 5
    assert answers.count(401) == len(checked) and answers.count(429) == 30 - len(checked)


def test_an_account_is_limited_across_networks(
    admin_app: Flask, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = _counting(monkeypatch)
    for n in range(10):
        assert _attempt(admin_app, "wrong password!", f"198.51.{n}.7")() == 401
    assert _attempt(admin_app, PASSWORD, "192.0.2.7")() == 429
    assert len(checked) == 10
    other = admin_app.test_client()  # another account is not held up
    assert log_in(other, name="nobody-else", password="wrong password!") == 401


def test_password_checks_run_one_at_a_time(
    admin_app: Flask, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, most = [0], [0]
    lock = threading.Lock()
    real = accounts.check_password_hash

    def watched(stored: str, password: str) -> bool:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(stored, password)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(accounts, "check_password_hash", watched)
    jobs = [_attempt(admin_app, PASSWORD, f"198.51.{n}.7") for n in range(6)]
    assert _together(jobs) == [303] * 6
    assert most[0] == 1
