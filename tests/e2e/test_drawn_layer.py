"""The first layer drawn in the page by the site's back end, in Chromium (issue 24).

The page paints the drawn layer before the gate arrives (the gate is held
here until the test lets it go); it is the script's first layer box for box
and word for word, at 320, 375 and 1280 px, in Indonesian and English. Its
buttons do nothing: no decision and no tracker before the script drew its
own, which then replaces it in one frame. What a decision records is the
script's notice, even when the page's markup forged the drawn layer's words.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from banner.core.notice import site_notices
from banner.core.texts import banner_texts
from banner.web.demo import shop_policy
from banner.web.drawn_layer import first_layer
from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import decide
from tests.e2e.test_loader_ui import VIOLATIONS

pytestmark = pytest.mark.e2e

SCRIPT_BAR = ".bn:not(.bn-drawn) .bn-bar"
DRAWN_BAR = ".bn-drawn .bn-bar"
BUTTONS = {"id": ("Terima semua", "Tolak semua"), "en": ("Accept all", "Reject all")}


def page_html(
    deployment: Deployment, lang: str, body: str | None = None, head: str | None = None
) -> str:
    site = deployment.config.sites["tokodemo"]
    drawn = first_layer(site, deployment.service_url, cookies=None, lang=lang)
    assert drawn
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{drawn.head if head is None else head}{deployment.loader_tag()}</head>"
        f"<body>{drawn.body if body is None else body}<main><h1>Toko</h1>"
        '<p><a href="/next">next</a></p></main></body></html>'
    )


def serve(deployment: Deployment, html: str) -> str:
    deployment.shop.pages["/"] = html
    service = deployment.service_url
    # the demo shop's strict policy: no inline script or style
    deployment.shop.headers["/"] = {"Content-Security-Policy": shop_policy(service)}
    return deployment.shop.origin + "/"


@dataclass
class Held:
    """The gate's request, held until the test lets it go; the consent POSTs made."""

    routes: list[Any] = field(default_factory=list)
    posts: list[Any] = field(default_factory=list)
    #: let the gate through at once (after release, until held again)
    open: bool = False

    def take(self, route: Any) -> None:
        if self.open:
            route.continue_()
        else:
            self.routes.append(route)

    def release(self) -> None:
        self.open = True
        for route in self.routes:
            route.continue_()
        self.routes.clear()

    def hold(self) -> None:
        self.open = False


@pytest.fixture
def held(page: Any) -> Iterator[Held]:
    found = Held()
    page.route("**/s/tokodemo/loader.js", lambda route: found.take(route))
    page.on("request", lambda r: "/api/v1/consent" in r.url and found.posts.append(r))
    page.add_init_script(VIOLATIONS)
    yield found
    found.release()


