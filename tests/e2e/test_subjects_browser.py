"""One signed-in person on two devices and two origins (issue 25), in Chromium.

Two browser contexts are two devices; device A visits the shop on
``localhost``, device B the shop's second origin on ``127.0.0.2`` (another
host, so no cookie is shared). Both pages carry a subject token for the same
user on the loader tag. A refuses analytics; B then shows no banner and starts
nothing refused; B withdraws everything, and A's next page view after
``loader_max_age`` stops its trackers and deletes their cookies. An
anonymous visitor meanwhile sees the banner as always.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from banner import subject_token
from banner.core.config import parse_config
from banner.web.app import create_app
from tests.e2e.conftest import (
    TRACKER_HOSTS,
    LiveServer,
    Shop,
    TrackerLog,
    _tracker_route,
    free_port,
)
from tests.e2e.test_loader import PRODUCTS, banner_shown, cookie_names, decide, gate_ran, wait_until
from tests.factories import document

pytestmark = pytest.mark.e2e

#: Seconds a device may act on a choice it synced before asking again.
MAX_AGE = 2
USER = "pelanggan-42"


@dataclass
class Two:
    service_url: str
    first: Shop
    second: Shop
    app: Any

    def page(self, shop: Shop, user: str | None, path: str = "/") -> str:
        subject = ""
        if user is not None:
            token = subject_token(
                "tokodemo", user, config=self.app.extensions["banner"].service.config
            )
            subject = f' data-subject="{token}"'
        tag = f'<script src="{self.service_url}/s/tokodemo/loader.js" async{subject}></script>'
        shop.pages[path.split("?")[0]] = (
            '<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Toko</title>'
            f"{tag}</head><body><main><h1>Toko Demo</h1>"
            '<a href="#privasi" data-banner-open>Pengaturan privasi</a>'
            f"{PRODUCTS}</main></body></html>"
        )
        return shop.origin + path


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Two]:
    service_port, first_port, second_port = free_port(), free_port(), free_port()
    first = Shop(f"http://localhost:{first_port}")
    second = Shop(f"http://127.0.0.2:{second_port}")
    doc = document(
        f"sqlite:///{tmp_path / 'subjects.db'}",
        origins=[first.origin, second.origin],
        privacy_policy_url=f"{first.origin}/privacy",
    )
    doc["banner"]["loader_max_age"] = MAX_AGE
    app = create_app(parse_config(doc, "e2e.toml", {}))
    servers = [
        LiveServer(app, "127.0.0.1", service_port),
        LiveServer(first.wsgi, "127.0.0.1", first_port),
        LiveServer(second.wsgi, "127.0.0.2", urlsplit(second.origin).port or 80),
    ]
    try:
        yield Two(f"http://127.0.0.1:{service_port}", first, second, app)
    finally:
        for server in servers:
            server.stop()
        app.extensions["banner"].log.dispose()


def device(browser: Any) -> tuple[Any, Any, TrackerLog]:
    log = TrackerLog()
    context = browser.new_context(locale="id-ID")
    for host in TRACKER_HOSTS:
        context.route(f"**://*.{host}/**", _tracker_route(log))
        context.route(f"**://{host}/**", _tracker_route(log))
    return context, context.new_page(), log


def started(log: TrackerLog) -> bool:
    return bool(log.to("gtag/js") or log.to("fbevents.js"))


def test_a_choice_follows_the_person_to_another_device_and_origin(two: Two, browser: Any) -> None:
    a_context, a, a_log = device(browser)
    b_context, b, b_log = device(browser)
    try:
        # Device A: the person refuses analytics (keeps functional: the referral cookie).
        a.goto(two.page(two.first, USER, "/?ref=mitra7"))
        banner_shown(a)
        a.get_by_role("button", name="Atur pilihan").click()
        a.get_by_role("switch", name="Fungsional").check()
        made = decide(a, "Simpan pilihan")
        wait_until(a, lambda: "ref_id=mitra7" in a.evaluate("document.cookie"), seconds=15)
        assert not started(a_log)
        assert made["granted"] == ["functional"]

        # Device B, the second origin, signed in: no banner, the same choice, nothing refused.
        with b.expect_response(lambda r: r.url.endswith("/api/v1/subject/sync")) as synced:
            b.goto(two.page(two.second, USER, "/?ref=mitra8"))
        assert synced.value.json()["state"] == "sync"
        gate_ran(b)
        wait_until(b, lambda: "ref_id=mitra8" in b.evaluate("document.cookie"), seconds=15)
        b.wait_for_timeout(500)
        assert b.locator(".bn-bar").count() == 0 or not b.locator(".bn-bar").is_visible()
        assert not started(b_log)
        assert not b.evaluate("window.banner.granted('analytics')")
        assert b.evaluate("window.banner.granted('functional')")
        log = two.app.extensions["banner"].log
        b_id = synced.value.json()["consent_id"]
        assert [r.action for r in log.history(b_id)] == ["sync"]

        # B withdraws everything.
        b.get_by_role("link", name="Pengaturan privasi", exact=True).click()
        b.get_by_role("switch", name="Fungsional").uncheck()  # waits for the UI to load
        assert decide(b, "Simpan pilihan")["granted"] == []
        wait_until(b, lambda: "ref_id" not in cookie_names(b_context), seconds=15)
        assert [r.action for r in log.history(b_id)] == ["sync", "withdraw"]

        # A, after the freshness bound: its referral stops and the cookies go.
        a.evaluate("() => { document.cookie = '_ga=x; Path=/; Max-Age=600' }")
        a.wait_for_timeout(MAX_AGE * 1000 + 500)
        requested = len(a_log.urls)
        with a.expect_response(lambda r: r.url.endswith("/api/v1/subject/sync")) as again:
            a.goto(two.page(two.first, USER, "/"))
        assert again.value.json()["state"] == "sync"
        gate_ran(a)
        wait_until(a, lambda: not a.evaluate("window.banner.granted('functional')"), seconds=15)
        wait_until(a, lambda: not {"ref_id", "_ga"} & cookie_names(a_context), seconds=15)
        assert len(a_log.urls) == requested
        assert a.locator(".bn-bar").count() == 0 or not a.locator(".bn-bar").is_visible()
        rows = log.history(made["consent_id"])
        assert [r.action for r in rows][-1] == "sync" and rows[-1].granted == ()
    finally:
        a_context.close()
        b_context.close()


def test_an_anonymous_visitor_is_asked_as_always(two: Two, browser: Any) -> None:
    context, page, log = device(browser)
    try:
        page.goto(two.page(two.first, None))
        banner_shown(page)
        assert not started(log)
        assert page.evaluate(
            "performance.getEntriesByType('resource').every(e => !e.name.includes('subject'))"
        )
    finally:
        context.close()


def test_a_signed_in_person_without_a_choice_is_asked_and_the_answer_links(
    two: Two, browser: Any
) -> None:
    context, page, log = device(browser)
    try:
        page.goto(two.page(two.first, "baru-1"))
        banner_shown(page)
        made = decide(page, "Tolak semua")
        assert not started(log)
        state = two.app.extensions["banner"]
        from banner.log.subjects import subject_of

        with state.log.engine.connect() as conn:
            assert subject_of(conn, "tokodemo", made["consent_id"]) is not None
    finally:
        context.close()


def test_on_a_shared_computer_the_next_person_is_asked(two: Two, browser: Any) -> None:
    """A's accept-all is A's: B, signed in on the same browser without a choice, is asked."""
    context, page, log = device(browser)
    try:
        page.goto(two.page(two.first, "orang-a"))
        banner_shown(page)
        decide(page, "Terima semua")
        # both of A's trackers, so none of A's page can arrive after the count
        wait_until(page, lambda: log.to("gtag/js") and log.to("fbevents.js"), seconds=15)
        requested = len(log.urls)
        page.goto(two.page(two.first, "orang-b"))
        banner_shown(page)
        assert len(log.urls) == requested
        assert not page.evaluate("window.banner.granted('analytics')")
        made = decide(page, "Tolak semua")
        state = two.app.extensions["banner"]
        from banner.log.subjects import subject_of

        with state.log.engine.connect() as conn:
            assert subject_of(conn, "tokodemo", made["consent_id"]) is not None
        assert len(log.urls) == requested
    finally:
        context.close()
