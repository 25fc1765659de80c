"""The notice in Chromium (UU PDP Pasal 21, 22, 25), in both languages at 375 and 1280 px.

A GA4-only site names Google in the United States and no other tracker; the
first layer names the controller and says data leaves Indonesia; the language
switch works by keyboard and holds for the visit without a cookie; a
returning visitor sees what changed after a policy bump; the guardian box
blocks a grant until ticked and its answer reaches the export; the receipt
shows local time (WIB). Screenshots go to ``test-artifacts/notice-*.png``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from banner.log.export import write_jsonl
from tests.e2e.conftest import Deployment, Shop, TrackerLog, running
from tests.e2e.test_loader import (
    banner_focused,
    banner_shown,
    decide,
    shop_html,
    visit,
    wait_until,
)

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
GA4_ONLY = {
    "trackers": {"ga4": {"measurement_id": "G-ABC123XYZ9", "category": "analytics"}},
    "controller": {"name": "PT Toko Demo Indonesia", "contact": "privasi@tokodemo.co.id"},
}
NOT_CONFIGURED = ("Meta", "TikTok", "rujukan", "Referral", "mitra", "partner", "Tag Manager")
FIRST_LAYER = {
    "id": (
        "PT Toko Demo Indonesia memakai cookie",
        "di luar wilayah Indonesia: Google LLC (Amerika",
    ),
    "en": (
        "PT Toko Demo Indonesia uses cookies that the site needs",
        "outside Indonesia: Google LLC (United States)",
    ),
}
ACCEPT = {"id": "Terima semua", "en": "Accept all"}
MANAGE = {"id": "Atur pilihan", "en": "Manage choices"}
AGE_LABEL = "Saya berusia 18 tahun ke atas, atau orang tua/wali saya menyetujui pilihan ini"


def serious(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def banner_text(page: Any, selector: str) -> str:
    text: str = page.locator(selector).inner_text()
    return text


def exported(deployment: Deployment) -> list[dict[str, Any]]:
    out = io.StringIO()
    log = deployment.app.extensions["banner"].log
    write_jsonl(log.export("tokodemo"), out, lambda: None)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("site_changes", [GA4_ONLY])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_ga4_only_site_tells_only_the_truth(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    deployment.shop.pages["/"] = shop_html(deployment, lang=lang)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(deployment.shop.origin + "/")
        banner_shown(page)
        first = banner_text(page, ".bn-bar")
        assert all(words in first for words in FIRST_LAYER[lang]), first
        box = page.locator(".bn-bar").bounding_box()
        assert box["height"] <= 800 and box["width"] <= width
        page.screenshot(path=artifacts / f"notice-ga4-first-layer-{lang}-{width}.png")
        assert serious(page) == []
        page.get_by_role("button", name=MANAGE[lang]).click()
        page.get_by_role("dialog").wait_for(state="visible")
        second = banner_text(page, ".bn-dialog")
        country = "Amerika Serikat" if lang == "id" else "United States"
        assert f"Google Analytics 4: Google LLC, {country}" in second
        assert ("_ga · Google · 2 tahun" if lang == "id" else "_ga · Google · 2 years") in second
        page.screenshot(path=artifacts / f"notice-ga4-second-layer-{lang}-{width}.png")
        assert serious(page) == []
        said = (first + second).lower()
        assert [word for word in NOT_CONFIGURED if word.lower() in said] == []


def test_language_switch_by_keyboard_holds_for_the_visit(
    deployment: Deployment, page: Any, context: Any, artifacts: Path
) -> None:
    visit(page, deployment, lang="id")
    banner_focused(page)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "English":
            break
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Accept all").wait_for(state="visible")
    assert page.evaluate("document.activeElement.textContent") == "Bahasa Indonesia"
    assert page.locator(".bn").get_attribute("lang") == "en"
    page.get_by_role("button", name="Manage choices").click()
    page.get_by_role("switch", name="Analytics").check()
    page.get_by_role("button", name="Bahasa Indonesia").click()
    assert page.get_by_role("switch", name="Analitik").is_checked()  # kept across the switch
    page.get_by_role("button", name="English").click()
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=artifacts / "notice-language-switched-en-375.png")
    visit(page, deployment, "/kategori", lang="id")  # same visit: English again
    banner_shown(page)
    assert page.get_by_role("button", name="Accept all").is_visible()
    answer = decide(page, "Reject all")
    assert answer["granted"] == []
    wait_until(page, lambda: exported(deployment))
    assert exported(deployment)[0]["language"] == "en"
    assert {c["name"] for c in context.cookies()} == {"banner_consent"}


@pytest.mark.parametrize("kept", ["__proto__", "theme", "fr", "en<script>", ""])
def test_a_tampered_language_in_storage_falls_back(
    deployment: Deployment, page: Any, kept: str
) -> None:
    page.add_init_script(f"sessionStorage.setItem('banner_lang', {json.dumps(kept)})")
    visit(page, deployment, lang="id")
    banner_shown(page)
    assert page.get_by_role("button", name="Terima semua").is_visible()
    assert decide(page, "Tolak semua")["granted"] == []


def test_language_switch_on_hosted_pages_by_keyboard(deployment: Deployment, page: Any) -> None:
    page.goto(f"{deployment.service_url}/s/tokodemo/cookies?lang=id")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "English":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Google Analytics 4: Google LLC, United States" in page.inner_text("main")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_change_notice_for_a_returning_visitor_after_a_version_bump(
    tmp_path: Path,
    service_port: int,
    shop_port: int,
    page: Any,
    artifacts: Path,
    trackers: TrackerLog,
    lang: str,
) -> None:
    shop = Shop(f"http://localhost:{shop_port}")
    with running(tmp_path, shop, "127.0.0.1", service_port, {}) as before:
        visit(page, before, lang=lang)
        banner_shown(page)
        decide(page, ACCEPT[lang])
        assert page.locator(".bn-changes").count() == 0
    changes = {
        "4": {"id": "Kami menambahkan Meta Pixel.", "en": "We added Meta Pixel."},
        "5": {"id": "Data kini disimpan 90 hari.", "en": "Data is now kept for 90 days."},
    }
    with running(
        tmp_path, shop, "127.0.0.1", service_port, {"policy_version": 5, "changes": changes}
    ) as after:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            visit(page, after, lang=lang)
            banner_shown(page)
            notice = page.locator(".bn-bar .bn-changes")
            assert notice.inner_text().count("\n") >= 2
            for text in changes.values():
                assert text[lang] in notice.inner_text()
            above = page.evaluate(
                "() => document.querySelector('.bn-changes').getBoundingClientRect().bottom <="
                " document.querySelector('.bn-bar .bn-actions').getBoundingClientRect().top"
            )
            assert above
            page.screenshot(path=artifacts / f"notice-change-{lang}-{width}.png")
            assert serious(page) == []
        answer = decide(page, ACCEPT[lang])
        assert answer["policy_version"] == 5


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_guardian_box_blocks_a_grant_until_ticked(
    deployment: Deployment, page: Any, artifacts: Path, trackers: TrackerLog
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/v1/consent" in r.url else None)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        visit(page, deployment, lang="id")
        banner_shown(page)
        page.get_by_role("button", name="Terima semua").click()
        alert = page.locator(".bn-bar .bn-error")
        alert.wait_for(state="visible")
        assert page.evaluate("document.activeElement.type") == "checkbox"
        page.screenshot(path=artifacts / f"notice-guardian-refused-id-{width}.png")
        assert serious(page) == []
    page.get_by_role("button", name="Atur pilihan").click()
    page.get_by_role("switch", name="Analitik").check()
    page.get_by_role("button", name="Simpan pilihan").click()
    page.locator(".bn-dialog .bn-error").wait_for(state="visible")
    page.wait_for_timeout(300)
    assert requests == [] and trackers.urls == []
    page.get_by_role("dialog").get_by_label(AGE_LABEL).check()
    answer = decide(page, "Simpan pilihan")
    assert answer["granted"] == ["analytics"]
    wait_until(page, lambda: trackers.to("gtag/js"))
    assert [r["age_confirmed"] for r in exported(deployment)] == [True]


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_guardian_rejection_needs_no_tick(deployment: Deployment, page: Any) -> None:
    visit(page, deployment, lang="en")
    banner_shown(page)
    assert decide(page, "Reject all")["granted"] == []
    assert [r["age_confirmed"] for r in exported(deployment)] == [False]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_receipt_shows_local_time_rights_and_contact(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    visit(page, deployment, lang=lang)
    banner_shown(page)
    consent_id = decide(page, ACCEPT[lang])["consent_id"]
    receipt = f"{deployment.service_url}/s/tokodemo/receipt/{consent_id}?lang={lang}"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(receipt)
        main = page.inner_text("main")
        assert " WIB" in main and "UTC" not in main
        assert ("Hak Anda" if lang == "id" else "Your rights") in main
        page.screenshot(path=artifacts / f"notice-receipt-{lang}-{width}.png", full_page=True)
        assert serious(page) == []


def test_a_change_notice_that_could_not_be_drawn_records_no_grant(
    tmp_path: Path, service_port: int, shop_port: int, page: Any, artifacts: Path
) -> None:
    """The changes since the visitor's earlier choice are words of the notice a grant is
    recorded under. Their words come with the extra chunk: when it does not arrive, the
    banner still shows, a grant is not sent (the click asks for the chunk again, draws
    the changes and moves focus to them), and the next click records it under the notice
    now on the screen. A refusal never waits for the chunk."""
    shop = Shop(f"http://localhost:{shop_port}")
    with running(tmp_path, shop, "127.0.0.1", service_port, {}) as before:
        visit(page, before, lang="id")
        banner_shown(page)
        decide(page, "Terima semua")
    changes = {"4": {"id": "Kami menambahkan Meta Pixel.", "en": "We added Meta Pixel."}}
    with running(
        tmp_path, shop, "127.0.0.1", service_port, {"policy_version": 4, "changes": changes}
    ) as after:
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if "/api/v1/consent" in r.url else None)
        page.route("**/ui.*.extra.*", lambda route: route.abort())
        visit(page, after, lang="id")
        banner_shown(page)
        assert page.locator(".bn-changes").count() == 0  # not drawn: the chunk did not come
        page.get_by_role("button", name="Terima semua", exact=True).click()
        page.wait_for_timeout(300)
        assert posts == [] and page.locator(".bn-bar").is_visible()
        page.get_by_role("button", name="Atur pilihan", exact=True).click()
        page.get_by_role("dialog").wait_for(state="visible")
        page.get_by_role("dialog").get_by_role("button", name="Terima semua").click()
        page.wait_for_timeout(300)
        assert posts == []  # nor from the second layer
        page.unroute("**/ui.*.extra.*")
        page.get_by_role("dialog").get_by_role("button", name="Terima semua").click()
        notice = page.locator(".bn-dialog .bn-changes")
        notice.wait_for(state="visible")
        assert changes["4"]["id"] in notice.inner_text()
        assert page.evaluate("document.activeElement.classList.contains('bn-changes')")
        assert posts == []  # the visitor reads what changed, then decides
        page.screenshot(path=artifacts / "notice-change-after-missing-chunk.png")
        with page.expect_response("**/api/v1/consent") as answer:
            page.get_by_role("dialog").get_by_role("button", name="Terima semua").click()
        assert answer.value.status == 201 and answer.value.json()["policy_version"] == 4


def test_a_refusal_needs_no_change_notice_chunk(
    tmp_path: Path, service_port: int, shop_port: int, page: Any
) -> None:
    shop = Shop(f"http://localhost:{shop_port}")
    with running(tmp_path, shop, "127.0.0.1", service_port, {}) as before:
        visit(page, before, lang="en")
        banner_shown(page)
        decide(page, "Accept all")
    changes = {"4": {"id": "Kami menambahkan Meta Pixel.", "en": "We added Meta Pixel."}}
    with running(
        tmp_path, shop, "127.0.0.1", service_port, {"policy_version": 4, "changes": changes}
    ) as after:
        page.route("**/ui.*.extra.*", lambda route: route.abort())
        visit(page, after, lang="en")
        banner_shown(page)
        assert decide(page, "Reject all")["granted"] == []