def boxes(page: Any, bar: str) -> list[dict[str, float]]:
    parts = ", ".join(
        f"{bar}{part}"
        for part in ("", " .bn-title", " .bn-lang", " .bn-text", " .bn-link", " .bn-btn", " h1")
    )
    return [page.locator(parts).nth(i).bounding_box() for i in range(page.locator(parts).count())]


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_drawn_layer_shows_first_then_the_script_takes_over(
    deployment: Deployment,
    page: Any,
    held: Held,
    trackers: TrackerLog,
    artifacts: Path,
    lang: str,
    width: int,
) -> None:
    page.set_viewport_size({"width": width, "height": 640})
    page.goto(serve(deployment, page_html(deployment, lang)), wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    assert held.routes, "the drawn layer showed before the gate was even asked for"
    drawn_boxes, drawn_text = boxes(page, DRAWN_BAR), page.locator(DRAWN_BAR).inner_text()
    page_boxes = boxes(page, "main")  # the page's own: the drawn layer never moves them
    page.screenshot(path=artifacts / f"drawn-layer-{lang}-{width}.png")
    # Its buttons do nothing: nothing is decided on words the script did not draw.
    accept, reject = BUTTONS[lang]
    page.locator(DRAWN_BAR).get_by_role("button", name=reject, exact=True).click()
    page.locator(DRAWN_BAR).get_by_role("button", name=accept, exact=True).click()
    page.wait_for_timeout(200)
    assert held.posts == [] and trackers.urls == []
    assert page.locator(DRAWN_BAR).is_visible()

    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    assert page.locator(".bn-drawn").count() == 0 and page.locator(".bn").count() == 1
    assert boxes(page, SCRIPT_BAR) == drawn_boxes
    assert boxes(page, "main") == page_boxes
    assert page.locator(SCRIPT_BAR).inner_text() == drawn_text
    page.wait_for_function("document.querySelector('.bn').contains(document.activeElement)")
    page.screenshot(path=artifacts / f"drawn-layer-{lang}-{width}-taken-over.png")

    decide(page, reject)
    (post,) = held.posts
    sent = post.post_data_json
    site = deployment.config.sites["tokodemo"]
    assert sent["notice_hash"] == site_notices(site, banner_texts)[lang].hash
    assert sent["granted"] == [] and sent["language"] == lang
    page.wait_for_timeout(300)
    assert trackers.urls == []
    assert page.evaluate("window.__violations") == []


def test_accepting_after_the_takeover_starts_the_trackers(
    deployment: Deployment, page: Any, held: Held, trackers: TrackerLog
) -> None:
    page.goto(serve(deployment, page_html(deployment, "id")), wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    decide(page, "Terima semua")
    page.wait_for_function("!document.querySelector('.bn .bn-bar:not([hidden])')")
    page.wait_for_timeout(500)
    assert trackers.to("googletagmanager.com") and trackers.to("connect.facebook.net")
    assert len(held.posts) == 1
    assert page.evaluate("window.__violations") == []


def test_a_forged_drawn_layer_is_replaced_by_the_scripts_words(
    deployment: Deployment, page: Any, held: Held, trackers: TrackerLog
) -> None:
    """Markup in the page copying the banner, with other words, never takes a decision."""
    site = deployment.config.sites["tokodemo"]
    real = first_layer(site, deployment.service_url, cookies=None, lang="id").body
    forged = real.replace("Tolak semua", "Lanjutkan").replace(
        "Toko Demo memakai cookie", "Kami tidak memakai cookie apa pun. Toko Demo memakai cookie"
    )
    assert forged != real
    page.goto(serve(deployment, page_html(deployment, "id", forged)), wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    assert "Lanjutkan" in page.locator(DRAWN_BAR).inner_text()
    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    text = page.locator(".bn").inner_text()
    assert "Lanjutkan" not in text and "tidak memakai cookie" not in text
    decide(page, "Tolak semua")
    assert (
        held.posts[0].post_data_json["notice_hash"] == site_notices(site, banner_texts)["id"].hash
    )


@pytest.mark.parametrize("blocked", ["scripts off", "stylesheet blocked"])
def test_without_the_script_or_its_stylesheet_nothing_inert_shows(
    deployment: Deployment, browser: Any, blocked: str
) -> None:
    """A browser without scripts, or an ad blocker stopping the banner, never sees dead buttons."""
    context = browser.new_context(java_script_enabled=blocked != "scripts off")
    try:
        page = context.new_page()
        if blocked == "stylesheet blocked":
            page.route("**/s/tokodemo/**", lambda route: route.abort())
        page.goto(serve(deployment, page_html(deployment, "id")), wait_until="load")
        page.wait_for_timeout(300)
        assert page.locator(".bn-drawn").count() == 1
        assert not page.locator(DRAWN_BAR).is_visible()
        assert page.get_by_role("button", name="Tolak semua").count() == 0  # not even to a reader
    finally:
        context.close()


def test_a_layer_cut_before_its_end_never_shows(deployment: Deployment, page: Any) -> None:
    """A first paint while the parser is inside the layer shows none of it, not half a bar:
    the same markup without its last element stays hidden."""
    site = deployment.config.sites["tokodemo"]
    whole = first_layer(site, deployment.service_url, cookies=None, lang="id").body
    cut = whole.replace('<span class="bn-end"></span>', "")
    assert cut != whole
    page.route("**/s/tokodemo/loader.js", lambda route: route.abort())
    page.goto(serve(deployment, page_html(deployment, "id", cut)), wait_until="load")
    page.wait_for_timeout(300)
    assert not page.locator(DRAWN_BAR).is_visible()
    page.goto(serve(deployment, page_html(deployment, "id", whole)), wait_until="load")
    page.locator(DRAWN_BAR).wait_for(state="visible")  # the same page, whole: shown


def test_a_drawn_layer_served_to_a_visitor_who_chose_goes(
    deployment: Deployment, page: Any, held: Held, trackers: TrackerLog
) -> None:
    """The back end saw no cookie (a cross-site POST back, a shared cache), the browser has a
    choice: the gate shows no banner and takes the drawn one away, dead buttons and all."""
    url = serve(deployment, page_html(deployment, "id"))
    page.goto(url, wait_until="domcontentloaded")
    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    decide(page, "Tolak semua")
    page.wait_for_function("!document.querySelector('.bn .bn-bar:not([hidden])')")
    # the same page again: this shop's HTML always holds the drawn layer
    held.hold()
    page.goto(url, wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")  # shown until the gate decides
    held.release()
    page.locator(".bn-drawn").wait_for(state="detached")
    page.wait_for_timeout(300)
    assert not page.locator(".bn-bar").is_visible()
    assert len(held.posts) == 1 and trackers.urls == []


def fast_forward_animations(page: Any) -> None:
    """Run the page's animation timeline 1,000 times faster (the drawn layer's 10 s are 10 ms)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Animation.enable")
    cdp.send("Animation.setPlaybackRate", {"playbackRate": 1000})


#: every button of the drawn layer is hidden (by its stylesheet's 10 s animation)
DRAWN_GONE = (
    "[...document.querySelectorAll('.bn-drawn .bn-btn')]"
    ".every((b) => getComputedStyle(b).visibility === 'hidden')"
)


def wait_gone(page: Any) -> None:
    """Until :data:`DRAWN_GONE` holds (polled from here: the page's CSP forbids a string
    predicate evaluated in it), at most 5 s."""
    for _ in range(50):
        if page.evaluate(DRAWN_GONE):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the drawn layer is still there")


def test_a_drawn_layer_whose_script_never_comes_goes(deployment: Deployment, page: Any) -> None:
    """An ad blocker stopping loader.js alone (or a failed request) leaves the stylesheet:
    the drawn layer shows, then goes after 10 s of the page's timeline, buttons and all."""
    page.route("**/s/tokodemo/loader.js", lambda route: route.abort())
    page.goto(serve(deployment, page_html(deployment, "id")), wait_until="load")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    assert not page.evaluate(DRAWN_GONE)
    reject = page.locator(DRAWN_BAR).get_by_role("button", name="Tolak semua", exact=True)
    assert reject.count() == 1
    fast_forward_animations(page)
    wait_gone(page)
    assert not page.locator(DRAWN_BAR).is_visible()
    # gone for a screen reader and the keyboard too
    assert page.get_by_role("button", name="Tolak semua").count() == 0
    page.keyboard.press("Tab")
    assert page.evaluate("!document.activeElement.closest('.bn-drawn')")


def test_a_script_later_than_the_drawn_layer_still_asks(
    deployment: Deployment, page: Any, held: Held, trackers: TrackerLog
) -> None:
    """The gate arrives after the drawn layer went: the script draws its own, and a refusal
    is recorded once, under the service's notice, with no tracker."""
    page.goto(serve(deployment, page_html(deployment, "id")), wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    fast_forward_animations(page)
    wait_gone(page)
    assert held.posts == [] and trackers.urls == []
    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    assert page.locator(".bn-drawn").count() == 0
    page.wait_for_function("document.querySelector('.bn').contains(document.activeElement)")
    decide(page, "Tolak semua")
    (post,) = held.posts
    site = deployment.config.sites["tokodemo"]
    assert post.post_data_json["notice_hash"] == site_notices(site, banner_texts)["id"].hash
    assert post.post_data_json["granted"] == []
    page.wait_for_timeout(300)
    assert trackers.urls == []
    assert page.evaluate("window.__violations") == []


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_back_end_in_another_language_draws_it_from_the_route(
    deployment: Deployment, page: Any, held: Held, trackers: TrackerLog, lang: str
) -> None:
    """A PHP or Node back end asks the service for the markup over HTTP (as this test does,
    with no banner code) and puts it in its page: the same takeover, the same proof."""
    url = f"{deployment.service_url}/s/tokodemo/first-layer?lang={lang}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        got = json.loads(answer.read())
    html = page_html(deployment, lang, body=got["body"], head=got["head"])
    page.goto(serve(deployment, html), wait_until="domcontentloaded")
    page.locator(DRAWN_BAR).wait_for(state="visible")
    assert held.routes, "the drawn layer showed before the gate was asked for"
    drawn_text = page.locator(DRAWN_BAR).inner_text()
    reject = BUTTONS[lang][1]
    assert reject in drawn_text
    held.release()
    page.locator(SCRIPT_BAR).wait_for(state="visible")
    assert page.locator(".bn-drawn").count() == 0
    assert page.locator(SCRIPT_BAR).inner_text() == drawn_text
    decide(page, reject)
    (post,) = held.posts
    site = deployment.config.sites["tokodemo"]
    assert post.post_data_json["notice_hash"] == site_notices(site, banner_texts)[lang].hash
    assert post.post_data_json["granted"] == []
    page.wait_for_timeout(300)
    assert trackers.urls == []
    assert page.evaluate("window.__violations") == []


#: A common reduced-motion reset: every animation ends at once.
REDUCED_MOTION_RESET = (
    "@media (prefers-reduced-motion: reduce) { *, ::before, ::after {"
    " animation-delay: -1ms !important; animation-duration: 1ms !important; } }"
)


def test_a_page_that_ends_every_animation_gets_the_scripts_banner(
    deployment: Deployment, browser: Any, trackers: TrackerLog
) -> None:
    """A page's reduced-motion reset ends the drawn layer's 10 s at once: it goes, and the
    script's banner shows, as on a page without it (nothing inert, nothing lost)."""
    context = browser.new_context(reduced_motion="reduce")
    try:
        page = context.new_page()
        deployment.shop.pages["/reset.css"] = REDUCED_MOTION_RESET
        deployment.shop.headers["/reset.css"] = {"Content-Type": "text/css"}
        head = (
            first_layer(
                deployment.config.sites["tokodemo"], deployment.service_url, cookies=None
            ).head
            + '<link rel="stylesheet" href="/reset.css">'
        )
        held = Held()
        page.route("**/s/tokodemo/loader.js", lambda route: held.take(route))
        page.goto(
            serve(deployment, page_html(deployment, "id", head=head)),
            wait_until="domcontentloaded",
        )
        wait_gone(page)  # once both stylesheets are in
        assert not page.locator(DRAWN_BAR).is_visible()
        held.release()
        page.locator(SCRIPT_BAR).wait_for(state="visible")
        assert page.locator(".bn-drawn").count() == 0
    finally:
        context.close()
