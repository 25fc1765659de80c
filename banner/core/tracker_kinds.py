"""What banner knows about each kind of tracker, as data in one place.

Who receives the data and in which country (the notice names them, UU PDP
Pasal 21 and 56), which first-party cookies the kind sets (deleted on
withdrawal, declared by the scanner) and which hosts it talks to (the loader
never contacts them before consent; the scanner flags them). The notice, the
loader, the scanner and the dashboard read this table; nothing else spells a
recipient or a tracker host.

A ``custom`` tracker declares its own recipient and cookies in the config;
``referral`` is the site itself (``recipient`` ``None`` means "the controller").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives what a tracker collects, and where (names as the company writes them)."""

    name: str
    #: the country, per language (``{"id": "Amerika Serikat", "en": "United States"}``)
    country: Mapping[str, str]
    #: ISO 3166-1 alpha-2 code of that country, ``""`` when not one country
    country_code: str

    @property
    def abroad(self) -> bool:
        """Data leaves Indonesia."""
        return self.country_code != "ID"


@dataclass(frozen=True, slots=True)
class TrackerKind:
    """One kind of tracker the loader can start."""

    kind: str
    #: the product's name as visitors know it
    title: str
    recipient: Recipient | None
    #: first-party cookie name patterns it sets; a trailing ``*`` is a prefix
    cookies: tuple[str, ...] = ()
    #: hosts it loads from or sends to (suffix match)
    hosts: tuple[str, ...] = field(default_factory=tuple)
    #: localStorage / sessionStorage key patterns it writes (cleared on withdrawal)
    storage: tuple[str, ...] = ()


UNITED_STATES = {"id": "Amerika Serikat", "en": "United States"}
GOOGLE = Recipient("Google LLC", UNITED_STATES, "US")
META = Recipient("Meta Platforms, Inc.", UNITED_STATES, "US")
#: TikTok's pixel data goes to TikTok Pte. Ltd. in Singapore (its terms for Indonesia).
TIKTOK = Recipient("TikTok Pte. Ltd.", {"id": "Singapura", "en": "Singapore"}, "SG")
GOOGLE_HOSTS = ("googletagmanager.com", "google-analytics.com", "analytics.google.com")
ADS_HOSTS = ("googleadservices.com", "googlesyndication.com", "doubleclick.net")
GA4_COOKIES = ("_ga", "_ga_*", "_gid", "_gat*")
#: The conversion linker keeps its click ids in localStorage too (``_gcl_ls``): the
#: gate applies these patterns to storage keys as well.
ADS_COOKIES = ("_gcl_*",)

KINDS: Mapping[str, TrackerKind] = {
    k.kind: k
    for k in (
        TrackerKind("ga4", "Google Analytics 4", GOOGLE, GA4_COOKIES, GOOGLE_HOSTS),
        # A container's Google tags set Google's cookies; withdrawal deletes them.
        TrackerKind(
            "gtm",
            "Google Tag Manager",
            GOOGLE,
            GA4_COOKIES + ADS_COOKIES,
            (*GOOGLE_HOSTS, *ADS_HOSTS),
        ),
        TrackerKind(
            "google_ads",
            "Google Ads",
            GOOGLE,
            ADS_COOKIES,
            ("googletagmanager.com", *ADS_HOSTS),
        ),
        TrackerKind(
            "meta_pixel",
            "Meta Pixel",
            META,
            ("_fbp", "_fbc"),
            ("connect.facebook.net", "facebook.com"),
        ),
        TrackerKind(
            "tiktok_pixel",
            "TikTok Pixel",
            TIKTOK,
            ("_ttp", "_tt_enable_cookie", "ttcsid*"),
            ("analytics.tiktok.com", "tiktok.com"),
            ("_ttp", "tt_appInfo", "tt_sessionId", "tt_pixel_session_index"),
        ),
        TrackerKind("referral", "Referral", None),
        TrackerKind("custom", "Custom script", None),
    )
}


def tracker_kind(kind: str) -> TrackerKind:
    """The kind named ``kind``.

    :raises KeyError: for a kind banner does not know.
    """
    return KINDS[kind]


#: Kinds that speak Google Consent Mode v2 through ``gtag``/``dataLayer``.
CONSENT_MODE_KINDS = ("ga4", "gtm", "google_ads")


def tracker_recipient(kind: str, settings: Mapping[str, Any]) -> Recipient | None:
    """Who receives what one configured tracker collects.

    A ``custom`` tracker's comes from its config (``settings["recipient"]``);
    every other kind's from :data:`KINDS`. ``None`` means the controller itself.
    """
    configured = settings.get("recipient")
    return configured if isinstance(configured, Recipient) else KINDS[kind].recipient


def tracker_cookies(kind: str, settings: Mapping[str, Any]) -> tuple[str, ...]:
    """Cookie name patterns one configured tracker sets (deleted on withdrawal)."""
    if kind == "custom":
        return tuple(settings.get("cookies", ()))
    if kind == "referral":
        return (settings["cookie"],)
    return KINDS[kind].cookies


def tracker_storage(kind: str) -> tuple[str, ...]:
    """localStorage / sessionStorage key patterns a tracker kind writes (cleared on withdrawal).

    A ``custom`` tracker's ``cookies`` patterns are applied to storage keys as well.
    """
    return KINDS[kind].storage


def country_recipient(name: str, country_code: str) -> Recipient:
    """A recipient in the country ``country_code`` (ISO 3166-1 alpha-2), named per language.

    :raises KeyError: for a code that names no country.
    """
    names = {lang: Locale.parse(lang).territories[country_code] for lang in ("id", "en")}
    return Recipient(name, names, country_code)


#: Two-letter codes Babel names that are not one country.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ"})


def is_country_code(code: object) -> bool:
    """``code`` is an upper-case ISO 3166-1 alpha-2 country code Babel knows."""
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and code not in _NOT_COUNTRIES
        and code in Locale.parse("en").territories
    )


def cookie_matches(pattern: str, name: str) -> bool:
    """A cookie name against a pattern whose trailing ``*`` matches any suffix."""
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def host_matches(pattern: str, host: str) -> bool:
    """``host`` is ``pattern`` or one of its subdomains."""
    host = host.lower().rstrip(".")
    return host == pattern or host.endswith("." + pattern)
