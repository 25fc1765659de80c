"""``[sites.S.trackers]`` of the config: each tracker kind's keys and id formats.

What each kind is (recipient, cookies, hosts) is data in
:mod:`banner.core.tracker_kinds`; this module only reads and checks what a
site configures for it, one small function per kind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from banner.core.config_model import (
    ADS_ID,
    COOKIE_NAME,
    COOKIE_PATTERN,
    GA4_ID,
    GTM_ID,
    GTM_MODES,
    PARAM_NAME,
    PIXEL_ID,
    SERVICE_COOKIES,
    TIKTOK_ID,
    TRACKER_NAME,
    Tracker,
)
from banner.core.config_values import (
    REQUIRED,
    ConfigError,
    Reader,
    category_hint,
    is_int_between,
    is_str,
    list_of,
    matches,
    report,
)
from banner.core.consent import ESSENTIAL
from banner.core.tracker_kinds import (
    Recipient,
    cookie_matches,
    country_recipient,
    is_country_code,
    tracker_kind,
)

_TRACKER_KEYS: dict[str, tuple[str, ...]] = {
    "ga4": ("measurement_id", "category", "ads_category"),
    "meta_pixel": ("pixel_id", "category"),
    "referral": ("params", "cookie", "days", "category"),
    "gtm": ("container_id", "category", "mode", "ads_category", "tags"),
    "tiktok_pixel": ("pixel_id", "category"),
    "google_ads": ("conversion_id", "category"),
    "custom": (),  # a table of named trackers, each with _CUSTOM_KEYS
}
_CUSTOM_KEYS = ("src", "category", "cookies", "recipient")


def _optional_category(ids: tuple[str, ...]) -> Callable[[Any], bool]:
    return lambda value: value in ids and value != ESSENTIAL


def parse_trackers(site: Reader, ids: tuple[str, ...]) -> tuple[Tracker, ...]:
    """``[sites.S.trackers]``: each kind's table, and the named ``custom`` scripts."""
    table = site.sub("trackers", tuple(_TRACKER_KEYS))
    consent_cookie = str(site.table.get("cookie_name", "banner_consent"))
    settings: dict[str, _Settings] = {
        **_SETTINGS,
        "referral": partial(_referral, consent_cookie=consent_cookie),
    }
    found: list[Tracker] = []
    for kind in table.table:
        if kind == "custom":
            found += _custom_trackers(table, ids, consent_cookie)
        else:
            entry = table.sub(kind, _TRACKER_KEYS[kind])
            found.append(Tracker(kind, _tracker_category(entry, ids), settings[kind](entry, ids)))
            tags = _container_tags(entry, ids, consent_cookie) if kind == "gtm" else ()
            if tags:
                found[-1] = Tracker(kind, found[-1].category, {**found[-1].settings, "tags": tags})
    return tuple(found)


def banner_cookies(consent_cookie: str) -> tuple[str, ...]:
    """Every cookie name banner sets: the site's consent cookie and :data:`SERVICE_COOKIES`."""
    return (consent_cookie, *SERVICE_COOKIES)


def is_banner_cookie(name: str, consent_cookie: str) -> bool:
    """``name`` is, or could be taken for, a cookie banner sets (compared case-insensitively)."""
    folded = name.lower()
    return folded.startswith("banner_") or folded in (
        n.lower() for n in banner_cookies(consent_cookie)
    )


def _tracker_category(entry: Reader, ids: tuple[str, ...]) -> Any:
    expected = f"a non-essential category of this site ({', '.join(ids[1:])})"
    return entry.get(
        "category", _optional_category(ids), expected, REQUIRED, category_hint(entry, ids)
    )


def _ads_category(entry: Reader, ids: tuple[str, ...]) -> Any:
    expected = f"a non-essential category of this site ({', '.join(ids[1:])})"
    return entry.get("ads_category", _optional_category(ids), expected, None)


