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
