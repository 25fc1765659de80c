"""The banner UI in Chromium: language, keyboard, CSP, accessibility, screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import (
    GATED,
    GATED_ORDER,
    banner_focused,
    banner_shown,
    decide,
    serve_tags,
    shop_html,
    visit,
    wait_until,
)

pytestmark = pytest.mark.e2e

NONCE = "r4nd0mN0nce2026"
WIDTHS = (375, 1280)
BUTTONS = {
    "id": ("Terima semua", "Tolak semua", "Atur pilihan", "Simpan pilihan"),
    "en": ("Accept all", "Reject all", "Manage choices", "Save choices"),
}
VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def locale() -> str:
    return "id-ID"


@pytest.fixture
def localized(browser: Any, locale: str) -> Iterator[Any]:
    """A page in a browser context speaking ``locale``."""
    ctx = browser.new_context(locale=locale)
    yield ctx.new_page()
    ctx.close()


@pytest.mark.parametrize(
    ("lang", "locale", "expected"),
    [
        ("id", "en-US", "id"),
        ("en", "id-ID", "en"),
        ("en-GB", "id-ID", "en"),
        ("", "en-US", "en"),
        ("", "id-ID", "id"),
        ("fr", "fr-FR", "id"),
    ],
    ids=["html-id", "html-en", "html-en-GB", "browser-en", "browser-id", "site-default"],
)
def test_language_follows_page_then_browser_then_site(
    deployment: Deployment, localized: Any, lang: str, expected: str
) -> None:
    visit(localized, deployment, lang=lang)
    banner_shown(localized)
    for name in BUTTONS[expected][:3]:
        assert localized.get_by_role("button", name=name, exact=True).is_visible()
    localized.get_by_role("button", name=BUTTONS[expected][2]).click()
    # the second layer is fetched on demand
    localized.get_by_role("button", name=BUTTONS[expected][3]).wait_for(state="visible")


def tab_to(page: Any, name: str) -> None:
    """Press Tab until the focused element is named ``name``."""
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_keyboard_only_accept(deployment: Deployment, page: Any, trackers: TrackerLog) -> None:
    visit(page, deployment)
    banner_focused(page)
    tab_to(page, "Terima semua")
    with page.expect_response("**/api/v1/consent") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201
    wait_until(page, lambda: trackers.to("gtag/js"))


def test_keyboard_only_manage_then_reject(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment)
    banner_focused(page)
    tab_to(page, "Atur pilihan")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible")  # the second layer is fetched on demand
    assert page.evaluate("document.activeElement.getAttribute('role')") == "switch"
    page.keyboard.press("Space")
    assert page.get_by_role("switch", name="Fungsional").is_checked()
    inside = "document.querySelector('.bn-dialog').contains(document.activeElement)"
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Escape")
    assert dialog.is_hidden()
    banner_shown(page)
    tab_to(page, "Tolak semua")
    with page.expect_response("**/api/v1/consent") as answer:
        page.keyboard.press("Enter")
    assert answer.value.json()["granted"] == []
    page.wait_for_timeout(300)
    assert trackers.urls == []


def _csp(mode: str, deployment: Deployment) -> str:
    if mode == "nonce":
        return (
            f"script-src 'nonce-{NONCE}' 'strict-dynamic'; style-src 'nonce-{NONCE}'; "
            "object-src 'none'; base-uri 'none'"
        )
    hosts = "https://www.googletagmanager.com https://connect.facebook.net"
    return (
        f"script-src 'self' {deployment.service_url} {hosts}; "
        f"style-src 'self' {deployment.service_url}; object-src 'none'"
    )


EXTERNAL_ONLY = """
<script type="text/plain" data-category="analytics" src="/tag-1.js"></script>
<script type="text/plain" data-category="analytics" data-src="/tag-2.js"></script>
"""


@pytest.mark.parametrize("site_changes", [{"theme": {"primary": "#0b5394"}}])
@pytest.mark.parametrize("mode", ["nonce", "hosts"])
def test_strict_csp_sees_no_violation(
    deployment: Deployment, page: Any, trackers: TrackerLog, mode: str
) -> None:
    serve_tags(deployment)
    nonce = NONCE if mode == "nonce" else ""
    gated = GATED.format(nonce=NONCE) if nonce else EXTERNAL_ONLY
    deployment.shop.pages["/"] = shop_html(deployment, body=gated, nonce=nonce)
    deployment.shop.headers["/"] = {"Content-Security-Policy": _csp(mode, deployment)}
    page.add_init_script(VIOLATIONS)
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    assert page.locator(".bn-bar").evaluate("e => getComputedStyle(e).position") == "fixed"
    page.get_by_role("button", name="Atur pilihan").click()
    page.get_by_role("switch", name="Analitik").check()
    decide(page, "Simpan pilihan")
    wait_until(page, lambda: trackers.to("gtag/js") and trackers.to("fbevents.js"))
    expected = GATED_ORDER if nonce else ["src-1", "src-2"]
    page.wait_for_function("n => (window.order || []).length === n", arg=len(expected))
    page.evaluate("window.banner.open()")
    page.get_by_role("dialog").wait_for(state="visible")
    assert page.evaluate("window.order") == expected
    assert page.evaluate("window.__violations") == []


def _serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_both_layers_are_accessible_and_captured(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    deployment.shop.pages["/"] = shop_html(deployment, lang=lang)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(deployment.shop.origin + "/")
        banner_shown(page)
        page.screenshot(path=artifacts / f"banner-first-layer-{lang}-{width}.png")
        assert _serious(page) == []
        page.get_by_role("button", name=BUTTONS[lang][2]).click()
        page.get_by_role("dialog").wait_for(state="visible")
        page.screenshot(path=artifacts / f"banner-second-layer-{lang}-{width}.png")
        assert _serious(page) == []
