"""Configuration: every key, its default and its validation, declared once.

A config file is TOML (see the README's reference). Any mistake stops
start-up with one :class:`ConfigError` naming the file, the key and what
was expected. The environment may supply ``BANNER_CONFIG`` (the file),
``BANNER_SECRET_KEYS`` (comma separated, oldest first) and
``BANNER_DATABASE_URL``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banner.config_values import (
    BILINGUAL,
    MIN_CONTRAST,
    REQUIRED,
    ConfigError,
    Reader,
    contrast_ratio,
    is_bilingual,
    is_cookie_domain,
    is_database_url,
    is_int_between,
    is_origin,
    is_policy_url,
    is_rate,
    is_str,
    list_of,
    matches,
)
from banner.consent import BUILTIN_CATEGORIES, CATEGORY_ID, ESSENTIAL, LANGUAGES
from banner.demo_site import demo_document

__all__ = [
    "BannerConfig",
    "Category",
    "ConfigError",
    "CookieDeclaration",
    "SiteConfig",
    "Tracker",
    "demo_config",
    "is_origin",
    "load_config",
    "parse_config",
]

MIN_KEY_LENGTH = 32
DEFAULT_DATABASE_URL = "sqlite:///banner.db"
SITE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
GA4_ID = re.compile(r"^G-[A-Z0-9]{4,16}$")
PIXEL_ID = re.compile(r"^[0-9]{10,20}$")
COOKIE_NAME = re.compile(r"^[A-Za-z0-9_.*-]{1,64}$")
PARAM_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Texts a site may override per language (shown as text, never HTML).
OVERRIDABLE_TEXTS: tuple[str, ...] = ("banner_title", "banner_body")
THEME_KEYS: tuple[str, ...] = ("primary", "background", "text")
#: Theme colours used when a site's config does not set them (WCAG AA on white).
DEFAULT_THEME = {"primary": "#1d4ed8", "background": "#ffffff", "text": "#1f2937"}
#: Colour pairs drawn as text on ground: body text, links and the quiet
#: buttons on the background, and the buttons' white ``label`` on primary.
THEME_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("primary", "background"),
    ("primary", "label"),
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
    """A built-in tracker the loader starts once ``category`` is granted."""

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

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

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


# --- sections ----------------------------------------------------------------

_SITE_KEYS = (
    "name",
    "origins",
    "policy_version",
    "privacy_policy_url",
    "consent_days",
    "cookie_domain",
    "cookie_name",
    "default_language",
    "categories",
    "trackers",
    "cookies",
    "texts",
    "theme",
)
_TRACKER_KEYS: dict[str, tuple[str, ...]] = {
    "ga4": ("measurement_id", "category", "ads_category"),
    "meta_pixel": ("pixel_id", "category"),
    "referral": ("params", "cookie", "days", "category"),
}


def _categories(site: Reader) -> tuple[Category, ...]:
    declared = site.table.get("categories", {})
    if not isinstance(declared, dict):
        raise site.fail("categories", "a table of categories")
    extra: list[Category] = []
    for cid in declared:
        if not CATEGORY_ID.fullmatch(cid) or cid == ESSENTIAL:
            raise ConfigError(site.source, site.key(f"categories.{cid}"), "a new category id")
        known = ("label", "description")
        entry = site.sub("categories", tuple(declared)).sub(cid, known)
        default = {} if cid in BUILTIN_CATEGORIES else REQUIRED
        label = entry.get("label", is_bilingual, BILINGUAL, default)
        description = entry.get("description", is_bilingual, BILINGUAL, default)
        extra.append(Category(cid, label, description))
    overridden = {c.id: c for c in extra}
    builtin = [overridden.pop(cid, Category(cid)) for cid in BUILTIN_CATEGORIES]
    return (*builtin, *overridden.values())


def _category_check(ids: tuple[str, ...], optional_only: bool) -> Callable[[Any], bool]:
    allowed = tuple(c for c in ids if not (optional_only and c == ESSENTIAL))
    return lambda value: value in allowed


def _trackers(site: Reader, ids: tuple[str, ...]) -> tuple[Tracker, ...]:
    table = site.sub("trackers", tuple(_TRACKER_KEYS))
    return tuple(_tracker(table.sub(kind, _TRACKER_KEYS[kind]), kind, ids) for kind in table.table)


def _tracker(entry: Reader, kind: str, ids: tuple[str, ...]) -> Tracker:
    expected = f"a non-essential category of this site ({', '.join(ids[1:])})"
    category = entry.get("category", _category_check(ids, True), expected, REQUIRED)
    settings: dict[str, Any] = {}
    if kind == "ga4":
        settings["measurement_id"] = entry.get(
            "measurement_id", matches(GA4_ID), "a GA4 measurement id like G-ABC123XYZ9", REQUIRED
        )
        settings["ads_category"] = entry.get(
            "ads_category", _category_check(ids, True), expected, None
        )
    elif kind == "meta_pixel":
        settings["pixel_id"] = entry.get(
            "pixel_id", matches(PIXEL_ID), "a Meta Pixel id of 10 to 20 digits", REQUIRED
        )
    else:
        params_ok = list_of(matches(PARAM_NAME), 1, 10)
        settings["params"] = entry.get(
            "params", params_ok, "a list of query parameter names", REQUIRED
        )
        settings["cookie"] = entry.get("cookie", matches(COOKIE_NAME), "a cookie name", "ref_id")
        settings["days"] = entry.get("days", is_int_between(1, 400), "days from 1 to 400", 30)
    return Tracker(kind, category, settings)


def _cookies(site: Reader, ids: tuple[str, ...]) -> tuple[CookieDeclaration, ...]:
    entries = site.table.get("cookies", [])
    if not isinstance(entries, list):
        raise site.fail("cookies", "an array of tables ([[sites.ID.cookies]])")
    keys = ("name", "provider", "category", "duration", "purpose")
    found = []
    for n, raw in enumerate(entries):
        entry = Reader(site.source, site.key(f"cookies[{n}]"), raw, keys)
        found.append(
            CookieDeclaration(
                name=entry.get("name", matches(COOKIE_NAME), "a cookie name", REQUIRED),
                provider=entry.get("provider", is_str, "a provider name", REQUIRED),
                category=entry.get(
                    "category", _category_check(ids, False), f"one of {', '.join(ids)}", REQUIRED
                ),
                duration=entry.get("duration", is_bilingual, BILINGUAL, REQUIRED),
                purpose=entry.get("purpose", is_bilingual, BILINGUAL, REQUIRED),
            )
        )
    return tuple(found)


def _texts(site: Reader) -> dict[str, dict[str, str]]:
    table = site.sub("texts", LANGUAGES)
    texts: dict[str, dict[str, str]] = {}
    for lang in table.table:
        entry = table.sub(lang, OVERRIDABLE_TEXTS)
        texts[lang] = {
            k: entry.get(k, lambda v: is_str(v) and len(v) <= 2000, "plain text", REQUIRED)
            for k in entry.table
        }
    return texts


def _theme(site: Reader) -> dict[str, str]:
    """The site's colours, each pair the banner and pages draw readable (WCAG AA)."""
    entry = site.sub("theme", THEME_KEYS)
    theme = {
        k: entry.get(k, matches(COLOUR), "a colour like #0b5fff", REQUIRED) for k in entry.table
    }
    colours = {**DEFAULT_THEME, **theme, "label": "#ffffff"}
    for key, against in THEME_PAIRS:
        if key not in theme and against not in theme:
            continue
        ratio = contrast_ratio(colours[key], colours[against])
        if ratio < MIN_CONTRAST:
            raise entry.fail(
                key if key in theme else against,
                f"colours readable together: {key} {colours[key]} against {against} "
                f"{colours[against]} has contrast {ratio:.2f}:1, WCAG AA needs {MIN_CONTRAST}:1",
            )
    return theme


