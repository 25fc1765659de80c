"""``/s/SITE/preferences?token=`` counts only when this browser brought it (issue 26, item 8).

A link carrying someone else's token (sent by mail, posted on a forum,
planted on another site) must not show their choice pre-ticked, nor have the
visitor's saving continue their consent id. The loader opens the page from
one of the site's pages, so the browser's ``Referer`` names the site's
origin; only then is the passed token taken. The service's own cookie counts
as before.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN
from tests.web.test_api import GOOD, post
from tests.web.test_pages import PAGE, hidden_fields, submit

CHECKED = re.compile(r'<input [^>]*checked[^>]*id="grant_analytics"')


@pytest.fixture
def someone(client: FlaskClient) -> dict[str, Any]:
    """Another visitor's (or the attacker's own) consent: analytics granted."""
    found: dict[str, Any] = post(client, GOOD).get_json()
    return found


def _open(client: FlaskClient, token: str, referer: str | None) -> Any:
    headers = {} if referer is None else {"Referer": referer}
    answer = client.get(f"{PAGE}?lang=en&token={token}", headers=headers)
    assert answer.status_code == 200
    return answer


@pytest.mark.parametrize(
    "referer",
    [
        None,  # typed, bookmarked, or opened from a mail
        "https://evil.example/page",
        "https://www.tokodemo.co.id.evil.example/",
        "http://www.tokodemo.co.id/",  # not the configured origin (https)
        "http://localhost/s/othersite/preferences",  # the service, but not this site's page
        "javascript:alert(1)",
        "http://[::1",
        "",
    ],
)
def test_a_token_from_a_link_is_not_taken(
    client: FlaskClient, banner_state: BannerState, someone: dict[str, Any], referer: str | None
) -> None:
    page = _open(client, someone["token"], referer)
    html = page.get_data(as_text=True)
    assert not CHECKED.search(html)
    assert someone["consent_id"] not in html
    fields = hidden_fields(page)
    assert fields["token"] == ""
    saved = submit(client, fields, "save")
    assert saved.status_code == 303
    assert len(banner_state.log.history(someone["consent_id"])) == 1  # their id untouched


@pytest.mark.parametrize(
    "referer",
    [f"{SHOP_ORIGIN}/produk/1", f"{SHOP_ORIGIN}/", "http://localhost/s/tokodemo/preferences"],
)
def test_the_loaders_token_from_the_sites_page_is_taken(
    client: FlaskClient, someone: dict[str, Any], referer: str
) -> None:
    page = _open(client, someone["token"], referer)
    html = page.get_data(as_text=True)
    assert CHECKED.search(html) and someone["consent_id"] in html
    assert hidden_fields(page)["token"] == someone["token"]


def test_the_services_own_cookie_still_counts_without_a_referer(
    client: FlaskClient, someone: dict[str, Any]
) -> None:
    client.set_cookie("banner_consent", someone["token"])
    html = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert CHECKED.search(html) and someone["consent_id"] in html
