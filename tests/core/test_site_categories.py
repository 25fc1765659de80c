"""Only the categories a site uses (issue 21 item 4), and the placeholder's ``source``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from banner.core.config import ConfigError, parse_config
from banner.core.config_notice import config_warnings
from banner.web.gate_file import gate_settings
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN, document, make_config, with_notice

MARKETING = {
    "label": {"id": "Pemasaran", "en": "Marketing"},
    "description": {"id": "Iklan", "en": "Advertising"},
}
GA4 = {"measurement_id": "G-ABC123XYZ9", "category": "analytics"}
COOKIE = {
    "name": "bahasa",
    "provider": "Toko",
    "category": "preference",
    "duration": {"id": "1 tahun", "en": "1 year"},
    "purpose": {"id": "Bahasa", "en": "Language"},
}


def site(**changes: Any) -> Any:
    return make_config("sqlite://", **changes).sites["tokodemo"]


@pytest.mark.parametrize(
    ("changes", "asked"),
    [
        ({"trackers": {"ga4": GA4}, "cookies": []}, ("essential", "analytics")),
        ({"trackers": {}, "cookies": [COOKIE]}, ("essential", "preference")),
        ({"trackers": {}, "cookies": []}, ("essential",)),
        (
            {
                "trackers": {"ga4": {**GA4, "ads_category": "marketing"}},
                "cookies": [],
                "categories": {"marketing": MARKETING},
            },
            ("essential", "analytics", "marketing"),
        ),
        (  # a declared category nothing uses is not asked
            {"trackers": {"ga4": GA4}, "cookies": [], "categories": {"marketing": MARKETING}},
            ("essential", "analytics"),
        ),
        (  # a list asks exactly those, more or fewer
            {"trackers": {"ga4": GA4}, "cookies": [], "categories": ["analytics", "functional"]},
            ("essential", "functional", "analytics"),
        ),
        (
            {"trackers": {}, "cookies": [], "categories": [{"id": "marketing", **MARKETING}]},
            ("essential", "marketing"),
        ),
        ({"trackers": {}, "cookies": [], "categories": ["essential"]}, ("essential",)),
    ],
)
def test_a_site_asks_essential_plus_what_it_uses_or_lists(
    changes: dict[str, Any], asked: tuple[str, ...]
) -> None:
    assert site(**changes).category_ids == asked


def test_the_gate_knows_the_asked_categories() -> None:
    s = site(trackers={"ga4": GA4}, cookies=[])
    assert gate_settings(s, "https://consent.example/")["cats"] == ["analytics"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"categories": ["analytics", "analytics"]}, "sites.tokodemo.categories[1]"),
        ({"categories": ["marketing"]}, "sites.tokodemo.categories[0]"),
        ({"categories": [{"id": "marketing"}]}, "sites.tokodemo.categories[0].label"),
        ({"categories": [{"id": "essential", **MARKETING}]}, "sites.tokodemo.categories[0].id"),
        ({"categories": [3]}, "sites.tokodemo.categories[0]"),
        ({"categories": "analytics"}, "sites.tokodemo.categories"),
        # a listed site's tracker must use a listed category
        ({"categories": ["functional"]}, "sites.tokodemo.trackers.ga4.category"),
    ],
)
def test_bad_category_lists_name_the_key(changes: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        site(**changes)
    assert caught.value.key == key


def test_check_config_warns_about_a_listed_category_with_nothing_in_it() -> None:
    doc = document("sqlite://", categories=["functional", "analytics", "preference"])
    warnings = config_warnings(parse_config(doc, "banner.toml", {}))
    empty = [w for w in warnings if "categories" in w]
    assert len(empty) == 0  # the test site has a tracker or a cookie in each
    doc = document("sqlite://", categories=["analytics"], trackers={"ga4": GA4}, cookies=[])
    assert [
        w for w in config_warnings(parse_config(doc, "banner.toml", {})) if "categor" in w
    ] == []
    doc = document("sqlite://", categories=["analytics", "preference"], trackers={"ga4": GA4})
    doc["sites"]["tokodemo"]["cookies"] = []
    (warning,) = [w for w in config_warnings(parse_config(doc, "b.toml", {})) if "categor" in w]
    assert warning.startswith("b.toml: sites.tokodemo.categories: 'preference' is listed")


def _post(client: FlaskClient, **body: Any) -> Any:
    document = {"site": "tokodemo", "granted": ["analytics"], "language": "id"}
    document["policy_version"] = 3
    headers = {"Origin": SHOP_ORIGIN, "Content-Type": "application/json"}
    sent = with_notice(client, {**document, **body})
    return client.post("/api/v1/consent", data=json.dumps(sent), headers=headers)


def test_a_placeholder_grant_is_recorded_with_its_source(
    client: FlaskClient, banner_state: BannerState
) -> None:
    answer = _post(client, source="placeholder")
    assert answer.status_code == 201
    (row,) = banner_state.log.history(answer.get_json()["consent_id"])
    assert row.source == "placeholder"
    plain = _post(client)
    assert banner_state.log.history(plain.get_json()["consent_id"])[0].source == "banner"


@pytest.mark.parametrize("source", ["preferences", "api", "Placeholder", "", 1, None, ["banner"]])
def test_a_page_cannot_claim_another_source(
    client: FlaskClient, banner_state: BannerState, source: Any
) -> None:
    answer = _post(client, source=source)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "source"
    assert banner_state.log.count("tokodemo") == 0


def test_a_category_the_site_does_not_ask_is_refused(client: FlaskClient) -> None:
    answer = _post(client, granted=["marketing"])
    assert answer.status_code == 400 and answer.get_json()["field"] == "granted"
