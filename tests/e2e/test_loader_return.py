"""Round trips between the shop and the hosted preference page, and tossed cookies.

The service (127.0.0.1) and the shop (localhost) are different sites, so the
preference page hands the new token back in the URL fragment; the loader
adopts it only once the service has verified it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import (
    decide,
    gate_ran,
    plant_tracker_cookies,
    tracker_cookies,
    visit,
    wait_until,
)
from tests.factories import signed_token

pytestmark = pytest.mark.e2e


def test_withdraw_on_the_preference_page_returns_and_stops_trackers(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment, "/produk")
    first = decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))
    plant_tracker_cookies(page)
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("dialog").get_by_role("link", name="Pengaturan privasi lengkap").click()
    page.wait_for_url(f"{deployment.service_url}/s/tokodemo/preferences*")
    requested = len(trackers.urls)
    page.get_by_role("button", name="Tarik semua persetujuan").click()
    page.wait_for_url(f"{deployment.shop.origin}/produk*")
    gate_ran(page)
    wait_until(page, lambda: "banner_token" not in page.url)
    wait_until(
        page, lambda: page.evaluate("window.__cookieless = !document.cookie.includes('_ga')")
    )
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(500)
    assert len(trackers.urls) == requested, trackers.urls[requested:]
    assert tracker_cookies(context) == set()
    assert not page.evaluate("window.banner.granted('analytics')")
    assert page.locator(".bn-bar").count() == 0  # the choice is known: not asked again
    rows = deployment.app.extensions["banner"].log.history(first["consent_id"])
    assert [(r.action, r.source) for r in rows] == [
        ("accept", "banner"),
        ("withdraw", "preferences"),
    ]


def _forged(granted: list[str]) -> str:
    payload = {
        "i": "forged-consent-id-00001",
        "s": "tokodemo",
        "g": granted,
        "v": 3,
        "t": 1_900_000_000,
    }
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"{body}.AAAAAA.forged-signature"


def test_a_crafted_return_link_grants_nothing(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    forged = _forged(["functional", "analytics", "preference"])
    deployment.shop.pages["/"] = ""
    visit(page, deployment, "/")
    page.goto(f"{deployment.shop.origin}/#banner_token={forged}")
    gate_ran(page)
    page.wait_for_timeout(800)
    assert trackers.urls == []
    assert "banner_consent" not in {c["name"] for c in context.cookies()}
    assert not page.evaluate("window.banner.granted('analytics')")


@pytest.mark.parametrize("forged_first", [True, False], ids=["forged-first", "valid-first"])
def test_tossed_cookie_never_grants(
    deployment: Deployment, page: Any, trackers: TrackerLog, forged_first: bool
) -> None:
    """Two values of the consent cookie, as a parent-domain toss leaves them."""
    visit(page, deployment, "/")
    gate_ran(page)
    values = [
        _forged(["functional", "analytics", "preference"]),
        signed_token("valid-consent-id-000001", []),
    ]
    for value in values if forged_first else values[::-1]:
        # Different paths give two cookies of one name, as two domains would.
        path = "/" if value == values[0] else "/shop"
        page.evaluate(f"document.cookie = 'banner_consent={value}; Path={path}; Max-Age=600'")
    visit(page, deployment, "/shop/kopi")
    gate_ran(page)
    page.wait_for_timeout(800)
    assert page.evaluate("document.cookie.split('banner_consent=').length - 1") == 2
    assert trackers.urls == []
    assert not page.evaluate("window.banner.granted('analytics')")
