"""The dashboard speaks the page's language: no raw category, tracker, source or action
id on an Indonesian page, at 375 and 1280 px, light and dark; the charts mark each
day's value and name each line, and the tables start folded."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from banner.admin.accounts import create_user
from banner.app import create_app
from banner.core.config import parse_config
from banner.log.scans import save_scan
from banner.log.store import ConsentLog
from tests.admin.conftest import NAME, PASSWORD, decision
from tests.e2e.conftest import LiveServer
from tests.e2e.test_admin_browser import dashboard_pages, log_in, seed
from tests.factories import document

pytestmark = pytest.mark.e2e

#: Ids the log and the config store; none may show as words on an Indonesian page
#: ("banner" is also a word of Indonesian and the product's name: the source shows
#: "banner di situs").
RAW_IDS = re.compile(
    r"\b(essential|functional|analytics|preference|marketing|unknown|ga4|gtm|meta_pixel"
    r"|tiktok_pixel|google_ads|referral|accept|reject|custom|change|withdraw|gpc"
    r"|preferences|api)\b"
)
SCAN = {
    "url": "https://www.tokodemo.co.id/",
    "violations": [
        {
            "kind": "cookie",
            "name": "_fbp",
            "host": "www.tokodemo.co.id",
            "page": "https://www.tokodemo.co.id/promo",
            "platform": "Meta Pixel",
            "category": "analytics",
        }
    ],
    "undeclared": [
        {
            "name": "fixture_pref",
            "domain": "www.tokodemo.co.id",
            "page": "https://www.tokodemo.co.id/tentang",
            "platform": None,
            "category": "unknown",
            "before_consent": True,
        }
    ],
    "not_observable": [{"name": "_gcl_au", "category": "analytics"}],
    "stale": [{"name": "old_campaign", "category": "functional"}],
    "proposed_toml": '[[sites.tokodemo.cookies]]\nname = "_fbp"\ncategory = "analytics"\n',
}


@pytest.fixture
def dashboard(tmp_path: Path, service_port: int) -> Iterator[tuple[str, str]]:
    config = parse_config(document(f"sqlite:///{tmp_path / 'words.db'}"), "e2e.toml", {})
    app = create_app(config)
    log: ConsentLog = app.extensions["banner"].log
    create_user(log, NAME, PASSWORD)
    consent_id = seed(log)
    now = datetime.now(UTC)
    log.append(
        decision(consent_id, now - timedelta(minutes=5), "change", ("analytics",)), fresh=True
    )
    save_scan(log, "tokodemo", now, SCAN)
    server = LiveServer(app, "127.0.0.1", service_port)
    try:
        yield f"http://127.0.0.1:{service_port}", consent_id
    finally:
        server.stop()
        log.dispose()


def visible_words(page: Any) -> str:
    """The text a person reads in ``main``, without the TOML and commands in ``pre``."""
    return str(
        page.evaluate(
            "() => { const m = document.querySelector('main').cloneNode(true);"
            " m.querySelectorAll('pre, details:not([open]) > :not(summary)')"
            ".forEach(e => e.remove()); return m.innerText; }"
        )
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_show_labels_not_ids(
    dashboard: tuple[str, str], scheme_page: Any, artifacts: Path, lang: str
) -> None:
    base, consent_id = dashboard
    page = scheme_page
    log_in(page, base, lang)
    pages = dashboard_pages(consent_id, lang)
    for name, path in pages.items():
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(base + path)
            shot = artifacts / f"admin-words-{name}-{lang}-{width}-{page.scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            if lang == "id":
                words = visible_words(page)
                assert RAW_IDS.findall(words) == [], (name, width)
    page.goto(f"{base}/admin/s/tokodemo/lookup?consent_id={consent_id}&lang=id")
    text = page.inner_text("main")
    assert "hari ini, " in text and " WIB" in text  # the change five minutes ago
    assert "banner di situs" in text and "Analitik" in text


def test_the_charts_mark_points_name_lines_and_fold_tables(
    dashboard: tuple[str, str], page: Any
) -> None:
    base, _ = dashboard
    log_in(page, base, "id")
    today = datetime.now(UTC).date().isoformat()
    page.goto(f"{base}/admin/s/tokodemo/?lang=id&first={today}&last={today}")  # one day
    lines = page.locator("svg.chart path.line").count()
    assert lines == 3  # functional, analytics, preference
    assert page.locator("svg.chart .marker").count() == 2 * lines  # a day's value + its name
    labels = page.locator("svg.chart text.line-label").all_text_contents()
    assert sorted(labels) == ["Analitik", "Fungsional", "Preferensi"]
    ys = sorted(
        float(y)
        for y in page.locator("svg.chart text.line-label").evaluate_all(
            "els => els.map(e => e.getAttribute('y'))"
        )
    )
    assert all(b - a >= 14 for a, b in itertools.pairwise(ys))  # names never overlap
    assert page.locator("details.numbers[open]").count() == 0
    assert page.locator("details.numbers").count() == 2
    bar = page.locator("svg.chart rect").first
    assert float(bar.get_attribute("width") or 0) <= 56  # one day is a bar, not a wall
