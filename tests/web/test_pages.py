"""The hosted preference page and cookie declaration, driven with plain form posts.

No JavaScript anywhere: a test reads the page's HTML, fills the form the way
a browser would (the CSRF token, the hidden fields, the checked switches)
and posts it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from banner.core.config import BannerConfig
from banner.log.store import StoreUnavailable
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN, make_config

PAGE = "/s/tokodemo/preferences"
RETURN = f"{SHOP_ORIGIN}/keranjang?step=2"
HIDDEN = re.compile(r'name="(csrf_token|token|return_to|retry_key)" type="hidden" value="([^"]*)"')


@pytest.fixture
def site_changes() -> dict[str, Any]:
    return {}


@pytest.fixture
def config(database_url: str, site_changes: dict[str, Any]) -> BannerConfig:
    return make_config(database_url, **site_changes)


def hidden_fields(response: TestResponse) -> dict[str, str]:
    """The form's hidden fields, as a browser would send them back."""
    return dict(HIDDEN.findall(response.get_data(as_text=True)))


def open_page(
    client: FlaskClient, query: str = "", **kw: Any
) -> tuple[TestResponse, dict[str, str]]:
    # Opened from one of the site's pages, as the loader does (a ?token= counts only then).
    kw["headers"] = {"Referer": f"{SHOP_ORIGIN}/produk/1", **kw.get("headers", {})}
    response = client.get(f"{PAGE}{query}", **kw)
    assert response.status_code == 200
    return response, hidden_fields(response)


def submit(
    client: FlaskClient, fields: dict[str, str], button: str = "save", *grants: str, **kw: Any
) -> TestResponse:
    data = {**fields, button: "x", **{f"grant_{c}": "y" for c in grants}}
    return client.post(f"{PAGE}?lang=en", data=data, **kw)


def returned_token(response: TestResponse) -> tuple[str, str]:
    """The redirect's target and the token carried in its fragment."""
    location = response.headers["Location"]
    target, _, fragment = location.partition("#banner_token=")
    return target, fragment


def text(response: TestResponse) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- rendering ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "headers", "lang", "title"),
    [
        ("?lang=id", {}, "id", "Pilihan privasi Anda"),
        ("?lang=en", {}, "en", "Your privacy choices"),
        ("", {"Accept-Language": "en-US,en;q=0.9"}, "en", "Your privacy choices"),
        ("", {"Accept-Language": "fr-FR,id;q=0.5"}, "id", "Pilihan privasi Anda"),
        ("", {}, "id", "Pilihan privasi Anda"),  # the site's default
        ("?lang=xx", {"Accept-Language": "en"}, "en", "Your privacy choices"),
        ("?lang=en", {"Accept-Language": "id"}, "en", "Your privacy choices"),
    ],
)
def test_language_comes_from_query_then_header_then_site(
    client: FlaskClient, query: str, headers: dict[str, str], lang: str, title: str
) -> None:
    response, _ = open_page(client, query, headers=headers)
    assert f'<html lang="{lang}">' in text(response)
    assert f"<h1>{title}</h1>" in text(response)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("id", ["Diperlukan", "Selalu aktif", "Analitik", "Simpan pilihan", "Tolak semua", "_ga"]),
        ("en", ["Essential", "Always on", "Analytics", "Save choices", "Reject all", "_ga"]),
    ],
)
def test_page_lists_every_category_with_essential_always_on(
    client: FlaskClient, lang: str, words: list[str]
) -> None:
    page = text(open_page(client, f"?lang={lang}")[0])
    assert all(word in page for word in words)
    assert 'name="grant_essential"' not in page
    for category in ("functional", "analytics", "preference"):
        assert f'name="grant_{category}" role="switch" type="checkbox" value="y">' in page


def test_language_switcher_keeps_the_other_parameters(client: FlaskClient) -> None:
    page = text(open_page(client, "?lang=id&return=https%3A%2F%2Fwww.tokodemo.co.id%2Fa")[0])
    assert 'href="/s/tokodemo/preferences?lang=en&amp;return=https://www.tokodemo.co.id/a"' in page


def test_unknown_site_is_a_translated_not_found_page(client: FlaskClient) -> None:
    response = client.get("/s/nosuchsite/preferences?lang=id")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in text(response)


def test_site_theme_colours_reach_the_page(database_url: str) -> None:
    from banner.web.app import create_app

    theme = {"primary": "#0a7d32", "background": "#fffdf5", "text": "#111111"}
    app = create_app(make_config(database_url, theme=theme))
    page = text(app.test_client().get(PAGE))
    app.extensions["banner"].log.dispose()
    assert "--primary: #0a7d32; --background: #fffdf5; --text: #111111;" in page


# --- the no-JS flow -------------------------------------------------------------


