"""What a validated config is: the sites, their categories, trackers and
cookie declarations, and the service-wide settings. Built by
:mod:`banner.core.config`; read by every other part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from banner.core.config_webhooks import Webhook
from banner.core.consent import BUILTIN_CATEGORIES, ESSENTIAL

MIN_KEY_LENGTH = 32
DEFAULT_TIMEZONE = "Asia/Jakarta"
DEFAULT_DATABASE_URL = "sqlite:///banner.db"
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
GA4_ID = re.compile(r"^G-[A-Z0-9]{4,16}$")
PIXEL_ID = re.compile(r"^[0-9]{10,20}$")
GTM_ID = re.compile(r"^GTM-[A-Z0-9]{4,12}$")
TIKTOK_ID = re.compile(r"^[A-Z0-9]{20}$")
ADS_ID = re.compile(r"^AW-[0-9]{6,15}$")
#: A custom tracker's name: ``[sites.S.trackers.custom.NAME]``.
TRACKER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: A cookie name, or a prefix of names when it ends with ``*``.
COOKIE_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}\*?$")
GTM_MODES = ("basic", "advanced")
COOKIE_NAME = re.compile(r"^[A-Za-z0-9_.*-]{1,64}$")
#: Cookies banner itself sets beside the consent cookie: the hosted pages' session
#: (Flask's ``session``) and the dashboard's login (:mod:`banner.admin.session`).
#: A configured cookie may not take one of these names, nor any ``banner_`` name.
SERVICE_COOKIES: tuple[str, ...] = ("session", "banner_admin")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Texts a site may override per language (shown as text, never HTML).
OVERRIDABLE_TEXTS: tuple[str, ...] = ("banner_title", "banner_body")
THEME_KEYS: tuple[str, ...] = ("primary", "background", "text")
#: Theme colours used when a site's config does not set them (WCAG AA on white).
DEFAULT_THEME = {"primary": "#1d4ed8", "background": "#ffffff", "text": "#1f2937"}
#: Colours the banner and the hosted pages draw whatever the theme
#: (``static/src/ui.css``, ``static/pages.css``), with what each one is.
FIXED_COLOURS: dict[str, tuple[str, str]] = {
    "label": ("#ffffff", "the buttons' label and the switches' knob"),
    "switch_off": ("#6b7280", "the track of a switched-off switch"),
    "muted": ("#4b5563", "secondary text such as “Always on”"),
    "tint": ("#f3f4f6", "the ground of notes and of the current choice"),
}
#: Every pair the UI draws, with the contrast WCAG 2.2 AA asks of it: text
#: 4.5:1 (1.4.3), a control's outline or state 3:1 (1.4.11).
THEME_PAIRS: tuple[tuple[str, str, float], ...] = (
    ("text", "background", 4.5),
    ("primary", "background", 4.5),
    ("primary", "label", 4.5),
    ("switch_off", "background", 3.0),
    ("muted", "background", 4.5),
    ("text", "tint", 4.5),
    ("primary", "tint", 4.5),
)


@dataclass(frozen=True, slots=True)
class Category:
    """A consent category; built-in ones take their texts from the catalogs."""

    id: str
    label: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)

    @property
    def builtin(self) -> bool:
        return self.id in BUILTIN_CATEGORIES


@dataclass(frozen=True, slots=True)
class Tracker:
    """A tracker the loader starts once ``category`` is granted.

    ``settings`` holds the kind's own keys; a ``custom`` tracker's are
    ``name``, ``src``, ``cookies`` and ``recipient`` (a
    :class:`banner.core.tracker_kinds.Recipient`).
    """

    kind: str
    category: str
    settings: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CookieDeclaration:
    """One cookie shown to visitors in the cookie declaration."""

    name: str
    provider: str
    category: str
    duration: Mapping[str, str]
    purpose: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Controller:
    """Who decides what happens to the data (UU PDP's *pengendali data pribadi*)."""

    name: str
    #: an e-mail address or an https URL where visitors reach the controller
    contact: str
    address: str | None = None

    @property
    def contact_href(self) -> str:
        """A link to the contact: the URL itself, or ``mailto:`` for an address."""
        web = self.contact.startswith(("https://", "http://"))
        return self.contact if web else f"mailto:{self.contact}"


#: ``children`` values: ``off`` (no age question) or ``guardian`` (UU PDP Pasal 25).
CHILDREN_MODES: tuple[str, ...] = ("off", "guardian")


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """One website served by this banner."""

    id: str
    name: str
    origins: tuple[str, ...]
    policy_version: int
    privacy_policy_url: str
    consent_days: int
    cookie_domain: str | None
    cookie_name: str
    default_language: str
    categories: tuple[Category, ...]
    trackers: tuple[Tracker, ...]
    cookies: tuple[CookieDeclaration, ...]
    texts: Mapping[str, Mapping[str, str]]
    theme: Mapping[str, str]
    #: IANA zone in which times are shown to people (the log stays UTC)
    timezone: str = DEFAULT_TIMEZONE
    #: named on the first layer; defaults to the site's name and privacy policy
    controller: Controller | None = None
    #: policy version -> what changed, per language (``{"id": ..., "en": ...}``)
    changes: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    #: ``guardian``: granting needs the visitor to confirm age or a guardian's consent
    children: str = "off"
    #: the privacy policy's section on the data subject's rights (an https URL)
    rights_url: str | None = None
    #: ``categories = [...]`` chose the categories asked (else: those used)
    categories_listed: bool = False
    #: ``[sites.S.webhooks.NAME]``: receivers of this site's events (issue 25)
    webhooks: tuple[Webhook, ...] = ()
    #: the ids of ``categories``, made once: every decision is checked against them
    category_ids: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "category_ids", tuple(c.id for c in self.categories))

    @property
    def the_controller(self) -> Controller:
        """The controller as configured, or the site itself reached via its privacy policy."""
        return self.controller or Controller(self.name, self.privacy_policy_url)

    @property
    def asks_guardian(self) -> bool:
        return self.children == "guardian"

    def needs_age_confirmation(self, granted: Iterable[str]) -> bool:
        """Granting anything non-essential on a ``guardian`` site needs the age box ticked."""
        return self.asks_guardian and any(c != ESSENTIAL for c in granted)

    @property
    def notice_trackers(self) -> tuple[Tracker, ...]:
        """Every tracker the notice names and withdrawal sweeps: the configured
        ones, then the tags each Tag Manager container declares."""
        tags = (tag for t in self.trackers for tag in t.settings.get("tags", ()))
        return (*self.trackers, *tags)

    @property
    def max_age(self) -> int:
        """Token and cookie lifetime in seconds."""
        return self.consent_days * 86400

    def allows_origin(self, origin: str | None) -> bool:
        return origin is not None and origin in self.origins


@dataclass(frozen=True, slots=True)
class BannerConfig:
    """The whole service: keys, store and sites."""

    secret_keys: tuple[str, ...]
    database_url: str
    default_language: str
    proxy_count: int
    sites: Mapping[str, SiteConfig]
    source: str
    demo: bool = False
    rate_limit: str = "30/minute"
    rate_limit_storage: str = "memory://"
    #: the base (ending with ``/``) written into cacheable responses; ``""``: the request's
    public_url: str = ""
    #: seconds a browser or cache may keep ``loader.js`` (0: revalidate every page view)
    loader_max_age: int = 60
    #: the consent log's Ed25519 signing key (PEM); ``None``: one kept in the database
    log_key_file: str | None = None
    #: seconds before a failed webhook delivery's first retry (doubling up to 10 minutes)
    webhook_first_retry: float = 5.0
