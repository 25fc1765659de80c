"""The WSGI middleware on a bare WSGI app and on a Flask app."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from flask import Flask, request
from werkzeug.test import Client

from banner.check import ConsentChecker
from banner.check.middleware import ENVIRON_KEY, ConsentMiddleware, consent_in
from banner.core.keys import site_token_keys
from banner.core.token import TokenCodec
from tests.factories import KEY_NEW, KEY_OLD

NOW = 1_790_000_000
SITE = "tokodemo"


def sign(granted: Sequence[str], keys: Sequence[str] = (KEY_NEW,)) -> str:
    codec = TokenCodec(SITE, site_token_keys(keys, SITE), 3, 180 * 86400, clock=lambda: NOW - 60)
    return codec.sign("visitor-0123456789abcdef", granted)[0]


VALID = sign(["analytics"])
FORGED = sign(["analytics", "functional"], keys=["forger-key-0123456789abcdef0123456789"])


def echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """A WSGI app answering with the consent it found in its environ."""
    consent = consent_in(environ)
    body = {"granted": list(consent.granted) if consent else None}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


@pytest.fixture
def checker() -> ConsentChecker:
    return ConsentChecker(
        SITE, site_token_keys([KEY_OLD, KEY_NEW], SITE), policy_version=3, clock=lambda: NOW
    )


@pytest.fixture
def wsgi(checker: ConsentChecker) -> Client:
    return Client(ConsentMiddleware(echo, checker), use_cookies=False)


@pytest.mark.parametrize(
    ("cookie", "granted"),
    [
        (None, None),
        ("theme=dark", None),
        (f"banner_consent={VALID}", ["analytics"]),
        (f"banner_consent={FORGED}", None),
        (f"banner_consent={FORGED}; banner_consent={VALID}", ["analytics"]),
        (f"banner_consent={VALID}; banner_consent={FORGED}", ["analytics"]),
        ("banner_consent=%%%; x", None),
    ],
)
def test_middleware_puts_the_verified_consent_in_the_environ(
    wsgi: Client, cookie: str | None, granted: list[str] | None
) -> None:
    headers = {"Cookie": cookie} if cookie is not None else {}
    response = wsgi.get("/", headers=headers)
    assert response.status_code == 200
    assert response.json == {"granted": granted}


def test_middleware_overwrites_a_value_set_before_it(checker: ConsentChecker) -> None:
    def outer(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ[ENVIRON_KEY] = checker.check(VALID)
        return inner(environ, start_response)

    inner = ConsentMiddleware(echo, checker)
    assert Client(outer).get("/").json == {"granted": None}


def test_middleware_uses_the_environ_key_it_is_given(checker: ConsentChecker) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert ENVIRON_KEY not in environ
        return echo({ENVIRON_KEY: environ["toko.consent"]}, start_response)

    client = Client(ConsentMiddleware(app, checker, "toko.consent"), use_cookies=False)
    assert client.get("/", headers={"Cookie": f"banner_consent={VALID}"}).json == {
        "granted": ["analytics"]
    }


@pytest.mark.parametrize("value", [None, "analytics", {"granted": ["analytics"]}])
def test_consent_in_trusts_only_a_verified_consent(value: object) -> None:
    assert consent_in({ENVIRON_KEY: value}) is None


def test_middleware_around_a_flask_app(checker: ConsentChecker) -> None:
    app = Flask(__name__)

    @app.get("/")
    def index() -> dict[str, Any]:
        consent = consent_in(request.environ)
        return {"analytics": bool(consent and consent.allows("analytics"))}

    app.wsgi_app = ConsentMiddleware(app.wsgi_app, checker)  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get("/").json == {"analytics": False}
    client.set_cookie("banner_consent", VALID)
    assert client.get("/").json == {"analytics": True}
