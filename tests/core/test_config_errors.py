"""Config errors that teach: every mistake at once, "did you mean", how to declare a category."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banner.core.config import ConfigError, parse_config
from banner.core.config_values import Reader, did_you_mean
from tests.factories import document


def mistakes(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "banner.toml", {})
    return caught.value.lines()


def with_site(**changes: Any) -> dict[str, Any]:
    return document("sqlite://", **changes)


def test_every_mistake_of_a_file_is_listed_in_file_order() -> None:
    doc = with_site(name="", consent_days=0, cookie_name="bad name!")
    doc["banner"]["default_language"] = "fr"
    found = mistakes(doc)
    keys = [line.split(": ")[1] for line in found]
    assert keys == [
        "banner.default_language",
        "sites.tokodemo.name",
        "sites.tokodemo.consent_days",
        "sites.tokodemo.cookie_name",
    ]
    assert all(line.startswith("banner.toml: ") and "\n" not in line for line in found)


def test_mistakes_in_several_sites_are_all_listed() -> None:
    doc = with_site(policy_version=0)
    doc["sites"]["lain"] = {"name": "Lain", "origins": ["lain.example"]}
    keys = [line.split(": ")[1] for line in mistakes(doc)]
    assert keys == [
        "sites.tokodemo.policy_version",
        "sites.lain.origins",
        "sites.lain.privacy_policy_url",
    ]


def test_one_mistake_reads_as_before() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(with_site(consent_days=0), "banner.toml", {})
    assert str(caught.value) == (
        "banner.toml: sites.tokodemo.consent_days: expected days from 1 to 400, got 0"
    )
    assert caught.value.key == "sites.tokodemo.consent_days"
    assert caught.value.summary() == str(caught.value)


@pytest.mark.parametrize(
    ("place", "wrong", "right"),
    [
        ("banner", "secret_key", "secret_keys"),
        ("site", "privacy_url", "privacy_policy_url"),
        ("site", "polcy_version", "policy_version"),
        ("site", "timezon", "timezone"),
        ("trackers", "meta", "meta_pixel"),
        ("trackers", "ga", "ga4"),
        ("top", "site", "sites"),
    ],
)
def test_a_misspelt_key_gets_the_closest_one(place: str, wrong: str, right: str) -> None:
    doc = with_site()
    table = {
        "banner": doc["banner"],
        "site": doc["sites"]["tokodemo"],
        "trackers": doc["sites"]["tokodemo"]["trackers"],
        "top": doc,
    }[place]
    table[wrong] = {} if place in ("trackers", "top") else "x"
    [line] = [line for line in mistakes(doc) if f"{wrong}: unknown key" in line]
    assert f'did you mean "{right}"?' in line and "expected one of" in line


def test_a_key_nothing_like_any_known_one_gets_no_guess() -> None:
    [line] = mistakes(with_site(zzzzzz=1))
    assert "unknown key" in line and "did you mean" not in line


@pytest.mark.parametrize("where", ["tracker", "cookie"])
def test_an_unknown_category_says_how_to_declare_it(where: str) -> None:
    doc = with_site()
    site = doc["sites"]["tokodemo"]
    if where == "tracker":
        site["trackers"]["ga4"]["category"] = "marketing"
    else:
        site["cookies"][0]["category"] = "marketing"
    [line] = mistakes(doc)
    assert "got 'marketing'" in line
    assert "[sites.tokodemo.categories.marketing]" in line
    assert 'label = { id = "…", en = "…" }' in line and "description = {" in line


def test_a_misspelt_category_gets_the_declared_one() -> None:
    doc = with_site()
    doc["sites"]["tokodemo"]["trackers"]["ga4"]["category"] = "analitycs"
    [line] = mistakes(doc)
    assert 'did you mean "analytics"?' in line and "declare" not in line


def test_a_declared_category_is_accepted() -> None:
    marketing = {
        "label": {"id": "Pemasaran", "en": "Marketing"},
        "description": {"id": "I", "en": "A"},
    }
    doc = with_site(categories={"marketing": marketing})
    doc["sites"]["tokodemo"]["trackers"]["ga4"]["category"] = "marketing"
    assert (
        parse_config(doc, "banner.toml", {}).sites["tokodemo"].trackers[0].category == "marketing"
    )


def test_a_hostile_value_is_shown_short() -> None:
    [line] = mistakes(with_site(name="x" * 5000))
    assert len(line) < 400 and line.endswith("...")


def test_outside_parse_config_the_first_mistake_raises() -> None:
    with pytest.raises(ConfigError, match=r"t\.a: unknown key"):
        Reader("t.toml", "t", {"a": 1}, ("b",))


@pytest.mark.parametrize(("value", "guess"), [(5, ""), ("", ""), ("zz", ""), ("ana", "analytics")])
def test_did_you_mean(value: object, guess: str) -> None:
    expected = f'did you mean "{guess}"?' if guess else ""
    assert did_you_mean(value, ("functional", "analytics")) == expected


toml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 500)
    | st.text(max_size=12)
    | st.sampled_from(["analytics", "G-ABC123XYZ9", "https://x.example", "#ffffff"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
site_keys = st.sampled_from(
    [
        "name",
        "origins",
        "policy_version",
        "categories",
        "trackers",
        "cookies",
        "texts",
        "theme",
        "timezone",
        "consent_days",
        "cookie_domain",
        "bogus",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(site_keys, toml_values, max_size=4))
def test_any_document_gives_a_config_or_config_errors(changes: dict[str, Any]) -> None:
    doc = with_site(**changes)
    try:
        parse_config(doc, "banner.toml", {})
    except ConfigError as exc:
        assert exc.lines() and all(line.startswith("banner.toml: ") for line in exc.lines())
