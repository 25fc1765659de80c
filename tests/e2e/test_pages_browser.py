"""The hosted pages in Chromium: screenshots, axe-core, and the flow with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from banner.core.consent import Source
from banner.log.service import DecisionRequest
from banner.web.state import BannerState
from tests.e2e.conftest import Deployment

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
SERIOUS = {"serious", "critical"}


def banner_state(deployment: Deployment) -> BannerState:
    found: BannerState = deployment.app.extensions["banner"]
    return found


@pytest.fixture
def consent_id(deployment: Deployment) -> str:
    """A consent given on the banner, then changed on the preference page."""
    service = banner_state(deployment).service
    first = service.record(DecisionRequest("tokodemo", ("analytics",), "id", gpc=False))
    consent = first.decision.consent_id
    service.record(
        DecisionRequest(
            "tokodemo",
            ("functional",),
            "en",
            consent_id=consent,
            source=Source.PREFERENCES,
            token=first.token,
        )
    )
    return consent


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def page_url(deployment: Deployment, name: str, consent_id: str, lang: str) -> str:
    paths = {
        "preferences": "preferences",
        "cookies": "cookies",
        "receipt": f"receipt/{consent_id}",
    }
    return f"{deployment.service_url}/s/tokodemo/{paths[name]}?lang={lang}"


def serious_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name", ["preferences", "cookies", "receipt"])
def test_page_screenshots_and_accessibility(
    deployment: Deployment,
    page: Any,
    artifacts: Path,
    consent_id: str,
    console_errors: list[str],
    name: str,
    lang: str,
) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page_url(deployment, name, consent_id, lang))
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(artifacts / f"page-{name}-{lang}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert serious_violations(page) == []
    # The stylesheet and the nonce'd theme block applied under the page's CSP.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    assert console_errors == []


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    yield context.new_page()
    context.close()


def test_change_and_withdraw_with_javascript_off(deployment: Deployment, no_js_page: Any) -> None:
    shop = deployment.shop
    shop.pages["/cart"] = "<!doctype html><html lang='en'><title>Cart</title><h1>Cart</h1></html>"
    service = banner_state(deployment).service
    manage = f"{deployment.service_url}/s/tokodemo/preferences?lang=en&return={shop.origin}/cart"

    no_js_page.goto(manage)
    no_js_page.get_by_role("switch", name="Analytics").check()
    no_js_page.get_by_role("button", name="Save choices").click()
    no_js_page.wait_for_url(f"{shop.origin}/cart#banner_token=*")
    given = service.verify("tokodemo", no_js_page.url.split("#banner_token=")[1]).token
    assert given is not None and given.granted == ("analytics",)

    # Followed from the shop's page, as the loader's link is (a typed ?token= is not taken).
    passed = no_js_page.url.split("#banner_token=")[1]
    no_js_page.goto(f"{manage}&token={passed}", referer=f"{shop.origin}/cart")
    assert no_js_page.get_by_role("switch", name="Analytics").is_checked()
    assert given.consent_id in no_js_page.content()
    no_js_page.get_by_role("button", name="Withdraw all consent").click()
    no_js_page.wait_for_url(f"{shop.origin}/cart#banner_token=*")
    withdrawn = service.verify("tokodemo", no_js_page.url.split("#banner_token=")[1]).token
    assert withdrawn is not None and withdrawn.granted == ()
    assert withdrawn.consent_id == given.consent_id
    actions = [row.action for row in banner_state(deployment).log.history(given.consent_id)]
    assert actions == ["custom", "withdraw"]


def test_a_link_with_someone_elses_token_shows_and_continues_nothing_of_theirs(
    deployment: Deployment, no_js_page: Any
) -> None:
    """Issue 26, item 8: a ?token= the browser did not bring from the site is ignored."""
    theirs = banner_state(deployment).service.record(
        DecisionRequest("tokodemo", ("analytics",), "en")
    )
    page = f"{deployment.service_url}/s/tokodemo/preferences?lang=en&token={theirs.token}"
    no_js_page.goto(page, referer="https://evil.example/")
    assert not no_js_page.get_by_role("switch", name="Analytics").is_checked()
    assert theirs.decision.consent_id not in no_js_page.content()
    no_js_page.get_by_role("button", name="Save choices").click()
    no_js_page.wait_for_load_state()
    assert len(banner_state(deployment).log.history(theirs.decision.consent_id)) == 1


def test_keyboard_reaches_every_switch_and_button(deployment: Deployment, page: Any) -> None:
    page.goto(f"{deployment.service_url}/s/tokodemo/preferences?lang=id")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
    assert {"grant_functional", "grant_analytics", "grant_preference", "save", "withdraw"} <= set(
        reached
    )
    page.focus("#grant_analytics")
    page.keyboard.press("Space")
    assert page.is_checked("#grant_analytics")
