"""Config validation: each mistake names the file, the key and what was expected."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from banner.core.config import ConfigError, is_origin, load_config, parse_config
from banner.core.config_values import contrast_ratio
from tests.factories import KEY_NEW, document

URL = "sqlite:///x.db"


def with_site(**changes: Any) -> dict[str, Any]:
    return document(URL, **changes)


def tracker(kind: str, **fields: Any) -> dict[str, Any]:
    base = copy.deepcopy(document(URL)["sites"]["tokodemo"]["trackers"])
    base[kind].update(fields)
    return base


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("unknown top key", {**with_site(), "extra": 1}, "extra"),
    (
        "unknown banner key",
        {**with_site(), "banner": {"secret_keys": [KEY_NEW], "colour": 1}},
        "banner.colour",
    ),
    ("missing secret", {**with_site(), "banner": {}}, "banner.secret_keys"),
    ("short secret", {**with_site(), "banner": {"secret_keys": ["short"]}}, "banner.secret_keys"),
    (
        "secret not a list",
        {**with_site(), "banner": {"secret_keys": KEY_NEW}},
        "banner.secret_keys",
    ),
    (
        "rate limit",
        {**with_site(), "banner": {"secret_keys": [KEY_NEW], "rate_limit": "lots"}},
        "banner.rate_limit",
    ),
    (
        "rate storage",
        {
            **with_site(),
            "banner": {"secret_keys": [KEY_NEW], "rate_limit_storage": "memcached://x"},
        },
        "rate_limit_storage",
    ),
    ("no sites", {"banner": {"secret_keys": [KEY_NEW]}}, "sites"),
    ("bad site id", {"banner": {"secret_keys": [KEY_NEW]}, "sites": {"Toko!": {}}}, "sites.Toko!"),
    ("unknown site key", with_site(colour="red"), "sites.tokodemo.colour"),
    ("missing name", with_site(name=""), "sites.tokodemo.name"),
    (
        "origin with path",
        with_site(origins=["https://shop.example/path"]),
        "sites.tokodemo.origins",
    ),
    ("origin with slash", with_site(origins=["https://shop.example/"]), "sites.tokodemo.origins"),
    ("origin http", with_site(origins=["http://shop.example"]), "sites.tokodemo.origins"),
    ("origin not url", with_site(origins=["shop.example"]), "sites.tokodemo.origins"),
    ("origin null", with_site(origins=["null"]), "sites.tokodemo.origins"),
    (
        "policy url http",
        with_site(privacy_policy_url="http://shop.example/p"),
        "privacy_policy_url",
    ),
    ("policy version 0", with_site(policy_version=0), "sites.tokodemo.policy_version"),
    ("policy version text", with_site(policy_version="3"), "sites.tokodemo.policy_version"),
    ("consent days", with_site(consent_days=0), "sites.tokodemo.consent_days"),
    (
        "ga4 id",
        with_site(trackers=tracker("ga4", measurement_id="UA-123")),
        "trackers.ga4.measurement_id",
    ),
    (
        "pixel id",
        with_site(trackers=tracker("meta_pixel", pixel_id="12ab")),
        "trackers.meta_pixel.pixel_id",
    ),
    (
        "tracker category",
        with_site(trackers=tracker("ga4", category="marketing2")),
        "trackers.ga4.category",
    ),
    (
        "tracker essential",
        with_site(trackers=tracker("ga4", category="essential")),
        "trackers.ga4.category",
    ),
    ("unknown tracker", with_site(trackers={"hotjar": {}}), "sites.tokodemo.trackers.hotjar"),
    (
        "cookie category",
        with_site(
            cookies=[
                {
                    "name": "_ga",
                    "provider": "G",
                    "category": "ads",
                    "duration": {"id": "1", "en": "1"},
                    "purpose": {"id": "x", "en": "x"},
                }
            ]
        ),
        "cookies[0].category",
    ),
    (
        "cookie one language",
        with_site(
            cookies=[
                {
                    "name": "_ga",
                    "provider": "G",
                    "category": "analytics",
                    "duration": {"en": "1"},
                    "purpose": {"id": "x", "en": "x"},
                }
            ]
        ),
        "cookies[0].duration",
    ),
    (
        "new category without label",
        with_site(categories={"marketing": {}}),
        "categories.marketing.label",
    ),
    ("text override unknown", with_site(texts={"id": {"footer": "x"}}), "texts.id.footer"),
    ("text override language", with_site(texts={"fr": {"banner_title": "x"}}), "texts.fr"),
    ("theme colour", with_site(theme={"primary": "blue"}), "theme.primary"),
    # WCAG's own borderline: #777777 on white is 4.48:1, just under AA.
    ("theme text unreadable", with_site(theme={"text": "#777777"}), "theme.text"),
    ("theme primary vs label", with_site(theme={"primary": "#60a5fa"}), "theme.primary"),
    (
        "theme dark background, default text",
        with_site(theme={"background": "#111827"}),
        "theme.background",
    ),
]


@pytest.mark.parametrize(
    "theme",
    [
        # 4.63:1 on the pages' fixed tint, the lightest grey text every pair allows.
        {"text": "#6e6e6e"},
        {"primary": "#0a7d32", "background": "#fffdf5", "text": "#111111"},
        {"background": "#fefce8"},
    ],
)
def test_readable_themes_are_accepted(theme: dict[str, str]) -> None:
    site = parse_config(with_site(theme=theme), "banner.toml", {}).sites["tokodemo"]
    assert dict(site.theme) == theme


def test_an_unreadable_theme_says_which_colours_and_the_ratio() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_site(theme={"text": "#777777"}), "banner.toml", {})
    assert "text #777777 against background #ffffff has contrast 4.48:1" in str(caught.value)
    assert "WCAG AA needs 4.5:1" in str(caught.value)


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize(("name", "doc", "key"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_names_file_and_key(name: str, doc: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "banner.toml", {})
    message = str(caught.value)
    assert message.startswith("banner.toml: ")
    assert key in caught.value.key
    assert "expected" in message


def test_full_config_from_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "banner.toml"
    path.write_text(
        f"""
