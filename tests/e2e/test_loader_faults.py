"""Faults: a locked consent log (503 with Retry-After): the loader keeps trackers off, then
retries; a language's words that do not arrive leave the banner in the default language."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from banner.log import store
from tests.e2e.conftest import Deployment, TrackerLog
from tests.e2e.test_loader import banner_shown, cookie_names, decide, visit, wait_until

pytestmark = pytest.mark.e2e


def test_locked_database_keeps_trackers_off_until_a_retry_succeeds(
    deployment: Deployment,
    page: Any,
    context: Any,
    trackers: TrackerLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = deployment.app.extensions["banner"].log
    monkeypatch.setattr(store, "SQLITE_BUSY_TIMEOUT_MS", 50)
    log.dispose()  # new connections take the short busy timeout
    holder = sqlite3.connect(log.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/api/v1/consent" in r.url else 0)
    try:
        visit(page, deployment, "/")
        banner_shown(page)
        page.get_by_role("button", name="Terima semua").click()
        wait_until(page, lambda: 503 in answers)
        page.locator(".bn-toast").wait_for(state="visible")
        page.wait_for_timeout(500)
        assert trackers.urls == [] and "banner_consent" not in cookie_names(context)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        # The store's own busy timeout again, for the retry and the count below: with
        # 50 ms, the count could meet the tree's builder writing (seen under load 6-7).
        monkeypatch.undo()
        log.dispose()
    wait_until(page, lambda: trackers.to("gtag/js"), seconds=20)  # the backoff retry went through
    assert answers[-1] == 201 and "banner_consent" in cookie_names(context)
    assert log.count("tokodemo") == 1


def test_a_page_in_another_language_fetches_only_its_words(
    deployment: Deployment, page: Any
) -> None:
    """The first layer carries the default language (id); an English page fetches the
    English words (``ui.<hash>.en.js``) and an Indonesian page fetches none."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[-1]))
    visit(page, deployment, "/", lang="id")
    banner_shown(page)
    assert not [name for name in asked if name.endswith((".en.js", ".id.js"))]
    visit(page, deployment, "/", lang="en")
    page.get_by_role("heading", name="Your privacy choices").wait_for()
    assert len([name for name in asked if name.endswith(".en.js")]) == 1


def test_words_that_do_not_arrive_leave_the_default_language(
    deployment: Deployment, page: Any
) -> None:
    """An English page whose words chunk fails still gets a working banner, in Indonesian."""
    page.route("**/ui.*.en.js", lambda route: route.abort())
    visit(page, deployment, "/", lang="en")
    banner_shown(page)
    assert page.locator(".bn-bar .bn-title").inner_text() == "Pilihan privasi Anda"
    assert decide(page, "Tolak semua")["granted"] == []


def test_a_plain_first_visit_fetches_the_extra_chunk_only_once_a_status_is_due(
    deployment: Deployment, page: Any
) -> None:
    """The toast, the status and their words are the chunk ``ui.<hash>.extra.js`` and
    ``.css``: a plain first layer shows without it, and the decision's status fetches it."""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[-1]))
    visit(page, deployment)
    banner_shown(page)
    page.get_by_role("button", name="Tolak semua", exact=True).wait_for()
    assert not [name for name in asked if ".extra." in name or ".more." in name]
    saved = page.locator(".bn-sr[role=status]")
    assert decide(page, "Terima semua")["granted"] == ["functional", "analytics", "preference"]
    wait_until(page, lambda: saved.inner_text() == "Pilihan Anda telah disimpan.")
    assert sorted(name.split(".", 2)[-1] for name in asked if ".extra." in name) == [
        "extra.css",
        "extra.js",
    ]


@pytest.mark.parametrize("button", ["Tolak semua", "Terima semua"])
def test_an_extra_chunk_that_does_not_arrive_leaves_both_choices(
    deployment: Deployment, page: Any, button: str
) -> None:
    """Without the extra chunk (nor the toast it draws) both choices are still recorded."""
    page.route("**/ui.*.extra.*", lambda route: route.abort())
    visit(page, deployment)
    banner_shown(page)
    granted = decide(page, button)["granted"]
    assert granted == ([] if button == "Tolak semua" else ["functional", "analytics", "preference"])
    wait_until(page, lambda: page.locator(".bn-bar").is_hidden())


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_the_age_box_comes_with_the_extra_chunk_and_no_grant_goes_without_it(
    deployment: Deployment, page: Any
) -> None:
    """A site that asks for the age box fetches the extra chunk before the banner shows.
    If it does not come, the banner still shows: a refusal is recorded, a grant is not
    (the service takes none without the box), and the click asks for the chunk again,
    which then draws the box with its message."""
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/consent" in r.url else None)
    page.route("**/ui.*.extra.*", lambda route: route.abort())
    visit(page, deployment)
    banner_shown(page)
    assert page.locator(".bn-age").count() == 0
    page.get_by_role("button", name="Terima semua", exact=True).click()
    page.wait_for_timeout(300)
    assert calls == [] and page.locator(".bn-bar").is_visible()
    page.unroute("**/ui.*.extra.*")
    page.get_by_role("button", name="Terima semua", exact=True).click()
    error = page.locator(".bn-bar .bn-error")
    error.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "bn-age1"
    assert calls == []
    page.locator("#bn-age1").check()
    assert decide(page, "Terima semua")["granted"] == ["functional", "analytics", "preference"]


