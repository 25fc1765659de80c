"""GTM, Google Ads, TikTok Pixel and a custom script in Chromium.

Every tracker host is answered locally (see conftest); the assertions are on
the requests attempted, the consent calls queued, dataLayer's order and the
cookies left behind.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import CUSTOM_HOST, Deployment, TrackerLog
from tests.e2e.test_loader import banner_shown, decide, gate_ran, visit, wait_until
from tests.e2e.test_loader_ui import VIOLATIONS

pytestmark = pytest.mark.e2e

GTM_ID = "GTM-AB12CD3"
ADS_ID = "AW-123456789"
TIKTOK_ID = "C4ABCDEFGHIJ12345678"
HEATMAP = f"https://{CUSTOM_HOST}/h.js"
MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Iklan yang relevan.", "en": "Relevant ads."},
}
TIKTOK_COOKIES = ("_ttp", "_tt_enable_cookie", "ttcsid_C4ABC")
ADS_COOKIES = ("_gcl_au", "_gcl_aw")
ANALYTICS_COOKIES = ("_ga", "_ga_ABC123", "_hm_id", "_hm_session")
HEATMAP_JS = """
window.heatmapRuns = (window.heatmapRuns || 0) + 1;
window.heatmapNonce = document.currentScript && document.currentScript.nonce;
"""
LAYER = "dataLayer.map(m => m.length === undefined ? m : Array.from(m))"
TTQ = "Array.from(ttq).map(call => call[0])"


def every_kind(mode: str = "basic") -> dict[str, Any]:
    """The site of a shop using every tag: analytics and marketing (advertising)."""
    return {
        "categories": {"marketing": MARKETING},
        "trackers": {
            "gtm": {"container_id": GTM_ID, "category": "analytics", "mode": mode},
            "google_ads": {"conversion_id": ADS_ID, "category": "marketing"},
            "tiktok_pixel": {"pixel_id": TIKTOK_ID, "category": "marketing"},
            "custom": {
                "heatmap": {
                    "src": HEATMAP,
                    "category": "analytics",
                    "cookies": ["_hm_*"],
                    "recipient": {"name": "Heatmap Pte. Ltd.", "country": "SG"},
                }
            },
        },
    }


@pytest.fixture
def site_changes() -> dict[str, Any]:
    return every_kind()


@pytest.fixture
def heatmap(page: Any, trackers: TrackerLog) -> None:
    """The custom script answers with code that records that it ran."""

    def handle(route: Any) -> None:
        trackers.urls.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body=HEATMAP_JS)

    page.route(HEATMAP, handle)


def layer(page: Any) -> list[Any]:
    result: list[Any] = page.evaluate(LAYER)
    return result


def index(messages: list[Any], test: Any) -> int:
    return next(n for n, m in enumerate(messages) if test(m))


def consent(kind: str) -> Any:
    return lambda m: isinstance(m, list) and m[:2] == ["consent", kind]


def event(name: str) -> Any:
    return lambda m: isinstance(m, dict) and m.get("event") == name


def plant(page: Any, names: tuple[str, ...]) -> None:
    for name in names:
        page.evaluate("n => { document.cookie = n + '=x; Path=/; Max-Age=600' }", name)


def cookies(context: Any) -> set[str]:
    return {c["name"] for c in context.cookies()}


def test_nothing_before_a_choice_nor_after_reject_all(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, heatmap: None
) -> None:
    visit(page, deployment)
    banner_shown(page)
    page.wait_for_timeout(1500)
    assert trackers.urls == []
    messages = layer(page)
    assert messages[0][:2] == ["consent", "default"]
    assert messages[0][2]["ad_storage"] == messages[0][2]["analytics_storage"] == "denied"
    assert messages[0][2]["security_storage"] == "granted"
    assert messages[0][2]["wait_for_update"] == 500
    assert not any(event("gtm.js")(m) or event("banner_consent")(m) for m in messages)
    assert page.evaluate(TTQ) == ["holdConsent"]
    decide(page, "Tolak semua")
    page.wait_for_timeout(1000)
    assert page.evaluate(TTQ) == ["holdConsent", "revokeConsent"]
    after = layer(page)
    assert after[-1] == {"event": "banner_consent", "banner_granted": []}
    assert consent("update")(after[-2]) and after[-2][2]["ad_storage"] == "denied"
    page.reload()
    gate_ran(page)
    page.wait_for_timeout(1000)
    assert layer(page)[-1] == {"event": "banner_consent", "banner_granted": []}
    assert trackers.urls == []
    assert page.evaluate("window.heatmapRuns") is None
    assert cookies(context) == {"banner_consent"}


def test_accept_all_starts_each_kind_after_its_consent_calls(
    deployment: Deployment, page: Any, trackers: TrackerLog, heatmap: None
) -> None:
    # An element with id="ttq" shows through window.ttq; the queue is made anyway.
    visit(page, deployment, body='<ul id="ttq"></ul>')
    banner_shown(page)
    decide(page, "Terima semua")
    events_js = f"analytics.tiktok.com/i18n/pixel/events.js?sdkid={TIKTOK_ID}&lib=ttq"
    expected = (f"gtm.js?id={GTM_ID}", f"gtag/js?id={ADS_ID}", events_js, HEATMAP)
    wait_until(page, lambda: all(trackers.to(u) for u in expected), seconds=10)
    page.wait_for_function("window.heatmapRuns === 1")
    messages = layer(page)
    order = [
        index(messages, consent("default")),
        index(messages, consent("update")),
        index(messages, event("gtm.js")),
        index(messages, event("banner_consent")),
    ]
    assert order == sorted(order)
    update = messages[order[1]][2]
    assert update["analytics_storage"] == update["ad_storage"] == "granted"
    assert update["ad_user_data"] == update["ad_personalization"] == "granted"
    assert ["config", ADS_ID] in messages
    # Only the categories this site uses are asked (issue 21 item 4).
    assert messages[order[3]]["banner_granted"] == ["analytics", "preference", "marketing"]
    assert page.evaluate(TTQ) == ["holdConsent", "grantConsent", "page"]
    assert page.evaluate("Object.keys(ttq._i)") == [TIKTOK_ID]
    assert len(trackers.to("analytics.tiktok.com")) == 1


def test_analytics_only_leaves_advertising_out(
    deployment: Deployment, page: Any, trackers: TrackerLog, heatmap: None
) -> None:
    visit(page, deployment)
    banner_shown(page)
    page.get_by_role("button", name="Atur pilihan").click()
    page.get_by_role("switch", name="Analitik").check()
    decide(page, "Simpan pilihan")
    wait_until(page, lambda: trackers.to("gtm.js") and trackers.to(HEATMAP))
    page.wait_for_timeout(500)
    assert trackers.to("tiktok") == [] and trackers.to("gtag/js") == []
    update = next(m[2] for m in reversed(layer(page)) if consent("update")(m))
    assert (update["analytics_storage"], update["ad_storage"]) == ("granted", "denied")
    assert page.evaluate(TTQ) == ["holdConsent", "revokeConsent"]


def test_returning_visitor_layer_order(
    deployment: Deployment, page: Any, trackers: TrackerLog, heatmap: None
) -> None:
    visit(page, deployment)
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("gtm.js"))
    page.reload()
    gate_ran(page)
    page.wait_for_function("dataLayer.some(m => m.event === 'banner_consent')")
    kinds = [
        m[1] if isinstance(m, list) and m[0] == "consent" else m.get("event")
        for m in layer(page)
        if consent("default")(m) or consent("update")(m) or isinstance(m, dict)
    ]
    assert kinds == ["default", "update", "gtm.js", "banner_consent"]


def test_withdrawal_deletes_each_kinds_cookies(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog, heatmap: None
) -> None:
    visit(page, deployment)
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("events.js") and trackers.to(HEATMAP))
    plant(page, TIKTOK_COOKIES + ADS_COOKIES + ANALYTICS_COOKIES)
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("switch", name="Pemasaran").uncheck()
    with page.expect_event("load"):
        decide(page, "Simpan pilihan")
    gate_ran(page)
    page.wait_for_timeout(500)
    left = cookies(context)
    assert not left & set(TIKTOK_COOKIES)
    assert set(ANALYTICS_COOKIES) <= left, "analytics is still granted"
    assert trackers.to("events.js") and len(trackers.to("events.js")) == 1
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("switch", name="Analitik").uncheck()
    with page.expect_event("load"):
        decide(page, "Simpan pilihan")
    gate_ran(page)
    page.wait_for_timeout(500)
    assert not cookies(context) & {*TIKTOK_COOKIES, *ADS_COOKIES, *ANALYTICS_COOKIES}


@pytest.mark.parametrize("site_changes", [every_kind("advanced")])
def test_advanced_gtm_loads_at_once_under_denied_defaults(
    deployment: Deployment, page: Any, trackers: TrackerLog, heatmap: None
) -> None:
    visit(page, deployment)
    banner_shown(page)
    wait_until(page, lambda: trackers.to(f"gtm.js?id={GTM_ID}"))
    messages = layer(page)
    assert index(messages, consent("default")) < index(messages, event("gtm.js"))
    assert messages[0][2]["analytics_storage"] == "denied"
    decide(page, "Tolak semua")
    page.wait_for_timeout(1000)
    assert [u for u in trackers.urls if "gtm.js" not in u] == []
    assert len(trackers.to("gtm.js")) == 1
    assert layer(page)[-1] == {"event": "banner_consent", "banner_granted": []}


NONCE = "tRaCk3rsN0nce"
GATED = f"""
<script type="text/plain" data-category="analytics" nonce="{NONCE}">
  window.inline = 'ran'</script>
"""


def test_strict_csp_every_kind_without_violation(
    deployment: Deployment, page: Any, trackers: TrackerLog, heatmap: None
) -> None:
    """Only nonces allow scripts: the gate gives its own to everything it loads."""
    deployment.shop.headers["/"] = {
        "Content-Security-Policy": f"script-src 'nonce-{NONCE}'; style-src 'nonce-{NONCE}'; "
        "object-src 'none'; base-uri 'none'"
    }
    page.add_init_script(VIOLATIONS)
    visit(page, deployment, body=GATED, nonce=NONCE)
    banner_shown(page)
    decide(page, "Terima semua")
    wait_until(page, lambda: trackers.to("events.js") and trackers.to("gtm.js"), seconds=10)
    page.wait_for_function("window.heatmapRuns === 1 && window.inline === 'ran'")
    assert page.evaluate("window.heatmapNonce") == NONCE
    page.evaluate(
        """n => { const s = document.createElement('script'); s.type = 'text/plain';
        s.dataset.category = 'marketing'; s.nonce = n; s.text = 'window.spa = 1';
        document.body.append(s) }""",
        NONCE,
    )
    page.wait_for_function("window.spa === 1")
    assert page.evaluate("window.__violations") == []