def test_whole_flow_give_change_withdraw_and_return(
    client: FlaskClient, banner_state: BannerState
) -> None:
    _, fields = open_page(client, f"?lang=en&return={RETURN}")
    given = submit(client, fields, "save", "analytics")
    assert given.status_code == 303
    target, token = returned_token(given)
    assert target == RETURN
    first = banner_state.service.verify("tokodemo", token).token
    assert first is not None and first.granted == ("analytics",)

    page, fields = open_page(client, f"?lang=en&return={RETURN}&token={token}")
    assert first.consent_id in text(page)
    assert 'checked class="switch" id="grant_analytics"' in text(page)
    assert 'checked class="switch" id="grant_functional"' not in text(page)
    changed = submit(client, fields, "save", "analytics", "functional")
    _, token = returned_token(changed)

    _, fields = open_page(client, f"?lang=en&return={RETURN}&token={token}")
    withdrawn = submit(client, fields, "withdraw", "analytics")
    target, token = returned_token(withdrawn)
    assert target == RETURN
    last = banner_state.service.verify("tokodemo", token).token
    assert last is not None and last.granted == () and last.consent_id == first.consent_id

    rows = banner_state.log.history(first.consent_id)
    assert [(r.action, r.granted, r.source) for r in rows] == [
        ("custom", ("analytics",), "preferences"),
        ("change", ("functional", "analytics"), "preferences"),
        ("withdraw", (), "preferences"),
    ]


def test_first_reject_without_return_goes_to_the_default_page(
    client: FlaskClient, banner_state: BannerState
) -> None:
    _, fields = open_page(client, "?lang=id")
    target, token = returned_token(submit(client, fields, "withdraw"))
    assert target == f"{SHOP_ORIGIN}/"
    content = banner_state.service.verify("tokodemo", token).token
    assert content is not None
    assert banner_state.log.latest(content.consent_id).action == "reject"  # type: ignore[union-attr]


def test_gpc_is_recorded(client: FlaskClient, banner_state: BannerState) -> None:
    page, fields = open_page(client, "?lang=en", headers={"Sec-GPC": "1"})
    assert "Global Privacy Control signal" in text(page)
    _, token = returned_token(submit(client, fields, "withdraw", headers={"Sec-GPC": "1"}))
    content = banner_state.service.verify("tokodemo", token).token
    row = banner_state.log.latest(content.consent_id)  # type: ignore[union-attr]
    assert row is not None and row.gpc and row.action == "gpc"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000])
def test_a_bad_token_means_no_current_choice(client: FlaskClient, token: str) -> None:
    response, _ = open_page(client, f"?lang=en&token={token}")
    assert "You have not made a choice yet" in text(response)


def test_form_errors_are_our_translated_words(client: FlaskClient) -> None:
    _, fields = open_page(client, "?lang=id")
    response = submit(client, {**fields, "return_to": "https://x/" + "a" * 3000})
    assert response.status_code == 400
    assert "The address to return to is too long." in text(response)


# --- refused posts: nothing logged ----------------------------------------------


def refused(response: TestResponse, status: int, words: str, log: Any) -> None:
    assert response.status_code == status
    assert words in text(response)
    assert 'href="/s/tokodemo/preferences?lang=' in text(response)  # a way back
    assert log.count("tokodemo") == 0


def test_post_without_csrf_token_is_refused(client: FlaskClient, banner_state: BannerState) -> None:
    open_page(client)
    response = client.post(f"{PAGE}?lang=id", data={"save": "x", "grant_analytics": "y"})
    refused(response, 400, "Formulir ini sudah kedaluwarsa", banner_state.log)


def test_post_with_another_sessions_token_is_refused(
    app: Flask, client: FlaskClient, banner_state: BannerState
) -> None:
    _, theirs = open_page(app.test_client())
    open_page(client)
    response = submit(client, theirs, "save", "analytics")
    refused(response, 400, "This form has expired", banner_state.log)


def test_post_with_a_forged_token_is_refused(
    client: FlaskClient, banner_state: BannerState
) -> None:
    _, fields = open_page(client)
    response = submit(client, {**fields, "csrf_token": fields["csrf_token"][:-3] + "AAA"})
    refused(response, 400, "This form has expired", banner_state.log)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": SHOP_ORIGIN},  # the site itself is another origin than the service
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_post_from_a_foreign_origin_is_refused(
    client: FlaskClient, banner_state: BannerState, headers: dict[str, str]
) -> None:
    _, fields = open_page(client)
    response = submit(client, fields, "save", "analytics", headers=headers)
    refused(response, 403, "This request came from another website", banner_state.log)


