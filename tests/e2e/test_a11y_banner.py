"""The banner against WCAG 2.2 AA (issue 23), keyboard first, in Chromium.

Focus never entirely hidden behind the banner, Escape to set the first layer
aside, switches in forced colours, where focus goes after a choice and after
closing, the inert page behind the dialog, the save-failure toast, the age
message, headings, new-tab links, a late banner, and axe-core on both layers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import (
    banner_focused,
    banner_shown,
    decide,
    shop_html,
    visit,
    wait_until,
)
from tests.e2e.wcag import hidden_focus, wcag_violations

pytestmark = pytest.mark.e2e

#: A centred column of 30 links and 30 buttons, plus the shop's own
#: "Pengaturan privasi" link: 61 tab stops, as in the audit.
COLUMN = (
    "<div class='column'>"
    + "".join(f"<p><a href='#l{n}'>Tautan {n}</a> <button>Tombol {n}</button>" for n in range(30))
    + "</div><style>.column { width: 600px; max-width: 100%; margin: 0 auto; }</style>"
)
VIEWPORTS = [(1280, 800), (640, 400), (320, 568)]
SAVED = {"id": "Pilihan Anda telah disimpan.", "en": "Your choice is saved."}
LIVE = ".bn-sr[role=status]"


def tab_through(page: Any, presses: int = 150) -> set[str]:
    """Tab ``presses`` times; every focused page control must show. Returns those seen."""
    seen: set[str] = set()
    for _ in range(presses):
        page.keyboard.press("Tab")
        assert hidden_focus(page) is None
        seen.add(page.evaluate("(a => a.textContent || a.tagName)(document.activeElement)"))
    return seen


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_tabbing_a_long_page_never_hides_focus_behind_the_banner(
    deployment: Deployment, page: Any, artifacts: Path, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    visit(page, deployment, body=COLUMN)
    banner_focused(page)
    page.screenshot(path=artifacts / f"a11y-focus-start-{width}x{height}.png")
    seen = tab_through(page)
    page_controls = {s for s in seen if s.startswith(("Tautan", "Tombol", "Pengaturan"))}
    assert len(page_controls) >= 61
    page.screenshot(path=artifacts / f"a11y-focus-end-{width}x{height}.png")


def test_escape_sets_the_first_layer_aside_without_a_choice(
    deployment: Deployment, page: Any, context: Any, trackers: TrackerLog
) -> None:
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/" in r.url else None)
    visit(page, deployment)
    banner_focused(page)
    page.keyboard.press("Escape")
    pill = page.get_by_role("button", name="Pilihan privasi", exact=True)
    assert pill.is_visible() and page.locator(".bn-bar").is_hidden()
    assert page.evaluate("document.activeElement.textContent") == "Pilihan privasi"
    box = pill.bounding_box()
    assert box["height"] <= 60 and box["width"] <= 240
    page.wait_for_timeout(300)
    assert calls == [] and trackers.urls == [] and context.cookies() == []
    assert page.evaluate("window.banner.granted('analytics')") is False
    page.keyboard.press("Enter")
    banner_shown(page)
    assert pill.is_hidden()
    # focus moves to the bar once it is painted (its layout is the frame's work)
    page.wait_for_function("document.activeElement.classList.contains('bn-bar')")


#: The focused element's outline, as the browser draws it.
OUTLINE = "(s => [s.outlineStyle, s.outlineWidth])(getComputedStyle(document.activeElement))"
#: What the focused element is: a switch, else its tag.
KIND = "(a => a.getAttribute('role') || a.tagName)(document.activeElement)"


def test_every_banner_control_shows_where_focus_is(deployment: Deployment, page: Any) -> None:
    """Each control of both layers reached by Tab draws the 3 px outline (WCAG 2.4.7):
    the language button, the links, the three choices, the dialog's switches and buttons."""
    visit(page, deployment)
    banner_focused(page)
    names = []
    for _ in range(7):  # the bar: the language button, three links, three choices
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.textContent"))
        assert page.evaluate("!!document.activeElement.closest('.bn-bar')"), names
        assert page.evaluate(OUTLINE) == ["solid", "3px"], names
    assert names[0] == "English" and names[4:] == ["Terima semua", "Tolak semua", "Atur pilihan"]
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for(state="visible")
    kinds = set()
    for _ in range(14):  # the dialog's switches, links and buttons (Tab wraps inside it)
        kinds.add(page.evaluate(KIND))
        assert page.evaluate(OUTLINE) == ["solid", "3px"], kinds
        page.keyboard.press("Tab")
    assert {"switch", "BUTTON", "A"} <= kinds


