"""The hosted pages and the dashboard against WCAG 2.2 AA (issue 23), in Chromium.

axe-core with the WCAG 2.2 AA tags on the three hosted pages and every
dashboard page in both languages; the hosted age error tied to its box; long
addresses at 320 px; the dashboard's export and login errors, chart segments
and legends, landmark names and its own 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from banner.log.service import DecisionRequest
from tests.e2e.conftest import Deployment
from tests.e2e.test_admin_browser import dashboard, log_in  # noqa: F401 - the fixture
from tests.e2e.test_loader import banner_shown, visit
from tests.e2e.test_pages_browser import banner_state, page_url
from tests.e2e.wcag import wcag_violations

pytestmark = pytest.mark.e2e

LONG_URL = (
    "https://www.tokodemo.co.id/kebijakan-privasi/hak-subjek-data-pribadi-dan-cara-menghubungi-kami"
)
ERROR = {"id": "Kesalahan: ", "en": "Error: "}


@pytest.fixture
def receipt_id(deployment: Deployment) -> str:
    """The consent id of a recorded decision, for the receipt page."""
    service = banner_state(deployment).service
    return service.record(DecisionRequest("tokodemo", ("analytics",), "id")).decision.consent_id


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("name", ["preferences", "cookies", "receipt"])
def test_axe_finds_nothing_on_the_hosted_pages(
    deployment: Deployment,
    page: Any,
    receipt_id: str,
    name: str,
    lang: str,
) -> None:
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page_url(deployment, name, receipt_id, lang))
        assert wcag_violations(page) == [], (name, width)


GUARDIAN = {"children": "guardian", "privacy_policy_url": LONG_URL}


@pytest.mark.parametrize("site_changes", [GUARDIAN])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_hosted_age_error_sits_at_its_box_and_takes_focus(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    """The page has no script of its own: the same with JavaScript off (axe needs it on)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{deployment.service_url}/s/tokodemo/preferences?lang={lang}")
    title = page.title()
    page.get_by_role("switch").first.check()
    page.locator("input[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.title() == ERROR[lang] + title
    # ``autofocus`` is applied at the next rendering update, not at load: wait for it
    page.wait_for_function("document.activeElement && document.activeElement.id === 'errors'")
    box = page.locator("input[type=checkbox]:not([role=switch])")
    box_id = box.get_attribute("id")
    assert page.locator(f"#errors a[href='#{box_id}']").count() == 1
    assert box.get_attribute("aria-invalid") == "true"
    message = page.locator("#" + box.get_attribute("aria-describedby"))
    assert message.inner_text() == page.locator(f"#errors a[href='#{box_id}']").inner_text()
    gap = message.bounding_box()["y"] - box.bounding_box()["y"]
    assert 0 < gap < 120  # right below the box, not 1,300 px away
    page.screenshot(path=artifacts / f"a11y-preferences-age-error-{lang}.png", full_page=True)
    assert wcag_violations(page) == []
    page.locator(f"#errors a[href='#{box_id}']").click()
    assert page.evaluate("location.hash") == f"#{box_id}"


LONG_CONTACT = {"controller": {"contact": LONG_URL}, "privacy_policy_url": LONG_URL}
#: WCAG 1.4.12's text spacing, put over the page's own CSP.
SPACING = "* { letter-spacing: .12em !important; word-spacing: .16em !important; }"


@pytest.fixture
def spaced(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="id-ID", bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("site_changes", [LONG_CONTACT])
def test_a_long_contact_address_wraps_at_320_px(
    deployment: Deployment,
    spaced: Any,
    artifacts: Path,
    receipt_id: str,
) -> None:
    page = spaced
    page.set_viewport_size({"width": 320, "height": 568})
    for name in ("preferences", "cookies", "receipt"):
        page.goto(page_url(deployment, name, receipt_id, "id"))
        page.add_style_tag(content=SPACING)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), name
    page.screenshot(path=artifacts / "a11y-long-contact-receipt-320.png", full_page=True)
    visit(page, deployment)
    banner_shown(page)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.locator(".bn-bar").evaluate("b => b.scrollWidth <= b.clientWidth")


# --- the dashboard ----------------------------------------------------------------


def dashboard_pages(consent_id: str, lang: str) -> dict[str, str]:
    return {
        "overview": f"/admin/?lang={lang}",
        "site": f"/admin/s/tokodemo/?lang={lang}",
        "site-range-error": f"/admin/s/tokodemo/?first=2026-13-01&lang={lang}",
        "lookup": f"/admin/s/tokodemo/lookup?consent_id={consent_id}&lang={lang}",
        "lookup-error": f"/admin/s/tokodemo/lookup?consent_id=no&lang={lang}",
        "export-error": f"/admin/s/tokodemo/export?first=2026-12-09&last=2026-12-01&lang={lang}",
        "scan": f"/admin/s/tokodemo/scan?lang={lang}",
        "no-site": f"/admin/s/nosuch/?lang={lang}",
        "unknown": f"/admin/nosuch/page?lang={lang}",
    }


@pytest.mark.parametrize("lang", ["id", "en"])
def test_axe_finds_nothing_on_any_dashboard_page(
    dashboard: tuple[str, str],  # noqa: F811
    page: Any,
    artifacts: Path,
    lang: str,
) -> None:
    base, consent_id = dashboard
    page.goto(f"{base}/admin/login?lang={lang}")
    assert wcag_violations(page) == [], "login"
    page.fill("#name", "nobody")
    page.fill("#password", "wrong-password")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert wcag_violations(page) == [], "login error"
    log_in(page, base, lang)
    for name, path in dashboard_pages(consent_id, lang).items():
        page.goto(base + path)
        assert page.locator("main h1").count() == 1, name
        assert wcag_violations(page) == [], name
        unique = wcag_violations(page, rules=["landmark-unique", "list", "listitem"])
        assert unique == [], name
        if name in ("export-error", "unknown"):
            page.screenshot(path=artifacts / f"a11y-admin-{name}-{lang}.png", full_page=True)


def test_the_export_error_keeps_what_was_typed_and_marks_the_field(
    dashboard: tuple[str, str],  # noqa: F811
    page: Any,
) -> None:
    base, _ = dashboard
    log_in(page, base, "en")
    page.goto(f"{base}/admin/s/tokodemo/?lang=en")
    page.fill("#export-first", "2026-12-09")
    page.fill("#export-last", "2026-12-01")
    page.check("#format-jsonl")
    with page.expect_response(lambda r: "/export?" in r.url) as answer:
        page.get_by_role("button", name="Download").click()
    assert answer.value.status == 400
    assert page.title().startswith("Error: ")
    assert page.locator("ul[role=alert]").count() == 0
    assert page.locator("[role=alert] ul.error li a").count() == 1
    assert page.input_value("#export-first") == "2026-12-09"
    assert page.input_value("#export-last") == "2026-12-01"
    assert page.is_checked("#format-jsonl")
    invalid = page.locator("[aria-invalid=true]")
    assert invalid.count() == 1
    described = page.locator("#" + invalid.get_attribute("aria-describedby"))
    assert described.inner_text() == page.locator("[role=alert] li a").inner_text()
    target = page.locator("[role=alert] li a").get_attribute("href")
    assert target == "#" + invalid.get_attribute("id")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_wrong_login_marks_the_fields_moves_focus_and_titles_the_error(
    dashboard: tuple[str, str],  # noqa: F811
    page: Any,
    lang: str,
) -> None:
    base, _ = dashboard
    page.goto(f"{base}/admin/login?lang={lang}")
    title = page.title()
    page.fill("#name", "operator")
    page.fill("#password", "not-the-password")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert page.title() == ERROR[lang] + title
    # ``autofocus`` is applied at the next rendering update, not at load: wait for it
    page.wait_for_function("document.activeElement?.getAttribute('role') === 'alert'")
    for field in ("#name", "#password"):
        assert page.get_attribute(field, "aria-invalid") == "true"
        assert page.get_attribute(field, "aria-describedby") == "login-error"
    assert page.input_value("#name") == "operator"


def test_stacked_segments_are_separated_and_the_legend_shows_patterns(
    dashboard: tuple[str, str],  # noqa: F811
    page: Any,
    artifacts: Path,
) -> None:
    base, _ = dashboard
    log_in(page, base, "en")
    page.goto(f"{base}/admin/s/tokodemo/?lang=en")
    segment = page.locator("svg.chart rect.segment").first
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert segment.evaluate("r => getComputedStyle(r).stroke") == background
    assert segment.evaluate("r => parseFloat(getComputedStyle(r).strokeWidth)") >= 1
    patterns = page.evaluate(
        """[...document.querySelectorAll('svg.chart pattern')].map(p =>
             [p.id, p.querySelector('path')?.getAttribute('d') || 'plain'])"""
    )
    marks = [d for _, d in patterns]
    assert len(marks) == len(set(marks)) >= 5  # each series has a pattern of its own
    legend = page.evaluate(
        "[...document.querySelectorAll('.legend svg rect')].map(r => r.getAttribute('fill'))"
    )
    assert legend == [f"url(#{pid})" for pid, _ in patterns]
    page.locator("svg.chart").first.screenshot(path=artifacts / "a11y-admin-bars.png")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_unknown_dashboard_addresses_get_the_translated_404(
    dashboard: tuple[str, str],  # noqa: F811
    page: Any,
    lang: str,
) -> None:
    base, _ = dashboard
    log_in(page, base, lang)
    answer = page.goto(f"{base}/admin/no/such/page?lang={lang}")
    assert answer.status == 404
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("a.skip").count() == 1 and page.locator("main h1").count() == 1
    assert ("Halaman tidak ditemukan" if lang == "id" else "Page not found") in page.title()
