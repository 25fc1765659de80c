"""Tag Manager containers that declare their tags, in Chromium (issue 21 item 5).

Screenshots: ``test-artifacts/fair-gtm-tags-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import banner_shown, decide, visit, wait_until

pytestmark = pytest.mark.e2e

GTM_ID = "GTM-AB12CD3"
MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Iklan kami.", "en": "Our advertising."},
}
LAYER = "dataLayer.map(m => m.length === undefined ? m : Array.from(m))"
TAG_COOKIES = ("_fbp", "_fbc", "_ttp", "ttcsid_X", "_gcl_aw")
MANAGE = {"id": "Atur pilihan", "en": "Manage choices"}
SAVE = {"id": "Simpan pilihan", "en": "Save choices"}
WITHDRAW = {"id": "Tarik semua persetujuan", "en": "Withdraw all consent"}
SINGAPORE = {"id": "TikTok Pte. Ltd. (Singapura)", "en": "TikTok Pte. Ltd. (Singapore)"}


@pytest.fixture
def site_changes() -> dict[str, Any]:
    tags = {
        "ga4": {"kind": "ga4", "category": "analytics"},
        "ads": {"kind": "google_ads", "category": "marketing"},
        "meta": {"kind": "meta_pixel", "category": "marketing"},
        "tiktok": {"kind": "tiktok_pixel", "category": "marketing"},
    }
    gtm = {"container_id": GTM_ID, "category": "analytics", "tags": tags}
    return {"categories": {"marketing": MARKETING}, "trackers": {"gtm": gtm}}


def _consent_updates(page: Any) -> list[dict[str, str]]:
    return [
        m[2] for m in page.evaluate(LAYER) if isinstance(m, list) and m[:2] == ["consent", "update"]
    ]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_marketing_alone_loads_the_container_with_each_signal_by_its_tag(
    deployment: Deployment,
    page: Any,
    context: Any,
    trackers: TrackerLog,
    artifacts: Path,
    lang: str,
) -> None:
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        visit(page, deployment, lang=lang)
        banner_shown(page)
        assert SINGAPORE[lang] in page.locator(".bn-bar").inner_text()
        page.get_by_role("button", name=MANAGE[lang]).click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for(state="visible")  # the second layer is fetched on demand
        assert "Meta Pixel (Google Tag Manager)" in dialog.inner_text()
        page.screenshot(path=artifacts / f"fair-gtm-tags-{lang}-{width}.png")
    assert trackers.urls == []
    page.get_by_role("switch", name=MARKETING["label"][lang]).check()
    answer = decide(page, SAVE[lang])
    assert answer["granted"] == ["marketing"]
    wait_until(page, lambda: trackers.to(f"gtm.js?id={GTM_ID}"))
    update = _consent_updates(page)[-1]
    assert update["analytics_storage"] == "denied" and update["ad_storage"] == "granted"
    assert update["ad_user_data"] == update["ad_personalization"] == "granted"
    events = [m for m in page.evaluate(LAYER) if isinstance(m, dict) and "banner_granted" in m]
    assert events[-1] == {"event": "banner_consent", "banner_granted": ["marketing"]}
    for name in TAG_COOKIES:  # what the container's tags would have written
        page.evaluate("n => { document.cookie = n + '=x; Path=/; Max-Age=600' }", name)
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    with page.expect_event("load"):
        decide(page, WITHDRAW[lang])
    page.wait_for_function("() => window.banner && window.banner._k")
    page.wait_for_timeout(300)
    assert not {c["name"] for c in context.cookies()} & set(TAG_COOKIES)
    assert len(trackers.to("gtm.js")) == 1  # not loaded again after the withdrawal
