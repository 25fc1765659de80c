"""The consent POST beside Flask answers exactly as the Flask view does (issue 24).

Every module that posts decisions already runs on both paths (``post_path``
in tests/conftest.py). Here the two paths are put side by side on twin
services (same config, a database each): the same request must get the same
status, headers and body, and leave the same row. Then the attacks that
belong to the new path alone: what it hands on to Flask (a chunked, unsized,
oversized or mis-sized body, another method or path), a body that breaks
off, a crash inside the rules, and rate limits counted across both paths.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from banner.core.config import parse_config
from banner.log.store import StoreUnavailable
from banner.web.app import create_app
from banner.web.fast_consent import FastConsent
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN, document

CONSENT = "/api/v1/consent"
ID = "twin-consent-id-0001"


def _service(path: Path, beside: bool, **banner: Any) -> Flask:
    doc = document(f"sqlite:///{path}", cookie_domain=".tokodemo.co.id")
    doc["banner"].update(banner)
    app = create_app(parse_config(doc, "test.toml", {}), consent_beside_flask=beside)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[dict[str, Flask]]:
    """The service answering beside Flask, and through Flask, on databases of their own."""
    apps = {
        "beside": _service(tmp_path / "beside.db", True),
        "flask": _service(tmp_path / "flask.db", False),
    }
    yield apps
    for app in apps.values():
        app.extensions["banner"].log.dispose()


def _state(app: Flask) -> BannerState:
    found: BannerState = app.extensions["banner"]
    return found


def _notice(app: Flask) -> str:
    found: str = app.test_client().get("/s/tokodemo/notice?lang=id").get_json()["notice_hash"]
    return found


def _good(app: Flask, **changes: Any) -> dict[str, Any]:
    return {
        "site": "tokodemo",
        "granted": ["analytics"],
        "language": "id",
        "policy_version": 3,
        "consent_id": ID,
        "notice_hash": _notice(app),
        **changes,
    }


#: Each case: the body (built from the app's good body) and the request headers.
Case = Callable[[Flask], tuple[bytes, dict[str, str]]]
JSON = {"Origin": SHOP_ORIGIN, "Content-Type": "application/json"}


def _as(changes: dict[str, Any], **headers: str) -> Case:
    def build(app: Flask) -> tuple[bytes, dict[str, str]]:
        body = {k: v for k, v in _good(app, **changes).items() if v is not None}
        return json.dumps(body).encode(), {**JSON, **headers}

    return build


def _raw(body: bytes, **headers: str) -> Case:
    return lambda app: (body, {**JSON, **headers})


CASES: dict[str, Case] = {
    "a grant": _as({}),
    "a refusal, with GPC and a user agent": _as(
        {"granted": []}, **{"Sec-GPC": "1", "User-Agent": "Mozilla/5.0 (Linux; Android 14)"}
    ),
    "forwarded headers that no proxy vouches for": _as(
        {}, **{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    ),
    "text/plain, as the loader sends": _as({}, **{"Content-Type": "text/plain;charset=UTF-8"}),
    "a form body": _raw(b"site=tokodemo", **{"Content-Type": "application/x-www-form-urlencoded"}),
    "an empty body": _raw(b""),
    "not JSON": _raw(b"{site"),
    "a list": _raw(b"[]"),
    "NaN": _raw(b'{"site": NaN}'),
    "deep nesting": _raw(b"[" * 5000 + b"]" * 5000),
    "not UTF-8": _raw(b'{"site": "\xff"}'),
    "an unknown field": _as({"admin": True}),
    "an unknown site": _as({"site": "nope"}),
    "a site name with a control character": _as({"site": "toko\u0000demo"}),
    "no origin": _as({}, Origin=""),
    "another origin": _as({}, Origin="https://evil.example"),
    "an unknown category": _as({"granted": ["tracking"]}),
    "a category twice": _as({"granted": ["analytics", "analytics"]}),
    "a stale policy version": _as({"policy_version": 2}),
    "a withdrawal on a stale policy version": _as({"policy_version": 2, "granted": []}),
    "a future policy version": _as({"policy_version": 4}),
    "a bad language": _as({"language": "fr"}),
    "a bad consent id": _as({"consent_id": "short"}),
    "a notice hash of no notice": _as({"notice_hash": "0" * 64}),
    "a notice hash that is not hex": _as({"notice_hash": "Z" * 64}),
    "no notice hash": _as({"notice_hash": None}),
    "a bad retry key": _as({"retry_key": "x"}),
    "a hosted-page source": _as({"source": "page"}),
    "gpc not a boolean": _as({"gpc": "yes"}),
    "a token of the wrong shape": _as({"token": 7}),
    "a page path too long": _as({"page_path": "/" * 600}),
    "a subject that is not a subject token": _as({"subject": "someone"}),
}


def _send(app: Flask, body: bytes, headers: dict[str, str]) -> tuple[int, list[Any], Any]:
    answer = app.test_client().post(CONSENT, data=body, headers=headers)
    shown = [(name, "<token>" if name == "Set-Cookie" else value) for name, value in answer.headers]
    cookie = answer.headers.get("Set-Cookie", "")
    if cookie:  # the same cookie but for the token's value and the second it expires
        attributes = re.sub(r"Expires=[^;]*", "Expires=<date>", cookie.split(";", 1)[1])
        shown.append(("Set-Cookie attributes", attributes))
    payload = answer.get_json()
    if answer.status_code == 201:
        assert payload["token"] and payload["expires_at"]
        payload = {k: v for k, v in payload.items() if k not in ("token", "expires_at")}
    return answer.status_code, shown, payload


@pytest.mark.parametrize("case", CASES)
def test_both_paths_answer_alike_and_record_alike(twins: dict[str, Flask], case: str) -> None:
    answers = {}
    for name, app in twins.items():
        body, headers = CASES[case](app)
        answers[name] = _send(app, body, headers)
    assert answers["beside"] == answers["flask"]
    status = answers["beside"][0]
    assert status < 500
    written = [[_row(r) for r in _state(app).log.history(ID)] for app in twins.values()]
    assert written[0] == written[1]
    assert len(written[0]) == (1 if status == 201 else 0)


def _row(decision: Any) -> dict[str, Any]:
    return {k: v for k, v in asdict(decision).items() if k != "recorded_at"}


def test_an_owned_id_is_refused_alike_and_a_retry_is_answered_alike(
    twins: dict[str, Flask],
) -> None:
    """Someone else's consent id, then an exact retry without and with its retry key."""
    answers: dict[str, list[Any]] = {"beside": [], "flask": []}
    for name, app in twins.items():
        first = _as({"retry_key": "k" * 20, "granted": []})(app)
        answers[name].append(_send(app, *first)[:2])
        for attack in (
            _as({"granted": ["analytics"]}),  # no token
            _as({"granted": []}),  # the same choice, no retry key
            _as({"granted": [], "retry_key": "j" * 20}),  # another retry key
            _as({"token": "a.b.c"}),
        ):
            answers[name].append(_send(app, *attack(app)))
        answers[name].append(_send(app, *first)[:2])  # the real retry
        assert len(_state(app).log.history(ID)) == 1
    assert answers["beside"] == answers["flask"]
    assert [a[0] for a in answers["beside"]] == [201, 403, 403, 403, 403, 201]


