"""The cookie databases and the mapping from their categories to ours."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from banner.scan.classify import Classifier, our_category
from banner.scan.cookie_db import DATA, OCD, SUPPLEMENT, SUPPLEMENT_FILE, Known, index, load
from tests.factories import make_config

SITE = make_config("sqlite://").sites["tokodemo"]


def supplement() -> list[dict[str, Any]]:
    with SUPPLEMENT_FILE.open("rb") as handle:
        entries: list[dict[str, Any]] = tomllib.load(handle)["entry"]
    return entries


def test_the_open_cookie_database_ships_with_its_licence() -> None:
    assert (DATA / "open-cookie-database.csv").stat().st_size > 500_000
    assert "Apache License" in (DATA / "OPEN-COOKIE-DATABASE-LICENSE").read_text(encoding="utf-8")
    assert "jkwakman/Open-Cookie-Database" in (DATA / "OPEN-COOKIE-DATABASE.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("entry", supplement(), ids=lambda e: e.get("name") or e["host"])
def test_every_supplement_entry_has_a_source_both_purposes_and_adds_something(
    entry: dict[str, Any],
) -> None:
    assert entry["source"].startswith(("https://", "vendor documentation ("))
    assert entry["purpose"]["id"].strip() and entry["purpose"]["en"].strip()
    assert entry["category"] in ("Functional", "Analytics", "Marketing", "Personalization")
    db = load()
    if entry.get("name"):
        name = entry["name"].removesuffix("*")
        probe = name + "X" if entry["name"].endswith("*") else name
        assert db.cookie(probe) is not None
        assert db.cookie(probe).source == SUPPLEMENT  # type: ignore[union-attr]
    else:
        assert db.host(entry["host"]).source == SUPPLEMENT  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "platform", "source"),
    [
        ("_ga", "Google Analytics", OCD),
        ("_ga_ABC123XYZ9", "Google Analytics", OCD),
        ("_gcl_au", "Google", OCD),
        ("_gcl_ls", "Google Ads", SUPPLEMENT),
        ("_fbp", "Facebook", OCD),
        ("_ttp", "TikTok", OCD),
    ],
)
def test_names_are_looked_up_exactly_then_by_longest_prefix(
    name: str, platform: str, source: str
) -> None:
    found = load().cookie(name)
    assert found is not None and (found.platform, found.source) == (platform, source)


def test_an_earlier_entry_wins_and_longer_prefixes_first() -> None:
    def known(name: str, wildcard: bool, platform: str) -> Known:
        return Known(name, wildcard, platform, "Analytics", "", "", "", "", OCD)

    db = index([known("a", True, "short"), known("ab", True, "long"), known("ab", True, "late")])
    assert db.cookie("abc").platform == "long"  # type: ignore[union-attr]
    assert db.cookie("axe").platform == "short"  # type: ignore[union-attr]
    assert db.cookie("zz") is None


@pytest.mark.parametrize(
    ("theirs", "description", "categories", "ours"),
    [
        ("Analytics", "", ("essential", "analytics"), "analytics"),
        ("Marketing", "", ("essential", "analytics"), "analytics"),
        ("Marketing", "", ("essential", "analytics", "marketing"), "marketing"),
        ("Personalization", "", (), "preference"),
        ("Security", "", (), "essential"),
        ("Necessary", "", (), "essential"),
        ("Functional", "Used for load balancing", (), "essential"),
        ("Functional", "Protects against CSRF attacks", (), "essential"),
        ("Functional", "Remembers the chosen video quality", (), "functional"),
        ("", "", (), "unknown"),
        ("Whatever", "security", (), "unknown"),
    ],
)
def test_database_categories_map_to_ours(
    theirs: str, description: str, categories: tuple[str, ...], ours: str
) -> None:
    assert our_category(theirs, description, categories) == ours


@pytest.mark.parametrize(
    ("name", "platform", "category", "source"),
    [
        ("banner_consent", "banner", "essential", "banner"),
        ("banner_pending_tokodemo", "banner", "essential", "banner"),
        ("_ga", "Google Analytics 4", "analytics", "site-config"),
        ("_fbp", "Meta Pixel", "analytics", "site-config"),
        ("ref_id", "Referral", "functional", "site-config"),
        ("_ttp", "TikTok", "analytics", OCD),
        ("fixture_pref", None, "unknown", None),
        ("<script>", None, "unknown", None),
    ],
)
def test_cookies_are_classified_site_config_first_and_never_guessed(
    name: str, platform: str | None, category: str, source: str | None
) -> None:
    verdict = Classifier(load(), SITE).cookie(name)
    assert (verdict.platform, verdict.category, verdict.source) == (platform, category, source)


def test_without_a_site_the_database_decides() -> None:
    verdict = Classifier(load(), None).cookie("_fbp")
    assert (verdict.platform, verdict.category, verdict.source) == ("Facebook", "analytics", OCD)


@pytest.mark.parametrize(
    ("url", "platform", "category"),
    [
        ("https://cdn.example/s/tokodemo/loader.js", "banner", "essential"),
        ("https://consent.example/api/v1/consent", "banner", "essential"),
        ("https://connect.facebook.net/en_US/fbevents.js", "Meta Pixel", "analytics"),
        ("https://www.googletagmanager.com/gtag/js?id=", "Google Analytics 4", "analytics"),
        ("https://analytics.tiktok.com/i18n/pixel/events.js", "TikTok Pixel", "analytics"),
        ("https://invol.co/abc", "Involve Asia", "analytics"),
        ("https://fonts.example/font.woff2", None, "unknown"),
        ("https://facebook.net.evil.example/x", None, "unknown"),
    ],
)
def test_requests_are_classified_by_host(url: str, platform: str | None, category: str) -> None:
    verdict = Classifier(load(), SITE).request(url)
    assert (verdict.platform, verdict.category) == (platform, category)


def test_tags_inside_a_tag_manager_container_classify_as_configured() -> None:
    """A pixel placed in a GTM container is the site's own, in the tag's category."""
    tags = {
        "meta": {"kind": "meta_pixel", "category": "marketing"},
        "tiktok": {"kind": "tiktok_pixel", "category": "marketing"},
        "hotjar": {
            "kind": "other",
            "category": "analytics",
            "recipient": {"name": "Hotjar Ltd", "country": "MT"},
            "cookies": ["_hj*"],
        },
    }
    gtm = {"container_id": "GTM-AB12CD3", "category": "analytics", "tags": tags}
    marketing = {
        "label": {"id": "Pemasaran", "en": "Marketing"},
        "description": {"id": "Iklan", "en": "Ads"},
    }
    site = make_config(
        "sqlite://", categories={"marketing": marketing}, trackers={"gtm": gtm}
    ).sites["tokodemo"]
    classifier = Classifier(load(), site)
    seen = {n: classifier.cookie(n) for n in ("_fbp", "_ttp", "_hjSessionUser_1")}
    assert {n: (v.category, v.source) for n, v in seen.items()} == {
        "_fbp": ("marketing", "site-config"),
        "_ttp": ("marketing", "site-config"),
        "_hjSessionUser_1": ("analytics", "site-config"),
    }
    pixel = classifier.request("https://connect.facebook.net/en_US/fbevents.js")
    assert (pixel.platform, pixel.category, pixel.source) == (
        "Meta Pixel",
        "marketing",
        "site-config",
    )
    # without the tags the same cookies fall back to the cookie database
    plain = make_config("sqlite://").sites["tokodemo"]
    assert Classifier(load(), plain).cookie("_ttp").source == OCD
