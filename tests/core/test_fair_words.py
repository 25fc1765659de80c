"""The legal words (issue 21 item 7) and transfers abroad (item 6, UU PDP Pasal 56).

The catalog checks read the Indonesian catalog itself, so a new string that
slips back to "izin", "Wajib" or "dulu" fails here, whoever wrote it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from banner.core.config import ConfigError
from banner.core.disclosure import first_layer, transfers
from banner.core.notice import notice_document
from banner.core.texts import banner_texts
from banner.core.tracker_kinds import KINDS
from tests.factories import make_config

CATALOGS = Path(__file__).resolve().parents[2] / "translations"
TIKTOK = {"pixel_id": "C4ABCDEFGHIJ12345678", "category": "analytics"}
HOTJAR = {
    "src": "https://static.hotjar.example/c.js",
    "category": "analytics",
    "recipient": {"name": "Hotjar Ltd", "country": "MT"},
}


def site(**changes: Any) -> Any:
    return make_config("sqlite://", **changes).sites["tokodemo"]


def indonesian() -> dict[str, str]:
    with (CATALOGS / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {str(m.id): str(m.string) for m in read_po(f) if m.id}


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"\bizin\b", "consent is “persetujuan”, never “izin”"),
        (r"\bdiizinkan\b", "“Disetujui” / “Tidak disetujui”"),
        (r"\bWajib\b|\bcookie wajib\b", "“Diperlukan” / “cookie yang diperlukan”"),
        (r"\bdulu\b", "“terlebih dahulu”"),
        (r"\bMasa berlaku\b", "a cookie's duration is “Masa simpan”"),
        (r"\bmenutup browser\b", "one phrasing: “Sampai browser ditutup”"),
        (r'"', "curly quotes “…”"),
        (r"\bdata ini\b", "“data pribadi Anda”, not “data ini” about nothing"),
        (r"\bluar Indonesia\b", "“di luar wilayah Indonesia”"),
    ],
)
def test_no_indonesian_string_uses_the_old_words(pattern: str, why: str) -> None:
    found = {k: v for k, v in indonesian().items() if re.search(pattern, v)}
    assert found == {}, why


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        ("Essential", "Diperlukan"),
        ("Allowed", "Disetujui"),
        ("Not allowed", "Tidak disetujui"),
        ("Duration", "Masa simpan"),
        ("Until the browser is closed", "Sampai browser ditutup"),
        ("Data controller", "Pengendali Data Pribadi"),
        ("Your rights as a personal data subject", "Hak Anda sebagai Subjek Data Pribadi"),
        ("Withdraw all consent", "Tarik semua persetujuan"),
        ("Reject all", "Tolak semua"),
    ],
)
def test_the_legal_terms(msgid: str, expected: str) -> None:
    assert indonesian()[msgid] == expected


@pytest.mark.parametrize(("language", "country"), [("id", "Singapura"), ("en", "Singapore")])
def test_tiktok_is_named_with_its_country(language: str, country: str) -> None:
    tiktok = KINDS["tiktok_pixel"].recipient
    assert tiktok is not None and tiktok.country_code == "SG" and tiktok.abroad
    s = site(trackers={"tiktok_pixel": TIKTOK})
    layer = first_layer(s, language, "Atur pilihan", "Pengaturan privasi lengkap")
    assert f"TikTok Pte. Ltd. ({country})" in layer["abroad"]
    assert "di luar Indonesia)" not in layer["abroad"]


def test_every_recipient_abroad_has_its_country_and_the_consent_basis() -> None:
    s = site(trackers={"tiktok_pixel": TIKTOK, "custom": {"hotjar": HOTJAR}})
    assert transfers(s, "id") == [
        ["TikTok Pte. Ltd.", "SG", "Singapura", "consent"],
        ["Hotjar Ltd", "MT", "Malta", "consent"],
    ]
    layer = first_layer(s, "id", "Atur pilihan", "Pengaturan privasi lengkap")
    assert layer["abroad"] == (
        "Sebagian data pribadi Anda dapat dikirim ke penerima di luar wilayah Indonesia: "
        "TikTok Pte. Ltd. (Singapura); Hotjar Ltd (Malta). Pengiriman ini dilakukan atas "
        "dasar persetujuan yang diminta di sini."
    )


def test_a_recipient_in_indonesia_is_no_transfer() -> None:
    local = {**HOTJAR, "recipient": {"name": "PT Data Lokal", "country": "ID"}}
    s = site(trackers={"custom": {"lokal": local}})
    assert transfers(s, "en") == []
    assert first_layer(s, "en", "Manage", "Settings")["abroad"] == ""


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_archived_notice_holds_the_transfers_and_the_controller(language: str) -> None:
    s = site(
        trackers={"tiktok_pixel": TIKTOK},
        controller={"name": "PT Batik Nusantara Digital", "contact": "privasi@tokobatik.co.id"},
    )
    document = notice_document(s, language, banner_texts(s, language))
    assert document["transfers"][0][:2] == ["TikTok Pte. Ltd.", "SG"]
    assert document["transfers"][0][3] == "consent"
    controller = document["first_layer"]["controller"]
    assert "PT Batik Nusantara Digital (privasi@tokobatik.co.id)" in controller
    label = "Pengendali Data Pribadi" if language == "id" else "Personal data controller"
    assert controller.startswith(label)


def test_rights_link_to_the_policy_section_only_when_configured() -> None:
    assert site().rights_url is None
    url = "https://www.tokodemo.co.id/kebijakan-privasi#hak-anda"
    assert site(rights_url=url).rights_url == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "http://evil.example/rights", "hak-anda", 3]
)
def test_a_rights_url_must_be_an_https_url(url: object) -> None:
    with pytest.raises(ConfigError, match=r"sites\.tokodemo\.rights_url"):
        site(rights_url=url)