def _site(source: str, site_id: str, raw: object, default_language: str) -> SiteConfig:
    key = f"sites.{site_id}"
    if not SITE_ID.fullmatch(site_id):
        raise ConfigError(source, key, "a site id of lower-case letters, digits, - and _")
    site = Reader(source, key, raw, _SITE_KEYS)
    categories = _categories(site)
    ids = tuple(c.id for c in categories)
    origins_ok = list_of(is_origin, 1, 50)
    return SiteConfig(
        id=site_id,
        name=site.get("name", lambda v: is_str(v) and len(v) <= 200, "a site name", REQUIRED),
        origins=tuple(
            site.get(
                "origins",
                origins_ok,
                'a list of origins like "https://www.example.co.id" (scheme://host[:port], '
                "https, or http for localhost only)",
                REQUIRED,
            )
        ),
        policy_version=site.get(
            "policy_version", is_int_between(1, 1_000_000), "a whole number >= 1", 1
        ),
        privacy_policy_url=site.get(
            "privacy_policy_url", is_policy_url, "an https URL of the privacy policy", REQUIRED
        ),
        consent_days=site.get("consent_days", is_int_between(1, 400), "days from 1 to 400", 180),
        cookie_domain=site.get(
            "cookie_domain", is_cookie_domain, 'a domain like ".example.co.id"', None
        ),
        cookie_name=site.get(
            "cookie_name", matches(COOKIE_NAME), "a cookie name", "banner_consent"
        ),
        default_language=site.get(
            "default_language", lambda v: v in LANGUAGES, '"id" or "en"', default_language
        ),
        categories=categories,
        trackers=_trackers(site, ids),
        cookies=_cookies(site, ids),
        texts=_texts(site),
        theme=_theme(site),
    )


