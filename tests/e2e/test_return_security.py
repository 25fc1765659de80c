"""Tokens by link and the trip back from the preference page (issue 12, items 1 and 6).

Item 1: an attacker records "accept all" for themselves and sends a victim
``https://shop/page#banner_token=<that token>``. The loader must take a token
by link only when this browser left for the preference page with the same
random state, and never in place of a choice of another consent id.

Item 6: when the service's host is also one of the site's origins (the demo
serves ``127.0.0.1`` beside ``localhost``), a withdrawal on the hosted page
must still reach the page the visitor returns to.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import (
    banner_shown,
    decide,
    gate_ran,
    plant_tracker_cookies,
    tracker_cookies,
    visit,
    wait_until,
)
from tests.factories import url_notice_hash

pytestmark = pytest.mark.e2e


def attackers_token(deployment: Deployment) -> dict[str, Any]:
    """What an attacker gets from the API for their own "accept all"."""
    body = {
        "site": "tokodemo",
        "granted": ["functional", "analytics", "preference"],
        "language": "id",
        "policy_version": 3,
        "notice_hash": url_notice_hash(deployment.service_url),
    }
    request = urllib.request.Request(
        f"{deployment.service_url}/api/v1/consent",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": deployment.shop.origin},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        result: dict[str, Any] = json.load(answer)
        return result


def consent_cookie(context: Any) -> str | None:
    found = [c["value"] for c in context.cookies() if c["name"] == "banner_consent"]
    return found[0] if found else None


@pytest.mark.parametrize("fragment", ["", "&banner_state=0123456789abcdef"])
def test_a_link_with_someone_elses_token_grants_nothing_to_a_new_visitor(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, fragment: str
) -> None:
    token = attackers_token(deployment)["token"]
    visit(page, deployment, "/")
    deployment.shop.pages["/promo"] = deployment.shop.pages["/"]
    page.goto(f"{deployment.shop.origin}/promo#banner_token={token}{fragment}")
    gate_ran(page)
    banner_shown(page)  # still asked: the link decided nothing
    page.wait_for_timeout(800)
    assert trackers.urls == []
    assert consent_cookie(context) is None
    assert not page.evaluate("window.banner.granted('analytics')")


def test_a_link_never_replaces_a_visitors_refusal(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment, "/")
    own = decide(page, "Tolak semua")
    attacker = attackers_token(deployment)
    # Even with a state this tab kept (say, from an earlier trip), a token of
    # another consent id does not replace the stored choice.
    page.evaluate("sessionStorage.setItem('banner_state', 'abcdef0123456789')")
    deployment.shop.pages["/promo"] = deployment.shop.pages["/"]
    page.goto(
        f"{deployment.shop.origin}/promo#banner_token={attacker['token']}"
        "&banner_state=abcdef0123456789"
    )
    gate_ran(page)
    page.wait_for_timeout(800)
    assert trackers.urls == []
    assert consent_cookie(context) == own["token"]
    assert not page.evaluate("window.banner.granted('analytics')")
    assert page.locator(".bn-bar").count() == 0  # the visitor's own choice still holds


@pytest.fixture
def site_changes(shop_port: int) -> dict[str, Any]:
    """The service's host (127.0.0.1) is one of the site's origins, beside the shop's."""
    return {"origins": [f"http://localhost:{shop_port}", f"http://127.0.0.1:{shop_port}"]}


def test_withdrawal_on_the_hosted_page_reaches_the_site_the_visitor_returns_to(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, artifacts: Any
) -> None:
    visit(page, deployment, "/produk")
    first = decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))
    plant_tracker_cookies(page)
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("dialog").get_by_role("link", name="Pengaturan privasi lengkap").click()
    page.wait_for_url(f"{deployment.service_url}/s/tokodemo/preferences*")
    page.get_by_role("button", name="Tarik semua persetujuan").click()
    page.wait_for_url(f"{deployment.shop.origin}/produk*")
    gate_ran(page)
    wait_until(page, lambda: "banner_token" not in page.url)
    requested = len(trackers.urls)
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "issue12-withdraw-reaches-site.png"))
    assert len(trackers.urls) == requested, trackers.urls[requested:]
    assert tracker_cookies(context) == set()
    assert not page.evaluate("window.banner.granted('analytics')")
    assert page.locator(".bn-bar").count() == 0
    rows = deployment.app.extensions["banner"].log.history(first["consent_id"])
    assert [r.action for r in rows] == ["accept", "withdraw"]
