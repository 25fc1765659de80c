"""The demo shop in Chromium: the panel shows the gate at work, with no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from banner.core.demo_site import DEMO_SITE, demo_document
from banner.web.demo import demo_shop_app
from tests.e2e.conftest import Deployment, LiveServer, free_port
from tests.e2e.test_loader import banner_shown, decide
from tests.e2e.test_loader_ui import VIOLATIONS

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_port() -> int:
    return free_port()


@pytest.fixture
def site_changes(demo_port: int) -> dict[str, Any]:
    demo = demo_document()["sites"][DEMO_SITE]
    tags = {"categories": demo["categories"], "trackers": demo["trackers"]}
    return {"origins": [f"http://localhost:{demo_port}"], **tags}


@pytest.fixture
def demo_shop(deployment: Deployment, demo_port: int) -> Iterator[str]:
    server = LiveServer(demo_shop_app(deployment.service_url), "127.0.0.1", demo_port)
    yield f"http://localhost:{demo_port}"
    server.stop()


def test_demo_panel_lists_requests_and_cookies(demo_shop: str, page: Any, artifacts: Path) -> None:
    page.add_init_script(VIOLATIONS)
    page.goto(demo_shop + "/?ref=mitra-demo")
    banner_shown(page)
    assert page.locator("#requests").inner_text() == "Belum ada."
    decide(page, "Terima semua")
    page.locator("#requests", has_text="googletagmanager.com").wait_for()
    page.locator("#requests", has_text="fbevents.js").wait_for()
    page.locator("#requests", has_text="gtm.js?id=GTM-DEMO123").wait_for()
    page.locator("#requests", has_text="events.js?sdkid=CDEMO0000000000TOKO1").wait_for()
    page.locator("#layer-calls", has_text="banner_consent [functional, analytics").wait_for()
    assert page.locator("#layer-calls li").first.inner_text() == "consent default"
    page.locator("#ttq-calls", has_text="grantConsent").wait_for()
    page.locator("#cookies", has_text="ref_id").wait_for()
    assert "banner_consent" in page.locator("#cookies").inner_text()
    # The gated tag is an external script: it runs once it has loaded.
    page.wait_for_function("document.documentElement.dataset.demoTag === 'ran'", timeout=5000)
    assert page.evaluate("window.__violations") == []
    page.locator(".panel").screenshot(path=artifacts / "demo-panel-trackers.png")


@pytest.mark.parametrize("width", [320, 375, 1280])
def test_demo_embeds_wait_behind_placeholders(
    demo_shop: str, page: Any, artifacts: Path, width: int
) -> None:
    page.add_init_script(VIOLATIONS)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(demo_shop + "/")
    banner_shown(page)
    for name in ("YouTube", "TikTok", "Google Maps"):
        page.get_by_role("region", name=name).wait_for()
    page.get_by_role("region", name="YouTube").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / f"demo-embeds-{width}.png")
    youtube = page.get_by_role("region", name="YouTube")
    assert youtube.get_by_role("button", name="Izinkan Pemasaran dan muat").is_visible()
    maps = page.get_by_role("region", name="Google Maps")
    assert maps.get_by_role("button", name="Izinkan Fungsional dan muat").is_visible()
    assert "TikTok Pte. Ltd. (Singapura)" in page.locator(".bn-bar").inner_text()
    assert page.evaluate("window.__violations") == []
