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


UNITED_STATES = {"id": "Amerika Serikat", "en": "United States"}
GOOGLE = Recipient("Google LLC", UNITED_STATES, "US")
META = Recipient("Meta Platforms, Inc.", UNITED_STATES, "US")
TIKTOK = Recipient("TikTok Pte. Ltd.", {"id": "di luar Indonesia", "en": "outside Indonesia"}, "")
GOOGLE_HOSTS = ("googletagmanager.com", "google-analytics.com", "analytics.google.com")
ADS_HOSTS = ("googleadservices.com", "googlesyndication.com", "doubleclick.net")

KINDS: Mapping[str, TrackerKind] = {
    k.kind: k
    for k in (
        TrackerKind(
            "ga4", "Google Analytics 4", GOOGLE, ("_ga", "_ga_*", "_gid", "_gat*"), GOOGLE_HOSTS
        ),
        TrackerKind("gtm", "Google Tag Manager", GOOGLE, (), GOOGLE_HOSTS),
        TrackerKind(
            "google_ads", "Google Ads", GOOGLE, ("_gcl_*",), ("googletagmanager.com", *ADS_HOSTS)
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


def cookie_matches(pattern: str, name: str) -> bool:
    """A cookie name against a pattern whose trailing ``*`` matches any suffix."""
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return name == pattern


def host_matches(pattern: str, host: str) -> bool:
    """``host`` is ``pattern`` or one of its subdomains."""
    host = host.lower().rstrip(".")
    return host == pattern or host.endswith("." + pattern)