def _ga4(entry: Reader, ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "measurement_id": entry.get(
            "measurement_id", matches(GA4_ID), "a GA4 measurement id like G-ABC123XYZ9", REQUIRED
        ),
        "ads_category": _ads_category(entry, ids),
    }


def _gtm(entry: Reader, ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "container_id": entry.get(
            "container_id", matches(GTM_ID), "a Tag Manager container id like GTM-AB12CD3", REQUIRED
        ),
        "mode": entry.get("mode", lambda v: v in GTM_MODES, '"basic" or "advanced"', "basic"),
        "ads_category": _ads_category(entry, ids),
    }


def _meta_pixel(entry: Reader, ids: tuple[str, ...]) -> dict[str, Any]:
    return {
        "pixel_id": entry.get(
            "pixel_id", matches(PIXEL_ID), "a Meta Pixel id of 10 to 20 digits", REQUIRED
        )
    }


def _tiktok_pixel(entry: Reader, ids: tuple[str, ...]) -> dict[str, Any]:
    expected = "a TikTok Pixel id of 20 upper-case letters and digits like C4ABCDEFGHIJ12345678"
    return {"pixel_id": entry.get("pixel_id", matches(TIKTOK_ID), expected, REQUIRED)}


def _google_ads(entry: Reader, ids: tuple[str, ...]) -> dict[str, Any]:
    expected = "a Google Ads conversion id like AW-123456789"
    return {"conversion_id": entry.get("conversion_id", matches(ADS_ID), expected, REQUIRED)}


def _referral(entry: Reader, ids: tuple[str, ...], consent_cookie: str) -> dict[str, Any]:
    params_ok = list_of(matches(PARAM_NAME), 1, 10)

    def own_name(name: Any) -> bool:
        """A cookie name of the site's own, never one banner sets (it would overwrite it)."""
        return matches(COOKIE_NAME)(name) and not is_banner_cookie(name, consent_cookie)

    taken = ", ".join(banner_cookies(consent_cookie))
    expected = f"a cookie name that is not one banner sets ({taken}, banner_*)"
    return {
        "params": entry.get("params", params_ok, "a list of query parameter names", REQUIRED),
        "cookie": entry.get("cookie", own_name, expected, "ref_id"),
        "days": entry.get("days", is_int_between(1, 400), "days from 1 to 400", 30),
    }


_Settings = Callable[[Reader, tuple[str, ...]], dict[str, Any]]
_SETTINGS: dict[str, _Settings] = {
    "ga4": _ga4,
    "gtm": _gtm,
    "meta_pixel": _meta_pixel,
    "tiktok_pixel": _tiktok_pixel,
    "google_ads": _google_ads,
}


def _is_script_url(value: Any) -> bool:
    """An absolute https URL with a host and no credentials or spaces."""
    if not is_str(value) or len(value) > 2000 or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and "@" not in parts.netloc


def reaches_banner_keys(pattern: str) -> bool:
    """``pattern`` could match a ``banner_…`` name: banner's own storage keys (a pending
    withdrawal, the vouched token, the return state), which the loader's sweep applies
    every pattern to."""
    fixed = pattern[:-1] if pattern.endswith("*") else pattern
    return fixed.startswith("banner_") or (pattern.endswith("*") and "banner_".startswith(fixed))


def _cookie_patterns(consent_cookie: str) -> Callable[[Any], bool]:
    """Name patterns to delete on withdrawal; none may match a cookie or key banner sets."""

    def ok(pattern: Any) -> bool:
        return (
            matches(COOKIE_PATTERN)(pattern)
            and not any(cookie_matches(pattern, name) for name in banner_cookies(consent_cookie))
            and not reaches_banner_keys(pattern)
        )

    return list_of(ok, 0, 50)


def _recipient(entry: Reader) -> Recipient:
    if "recipient" not in entry.table:
        raise ConfigError(entry.source, entry.key("recipient"), f"{RECIPIENT} (required)")
    table = entry.sub("recipient", ("name", "country"))
    name = table.get("name", lambda v: is_str(v) and len(v) <= 200, "a company name", REQUIRED)
    expected = 'an ISO 3166-1 country code like "SG" (where the data goes)'
    return country_recipient(name, table.get("country", is_country_code, expected, REQUIRED))


