"""Cookies on a parent domain, in Chromium: ``cookie_domain``, deletion, tossing.

``localhost`` has no parent domain, so these tests put the shop on
``www.tokodemo.localhost`` and the service on ``consent.tokodemo.localhost``
(Chromium resolves every ``*.localhost`` name to the loopback address), with
``cookie_domain = ".tokodemo.localhost"``: the layout of a real shop whose
consent service runs on a subdomain of the site.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, Shop, TrackerLog, free_port, running
from tests.e2e.test_loader import (
    decide,
    gate_ran,
    shop_html,
    visit,
    wait_until,
)
from tests.factories import signed_token

pytestmark = pytest.mark.e2e
ALL = ["functional", "analytics", "preference"]

PARENT = "tokodemo.localhost"
GA_AND_PIXEL = ("_ga", "_ga_ABC123", "_gid", "_fbp", "_fbc")


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """Shop and service on two subdomains of one site, sharing its cookies."""
    shop_port = free_port()
    shop = Shop(f"http://www.{PARENT}:{shop_port}")
    changes = {
        "origins": [shop.origin, f"http://shop2.{PARENT}:{shop_port}"],
        "cookie_domain": f".{PARENT}",
    }
    with running(tmp_path, shop, f"consent.{PARENT}", free_port(), changes) as started:
        yield started


def consent_cookies(context: Any) -> list[dict[str, Any]]:
    return [c for c in context.cookies() if c["name"] == "banner_consent"]


def test_the_choice_lives_on_the_parent_domain(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment, "/")
    answer = decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js"))
    stored = consent_cookies(context)
    # The API's Set-Cookie and the loader's write are one cookie on the site's domain.
    assert [(c["domain"], c["value"]) for c in stored] == [(f".{PARENT}", answer["token"])]
    # Another subdomain of the shop is a returning visitor: no banner, trackers start.
    before = len(trackers.to("gtag/js"))
    deployment.shop.pages["/lain"] = shop_html(deployment)
    page.goto(deployment.shop.origin.replace("www.", "shop2.") + "/lain")
    gate_ran(page)
    wait_until(page, lambda: len(trackers.to("gtag/js")) > before)
    assert page.locator(".bn-bar").count() == 0 or page.locator(".bn-bar").is_hidden()
    assert page.evaluate("window.banner.granted('analytics')")


def test_withdrawal_deletes_tracker_cookies_on_parent_domains(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment, "/")
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtag/js") and trackers.to("fbevents.js"))
    # Where gtag.js and fbevents.js put them: the registrable domain, and the host.
    for name in GA_AND_PIXEL:
        page.evaluate(
            "([n, d]) => { document.cookie = n + '=x; Path=/; Max-Age=600; Domain=' + d; "
            "document.cookie = n + '=y; Path=/; Max-Age=600' }",
            [name, PARENT],
        )
    planted = {(c["name"], c["domain"]) for c in context.cookies() if c["name"] in GA_AND_PIXEL}
    assert len(planted) == 2 * len(GA_AND_PIXEL)
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("dialog").wait_for(state="visible")  # the second layer is fetched on demand
    for switch in page.get_by_role("switch").all():
        if switch.is_enabled():
            switch.uncheck()
    with page.expect_event("load"):
        decide(page, "Simpan pilihan")
    gate_ran(page)
    page.wait_for_timeout(300)
    assert [c for c in context.cookies() if c["name"] in GA_AND_PIXEL] == []


@pytest.mark.parametrize("forged_first", [True, False], ids=["forged-first", "valid-first"])
def test_a_cookie_tossed_onto_the_parent_domain_never_grants(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, forged_first: bool
) -> None:
    """A sibling subdomain sets ``banner_consent`` for the whole site, granting all.

    The visitor's own choice (a valid token on the shop's host) refused
    everything; the tossed one is validly signed for another visitor, as an
    attacker holding their own token would do. Either order of the two in the
    ``Cookie`` header, nothing optional starts.
    """
    host = f"www.{PARENT}"
    own = {
        "name": "banner_consent",
        "value": signed_token("own-choice-0000000001", []),
        "path": "/",
    }
    tossed = {
        "name": "banner_consent",
        "value": signed_token("attacker-choice-00001", ALL),
        "domain": f".{PARENT}",
        "path": "/",
    }
    first, second = (tossed, own) if forged_first else (own, tossed)
    for cookie in (first, second):
        extra = {"domain": host} if cookie is own else {}
        context.add_cookies([{**cookie, **extra}])
    visit(page, deployment, "/")
    gate_ran(page)
    page.wait_for_timeout(800)
    assert page.evaluate("document.cookie.split('banner_consent=').length - 1") == 2
    assert trackers.urls == []
    assert not page.evaluate("window.banner.granted('analytics')")