def _secret_keys(main: Reader, env: Mapping[str, str]) -> tuple[str, ...]:
    from_env = env.get("BANNER_SECRET_KEYS")
    if from_env is not None:
        keys = [k.strip() for k in from_env.split(",") if k.strip()]
        source, key = "environment", "BANNER_SECRET_KEYS"
    else:
        keys = main.table.get("secret_keys", REQUIRED)
        source, key = main.source, main.key("secret_keys")
    expected = f"a list of secret keys of at least {MIN_KEY_LENGTH} characters, the last one signs"
    if keys is REQUIRED:
        raise ConfigError(source, key, f"{expected} (required)")
    if not list_of(lambda k: is_str(k) and len(k) >= MIN_KEY_LENGTH, 1, 10)(keys):
        raise ConfigError(source, key, expected)
    return tuple(keys)


def parse_config(document: Mapping[str, Any], source: str, env: Mapping[str, str]) -> BannerConfig:
    """Validate a parsed TOML document into a :class:`BannerConfig`.

    :raises ConfigError: on the first mistake found.
    """
    top = Reader(source, "", dict(document), ("banner", "sites"))
    main = top.sub("banner", _BANNER_KEYS)
    language = main.get("default_language", lambda v: v in LANGUAGES, '"id" or "en"', "id")
    sites_raw = top.table.get("sites", REQUIRED)
    if not isinstance(sites_raw, dict) or not sites_raw:
        raise ConfigError(source, "sites", "at least one [sites.ID] table")
    database_url = env.get("BANNER_DATABASE_URL") or main.get(
        "database_url", is_database_url, "a sqlite:/// or postgresql+psycopg:// URL", None
    )
    return BannerConfig(
        secret_keys=_secret_keys(main, env),
        database_url=database_url or DEFAULT_DATABASE_URL,
        default_language=language,
        proxy_count=main.get("proxy_count", is_int_between(0, 5), "a number from 0 to 5", 0),
        sites={sid: _site(source, sid, raw, language) for sid, raw in sites_raw.items()},
        source=source,
        rate_limit=main.get(
            "rate_limit", is_rate, 'a rate like "30/minute" or "5/second;100/hour"', "30/minute"
        ),
        rate_limit_storage=env.get("BANNER_RATE_LIMIT_STORAGE")
        or main.get(
            "rate_limit_storage",
            lambda v: isinstance(v, str) and v.startswith(("memory://", "redis://")),
            'memory:// or a redis:// URL like "redis://127.0.0.1:6379/0"',
            "memory://",
        ),
    )


_BANNER_KEYS = (
    "secret_keys",
    "database_url",
    "default_language",
    "proxy_count",
    "rate_limit",
    "rate_limit_storage",
)


def load_config(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> BannerConfig:
    """Load the config named by ``path`` or ``BANNER_CONFIG``; the demo without either.

    :raises ConfigError: when the file is missing, not TOML or not valid.
    """
    env = os.environ if env is None else env
    name = path or env.get("BANNER_CONFIG")
    if not name:
        return demo_config(env)
    source = str(name)
    try:
        document = tomllib.loads(Path(source).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "an existing TOML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, "(file)", f"a readable UTF-8 file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(syntax)", f"valid TOML ({exc})") from None
    return parse_config(document, source, env)


def demo_config(env: Mapping[str, str]) -> BannerConfig:
    """The no-config demo, with a generated development key."""
    config = parse_config(
        demo_document(),
        "(built-in demo)",
        {k: v for k, v in env.items() if k == "BANNER_DATABASE_URL"},
    )
    return BannerConfig(**{**_fields(config), "demo": True})


def _fields(config: BannerConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
