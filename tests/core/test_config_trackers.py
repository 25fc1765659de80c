"""``[sites.S.trackers]``: every kind's id format, custom scripts, and one-line errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from banner.core.config import ConfigError, load_config, parse_config
from banner.core.tracker_kinds import (
    KINDS,
    Recipient,
    is_country_code,
    tracker_cookies,
    tracker_recipient,
)
from tests.factories import document

URL = "sqlite:///x.db"
HEATMAP = {
    "src": "https://cdn.heatmap.example/h.js",
    "category": "analytics",
    "cookies": ["_hm_*", "_hmid"],
    "recipient": {"name": "Heatmap Pte. Ltd.", "country": "SG"},
}
MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Iklan yang relevan.", "en": "Relevant ads."},
}
EVERY_KIND: dict[str, Any] = {
    "ga4": {"measurement_id": "G-ABC123XYZ9", "category": "analytics"},
    "gtm": {"container_id": "GTM-AB12CD3", "category": "analytics", "ads_category": "marketing"},
    "google_ads": {"conversion_id": "AW-123456789", "category": "marketing"},
    "meta_pixel": {"pixel_id": "123456789012345", "category": "marketing"},
    "tiktok_pixel": {"pixel_id": "C4ABCDEFGHIJ12345678", "category": "marketing"},
    "referral": {"params": ["ref"], "category": "functional"},
    "custom": {"heatmap": HEATMAP},
}


def parse(trackers: dict[str, Any], **site: Any) -> Any:
    doc = document(URL, categories={"marketing": MARKETING}, trackers=trackers, **site)
    return parse_config(doc, "banner.toml", {}).sites["tokodemo"]


def with_kind(kind: str, **fields: Any) -> dict[str, Any]:
    return {kind: {**EVERY_KIND[kind], **fields}}


def with_custom(**fields: Any) -> dict[str, Any]:
    return {"custom": {"heatmap": {**HEATMAP, **fields}}}


def without(table: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in table.items() if k != key}


def test_every_kind_parses_with_its_settings() -> None:
    site = parse(EVERY_KIND)
    kinds = [t.kind for t in site.trackers]
    assert kinds == ["ga4", "gtm", "google_ads", "meta_pixel", "tiktok_pixel", "referral", "custom"]
    gtm = site.trackers[1]
    assert dict(gtm.settings) == {
        "container_id": "GTM-AB12CD3",
        "mode": "basic",
        "ads_category": "marketing",
    }
    custom = site.trackers[-1]
    assert custom.category == "analytics"
    assert custom.settings["name"] == "heatmap"
    assert custom.settings["src"] == HEATMAP["src"]
    assert custom.settings["cookies"] == ("_hm_*", "_hmid")


def test_a_custom_trackers_recipient_is_on_its_settings() -> None:
    """The notice reads it through tracker_recipient, like a built-in kind's."""
    custom = parse(EVERY_KIND).trackers[-1]
    recipient = custom.settings["recipient"]
    assert recipient == Recipient("Heatmap Pte. Ltd.", {"id": "Singapura", "en": "Singapore"}, "SG")
    assert recipient.abroad
    assert tracker_recipient("custom", custom.settings) is recipient
    assert tracker_recipient("tiktok_pixel", {}) is KINDS["tiktok_pixel"].recipient
    assert tracker_recipient("referral", {"cookie": "ref_id"}) is None


def test_a_recipient_in_indonesia_is_not_abroad() -> None:
    site = parse(with_custom(recipient={"name": "PT Peta Panas", "country": "ID"}))
    assert not site.trackers[0].settings["recipient"].abroad


def test_cookie_patterns_per_configured_tracker() -> None:
    assert tracker_cookies("tiktok_pixel", {}) == ("_ttp", "_tt_enable_cookie", "ttcsid*")
    assert tracker_cookies("google_ads", {}) == ("_gcl_*",)
    assert tracker_cookies("referral", {"cookie": "aff"}) == ("aff",)
    assert tracker_cookies("custom", {"cookies": ("_hm_*",)}) == ("_hm_*",)
    assert "_ga" in tracker_cookies("gtm", {})


@pytest.mark.parametrize("mode", ["basic", "advanced"])
def test_gtm_modes(mode: str) -> None:
    assert parse(with_kind("gtm", mode=mode)).trackers[0].settings["mode"] == mode


BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("gtm id", with_kind("gtm", container_id="UA-123"), "gtm.container_id", "GTM-AB12CD3"),
    ("gtm lower", with_kind("gtm", container_id="GTM-ab12cd3"), "gtm.container_id", "GTM-"),
    ("gtm none", {"gtm": without(EVERY_KIND["gtm"], "container_id")}, "gtm.container_id", "req"),
    ("gtm mode", with_kind("gtm", mode="always"), "gtm.mode", '"basic" or "advanced"'),
    ("gtm ads cat", with_kind("gtm", ads_category="nope"), "gtm.ads_category", "category"),
    ("gtm key", with_kind("gtm", cookies=["_x"]), "gtm.cookies", "one of"),
    ("tiktok short", with_kind("tiktok_pixel", pixel_id="C4ABC"), "tiktok_pixel.pixel_id", "20"),
    (
        "tiktok lower",
        with_kind("tiktok_pixel", pixel_id="c4abcdefghij12345678"),
        "tiktok_pixel.pixel_id",
        "upper-case",
    ),
    ("tiktok int", with_kind("tiktok_pixel", pixel_id=12345), "tiktok_pixel.pixel_id", "20"),
    ("ads id", with_kind("google_ads", conversion_id="123456789"), "conversion_id", "AW-"),
    ("ads letters", with_kind("google_ads", conversion_id="AW-12ab"), "conversion_id", "AW-"),
    ("ads essential", with_kind("google_ads", category="essential"), "google_ads.category", "non"),
    ("custom table", {"custom": "https://x.example/a.js"}, "trackers.custom", "named"),
    ("custom name", {"custom": {"Heat Map": HEATMAP}}, "custom.Heat Map", "tracker name"),
    ("custom key", with_custom(async_=True), "custom.heatmap.async_", "one of"),
    ("custom http", with_custom(src="http://cdn.example/h.js"), "heatmap.src", "https"),
    ("custom js", with_custom(src="javascript:alert(1)"), "heatmap.src", "https"),
    ("custom creds", with_custom(src="https://u:p@cdn.example/h.js"), "heatmap.src", "https"),
    ("custom space", with_custom(src="https://cdn.example/a b.js"), "heatmap.src", "https"),
    ("custom no src", {"custom": {"heatmap": without(HEATMAP, "src")}}, "heatmap.src", "req"),
    ("custom category", with_custom(category="marketing2"), "heatmap.category", "category"),
    ("cookies star", with_custom(cookies=["*"]), "heatmap.cookies", "trailing *"),
    ("cookies middle", with_custom(cookies=["_a*b"]), "heatmap.cookies", "trailing *"),
    ("cookies consent", with_custom(cookies=["banner*"]), "heatmap.cookies", "banner_consent"),
    ("cookies exact", with_custom(cookies=["banner_consent"]), "heatmap.cookies", "never"),
    ("cookies str", with_custom(cookies="_hm_*"), "heatmap.cookies", "a list"),
    ("cookies many", with_custom(cookies=[f"c{n}" for n in range(51)]), "heatmap.cookies", "list"),
    (
        "no recipient",
        {"custom": {"heatmap": without(HEATMAP, "recipient")}},
        "heatmap.recipient",
        "country",
    ),
    ("recipient str", with_custom(recipient="Heatmap"), "heatmap.recipient", "a table"),
    (
        "recipient country",
        with_custom(recipient={"name": "H", "country": "Singapore"}),
        "recipient.country",
        "ISO 3166-1",
    ),
    (
        "recipient zz",
        with_custom(recipient={"name": "H", "country": "ZZ"}),
        "recipient.country",
        "ISO",
    ),
    (
        "recipient lower",
        with_custom(recipient={"name": "H", "country": "sg"}),
        "recipient.country",
        "ISO",
    ),
    ("recipient name", with_custom(recipient={"country": "SG"}), "recipient.name", "required"),
    (
        "recipient extra",
        with_custom(recipient={"name": "H", "country": "SG", "url": "x"}),
        "recipient.url",
        "one of",
    ),
]


@pytest.mark.parametrize(("name", "trackers", "key", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_tracker_names_file_key_and_expectation(
    name: str, trackers: dict[str, Any], key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(trackers)
    message = str(caught.value)
    assert message.startswith("banner.toml: sites.tokodemo.trackers.")
    assert key in message
    assert expected in message
    assert "\n" not in message


def test_patterns_may_not_match_a_renamed_consent_cookie() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(with_custom(cookies=["toko_*"]), cookie_name="toko_consent")
    assert "never matching toko_consent" in str(caught.value)
    assert parse(with_custom(cookies=["ga_*"]), cookie_name="toko_consent").trackers


@pytest.mark.parametrize(
    ("pattern", "refused"),
    [
        ("banner_p*", True),
        ("banner_pending_tokodemo", True),
        ("ban*", True),
        ("b*", True),
        ("bannerx*", False),
        ("_hm_*", False),
        ("banne", False),
    ],
)
def test_patterns_may_not_reach_banners_own_storage_keys(pattern: str, refused: bool) -> None:
    """The loader sweeps storage keys with the same patterns: a pending withdrawal must stay."""
    if not refused:
        assert parse(with_custom(cookies=[pattern])).trackers
        return
    with pytest.raises(ConfigError) as caught:
        parse(with_custom(cookies=[pattern]))
    assert "banner_…" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("SG", True),
        ("ID", True),
        ("US", True),
        ("ZZ", False),
        ("EU", False),
        ("sg", False),
        ("SGP", False),
        ("", False),
        (None, False),
        ("ÖS", False),
    ],
)
def test_is_country_code(code: object, ok: bool) -> None:
    assert is_country_code(code) is ok


def test_every_kind_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "banner.toml"
    path.write_text(
        """
[banner]
secret_keys = ["new-key-fedcba9876543210fedcba9876543210"]

[sites.toko]
name = "Toko"
origins = ["https://www.toko.co.id"]
privacy_policy_url = "https://www.toko.co.id/privasi"

[sites.toko.categories.marketing]
label = { id = "Pemasaran", en = "Marketing" }
description = { id = "Iklan.", en = "Ads." }

[sites.toko.trackers.gtm]
container_id = "GTM-AB12CD3"
category = "analytics"
mode = "advanced"

[sites.toko.trackers.tiktok_pixel]
pixel_id = "C4ABCDEFGHIJ12345678"
category = "marketing"

[sites.toko.trackers.google_ads]
conversion_id = "AW-123456789"
category = "marketing"

[sites.toko.trackers.custom.hotjar]
src = "https://static.hotjar.example/c/hotjar-1.js"
category = "analytics"
cookies = ["_hj*"]
recipient = { name = "Hotjar Ltd", country = "MT" }
""",
        encoding="utf-8",
    )
    site = load_config(path, env={}).sites["toko"]
    assert [t.kind for t in site.trackers] == ["gtm", "tiktok_pixel", "google_ads", "custom"]
    assert site.trackers[-1].settings["recipient"].country["en"] == "Malta"