@pytest.fixture
def forced(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="id-ID", forced_colors="active")
    yield ctx.new_page()
    ctx.close()


def shows(page: Any, locator: Any) -> bytes:
    """A screenshot of the element, which must differ from the same box without it."""
    element = locator.element_handle()  # hidden, it would drop out of a role query
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    drawn: bytes = page.screenshot(clip=box)
    element.evaluate("e => e.style.visibility = 'hidden'")
    assert page.screenshot(clip=box) != drawn, "the element does not show"
    element.evaluate("e => e.style.visibility = ''")
    return drawn


def test_switches_show_outline_and_state_in_forced_colours(
    deployment: Deployment, forced: Any, artifacts: Path
) -> None:
    visit(forced, deployment)
    banner_shown(forced)
    forced.get_by_role("button", name="Atur pilihan").click()
    forced.get_by_role("dialog").wait_for(state="visible")  # fetched on demand
    switches = forced.get_by_role("dialog").get_by_role("switch")
    shows(forced, switches.nth(0))  # essential: always on, still seen
    for n in range(1, switches.count()):
        switch = switches.nth(n)
        off = shows(forced, switch)
        switch.check()
        on = shows(forced, switch)
        assert on != off
    forced.screenshot(path=artifacts / "a11y-forced-colours-second-layer.png")
    forced.goto(f"{deployment.service_url}/s/tokodemo/preferences?lang=id")
    hosted = forced.get_by_role("switch", name="Analitik")
    off = shows(forced, hosted)
    hosted.check()
    assert shows(forced, hosted) != off
    forced.screenshot(path=artifacts / "a11y-forced-colours-preferences.png", full_page=True)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_after_accept_focus_goes_to_main_and_the_save_is_announced(
    deployment: Deployment, page: Any, lang: str
) -> None:
    visit(page, deployment, lang=lang)
    banner_shown(page)
    live = page.locator(LIVE)
    assert live.count() == 1 and live.inner_text() == ""
    page.locator(".bn-bar [data-banner-accept]").focus()
    with page.expect_response("**/api/v1/consent"):
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    wait_until(page, lambda: live.inner_text() == SAVED[lang])


def test_save_from_a_page_control_returns_focus_to_it(deployment: Deployment, page: Any) -> None:
    visit(page, deployment)
    banner_shown(page)
    decide(page, "Tolak semua")
    opener = page.get_by_role("link", name="Pengaturan privasi")
    opener.focus()
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for(state="visible")
    decide(page, "Simpan pilihan")
    assert page.evaluate("document.activeElement.textContent") == "Pengaturan privasi"


def test_escape_and_close_on_the_second_layer_return_to_manage(
    deployment: Deployment, page: Any
) -> None:
    visit(page, deployment)
    banner_shown(page)
    for leave in ("Escape", "Tutup"):
        page.get_by_role("button", name="Atur pilihan").focus()
        page.keyboard.press("Enter")
        page.get_by_role("dialog").wait_for(state="visible")
        if leave == "Escape":
            page.keyboard.press("Escape")
        else:
            page.get_by_role("button", name="Tutup").click()
        assert page.evaluate("document.activeElement.textContent") == "Atur pilihan"
        banner_shown(page)


def test_the_page_behind_the_dialog_is_inert(deployment: Deployment, page: Any) -> None:
    visit(page, deployment, body=COLUMN)
    banner_shown(page)
    page.get_by_role("button", name="Atur pilihan").click()
    page.get_by_role("dialog").wait_for(state="visible")
    assert page.evaluate("document.querySelector('main').inert") is True
    page.mouse.click(3, 3)  # the backdrop
    for key in ("Shift+Tab", "Shift+Tab", "Tab"):
        page.keyboard.press(key)
        assert page.evaluate("!document.querySelector('main').contains(document.activeElement)")
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="hidden")
    assert page.evaluate("document.querySelector('main').inert") is False


