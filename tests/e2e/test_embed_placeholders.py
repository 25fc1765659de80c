"""Placeholders for blocked embeds, and categories a site does not ask (issue 21 items 3, 4).

Screenshots: ``test-artifacts/fair-embeds-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import banner_shown, gate_ran, serve_tags, visit, wait_until

pytestmark = pytest.mark.e2e

MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Mengukur iklan kami.", "en": "Measures our advertising."},
}
TIKTOK_ID = "C4ABCDEFGHIJ12345678"
EMBEDS = """
<iframe data-category="marketing" data-service="YouTube" data-src="/frame?v=1"
        width="480" height="270" title="Video batik"></iframe>
<iframe data-category="preference" data-src="/frame?map=1" width="400" height="300"
        title="Peta toko"></iframe>
<div data-banner-embed data-category="marketing" data-service="TikTok">
  <blockquote>Video TikTok toko</blockquote>
  <script type="text/plain" data-category="marketing">window.tiktokEmbed = true</script>
</div>
<iframe data-category="sponsor" data-src="/frame?sponsor=1" title="Sponsor"></iframe>
"""
ALLOW = {"id": "Izinkan Pemasaran dan muat", "en": "Allow Marketing and load"}
SETTINGS = {"id": "Pengaturan privasi", "en": "Privacy settings"}
TEXT = {"id": "baru dimuat setelah Anda menyetujui", "en": "loads only once you consent"}
BOX = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return [Math.round(r.top), Math.round(r.left), Math.round(r.width), Math.round(r.height)] }"""


@pytest.fixture
def site_changes() -> dict[str, Any]:
    return {
        "categories": {"marketing": MARKETING},
        "trackers": {
            "ga4": {"measurement_id": "G-ABC123XYZ9", "category": "analytics"},
            "tiktok_pixel": {"pixel_id": TIKTOK_ID, "category": "marketing"},
        },
    }


def _warnings(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if m.type == "warning" else None)
    return found


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_blocked_embed_shows_what_and_why_and_loads_in_place(
    deployment: Deployment, page: Any, artifacts: Path, trackers: TrackerLog, lang: str
) -> None:
    serve_tags(deployment)
    frames: list[str] = []
    page.on("request", lambda r: frames.append(r.url) if "/frame" in r.url else None)
    warnings = _warnings(page)
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        visit(page, deployment, lang=lang, body=EMBEDS)
        banner_shown(page)
        page.locator(".bn-embed").first.wait_for(state="visible")
        page.locator(".bn-embed").first.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / f"fair-embeds-{lang}-{width}.png")
    boxes = page.get_by_role("region", name="YouTube")
    assert boxes.is_visible()
    label = "Pemasaran" if lang == "id" else "Marketing"
    assert TEXT[lang] in boxes.inner_text() and f"“{label}”" in boxes.inner_text()
    assert page.get_by_role("region", name="TikTok").is_visible()
    assert page.get_by_role("region", name="localhost").is_visible()  # no data-service: the host
    assert page.locator(".bn-embed").count() == 3  # "sponsor" is not a category of the site
    assert frames == []
    assert "banner: not a category of this site, kept blocked: sponsor" in warnings
    before = page.evaluate(BOX, ".bn-embed")
    beside = page.evaluate(BOX, ".bn-embed[aria-label=localhost]")
    page.get_by_role("button", name=ALLOW[lang]).first.focus()
    with page.expect_response("**/api/v1/consent") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 201 and answer.value.json()["granted"] == ["marketing"]
    row = deployment.app.extensions["banner"].log.history(answer.value.json()["consent_id"])[-1]
    assert (row.source, row.action, row.granted) == ("placeholder", "custom", ("marketing",))
    wait_until(page, lambda: page.evaluate("window.tiktokEmbed === true"))
    youtube = 'iframe[data-service="YouTube"]'
    assert page.evaluate(f"document.querySelector('{youtube}').getAttribute('src')") == "/frame?v=1"
    assert page.evaluate(BOX, youtube) == before  # the embed sits where its placeholder was
    # nothing after it moved (a container's content may size itself once it runs)
    assert page.evaluate(BOX, ".bn-embed[aria-label=localhost]") == beside
    assert page.evaluate("document.activeElement.dataset.service") == "YouTube"
    assert page.locator(".bn-bar").is_hidden()
    assert page.get_by_role("region", name="localhost").is_visible()  # preference: still waiting
    assert not any("sponsor" in u for u in frames)
    assert [u for u in trackers.urls if "tiktok" in u]  # the category's tracker started too
    page.screenshot(path=artifacts / f"fair-embeds-loaded-{lang}.png")


ADD_LATER = """() => { const f = document.createElement('iframe');
  f.dataset.category = 'marketing'; f.dataset.service = 'Vimeo'; f.dataset.src = '/frame?late=1';
  document.querySelector('main').append(f); }"""


def test_the_settings_button_opens_the_choices(deployment: Deployment, page: Any) -> None:
    serve_tags(deployment)
    visit(page, deployment, lang="id", body=EMBEDS)
    page.get_by_role("region", name="YouTube").wait_for()
    page.evaluate(ADD_LATER)  # a single-page app's embed waits behind a box too
    page.get_by_role("region", name="Vimeo").wait_for()
    page.get_by_role("region", name="YouTube").get_by_role("button", name=SETTINGS["id"]).click()
    page.get_by_role("dialog").wait_for(state="visible")  # the second layer is fetched on demand


