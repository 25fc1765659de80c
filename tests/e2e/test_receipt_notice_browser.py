"""The receipt's archived notice in Chromium: readable at 375 px, keyboard-opened, axe clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from banner.log.service import DecisionRequest
from tests.e2e.conftest import Deployment

pytestmark = pytest.mark.e2e

WORDS = {
    "id": "Kami memakai cookie analitik untuk memahami cara situs dipakai.",
    "en": "We use analytics cookies to understand how the site is used.",
}


#: Sentences of the first layer of this site (no recipients abroad are configured beyond
#: Google and Meta, whose sentence is checked by its start).
FIRST_LAYER = {
    "id": ["Pilihan privasi Anda", "Pilihan Anda disimpan selama 180 hari."],
    "en": ["Your privacy choices", "Your choice is kept for 180 days."],
}
#: Texts of elements this banner never drew: the age box (guardian mode is off), its
#: error, the GPC note (no GPC) and the "could not be saved" message.
NEVER_SHOWN = {
    "id": ["18 tahun", "Global Privacy Control", "belum dapat disimpan"],
    "en": ["18 or older", "Global Privacy Control", "could not be saved yet"],
}


@pytest.fixture
def site_changes() -> dict[str, Any]:
    return {"texts": {lang: {"banner_body": text} for lang, text in WORDS.items()}}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_receipt_shows_the_archived_words(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    service = deployment.app.extensions["banner"].service
    consent_id = service.record(
        DecisionRequest("tokodemo", ("analytics",), lang)
    ).decision.consent_id
    url = f"{deployment.service_url}/s/tokodemo/receipt/{consent_id}?lang={lang}"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        shown = page.locator("blockquote.notice-shown")
        assert WORDS[lang] in shown.inner_text() and shown.get_attribute("lang") == lang
        notice = page.locator("blockquote.notice-shown, details.notice-texts")
        text = " ".join(" ".join(notice.all_text_contents()).split())
        for sentence in FIRST_LAYER[lang]:  # the first layer's sentences, as shown
            assert sentence in text
        for label in NEVER_SHOWN[lang]:  # no label of an element that was not displayed
            assert label not in text
        summary = page.locator("details.notice-texts summary")
        summary.focus()
        page.keyboard.press("Enter")
        assert page.locator("details.notice-texts").evaluate("d => d.open")
        page.screenshot(path=str(artifacts / f"receipt-notice-{lang}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        violations = Axe().run(page).response["violations"]
        assert [v["id"] for v in violations if v["impact"] in {"serious", "critical"}] == []
