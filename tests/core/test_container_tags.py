"""Tags inside a Tag Manager container (issue 21 item 5): notice, sweep, signals, errors."""

from __future__ import annotations

from typing import Any

import pytest

from banner.core.config import ConfigError
from banner.core.disclosure import category_notices, first_layer
from banner.web.gate_file import gate_cookies, gate_trackers
from tests.factories import make_config

MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Iklan", "en": "Advertising"},
}
TAGS = {
    "ga4": {"kind": "ga4", "category": "analytics"},
    "ads": {"kind": "google_ads", "category": "marketing"},
    "meta": {"kind": "meta_pixel", "category": "marketing"},
    "tiktok": {"kind": "tiktok_pixel", "category": "marketing"},
    "hotjar": {
        "kind": "other",
        "category": "analytics",
        "recipient": {"name": "Hotjar Ltd", "country": "MT"},
        "cookies": ["_hj*"],
    },
}


def site(tags: dict[str, Any] = TAGS, **changes: Any) -> Any:
    gtm = {"container_id": "GTM-AB12CD3", "category": "analytics", "tags": tags}
    settings = {"categories": {"marketing": MARKETING}, "trackers": {"gtm": gtm}, **changes}
    return make_config("sqlite://", **settings).sites["tokodemo"]


def test_the_notice_names_every_tags_recipient_and_country() -> None:
    notices = {c.id: c for c in category_notices(site(), "id")}
    assert [t.line() for t in notices["marketing"].trackers] == [
        "Google Ads (Google Tag Manager): Google LLC, Amerika Serikat",
        "Meta Pixel (Google Tag Manager): Meta Platforms, Inc., Amerika Serikat",
        "TikTok Pixel (Google Tag Manager): TikTok Pte. Ltd., Singapura",
    ]
    assert "hotjar: Hotjar Ltd, Malta" in [t.line() for t in notices["analytics"].trackers]
    abroad = first_layer(site(), "en", "Manage", "Settings")["abroad"]
    for words in ("Google LLC (United States)", "Meta Platforms, Inc. (United States)"):
        assert words in abroad
    assert "TikTok Pte. Ltd. (Singapore)" in abroad and "Hotjar Ltd (Malta)" in abroad


def test_withdrawal_deletes_the_tags_cookies_by_category() -> None:
    sweep = gate_cookies(site())
    assert {"_fbp", "_fbc", "_ttp", "ttcsid*", "_gcl_*"} <= set(sweep["marketing"])
    assert {"_hj*", "_ga"} <= set(sweep["analytics"])


def test_the_container_loads_for_any_tag_category_and_google_signals_follow_each_tag() -> None:
    mode, gtm = gate_trackers(site())
    assert gtm["kind"] == "gtm" and gtm["cats"] == ["analytics", "marketing"]
    assert mode == {"kind": "consent_mode", "analytics": ["analytics"], "ads": ["marketing"]}
    only_ads = site(tags={"ads": {"kind": "google_ads", "category": "marketing"}})
    assert gate_trackers(only_ads)[0]["analytics"] == []  # no GA4 tag: analytics_storage denied


def test_without_tags_the_container_follows_its_own_category() -> None:
    mode, gtm = gate_trackers(site(tags={}))
    assert mode["analytics"] == ["analytics"] and gtm["cats"] == ["analytics"]


def test_a_tag_category_counts_as_used() -> None:
    assert "marketing" in site().category_ids
    assert "marketing" not in site(tags={}).category_ids


@pytest.mark.parametrize(
    ("tags", "changes", "key"),
    [
        ({"x": {"kind": "hotjar", "category": "analytics"}}, {}, "tags.x.kind"),
        ({"x": {"kind": "ga4", "category": "sponsor"}}, {}, "tags.x.category"),
        ({"x": {"kind": "ga4", "category": "essential"}}, {}, "tags.x.category"),
        (  # the site lists its categories: a tag's must be one of them
            {"x": {"kind": "meta_pixel", "category": "marketing"}},
            {"categories": ["analytics"]},
            "tags.x.category",
        ),
        ({"x": {"kind": "other", "category": "analytics"}}, {}, "tags.x.recipient"),
        (
            {"x": {"kind": "ga4", "category": "analytics", "cookies": ["_x"]}},
            {},
            "tags.x.cookies",
        ),
        (
            {"x": {**TAGS["hotjar"], "cookies": ["banner_consent"]}},
            {},
            "tags.x.cookies",
        ),
        ({"Bad Name": {"kind": "ga4", "category": "analytics"}}, {}, "tags.Bad Name"),
        ({"x": {"kind": "ga4"}}, {}, "tags.x.category"),
    ],
)
def test_check_config_rejects_bad_tags(tags: Any, changes: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        site(tags=tags, **changes)
    assert caught.value.key == f"sites.tokodemo.trackers.gtm.{key}"