[banner]
secret_keys = ["{"o" * 32}", "{KEY_NEW}"]
database_url = "sqlite:///banner.db"
default_language = "en"

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id", "http://localhost:8001"]
policy_version = 3
privacy_policy_url = "https://www.tokodemo.co.id/kebijakan-privasi"
consent_days = 180
cookie_domain = ".tokodemo.co.id"

[sites.tokodemo.categories.marketing]
label = {{ id = "Pemasaran", en = "Marketing" }}
description = {{ id = "Iklan", en = "Advertising" }}

[sites.tokodemo.trackers.ga4]
measurement_id = "G-ABC123XYZ9"
category = "analytics"
ads_category = "marketing"

[[sites.tokodemo.cookies]]
name = "_ga"
provider = "Google"
category = "analytics"
duration = {{ id = "2 tahun", en = "2 years" }}
purpose = {{ id = "Membedakan pengunjung", en = "Distinguishes visitors" }}
""",
        encoding="utf-8",
    )
    config = load_config(path, env={})
    site = config.sites["tokodemo"]
    assert config.secret_keys[-1] == KEY_NEW and config.default_language == "en"
    # only what the site uses: no tracker or cookie is functional or preference
    assert site.category_ids == ("essential", "analytics", "marketing")
    assert site.default_language == "en" and site.cookie_domain == ".tokodemo.co.id"
    assert site.trackers[0].settings["ads_category"] == "marketing"
    assert site.max_age == 180 * 86400


def test_environment_overrides_keys_and_database(tmp_path: Path) -> None:
    env = {"BANNER_SECRET_KEYS": f"{'a' * 32}, {'b' * 32}", "BANNER_DATABASE_URL": "sqlite:///e.db"}
    doc = with_site()
    del doc["banner"]["secret_keys"]
    config = parse_config(doc, "banner.toml", env)
    assert config.secret_keys == ("a" * 32, "b" * 32)
    assert config.database_url == "sqlite:///e.db"
    with pytest.raises(ConfigError, match="environment: BANNER_SECRET_KEYS"):
        parse_config(doc, "banner.toml", {"BANNER_SECRET_KEYS": "short"})


@pytest.mark.parametrize(
    ("text", "key"),
    [("[banner\n", "(syntax)"), (None, "(file)")],
)
def test_unreadable_files(tmp_path: Path, text: str | None, key: str) -> None:
    path = tmp_path / "banner.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert caught.value.key == key and str(path) in str(caught.value)


def test_no_config_is_the_demo() -> None:
    config = load_config(env={})
    assert config.demo and "tokodemo" in config.sites
    assert len(config.secret_keys[-1]) >= 32


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://shop.example", True),
        ("https://shop.example:8443", True),
        ("http://localhost:8001", True),
        ("http://127.0.0.1:8001", True),
        ("https://Shop.example", False),
        ("https://shop.example?x=1", False),
        ("https://user@shop.example", False),
        ("ftp://shop.example", False),
        ("https://shop.example:99999", False),
        (" https://shop.example", False),
    ],
)
def test_is_origin(value: str, ok: bool) -> None:
    assert is_origin(value) is ok


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "UTC"])
def test_a_site_timezone_is_an_iana_name(zone: str) -> None:
    document = with_site(timezone=zone)
    assert parse_config(document, "t.toml", {}).sites["tokodemo"].timezone == zone


@pytest.mark.parametrize("zone", ["WIB", "Asia/Nowhere", "", 7, "../../etc/passwd"])
def test_a_bad_timezone_names_the_key(zone: object) -> None:
    with pytest.raises(ConfigError, match=r"sites\.tokodemo\.timezone"):
        parse_config(with_site(timezone=zone), "t.toml", {})


def test_the_timezone_defaults_to_jakarta() -> None:
    assert parse_config(with_site(), "t.toml", {}).sites["tokodemo"].timezone == "Asia/Jakarta"
