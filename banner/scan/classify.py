"""From a cookie, storage key or request to a platform and one of our categories.

Order for cookies and storage keys: banner's own; a tracker the site
configures (its category is the operator's choice); the cookie databases
(exact name, then prefix); the site's declaration; else ``"unknown"``. For
requests: banner's own endpoints; the tracker kinds' hosts; the databases'
hosts; else ``"unknown"``. Nothing is guessed from a name's look.

The databases' categories map to ours: Functional is ``essential`` when its
description says it is needed to run the site, else ``functional``;
Analytics is ``analytics``; Marketing is the site's ``marketing`` category if
it declares one, else ``analytics``; Personalization is ``preference``;
Security (and the database's few Necessary) is ``essential``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from banner.core.config_model import SiteConfig
from banner.core.consent import ESSENTIAL
from banner.core.tracker_kinds import KINDS, TrackerKind, cookie_matches, host_matches
from banner.scan.cookie_db import CookieDatabase, Known

UNKNOWN = "unknown"
MARKETING = "marketing"
BANNER = "banner"
DEFAULT_CONSENT_COOKIE = "banner_consent"
OWN_STORAGE_PREFIX = "banner_pending_"
OWN_PATHS = re.compile(r"^/s/[a-z0-9][a-z0-9_-]*/(loader\.js|ui\.js|ui\.css)$|^/api/v1/consent$")
#: Words in a Functional description that make the cookie needed to run the site.
NEEDED = re.compile(
    r"load.?balanc|security|csrf|xsrf|authenticat|log.?in|fraud|bot|essential|necessary"
    r"|strictly|consent|cookie preferences|shopping (cart|basket)",
    re.IGNORECASE,
)
DIRECT = {"Analytics": "analytics", "Personalization": "preference", "Security": ESSENTIAL}
DIRECT["Necessary"] = ESSENTIAL
#: What each tracker kind is in the databases' vocabulary, when the site does not configure it.
KIND_CATEGORY = {
    "ga4": "Analytics",
    "gtm": "Analytics",
    "google_ads": "Marketing",
    "meta_pixel": "Marketing",
    "tiktok_pixel": "Marketing",
}

#: A script file that names its tracker kind, whoever configures what.
PATH_KINDS = {"gtm.js": "gtm"}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a cookie, key or request is, and who said so."""

    platform: str | None
    category: str
    #: ``banner``, ``site-config``, ``open-cookie-database``, ``banner-supplement``,
    #: ``tracker-kind``, ``declaration``, or ``None`` when unknown
    source: str | None
    known: Known | None = None
    #: who receives the data, where known
    controller: str | None = None


NOT_KNOWN = Verdict(None, UNKNOWN, None)


def our_category(theirs: str, description: str, categories: tuple[str, ...]) -> str:
    """One of our categories for a database category, ``"unknown"`` when it has none."""
    if theirs == "Functional":
        return ESSENTIAL if NEEDED.search(description) else "functional"
    if theirs == "Marketing":
        return MARKETING if MARKETING in categories else "analytics"
    return DIRECT.get(theirs, UNKNOWN)


class Classifier:
    """Classifies what a scan saw, for one site (or none)."""

    def __init__(self, db: CookieDatabase, site: SiteConfig | None) -> None:
        self.db = db
        self.site = site
        self.categories = site.category_ids if site else ()
        self.consent_cookie = site.cookie_name if site else DEFAULT_CONSENT_COOKIE

    def cookie(self, name: str) -> Verdict:
        """A cookie or storage key by its name."""
        if name == self.consent_cookie or name.startswith(OWN_STORAGE_PREFIX):
            return Verdict(BANNER, ESSENTIAL, BANNER)
        return (
            self._configured_cookie(name)
            or self._known_cookie(name)
            or self._declared(name)
            or NOT_KNOWN
        )

    def request(self, url: str) -> Verdict:
        """A request to another host."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if OWN_PATHS.match(parts.path):
            return Verdict(BANNER, ESSENTIAL, BANNER)
        return self._tracker_host(host, parts.path) or self._known_host(host) or NOT_KNOWN

    def _known(self, known: Known | None) -> Verdict | None:
        if known is None:
            return None
        category = our_category(known.category, known.description, self.categories)
        return Verdict(known.platform, category, known.source, known, known.controller or None)

    def _known_cookie(self, name: str) -> Verdict | None:
        return self._known(self.db.cookie(name))

    def _known_host(self, host: str) -> Verdict | None:
        return self._known(self.db.host(host))

    def _configured_cookie(self, name: str) -> Verdict | None:
        if self.site is None:
            return None
        # the tags a Tag Manager container declares count as configured too
        for tracker in self.site.notice_trackers:
            patterns = [*KINDS[tracker.kind].cookies] if tracker.kind in KINDS else []
            patterns += [str(tracker.settings.get("cookie") or "")]
            patterns += [str(p) for p in tracker.settings.get("cookies") or ()]
            if any(p and cookie_matches(p, name) for p in patterns):
                kind = KINDS.get(tracker.kind)
                title = kind.title if kind else tracker.kind
                owner = kind.recipient.name if kind and kind.recipient else self.site.name
                known = self.db.cookie(name)
                return Verdict(title, tracker.category, "site-config", known, owner)
        return None

    def _declared(self, name: str) -> Verdict | None:
        for declared in self.site.cookies if self.site else ():
            if cookie_matches(declared.name, name):
                return Verdict(
                    declared.provider, declared.category, "declaration", None, declared.provider
                )
        return None

    def _tracker_host(self, host: str, path: str = "/") -> Verdict | None:
        kinds = [k for k in KINDS.values() if any(host_matches(h, host) for h in k.hosts)]
        if not kinds:
            return None
        # Several kinds share Google's hosts: a script's file name may say which one it is.
        named = [k for k in kinds if PATH_KINDS.get(path.rsplit("/", 1)[-1]) == k.kind]
        kinds = named or kinds
        trackers = self.site.notice_trackers if self.site else ()
        configured = {t.kind: t.category for t in reversed(trackers)}
        for kind in kinds:
            if kind.kind in configured:
                return Verdict(kind.title, configured[kind.kind], "site-config", None, _owner(kind))
        first = kinds[0]
        category = our_category(KIND_CATEGORY.get(first.kind, ""), "", self.categories)
        return Verdict(first.title, category, "tracker-kind", None, _owner(first))


def _owner(kind: TrackerKind) -> str | None:
    return kind.recipient.name if kind.recipient else None
