"""The dashboard in Chromium: screenshots at 375 and 1280 px in both languages and both
colour schemes, axe-core, and the operator's whole errand with JavaScript off."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from banner.admin.accounts import create_user
from banner.app import create_app
from banner.core.config import parse_config
from banner.log.store import ConsentLog
from tests.admin.conftest import NAME, PASSWORD, decision
from tests.e2e.conftest import LiveServer
from tests.e2e.test_pages_browser import serious_violations
from tests.factories import document

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
ALL = ("functional", "analytics", "preference")
CHOICES = [
    ("accept", ALL),
    ("reject", ()),
    ("custom", ("analytics",)),
    ("accept", ALL),
    ("custom", ("functional", "preference")),
]


def seed(log: ConsentLog) -> str:
    """A month of decisions, with changes, withdrawals and GPC refusals; returns one id."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    for day in range(30):
        for n in range(3 + day % 5):
            action, granted = CHOICES[(day + n) % len(CHOICES)]
            when = now - timedelta(days=day, hours=n)
            log.append(
                decision(f"visitor-{day:02d}-{n:02d}-abcdef", when, action, granted), fresh=True
            )
        if day % 4 == 0:
            later = now - timedelta(days=day) + timedelta(minutes=1)
            log.append(decision(f"visitor-{day:02d}-00-abcdef", later, "withdraw", ()), fresh=True)
        if day % 3 == 0:
            log.append(
                decision(
                    f"gpc-{day:02d}-abcdefabcdef", now - timedelta(days=day), "gpc", (), gpc=True
                ),
                fresh=True,
            )
    return "visitor-00-00-abcdef"


@pytest.fixture
def dashboard(tmp_path: Path, service_port: int) -> Iterator[tuple[str, str]]:
    config = parse_config(document(f"sqlite:///{tmp_path / 'admin.db'}"), "e2e.toml", {})
    app = create_app(config)
    log: ConsentLog = app.extensions["banner"].log
    create_user(log, NAME, PASSWORD)
    consent_id = seed(log)
    server = LiveServer(app, "127.0.0.1", service_port)
    try:
        yield f"http://127.0.0.1:{service_port}", consent_id
    finally:
        server.stop()
        log.dispose()


def dashboard_pages(consent_id: str, lang: str) -> dict[str, str]:
    """The dashboard's pages by name: overview, site, a consent lookup and the scan."""
    return {
        "overview": f"/admin/?lang={lang}",
        "site": f"/admin/s/tokodemo/?lang={lang}",
        "lookup": f"/admin/s/tokodemo/lookup?consent_id={consent_id}&lang={lang}",
        "scan": f"/admin/s/tokodemo/scan?lang={lang}",
    }


def log_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/admin/?lang={lang}")
    page.fill("#name", NAME)
    page.fill("#password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/?lang={lang}", timeout=30_000)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_dashboard_screenshots_and_accessibility(
    dashboard: tuple[str, str], scheme_page: Any, artifacts: Path, lang: str
) -> None:
    base, consent_id = dashboard
    page, errors = scheme_page, []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{base}/admin/login?lang={lang}")
    assert serious_violations(page) == []
    log_in(page, base, lang)
    pages = dashboard_pages(consent_id, lang)
    for name, path in pages.items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + path)
            assert page.locator("html").get_attribute("lang") == lang
            shot = artifacts / f"admin-{name}-{lang}-{width}-{page.scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert serious_violations(page) == [], name
    assert errors == []


def test_the_charts_draw_what_the_tables_say(dashboard: tuple[str, str], page: Any) -> None:
    base, _ = dashboard
    log_in(page, base, "en")
    page.goto(f"{base}/admin/s/tokodemo/?lang=en")
    rects = page.locator("svg.chart rect.segment").count()
    cells = page.locator("section:has(#by-action) tbody td:not(:last-child)")
    nonzero = sum(1 for text in cells.all_text_contents() if text != "0")
    assert rects == nonzero > 0
    assert page.locator("svg.chart path.line").count() >= 3
    fill = page.evaluate("getComputedStyle(document.querySelector('rect.a-accept')).fill")
    assert fill not in ("", "none", "rgb(0, 0, 0)")  # the stylesheet applied under the CSP


@pytest.fixture
def no_js(browser: Any) -> Iterator[Any]:
    context = browser.new_context(java_script_enabled=False, locale="en-US", accept_downloads=True)
    yield context.new_page()
    context.close()


def test_the_operator_s_errand_with_javascript_off(
    dashboard: tuple[str, str], no_js: Any, tmp_path: Path
) -> None:
    base, consent_id = dashboard
    no_js.goto(f"{base}/admin/s/tokodemo/?lang=en")
    assert "/admin/login" in no_js.url
    no_js.fill("#name", NAME)
    no_js.fill("#password", PASSWORD)
    no_js.get_by_role("button", name="Log in").click()
    no_js.wait_for_url(f"{base}/admin/s/tokodemo/?lang=en", timeout=30_000)
    assert (
        no_js.get_by_role("img", name="Opt-in rate per category per day, in percent").count() == 1
    )

    no_js.fill("#consent_id", consent_id)
    no_js.get_by_role("button", name="Find").click()
    no_js.wait_for_url("**/lookup?*", timeout=30_000)
    assert no_js.get_by_role("cell", name="Withdrawn").count() == 1
    assert no_js.get_by_role("link", name="Open the visitor's receipt").count() == 1

    no_js.go_back()
    today = datetime.now(UTC).date()
    no_js.fill("#export-first", (today - timedelta(days=40)).isoformat())
    no_js.fill("#export-last", (today + timedelta(days=1)).isoformat())
    no_js.check("#format-jsonl")
    with no_js.expect_download(timeout=30_000) as download:
        no_js.get_by_role("button", name="Download").click()
    saved = tmp_path / "proof.jsonl"
    download.value.save_as(saved)
    assert len(saved.read_text(encoding="utf-8").splitlines()) > 100

    no_js.get_by_role("button", name="Log out").click()
    no_js.wait_for_url("**/admin/login*", timeout=30_000)
    no_js.goto(f"{base}/admin/")
    assert "/admin/login" in no_js.url
