"""Fair choices in Chromium (issue 21): one-click withdrawal, buttons above the fold.

Screenshots of every case go to ``test-artifacts/fair-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import (
    banner_shown,
    decide,
    gate_ran,
    plant_tracker_cookies,
    tracker_cookies,
    visit,
    wait_until,
)
from tests.factories import signed_token

pytestmark = pytest.mark.e2e

PHONES = ((320, 568), (375, 667), (375, 812))
WIDTHS = (320, 375, 1280)
ACCEPT = {"id": "Terima semua", "en": "Accept all"}
REJECT = {"id": "Tolak semua", "en": "Reject all"}
MANAGE = {"id": "Atur pilihan", "en": "Manage choices"}
SAVE = {"id": "Simpan pilihan", "en": "Save choices"}
WITHDRAW = {"id": "Tarik semua persetujuan", "en": "Withdraw all consent"}
OPEN = "Pengaturan privasi"
CHANGES = {
    "4": {
        "id": "Kami menambahkan Meta Pixel untuk mengukur iklan, dan kini data pengunjung "
        "dikirim ke Meta Platforms, Inc. di Amerika Serikat.",
        "en": "We added Meta Pixel to measure ads; visitor data now goes to Meta Platforms, "
        "Inc. in the United States.",
    },
    "5": {
        "id": "Pilihan Anda kini disimpan 90 hari, bukan 180 hari.",
        "en": "Your choice is now kept for 90 days instead of 180.",
    },
}
#: The first layer's variants: what the site asks beside the plain notice.
VARIANTS = {
    "plain": {},
    "changes": {"policy_version": 5, "changes": CHANGES},
    "guardian": {"children": "guardian"},
    "changes-guardian": {"policy_version": 5, "changes": CHANGES, "children": "guardian"},
}
#: Where each button is and how it looks: what "as easy as" compares.
LOOK = """(name) => {
  const b = [...document.querySelectorAll('.bn button')].find(
    (x) => x.textContent === name && x.getClientRects().length);
  const r = b.getBoundingClientRect();
  const s = getComputedStyle(b);
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
          width: r.width, colour: s.color, background: s.backgroundColor,
          weight: s.fontWeight, size: s.fontSize};
}"""

#: The buttons of the open dialog whose label is wider than the button.
CLIPPED = """() => [...document.querySelectorAll('.bn-dialog .bn-actions button')]
  .filter((b) => b.getClientRects().length && b.scrollWidth > b.clientWidth)
  .map((b) => b.textContent)"""


def _returning(context: Any, deployment: Deployment) -> None:
    """A visitor who chose under policy version 3: the change notice is for them."""
    token = signed_token("c0ffee00c0ffee00c0ffee00c0ffee00", ["analytics"])
    context.add_cookies([{"name": "banner_consent", "value": token, "url": deployment.shop.origin}])


def _inside(box: dict[str, float], width: int, height: int) -> bool:
    return (
        box["top"] >= 0 and box["left"] >= 0 and box["bottom"] <= height and box["right"] <= width
    )


@pytest.fixture(params=list(VARIANTS))
def variant(request: Any) -> str:
    name: str = request.param
    return name


@pytest.fixture
def site_changes(variant: str) -> dict[str, Any]:
    return VARIANTS[variant]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_first_layer_button_is_on_screen_without_scrolling(
    deployment: Deployment, page: Any, context: Any, artifacts: Path, variant: str, lang: str
) -> None:
    if "changes" in variant:
        _returning(context, deployment)
    for width, height in (*PHONES, (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        visit(page, deployment, lang=lang)
        banner_shown(page)
        if "changes" in variant:
            assert page.locator(".bn-bar .bn-changes").is_visible()
        page.screenshot(path=artifacts / f"fair-fold-{variant}-{lang}-{width}x{height}.png")
        assert page.evaluate("scrollY") == 0
        for name in (ACCEPT[lang], REJECT[lang], MANAGE[lang]):
            assert _inside(page.evaluate(LOOK, name), width, height), (name, width, height)
        if "guardian" in variant:
            box = page.locator(".bn-bar .bn-age input").bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height
        bar = page.locator(".bn-bar").bounding_box()
        if variant == "plain" and (width, height) == (375, 812):
            assert bar["height"] <= 0.6 * height
        looks = [page.evaluate(LOOK, n) for n in (ACCEPT[lang], REJECT[lang], MANAGE[lang])]
        assert len({(x["colour"], x["background"], x["weight"], x["size"]) for x in looks}) == 1


@pytest.mark.parametrize("variant", ["plain"], indirect=True)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_withdraw_all_is_one_click_like_accept_all(
    deployment: Deployment,
    page: Any,
    context: Any,
    trackers: TrackerLog,
    artifacts: Path,
    lang: str,
) -> None:
    visit(page, deployment, "/?ref=mitra7", lang=lang)
    first = decide(page, ACCEPT[lang])
    wait_until(page, lambda: trackers.to("gtag/js") and trackers.to("fbevents.js"))
    plant_tracker_cookies(page)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 700})
        page.get_by_role("link", name=OPEN, exact=True).click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for(state="visible")
        assert dialog.get_by_role("button", name=REJECT[lang], exact=True).count() == 0
        page.screenshot(path=artifacts / f"fair-withdraw-{lang}-{width}.png")
        looks = [page.evaluate(LOOK, n) for n in (WITHDRAW[lang], ACCEPT[lang], SAVE[lang])]
        assert len({(x["colour"], x["background"], x["weight"], x["size"]) for x in looks}) == 1
        assert len({round(x["height"]) for x in looks}) == 1
        assert all(_inside(x, width, 700) for x in looks)
        # every label fits its button: no word cut off ("persetujua" at 375 px once)
        assert page.evaluate(CLIPPED) == []
        page.keyboard.press("Escape")
    page.get_by_role("link", name=OPEN, exact=True).click()
    requested = len(trackers.urls)
    with page.expect_event("load"):
        again = decide(page, WITHDRAW[lang])
    gate_ran(page)
    page.wait_for_timeout(300)
    assert (again["consent_id"], again["granted"]) == (first["consent_id"], [])
    assert tracker_cookies(context) == set()
    assert len(trackers.urls) == requested
    rows = deployment.app.extensions["banner"].log.history(first["consent_id"])
    assert [r.action for r in rows] == ["accept", "withdraw"]
    page.get_by_role("link", name=OPEN, exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible")
    assert dialog.get_by_role("button", name=WITHDRAW[lang], exact=True).count() == 0
    assert dialog.get_by_role("button", name=REJECT[lang], exact=True).is_visible()


@pytest.mark.parametrize("variant", ["plain"], indirect=True)
def test_reject_all_in_the_dialog_records_a_reject(
    deployment: Deployment, page: Any, trackers: TrackerLog
) -> None:
    visit(page, deployment, lang="id")
    banner_shown(page)
    page.get_by_role("button", name=MANAGE["id"], exact=True).click()
    page.get_by_role("dialog").wait_for(state="visible")  # fetched on demand
    answer = decide(page, REJECT["id"])
    rows = deployment.app.extensions["banner"].log.history(answer["consent_id"])
    assert [r.action for r in rows] == ["reject"]
    page.wait_for_timeout(300)
    assert trackers.urls == []