@pytest.mark.parametrize("site_changes", [{"children": "guardian"}])
def test_a_refusal_needs_no_extra_chunk_on_a_site_with_the_age_box(
    deployment: Deployment, page: Any
) -> None:
    page.route("**/ui.*.extra.*", lambda route: route.abort())
    visit(page, deployment)
    banner_shown(page)
    assert decide(page, "Tolak semua")["granted"] == []


def test_a_second_layer_that_does_not_arrive_leaves_the_first_and_is_asked_again(
    deployment: Deployment, page: Any
) -> None:
    """Clicking "Atur pilihan" fetches ``ui.<hash>.more.js`` and ``.css``; if they do not come,
    the first layer stays as it is, and the next click asks again and opens the dialog."""
    page.route("**/ui.*.more.*", lambda route: route.abort())
    visit(page, deployment)
    banner_shown(page)
    page.get_by_role("button", name="Atur pilihan", exact=True).click()
    page.wait_for_timeout(300)
    assert page.locator(".bn-bar").is_visible() and page.get_by_role("dialog").count() == 0
    page.unroute("**/ui.*.more.*")
    page.get_by_role("button", name="Atur pilihan", exact=True).click()
    page.get_by_role("dialog").wait_for(state="visible")
    assert page.locator(".bn-bar").is_hidden()
    assert decide(page, "Tolak semua")["granted"] == []


@pytest.mark.parametrize("reload_first", [False, True])
def test_reopening_the_choices_fetches_the_second_layer_once_and_warns_of_nothing(
    deployment: Deployment, page: Any, reload_first: bool
) -> None:
    """A returning visitor's "Pengaturan privasi" link opens the second layer: its chunk is
    fetched once (not once by the gate and again by the UI), and the page's console hears
    no warning. ``reload_first``: on a later page view, where the UI is not loaded yet."""
    warnings: list[str] = []
    loud = ("warning", "error")
    page.on("console", lambda m: warnings.append(m.text) if m.type in loud else None)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url.rsplit("/", 1)[-1]))
    visit(page, deployment)
    banner_shown(page)
    decide(page, "Tolak semua")
    if reload_first:
        page.reload()
        page.wait_for_load_state("load")
    asked.clear()
    page.get_by_role("link", name="Pengaturan privasi").click()
    page.get_by_role("dialog").wait_for(state="visible")
    page.wait_for_timeout(300)
    assert len([name for name in asked if name.endswith(".more.js")]) == 1, asked
    ran = "document.querySelectorAll('script[src$=\".more.js\"]').length"
    assert page.evaluate(ran) == 1  # not run a second time from the cache either
    assert [w for w in warnings if "banner" in w] == []


@pytest.mark.parametrize("button", ["Tolak semua", "Terima semua"])
@pytest.mark.parametrize("failures", [1, 2])
def test_a_decision_whose_chunk_did_not_arrive_is_still_recorded(
    deployment: Deployment, page: Any, button: str, failures: int
) -> None:
    """The decision's code (``ui.<hash>.send.js``) comes on the click. When it does not
    arrive (a 503 while the service reloads, a dropped connection), the gate asks for
    it again: before, every decision of that page view was dropped without a word,
    a refusal or a withdrawal too."""
    asked: list[int] = []

    def flaky(route: Any) -> None:
        asked.append(1)
        if len(asked) <= failures:
            route.fulfill(status=503, body="retry later", headers={"Retry-After": "1"})
        else:
            route.continue_()

    page.route("**/ui.*.send.js", flaky)
    visit(page, deployment)
    banner_shown(page)
    granted = decide(page, button)["granted"]
    assert granted == ([] if button == "Tolak semua" else ["functional", "analytics", "preference"])
    assert len(asked) == failures + 1