TOAST_TEXT = {
    "id": "untuk sementara cookie opsional tetap nonaktif",
    "en": "so optional cookies stay off for now",
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_save_failure_toast_is_truthful_closable_and_announced(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    page.route("**/api/v1/consent", lambda route: route.fulfill(status=503, body="{}"))
    page.set_viewport_size({"width": 320, "height": 568})
    visit(page, deployment, lang=lang, body=COLUMN)
    banner_shown(page)
    page.locator(".bn-bar [data-banner-accept]").click()
    toast = page.locator(".bn-toast")
    toast.wait_for(state="visible")
    assert toast.get_attribute("role") is None  # the live region is kept apart
    assert TOAST_TEXT[lang] in toast.inner_text()
    wait_until(page, lambda: TOAST_TEXT[lang] in page.locator(LIVE).inner_text())
    page.screenshot(path=artifacts / f"a11y-toast-{lang}-320.png")
    page.evaluate("document.activeElement.blur()")
    assert len(tab_through(page, 70)) >= 60  # no page control hides behind the toast
    toast.get_by_role("button").click()
    assert toast.is_hidden()


AGE_NEEDED = "centang terlebih dahulu “Saya berusia 18 tahun ke atas"


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_the_age_message_names_the_box_and_marks_it_invalid(
    deployment: Deployment, page: Any
) -> None:
    visit(page, deployment)
    banner_shown(page)
    page.get_by_role("button", name="Terima semua").click()
    error = page.locator(".bn-bar .bn-error")
    error.wait_for(state="visible")
    assert AGE_NEEDED in error.inner_text() and "di atas tombol" not in error.inner_text()
    box = page.locator("#bn-age1")
    assert box.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "bn-age1"
    box.check()
    assert box.get_attribute("aria-invalid") is None and error.is_hidden()


def test_the_second_layer_has_a_heading_per_category_and_section(
    deployment: Deployment, page: Any
) -> None:
    visit(page, deployment)
    banner_shown(page)
    page.get_by_role("button", name="Atur pilihan").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible")  # the second layer is fetched on demand
    names = dialog.get_by_role("heading", level=3).all_inner_texts()
    switches = dialog.get_by_role("switch")
    assert len(names) == switches.count() >= 2 and "Fungsional" in names
    for n, name in enumerate(names):  # each switch is named by its heading
        assert switches.nth(n).evaluate("e => e.labels[0].textContent") == name
    assert dialog.get_by_role("heading", level=4, name="Cookie dalam kategori ini").count() >= 1
    assert dialog.get_by_role("switch", name="Fungsional", exact=True).count() == 1
    essential = dialog.get_by_role("switch").first
    assert essential.is_checked() and essential.is_disabled()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_links_that_open_a_new_tab_say_so(deployment: Deployment, page: Any, lang: str) -> None:
    visit(page, deployment, lang=lang)
    banner_shown(page)
    said = "(terbuka di tab baru)" if lang == "id" else "(opens in a new tab)"
    for link in page.locator(".bn-bar a").all():
        name = link.evaluate("a => a.textContent")
        assert (link.get_attribute("target") == "_blank") == name.endswith(said), name


def test_a_late_banner_leaves_the_visitor_typing(deployment: Deployment, page: Any) -> None:
    held: list[Any] = []
    late = re.compile(r"/s/tokodemo/ui\.[^/?]*js")
    page.route(late, lambda route: held.append(route))
    deployment.shop.pages["/"] = shop_html(
        deployment, body="<label>Cari <input id='cari' autofocus></label>"
    )
    page.goto(deployment.shop.origin + "/", wait_until="domcontentloaded")
    page.wait_for_function("document.activeElement.id === 'cari'")
    page.keyboard.type("kop")
    wait_until(page, lambda: held)
    page.unroute(late)  # lets the held UI through, then the chunk with the note it is open
    banner_shown(page)
    page.keyboard.type("i gayo")
    assert page.input_value("#cari") == "kopi gayo"
    assert page.evaluate("document.activeElement.id") == "cari"
    wait_until(page, lambda: "Banner privasi sedang terbuka" in page.locator(LIVE).inner_text())
    # said once the bar was painted, and focus still where the visitor types
    assert page.evaluate("document.activeElement.id") == "cari"


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("width", [320, 1280])
def test_axe_finds_nothing_on_either_layer(
    deployment: Deployment, page: Any, artifacts: Path, lang: str, width: int
) -> None:
    deployment.shop.pages["/"] = shop_html(deployment, lang=lang)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(deployment.shop.origin + "/")
    banner_shown(page)
    assert wcag_violations(page) == []
    page.locator(".bn-bar .bn-btn").nth(2).click()
    page.get_by_role("dialog").wait_for(state="visible")
    assert wcag_violations(page) == []
    page.screenshot(path=artifacts / f"a11y-second-layer-{lang}-{width}.png")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert wcag_violations(page) == []  # the small "privacy choices" button
    page.screenshot(path=artifacts / f"a11y-set-aside-{lang}-{width}.png")
