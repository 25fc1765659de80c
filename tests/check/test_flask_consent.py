"""Consent in Flask views, decorators and templates, on two apps in one process."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, render_template_string

from banner.check.flask_consent import consent_required, current_consent, has_consent
from banner.core.config import BannerConfig, ConfigError, parse_config
from banner.core.keys import site_token_keys
from banner.core.token import TokenCodec
from banner.web.extension import Banner
from tests.factories import KEY_NEW, KEY_OLD, SITE, document

OTHER_KEY = "other-shop-key-0123456789abcdef0123456789"
VISITOR = "flask-visitor-0123456789"

TEMPLATE = (
    "{% if has_consent('analytics') %}<script src='/a.js'></script>{% endif %}"
    "{% if consent %}id={{ consent.consent_id }}{% else %}no consent{% endif %}"
)


def shop_config(tmp_path: Path, site_id: str, keys: list[str], **site: Any) -> BannerConfig:
    doc = document(f"sqlite:///{tmp_path / site_id}.db")
    doc["banner"]["secret_keys"] = keys
    doc["sites"] = {site_id: {**SITE, **site}}
    return parse_config(doc, f"{site_id}.toml", {})


def shop_app(config: BannerConfig, ext: Banner, **options: Any) -> Flask:
    app = Flask(f"shop-{next(iter(config.sites))}")
    app.config.update(TESTING=True, **options)
    ext.init_app(app, config)

    @app.get("/")
    def index() -> dict[str, Any]:
        return {"analytics": has_consent("analytics"), "essential": has_consent("essential")}

    @app.get("/page")
    def page() -> str:
        return render_template_string(TEMPLATE)

    @app.get("/offers/<int:n>")
    @consent_required("analytics")
    def offers(n: int) -> dict[str, Any]:
        return {"offers": n}

    def generic(n: int) -> dict[str, Any]:
        return {"generic": n}

    @app.get("/picks/<int:n>")
    @ext.consent_required("preference", fallback=generic)
    def picks(n: int) -> dict[str, Any]:
        return {"picks": n}

    return app


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[dict[str, Flask]]:
    """Two shops in one process, one extension object, different configs."""
    ext = Banner()
    toko = shop_config(tmp_path, "tokodemo", [KEY_OLD, KEY_NEW])
    lain = shop_config(
        tmp_path, "tokolain", [OTHER_KEY], policy_version=7, cookie_name="lain_consent"
    )
    built = {"tokodemo": shop_app(toko, ext), "tokolain": shop_app(lain, ext)}
    yield built
    for app in built.values():
        app.extensions["banner"].log.dispose()


def token(site: str, granted: Sequence[str], keys: Sequence[str], policy: int) -> str:
    codec = TokenCodec(site, site_token_keys(keys, site), policy, 180 * 86400, clock=time.time)
    return codec.sign(VISITOR, granted)[0]


def toko_token(granted: Sequence[str] = ("analytics",)) -> str:
    return token("tokodemo", granted, [KEY_NEW], 3)


def lain_token(granted: Sequence[str] = ("analytics",)) -> str:
    return token("tokolain", granted, [OTHER_KEY], 7)


@pytest.mark.parametrize(
    ("shop", "cookie", "value", "analytics"),
    [
        ("tokodemo", "banner_consent", toko_token(), True),
        ("tokodemo", "banner_consent", toko_token(["functional"]), False),
        ("tokodemo", "banner_consent", lain_token(), False),
        ("tokodemo", "lain_consent", toko_token(), False),
        ("tokolain", "lain_consent", lain_token(), True),
        ("tokolain", "lain_consent", toko_token(), False),
        ("tokolain", "banner_consent", lain_token(), False),
        ("tokolain", "lain_consent", token("tokolain", ["analytics"], [OTHER_KEY], 6), False),
    ],
)
def test_each_app_checks_its_own_site(
    apps: dict[str, Flask], shop: str, cookie: str, value: str, analytics: bool
) -> None:
    client = apps[shop].test_client()
    client.set_cookie(cookie, value)
    assert client.get("/").json == {"analytics": analytics, "essential": True}


def test_without_a_cookie_only_essential_is_granted(apps: dict[str, Flask]) -> None:
    assert apps["tokodemo"].test_client().get("/").json == {"analytics": False, "essential": True}


def test_templates_get_consent_and_has_consent(apps: dict[str, Flask]) -> None:
    client = apps["tokodemo"].test_client()
    assert client.get("/page").text == "no consent"
    client.set_cookie("banner_consent", toko_token())
    assert client.get("/page").text == f"<script src='/a.js'></script>id={VISITOR}"


def test_consent_required_answers_403_json_without_consent(apps: dict[str, Flask]) -> None:
    client = apps["tokodemo"].test_client()
    client.set_cookie("banner_consent", toko_token(["functional"]))
    response = client.get("/offers/3")
    assert response.status_code == 403
    assert response.json == {
        "error": "consent_required",
        "message": "this needs the visitor's consent to 'analytics'",
        "category": "analytics",
    }


def test_consent_required_runs_the_view_with_consent(apps: dict[str, Flask]) -> None:
    client = apps["tokodemo"].test_client()
    client.set_cookie("banner_consent", toko_token())
    assert client.get("/offers/3").json == {"offers": 3}


@pytest.mark.parametrize(
    ("granted", "answer"), [([], {"generic": 5}), (["preference"], {"picks": 5})]
)
def test_consent_required_calls_the_fallback_without_consent(
    apps: dict[str, Flask], granted: list[str], answer: dict[str, int]
) -> None:
    client = apps["tokodemo"].test_client()
    client.set_cookie("banner_consent", toko_token(granted))
    response = client.get("/picks/5")
    assert (response.status_code, response.json) == (200, answer)


def test_consent_is_verified_once_per_request(apps: dict[str, Flask]) -> None:
    app = apps["tokodemo"]
    checker = app.extensions["banner.consent"]
    calls: list[str | None] = []
    check = checker.check_cookie_header

    def counting(header: str | None) -> object:
        calls.append(header)
        return check(header)

    checker.check_cookie_header = counting
    with app.test_request_context(headers={"Cookie": f"banner_consent={toko_token()}"}):
        assert has_consent("analytics") and not has_consent("preference")
        assert current_consent() is g._banner_consent
        render_template_string(TEMPLATE)
    assert len(calls) == 1


def test_without_mounted_routes_only_the_helpers_are_there(tmp_path: Path) -> None:
    config = shop_config(tmp_path, "tokodemo", [KEY_OLD, KEY_NEW])
    app = shop_app(config, Banner(mount_routes=False))
    client = app.test_client()
    assert client.post("/api/v1/verify", json={"site": "tokodemo", "token": "x"}).status_code == 404
    client.set_cookie("banner_consent", toko_token())
    assert client.get("/").json == {"analytics": True, "essential": True}
    assert not (tmp_path / "tokodemo.db").exists()


def two_sites(tmp_path: Path) -> BannerConfig:
    doc = document(f"sqlite:///{tmp_path / 'two.db'}")
    doc["sites"]["tokolain"] = {**SITE, "origins": ["https://www.tokolain.co.id"]}
    return parse_config(doc, "two.toml", {})


def test_several_sites_need_banner_site(tmp_path: Path) -> None:
    app = shop_app(two_sites(tmp_path), Banner())
    with (
        app.test_request_context(),
        pytest.raises(RuntimeError, match="BANNER_SITE"),
    ):
        has_consent("analytics")
    with app.test_request_context():
        assert render_template_string("{{ consent is defined }}") == "False"


def test_banner_site_picks_one_of_several(tmp_path: Path) -> None:
    app = shop_app(two_sites(tmp_path), Banner(), BANNER_SITE="tokolain")
    client = app.test_client()
    client.set_cookie("banner_consent", token("tokolain", ["analytics"], [KEY_NEW], 3))
    assert client.get("/").json == {"analytics": True, "essential": True}
    client.set_cookie("banner_consent", toko_token())
    assert client.get("/").json == {"analytics": False, "essential": True}


def test_banner_site_must_be_configured(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BANNER_SITE: expected one of tokodemo, tokolain"):
        shop_app(two_sites(tmp_path), Banner(), BANNER_SITE="nope")