RECIPIENT = 'a table like { name = "Hotjar Ltd", country = "MT" }'


def _custom_trackers(trackers: Reader, ids: tuple[str, ...], consent_cookie: str) -> list[Tracker]:
    """``[sites.S.trackers.custom.NAME]``: any script, loaded once its category is granted."""
    declared = trackers.table["custom"]
    if not isinstance(declared, dict):
        report(
            trackers.fail("custom", "a table of named scripts ([sites.ID.trackers.custom.NAME])")
        )
        return []
    table = trackers.sub("custom", tuple(declared))
    found = []
    for name in table.table:
        if not TRACKER_NAME.fullmatch(name):
            expected = "a tracker name of lower-case letters, digits, - and _"
            report(ConfigError(table.source, table.key(name), expected))
            continue
        entry = table.sub(name, _CUSTOM_KEYS)
        category = _tracker_category(entry, ids)
        patterns = entry.get(
            "cookies",
            _cookie_patterns(consent_cookie),
            "a list of cookie names, a trailing * for a prefix (never matching "
            f"{', '.join(banner_cookies(consent_cookie))} or banner_…)",
            [],
        )
        settings = {
            "name": name,
            "src": entry.get("src", _is_script_url, "an https URL of the script", REQUIRED),
            "cookies": tuple(patterns),
            "recipient": _recipient(entry),
        }
        found.append(Tracker("custom", category, settings))
    return found


#: What a tag inside a Tag Manager container may be: ``other`` names its recipient and cookies.
TAG_KINDS = ("ga4", "google_ads", "meta_pixel", "tiktok_pixel", "other")
_TAG_KEYS = ("kind", "category", "recipient", "cookies")


def _container_tags(gtm: Reader, ids: tuple[str, ...], consent_cookie: str) -> tuple[Tracker, ...]:
    """``[sites.S.trackers.gtm.tags.NAME]``: what the container runs, each with its category.

    A tag is a :class:`Tracker` the loader never starts itself (the container
    does): the notice names its recipient and country, withdrawal deletes its
    cookies. An ``other`` tag is kept as a ``custom`` tracker with its own
    ``recipient`` and ``cookies``.
    """
    declared = gtm.table.get("tags", {})
    if not isinstance(declared, dict):
        report(gtm.fail("tags", "a table of named tags ([sites.ID.trackers.gtm.tags.NAME])"))
        return ()
    table = gtm.sub("tags", tuple(declared))
    found = []
    for name in table.table:
        if not TRACKER_NAME.fullmatch(name):
            expected = "a tag name of lower-case letters, digits, - and _"
            report(ConfigError(table.source, table.key(name), expected))
            continue
        found.append(_container_tag(table.sub(name, _TAG_KEYS), name, ids, consent_cookie))
    return tuple(found)


def _container_tag(tag: Reader, name: str, ids: tuple[str, ...], consent_cookie: str) -> Tracker:
    kind = tag.get("kind", lambda v: v in TAG_KINDS, f"one of {', '.join(TAG_KINDS)}", REQUIRED)
    category = _tracker_category(tag, ids)
    if kind != "other":
        for key in ("recipient", "cookies"):
            if key in tag.table:
                report(ConfigError(tag.source, tag.key(key), 'nothing here unless kind = "other"'))
        title = f"{tracker_kind(kind).title} (Google Tag Manager)" if kind in TAG_KINDS else name
        return Tracker(str(kind), category, {"name": name, "title": title})
    patterns = tag.get(
        "cookies",
        _cookie_patterns(consent_cookie),
        "a list of cookie names, a trailing * for a prefix",
        [],
    )
    settings = {"name": name, "cookies": tuple(patterns), "recipient": _recipient(tag)}
    return Tracker("custom", category, settings)