@pytest.mark.parametrize("fault", ["store", "crash"])
def test_a_fault_inside_the_rules_is_answered_alike(
    twins: dict[str, Flask], fault: str, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def failing(_decision: Any) -> Any:
        if fault == "store":
            raise StoreUnavailable("database is locked", retry_after=2)
        raise RuntimeError("a bug")

    answers = {}
    for name, app in twins.items():
        monkeypatch.setattr(_state(app).service, "record", failing)
        with caplog.at_level(logging.ERROR, logger="banner"):
            answers[name] = _send(app, *_as({})(app))
    assert answers["beside"] == answers["flask"]
    status, headers, payload = answers["beside"]
    if fault == "store":
        assert status == 503 and ("Retry-After", "2") in headers
        assert payload["error"] == "store_unavailable"
    else:
        assert status == 500 and payload["error"] == "internal_error"
        assert sum("unexpected error on POST" in r.getMessage() for r in caplog.records) == 2


def test_the_post_is_answered_beside_flask(twins: dict[str, Flask]) -> None:
    """The Flask view is never called for the POST beside Flask; it is without the path."""
    called = []
    for app in twins.values():
        view = app.view_functions["banner_api.consent"]

        def spy(*args: Any, _view: Any = view, **kwargs: Any) -> Any:
            called.append(1)
            return _view(*args, **kwargs)

        app.view_functions["banner_api.consent"] = spy
    assert _send(twins["beside"], *_as({})(twins["beside"]))[0] == 201
    assert called == []
    assert _send(twins["flask"], *_as({})(twins["flask"]))[0] == 201
    assert called == [1]


def _environ(app: Flask, body: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": CONSENT,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_ORIGIN": SHOP_ORIGIN,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        **extra,
    }


def _call(app: Flask, environ: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
    said: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], _info: Any = None) -> Any:
        said["status"], said["headers"] = status, dict(headers)

    payload = b"".join(app.wsgi_app(environ, start_response))
    return said["status"], said["headers"], json.loads(payload)


