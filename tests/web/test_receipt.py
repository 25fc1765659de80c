"""The consent receipt: built from the log's rows, as a page and as 27560-shaped JSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from banner.core.consent import Source
from banner.log.service import DecisionRequest
from banner.log.store import Decision
from banner.web.receipt import build_receipt, iso
from banner.web.state import BannerState
from tests.factories import make_config

SITE = make_config("sqlite://").sites["tokodemo"]
T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
UA = "Mozilla/5.0 (X11; Linux x86_64) SecretBrowser/1.0"


def row(action: str, granted: tuple[str, ...], at: datetime = T0, **changes: object) -> Decision:
    offered = ("functional", "analytics", "preference")
    base = Decision(
        consent_id="abcdefghijklmnop1234",
        site="tokodemo",
        recorded_at=at,
        action=action,
        granted=granted,
        denied=tuple(c for c in offered if c not in granted),
        policy_version=3,
        language="id",
        text_hash="f" * 64,
        source="banner",
        page_origin="https://www.tokodemo.co.id",
        page_path="/keranjang",
        gpc=False,
        ip_masked="203.0.113.0/24",
        user_agent=UA,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def record(state: BannerState, granted: tuple[str, ...], consent_id: str | None = None) -> str:
    """Record a decision; a change carries a current token of the id, as the loader does."""
    codec = state.service.codecs["tokodemo"]
    token = codec.sign(consent_id, ())[0] if consent_id else None
    request = DecisionRequest(
        "tokodemo",
        granted,
        "en",
        consent_id=consent_id,
        source=Source.BANNER,
        ip="203.0.113.77",
        user_agent=UA,
        token=token,
    )
    return state.service.record(request).decision.consent_id


# --- built from rows -----------------------------------------------------------


def test_no_rows_no_receipt() -> None:
    assert build_receipt(SITE, [], T0) is None


@pytest.mark.parametrize(
    ("action", "granted", "state"),
    [
        ("accept", ("functional", "analytics", "preference"), "given"),
        ("custom", ("analytics",), "given"),
        ("reject", (), "refused"),
        ("gpc", (), "refused"),
        ("change", ("functional",), "changed"),
        ("withdraw", (), "withdrawn"),
    ],
)
def test_event_state_of_each_action(action: str, granted: tuple[str, ...], state: str) -> None:
    receipt = build_receipt(SITE, [row(action, granted)], T0)
    assert receipt is not None and receipt.as_json()["event_state"] == state


@pytest.mark.parametrize(
    ("now", "version", "status"),
    [
        (T0 + timedelta(days=1), 3, "active"),
        (T0 + timedelta(days=179, hours=23), 3, "active"),
        (T0 + timedelta(days=180), 3, "expired"),
        (T0 + timedelta(days=1), 2, "superseded"),
    ],
)
def test_validity(now: datetime, version: int, status: str) -> None:
    receipt = build_receipt(SITE, [row("accept", ("analytics",), policy_version=version)], now)
    assert receipt is not None
    validity = receipt.as_json()["validity"]
    assert validity == {"from": iso(T0), "until": iso(T0 + timedelta(days=180)), "status": status}


def test_purposes_name_each_category_once() -> None:
    receipt = build_receipt(SITE, [row("custom", ("analytics",))], T0)
    assert receipt is not None
    assert receipt.as_json()["purposes"] == [
        {"purpose": "essential", "consent": "not_required", "legal_basis": "necessary"},
        {"purpose": "analytics", "consent": "given", "legal_basis": "consent"},
        {"purpose": "functional", "consent": "refused", "legal_basis": "consent"},
        {"purpose": "preference", "consent": "refused", "legal_basis": "consent"},
    ]


def test_receipt_keeps_nothing_personal_beyond_the_choice() -> None:
    receipt = build_receipt(SITE, [row("accept", ("analytics",), gpc=True)], T0)
    dumped = str(receipt.as_json() if receipt else {})
    assert "203.0.113" not in dumped and "SecretBrowser" not in dumped and "keranjang" not in dumped
    assert receipt is not None and receipt.as_json()["gpc"] is True


# --- served --------------------------------------------------------------------


def test_json_of_a_given_consent(client: FlaskClient, banner_state: BannerState) -> None:
    consent_id = record(banner_state, ("analytics",))
    body = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert body["record_id"] == consent_id
    assert body["event_state"] == "given"
    assert body["language"] == "en"
    assert body["notice"]["policy_version"] == 3
    assert body["notice"]["privacy_policy_url"] == SITE.privacy_policy_url
    assert re.fullmatch(r"[0-9a-f]{64}", body["notice"]["hash"])
    assert [e["state"] for e in body["events"]] == ["given"]
    # The receipt's own fields leave the masked network and the browser out; its log
    # proof carries the leaf, which is the whole export row (issue 22, docs/proof.md).
    receipt_only = {k: v for k, v in body.items() if k != "proof"}
    assert "203.0.113" not in str(receipt_only) and "SecretBrowser" not in str(receipt_only)
    (entry,) = body["proof"]["entries"]
    assert json.loads(entry["leaf"])["consent_id"] == consent_id
    assert body["proof"]["head"]["tree_size"] >= entry["log_index"] + 1


def test_json_of_a_changed_then_withdrawn_consent(
    client: FlaskClient, banner_state: BannerState
) -> None:
    consent_id = record(banner_state, ("analytics",))
    record(banner_state, ("analytics", "functional"), consent_id)
    changed = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert changed["event_state"] == "changed"
    assert changed["events"][-1]["purposes_granted"] == ["functional", "analytics"]
    record(banner_state, (), consent_id)
    withdrawn = client.get(f"/s/tokodemo/receipt/{consent_id}.json").get_json()
    assert [e["state"] for e in withdrawn["events"]] == ["given", "changed", "withdrawn"]
    assert withdrawn["event_state"] == "withdrawn"
    assert withdrawn["purposes"][1:] == [
        {"purpose": c, "consent": "refused", "legal_basis": "consent"}
        for c in ("functional", "analytics", "preference")
    ]


def test_json_by_content_negotiation(client: FlaskClient, banner_state: BannerState) -> None:
    consent_id = record(banner_state, ())
    response = client.get(
        f"/s/tokodemo/receipt/{consent_id}", headers={"Accept": "application/json"}
    )
    assert response.is_json and response.get_json()["event_state"] == "refused"


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "id",
            [
                "Bukti persetujuan",
                "Persetujuan ditarik",
                "Persetujuan diberikan",
                "Analitik",
                "Versi kebijakan privasi",
                "WIB",
            ],
        ),
        (
            "en",
            [
                "Consent receipt",
                "Consent withdrawn",
                "Consent given",
                "Analytics",
                "Privacy policy version",
                "WIB",
            ],
        ),
    ],
)
def test_page_in_both_languages(
    client: FlaskClient, banner_state: BannerState, lang: str, words: list[str]
) -> None:
    consent_id = record(banner_state, ("analytics",))
    record(banner_state, (), consent_id)
    page = client.get(f"/s/tokodemo/receipt/{consent_id}?lang={lang}").get_data(as_text=True)
    assert [w for w in words if w not in page] == []
    assert consent_id in page
    assert "203.0.113" not in page and "SecretBrowser" not in page


@pytest.mark.parametrize(
    "consent_id", ["unknownunknown000000", "short", "has.dots.in.it.and.more", "x" * 65]
)
@pytest.mark.parametrize("suffix", ["", ".json"])
def test_unknown_consent_id_is_a_translated_404(
    client: FlaskClient, consent_id: str, suffix: str
) -> None:
    response = client.get(f"/s/tokodemo/receipt/{consent_id}{suffix}?lang=id")
    assert response.status_code == 404
    assert "Bukti tidak ditemukan" in response.get_data(as_text=True)


def test_store_failure_is_a_503(
    client: FlaskClient, banner_state: BannerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    from banner.log.store import StoreUnavailable

    def down(*_args: object) -> None:
        raise StoreUnavailable("database unavailable", retry_after=5)

    monkeypatch.setattr(banner_state.log, "history", down)
    response = client.get("/s/tokodemo/receipt/abcdefghijklmnop1234?lang=en")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Temporarily unavailable" in response.get_data(as_text=True)