def test_store_failure_is_a_translated_503_with_retry_after(
    client: FlaskClient, banner_state: BannerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(_decision: object, **_options: object) -> None:
        raise StoreUnavailable("database busy", retry_after=7)

    monkeypatch.setattr(banner_state.log, "append", down)
    _, fields = open_page(client, "?lang=id")
    response = client.post(f"{PAGE}?lang=id", data={**fields, "save": "x"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert "Sedang tidak tersedia" in text(response)


# --- where the visitor goes back to ------------------------------------------------


@pytest.mark.parametrize(
    "asked",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "http://3627734533",
        "https://www.tokodemo.co.id@evil.example/",
        "https://www.tokodemo.co.id.evil.example/",
        "http://www.tokodemo.co.id/",
        "https://www.tokodemo.co.id\\@evil.example",
        " https://evil.example",
        "",
    ],
)
def test_open_redirects_go_to_the_sites_default_page(client: FlaskClient, asked: str) -> None:
    _, fields = open_page(client)
    target, token = returned_token(submit(client, {**fields, "return_to": asked}))
    assert target == f"{SHOP_ORIGIN}/"
    assert token


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (f"{SHOP_ORIGIN}/keranjang?step=2", f"{SHOP_ORIGIN}/keranjang?step=2"),
        (f"{SHOP_ORIGIN}", f"{SHOP_ORIGIN}/"),
        (f"{SHOP_ORIGIN}/produk#ulasan", f"{SHOP_ORIGIN}/produk"),
        ("https://WWW.TOKODEMO.CO.ID/a", f"{SHOP_ORIGIN}/a"),
    ],
)
def test_return_on_the_sites_origin_is_honoured(
    client: FlaskClient, asked: str, expected: str
) -> None:
    _, fields = open_page(client)
    target, _ = returned_token(submit(client, {**fields, "return_to": asked}))
    assert target == expected


SUBDOMAIN = {"cookie_domain": ".tokodemo.co.id"}
SERVICE = "https://consent.tokodemo.co.id"


@pytest.mark.parametrize("site_changes", [SUBDOMAIN])
def test_same_site_service_sets_the_cookie_and_reads_it(
    client: FlaskClient, banner_state: BannerState
) -> None:
    _, fields = open_page(client, base_url=SERVICE)
    response = submit(
        client, fields, "save", "analytics", base_url=SERVICE, headers={"Origin": SERVICE}
    )
    assert response.headers["Location"] == f"{SHOP_ORIGIN}/"  # no token in the URL
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "banner_consent=" in c)
    assert "Domain=tokodemo.co.id" in cookie or "Domain=.tokodemo.co.id" in cookie
    assert "Secure" in cookie and "SameSite=Lax" in cookie
    page, _ = open_page(client, "?lang=en", base_url=SERVICE)
    assert 'checked class="switch" id="grant_analytics"' in text(page)


# --- the cookie declaration ------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "id",
            [
                "Cookie di Toko Demo",
                "Diperlukan",
                "Fungsional",
                "Analitik",
                "Preferensi",
                "Tujuan",
                "_ga",
                "Google",
                "Membedakan pengunjung",
                "2 tahun",
                "banner_consent",
                "180 hari",
            ],
        ),
        (
            "en",
            [
                "Cookies on Toko Demo",
                "Essential",
                "Functional",
                "Analytics",
                "Preferences",
                "Purpose",
                "_ga",
                "Google",
                "Distinguishes visitors",
                "2 years",
                "banner_consent",
                "180 days",
            ],
        ),
    ],
)
def test_cookie_declaration_in_both_languages(
    client: FlaskClient, lang: str, words: list[str]
) -> None:
    response = client.get(f"/s/tokodemo/cookies?lang={lang}")
    assert response.status_code == 200
    missing = [w for w in words if w not in text(response)]
    assert missing == []


def test_csrf_stays_on_when_the_host_app_turns_it_off(
    app: Flask, client: FlaskClient, banner_state: BannerState
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    open_page(client)
    response = client.post(f"{PAGE}?lang=en", data={"save": "x"})
    refused(response, 400, "This form has expired", banner_state.log)


def test_inside_the_sites_own_flask_app_the_cookie_is_set_directly(database_url: str) -> None:
    from banner.web.extension import Banner

    host = Flask("shop")
    host.config["SECRET_KEY"] = "the-shop's-own-secret-key-0123456789"
    Banner(host, make_config(database_url, origins=["http://localhost"]))
    client = host.test_client()
    _, fields = open_page(client, "?lang=en")
    response = submit(client, {**fields, "return_to": "http://localhost/cart"}, "save", "analytics")
    host.extensions["banner"].log.dispose()
    assert response.headers["Location"] == "http://localhost/cart"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "banner_consent=" in c)
    assert "Domain=" not in cookie and "SameSite=Lax" in cookie
