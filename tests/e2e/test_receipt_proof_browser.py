"""The receipt's log proof in Chromium: explained in both languages, its link fetches a proof."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from banner.log.service import DecisionRequest
from tests.e2e.conftest import Deployment
from tests.log import rfc9162_verifier as rfc

pytestmark = pytest.mark.e2e

HEADINGS = {
    "id": "Bukti bahwa catatan ini tidak diubah",
    "en": "Proof that this record was not changed",
}
LINKS = {"id": "Bukti pencantuman dalam log (JSON)", "en": "Proof of inclusion in the log (JSON)"}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_receipt_links_a_proof_that_verifies(
    deployment: Deployment, page: Any, artifacts: Path, lang: str
) -> None:
    service = deployment.app.extensions["banner"].service
    consent_id = service.record(
        DecisionRequest("tokodemo", ("analytics",), lang)
    ).decision.consent_id
    url = f"{deployment.service_url}/s/tokodemo/receipt/{consent_id}?lang={lang}"
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        heading = page.get_by_role("heading", name=HEADINGS[lang])
        heading.scroll_into_view_if_needed()
        assert "RFC 9162" in page.locator("main").inner_text()
        page.screenshot(path=str(artifacts / f"receipt-proof-{lang}-{width}.png"), full_page=True)
        for part in (heading, page.get_by_role("link", name=LINKS[lang])):
            box = part.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
    link = page.get_by_role("link", name=LINKS[lang])
    href = link.evaluate("a => a.href")  # absolute
    proof = json.loads(page.request.get(href).text())
    key = rfc.key_of(
        json.loads(page.request.get(f"{deployment.service_url}/s/tokodemo/log/key").text())
    )
    assert rfc.head_ok(proof["head"], key)
    entry = proof["entries"][0]
    path = [bytes.fromhex(h) for h in entry["audit_path"]]
    root = bytes.fromhex(proof["head"]["root_hash"])
    assert rfc.inclusion_ok(
        entry["log_index"], proof["head"]["tree_size"], entry["leaf"].encode(), path, root
    )
    assert json.loads(entry["leaf"])["consent_id"] == consent_id