@pytest.mark.parametrize(
    ("length", "handed_on"),
    [
        ("+12", True),
        (" 12", True),
        ("\uff11\uff12", True),  # full-width digits: int() would take them
        ("-1", True),
        ("", True),
        ("9000", True),
        ("99999999999999999999", True),
        ("10", False),  # shorter than the body: the body is cut, and not JSON
        ("4000", False),  # longer than the body: it broke off
    ],
)
def test_a_body_of_odd_length_is_refused_or_handed_to_flask(
    twins: dict[str, Flask], length: str, handed_on: bool
) -> None:
    app = twins["beside"]
    body = json.dumps(_good(app)).encode()
    seen = []
    fast = app.wsgi_app
    assert isinstance(fast, FastConsent)
    inner = fast.app

    def flask_side(environ: Any, start_response: Any) -> Any:
        seen.append(environ["CONTENT_LENGTH"])
        return inner(environ, start_response)

    fast.app = flask_side
    status, _headers, payload = _call(app, _environ(app, body, CONTENT_LENGTH=length))
    assert int(status[:3]) in (400, 413)
    assert "error" in payload
    assert bool(seen) is handed_on
    assert _state(app).log.count("tokodemo") == 0


def test_a_chunked_body_goes_to_flask_and_is_recorded(twins: dict[str, Flask]) -> None:
    app = twins["beside"]
    body = json.dumps(_good(app)).encode()
    environ = _environ(app, body, HTTP_TRANSFER_ENCODING="chunked")
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    status, headers, payload = _call(app, environ)
    assert status == "201 CREATED" and payload["consent_id"] == ID
    assert headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN


def test_a_body_that_breaks_off_is_a_400(twins: dict[str, Flask]) -> None:
    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise OSError("connection reset")

    app = twins["beside"]
    environ = _environ(app, b"", CONTENT_LENGTH="200")
    environ["wsgi.input"] = Broken()
    status, _headers, payload = _call(app, environ)
    assert status == "400 BAD REQUEST" and payload["error"] == "invalid_body"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", CONSENT, 405), ("PUT", CONSENT, 405), ("POST", CONSENT + "/", 404)],
)
def test_other_methods_and_paths_are_flasks(
    twins: dict[str, Flask], method: str, path: str, status: int
) -> None:
    for app in twins.values():
        answer = app.test_client().open(path, method=method, headers=JSON, data=b"{}")
        assert answer.status_code == status and "error" in answer.get_json()


def test_the_rate_limit_counts_both_paths_together(tmp_path: Path) -> None:
    """Two POSTs beside Flask and one Flask takes (a chunked body) share one count."""
    app = _service(tmp_path / "limited.db", True, rate_limit="2/minute")
    try:
        client = app.test_client()
        for n in range(2):
            answer = client.post(
                CONSENT, data=json.dumps(_good(app, consent_id=f"limited-id-{n:08d}")), headers=JSON
            )
            assert answer.status_code == 201
        body = json.dumps(_good(app, consent_id="limited-id-00000009")).encode()
        # the test client's address: the same count
        environ = _environ(app, body, HTTP_TRANSFER_ENCODING="chunked", REMOTE_ADDR="127.0.0.1")
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        status, headers, payload = _call(app, environ)
        assert status == "429 TOO MANY REQUESTS" and payload["error"] == "rate_limited"
        assert int(headers["Retry-After"]) >= 1
        assert headers["Access-Control-Allow-Origin"] == SHOP_ORIGIN
        # and the other way round: Flask's count refuses the path beside it
        answer = client.post(
            CONSENT, data=json.dumps(_good(app, consent_id="limited-id-00000010")), headers=JSON
        )
        assert answer.status_code == 429
        assert _state(app).log.count("tokodemo") == 2
    finally:
        app.extensions["banner"].log.dispose()


def test_a_proxys_address_and_scheme_are_read_through_proxy_fix(tmp_path: Path) -> None:
    """Behind one proxy: the visitor's address from X-Forwarded-For, ``Secure`` from its proto."""
    app = _service(
        tmp_path / "proxied.db", True, proxy_count=1, public_url="https://consent.example.com/"
    )
    try:
        body = json.dumps(_good(app)).encode()
        status, headers, _payload = _call(
            app,
            _environ(
                app,
                body,
                HTTP_X_FORWARDED_FOR="203.0.113.77, 10.0.0.1",
                HTTP_X_FORWARDED_PROTO="https",
            ),
        )
        assert status == "201 CREATED" and "Secure" in headers["Set-Cookie"]
        [row] = _state(app).log.history(ID)
        assert row.ip_masked == "10.0.0.0/24"  # the hop the one trusted proxy saw
    finally:
        app.extensions["banner"].log.dispose()
