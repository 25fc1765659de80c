"""The preference page with several consent cookies in one request (cookie tossing)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.factories import signed_token
from tests.web.test_pages import text

PAGE = "/s/tokodemo/preferences?lang=en"
ALL = ["functional", "analytics", "preference"]


def token(consent_id: str, granted: list[str], age: float = 100.0) -> str:
    return signed_token(consent_id, granted, age)


def forged(granted: list[str]) -> str:
    body, stamp, _signature = token("forged-consent-0000001", granted).split(".")
    return f"{body}.{stamp}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"


def page_with(client: FlaskClient, first: str, second: str) -> str:
    """Two values of one cookie in one request, as a parent-domain toss leaves them."""
    client.set_cookie("banner_consent", first, path="/s/tokodemo")  # sent first: longer path
    client.set_cookie("banner_consent", second, path="/")
    response = client.get(PAGE)
    assert response.status_code == 200
    return text(response)


@pytest.mark.parametrize("forged_first", [True, False])
def test_a_forged_tossed_cookie_grants_nothing(client: FlaskClient, forged_first: bool) -> None:
    mine = token("mine-consent-00000000001", [])
    values = [forged(ALL), mine] if forged_first else [mine, forged(ALL)]
    shown = page_with(client, *values)
    assert 'checked class="switch" id="grant_analytics"' not in shown
    assert "mine-consent-00000000001" in shown


@pytest.mark.parametrize("tossed_first", [True, False])
def test_a_genuine_tossed_cookie_only_takes_away(client: FlaskClient, tossed_first: bool) -> None:
    mine = token("mine-consent-00000000001", ["analytics", "functional"], age=100)
    theirs = token("their-consent-0000000001", ALL, age=50)
    values = [theirs, mine] if tossed_first else [mine, theirs]
    shown = page_with(client, *values)
    assert 'checked class="switch" id="grant_analytics"' in shown
    assert 'checked class="switch" id="grant_preference"' not in shown  # only theirs grants it