def test_a_page_without_embeds_never_fetches_the_placeholder_part(
    deployment: Deployment, page: Any
) -> None:
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    visit(page, deployment, lang="id")
    banner_shown(page)
    gate_ran(page)
    assert not [u for u in fetched if "embeds." in u]


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_on_a_guardian_site_the_placeholder_opens_the_choices(
    deployment: Deployment, page: Any
) -> None:
    serve_tags(deployment)
    body = '<iframe data-category="functional" data-src="/frame" title="Peta"></iframe>'
    visit(page, deployment, lang="id", body=body)
    page.get_by_role("button", name="Izinkan Fungsional dan muat").click()
    page.get_by_role("dialog").wait_for(state="visible")  # the second layer is fetched on demand
    assert page.evaluate("document.querySelector('iframe').getAttribute('src')") is None


def _english_notice(deployment: Deployment) -> str:
    from tests.factories import url_notice_hash

    return url_notice_hash(deployment.service_url, language="en")


def test_a_placeholder_speaks_the_banners_language_and_records_the_words_it_showed(
    deployment: Deployment, page: Any, artifacts: Path
) -> None:
    """The words recorded are the words on the screen: a box drawn in Indonesian
    is drawn again in English once the visitor switches the banner, and its
    grant is recorded under the English notice (before, the box kept its
    Indonesian words and the grant went under the English notice's hash)."""
    serve_tags(deployment)
    visit(page, deployment, lang="id", body=EMBEDS)
    banner_shown(page)
    youtube = page.get_by_role("region", name="YouTube")
    youtube.wait_for()
    assert TEXT["id"] in youtube.inner_text() and youtube.get_attribute("lang") == "id"
    page.get_by_role("button", name="English").click()
    wait_until(page, lambda: TEXT["en"] in youtube.inner_text())
    assert youtube.get_attribute("lang") == "en" and TEXT["id"] not in youtube.inner_text()
    assert page.locator(".bn-embed").count() == 3  # drawn again, none added
    assert page.locator(".bn-embed[lang=id]").count() == 0
    page.screenshot(path=artifacts / "fair-embeds-switched-en.png")
    button = youtube.get_by_role("button", name=ALLOW["en"])
    button.focus()
    page.get_by_role("button", name="Bahasa Indonesia").click()  # and back: focus was elsewhere
    wait_until(page, lambda: TEXT["id"] in youtube.inner_text())
    page.get_by_role("button", name="English").click()
    wait_until(page, lambda: TEXT["en"] in youtube.inner_text())
    with page.expect_response("**/api/v1/consent") as answer:
        youtube.get_by_role("button", name=ALLOW["en"]).click()
    assert answer.value.status == 201
    row = deployment.app.extensions["banner"].log.history(answer.value.json()["consent_id"])[-1]
    assert (row.source, row.language, row.text_hash) == (
        "placeholder",
        "en",
        _english_notice(deployment),
    )


def test_a_placeholder_drawn_before_the_banner_takes_the_banners_kept_language(
    deployment: Deployment, page: Any
) -> None:
    """The visitor chose English on an earlier page of this visit (kept in
    sessionStorage), on an Indonesian page: the boxes follow the banner, and
    a box that has focus keeps it when it is drawn again."""
    serve_tags(deployment)
    page.add_init_script("sessionStorage.setItem('banner_lang', 'en')")
    visit(page, deployment, lang="id", body=EMBEDS)
    banner_shown(page)
    youtube = page.get_by_role("region", name="YouTube")
    wait_until(page, lambda: youtube.get_attribute("lang") == "en")
    assert TEXT["en"] in youtube.inner_text()
    page.get_by_role("region", name="localhost").get_by_role("button").nth(1).focus()
    page.get_by_role("button", name="Bahasa Indonesia").first.click()
    wait_until(page, lambda: TEXT["id"] in youtube.inner_text())
    page.get_by_role("region", name="localhost").get_by_role("button").nth(1).focus()
    page.evaluate("window.banner._k.lang = 'en'")  # what the banner's switch sets
    wait_until(page, lambda: TEXT["en"] in youtube.inner_text())
    focused = "document.activeElement.closest('.bn-embed')?.getAttribute('aria-label')"
    assert page.evaluate(focused) == "localhost"
    assert page.evaluate("document.activeElement.textContent") == SETTINGS["en"]


@pytest.mark.parametrize("written", ["__proto__", "lang", "h", "EN-x", "", "constructor"])
def test_a_page_script_writing_the_kernels_language_never_unblocks_an_embed(
    deployment: Deployment, page: Any, written: str
) -> None:
    serve_tags(deployment)
    frames: list[str] = []
    page.on("request", lambda r: frames.append(r.url) if "/frame" in r.url else None)
    visit(page, deployment, lang="id", body=EMBEDS)
    banner_shown(page)
    page.get_by_role("region", name="YouTube").wait_for()
    page.evaluate(f"window.banner._k.lang = {written!r}")
    page.evaluate("window.banner._k.lang = 'en'")
    youtube = page.get_by_role("region", name="YouTube")
    wait_until(page, lambda: TEXT["en"] in youtube.inner_text())
    page.evaluate(f"window.banner._k.lang = {written!r}")
    page.wait_for_timeout(100)
    assert page.locator(".bn-embed").count() == 3
    hidden = "[...document.querySelectorAll('iframe[data-category]')].map(f => f.hidden)"
    assert page.evaluate(hidden) == [True, True, False]  # "sponsor": no category, no box
    assert page.locator("[data-banner-embed]").is_hidden()
    assert frames == []
