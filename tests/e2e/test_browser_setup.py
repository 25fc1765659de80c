"""The browser harness itself: two origins, CORS between them, trackers intercepted."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Deployment, TrackerLog


def test_shop_page_reaches_service_across_origins(deployment: Deployment, page: Any) -> None:
    deployment.shop.pages["/"] = "<!doctype html><html lang='id'><title>Toko</title></html>"
    page.goto(deployment.shop.origin + "/")
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', body: '{}',
             headers: {'Content-Type': 'text/plain'}})).status""",
        deployment.service_url + "/api/v1/verify",
    )
    assert status == 400  # reached the API (CORS allowed the read), body refused


def test_tracker_hosts_are_intercepted(page: Any, trackers: TrackerLog) -> None:
    page.goto("about:blank")
    page.evaluate("fetch('https://www.google-analytics.com/g/collect?v=2').catch(() => 0)")
    page.wait_for_timeout(300)
    assert trackers.to("google-analytics.com")
