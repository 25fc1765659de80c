"""Configuration: every key, its default and its validation, declared once.

A config file is TOML (see the README's reference). Any mistake stops
start-up with one :class:`ConfigError` naming the file, the key and what
was expected. The environment may supply ``BANNER_CONFIG`` (the file),
``BANNER_SECRET_KEYS`` (comma separated, oldest first) and
``BANNER_DATABASE_URL``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from banner.consent import BUILTIN_CATEGORIES, CATEGORY_ID, ESSENTIAL, LANGUAGES

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


class ConfigError(Exception):
    """A configuration mistake: which file, which key, what was expected."""

    def __init__(self, source: str, key: str, expected: str, got: object = None) -> None:
        self.source, self.key, self.expected = source, key, expected
        shown = "" if got is None else f", got {got!r}"
        super().__init__(f"{source}: {key}: expected {expected}{shown}")


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


# --- value checks: each returns the clean value or raises ConfigError -------


class _Reader:
    """Reads one table of the TOML document, remembering the key path."""

    def __init__(self, source: str, path: str, table: object, known: tuple[str, ...]) -> None:
        self.source, self.path = source, path
        if not isinstance(table, dict):
            raise ConfigError(source, path, "a table")
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(source, self.key(unknown[0]), f"one of {', '.join(known)}")
        self.table: dict[str, Any] = table

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, expected: str) -> ConfigError:
        return ConfigError(self.source, self.key(name), expected, self.table.get(name))

    def get(self, name: str, check: Callable[[Any], bool], expected: str, default: Any) -> Any:
        if name not in self.table:
            if default is _REQUIRED:
                raise ConfigError(self.source, self.key(name), f"{expected} (required)")
            return default
        value = self.table[name]
        if not check(value):
            raise self.fail(name, expected)
        return value

    def sub(self, name: str, known: tuple[str, ...]) -> _Reader:
        return _Reader(self.source, self.key(name), self.table.get(name, {}), known)


_REQUIRED = object()


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != "" and "\x00" not in value


def _is_int_between(low: int, high: int) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

    return check


def _matches(pattern: re.Pattern[str]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_origin(value: Any) -> bool:
    """``scheme://host[:port]`` with nothing after it; http only for localhost."""
    if not isinstance(value, str) or value != value.strip() or value.endswith("/"):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    if parts.path or parts.query or parts.fragment or parts.username or not parts.hostname:
        return False
    if value != f"{parts.scheme}://{parts.netloc}" or parts.netloc != parts.netloc.lower():
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_local_host(parts.hostname))


def is_policy_url(value: Any) -> bool:
    """An absolute https URL (http only for localhost)."""
    if not _is_str(value):
        return False
    parts = urlsplit(value)
    if not parts.hostname or parts.username:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_local_host(parts.hostname))


def _is_bilingual(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == set(LANGUAGES)
        and all(_is_str(v) and len(v) <= 2000 for v in value.values())
    )


_BILINGUAL = 'a table with both languages, like { id = "…", en = "…" }'


def _cookie_domain(value: Any) -> bool:
    return (
        isinstance(value, str) and re.fullmatch(r"\.?([a-z0-9-]+\.)+[a-z]{2,}", value) is not None
    )


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


def _categories(site: _Reader) -> tuple[Category, ...]:
    declared = site.table.get("categories", {})
    if not isinstance(declared, dict):
        raise site.fail("categories", "a table of categories")
    extra: list[Category] = []
    for cid in declared:
        if not CATEGORY_ID.fullmatch(cid) or cid == ESSENTIAL:
            raise ConfigError(site.source, site.key(f"categories.{cid}"), "a new category id")
        known = ("label", "description")
        entry = site.sub("categories", tuple(declared)).sub(cid, known)
        default = {} if cid in BUILTIN_CATEGORIES else _REQUIRED
        label = entry.get("label", _is_bilingual, _BILINGUAL, default)
        description = entry.get("description", _is_bilingual, _BILINGUAL, default)
        extra.append(Category(cid, label, description))
    overridden = {c.id: c for c in extra}
    builtin = [overridden.pop(cid, Category(cid)) for cid in BUILTIN_CATEGORIES]
    return (*builtin, *overridden.values())


def _category_check(ids: tuple[str, ...], optional_only: bool) -> Callable[[Any], bool]:
    allowed = tuple(c for c in ids if not (optional_only and c == ESSENTIAL))
    return lambda value: value in allowed


def _trackers(site: _Reader, ids: tuple[str, ...]) -> tuple[Tracker, ...]:
    table = site.sub("trackers", tuple(_TRACKER_KEYS))
    return tuple(_tracker(table.sub(kind, _TRACKER_KEYS[kind]), kind, ids) for kind in table.table)


def _tracker(entry: _Reader, kind: str, ids: tuple[str, ...]) -> Tracker:
    expected = f"a non-essential category of this site ({', '.join(ids[1:])})"
    category = entry.get("category", _category_check(ids, True), expected, _REQUIRED)
    settings: dict[str, Any] = {}
    if kind == "ga4":
        settings["measurement_id"] = entry.get(
            "measurement_id", _matches(GA4_ID), "a GA4 measurement id like G-ABC123XYZ9", _REQUIRED
        )
        settings["ads_category"] = entry.get(
            "ads_category", _category_check(ids, True), expected, None
        )
    elif kind == "meta_pixel":
        settings["pixel_id"] = entry.get(
            "pixel_id", _matches(PIXEL_ID), "a Meta Pixel id of 10 to 20 digits", _REQUIRED
        )
    else:
        params_ok = _list_of(_matches(PARAM_NAME), 1, 10)
        settings["params"] = entry.get(
            "params", params_ok, "a list of query parameter names", _REQUIRED
        )
        settings["cookie"] = entry.get("cookie", _matches(COOKIE_NAME), "a cookie name", "ref_id")
        settings["days"] = entry.get("days", _is_int_between(1, 400), "days from 1 to 400", 30)
    return Tracker(kind, category, settings)


def _list_of(check: Callable[[Any], bool], low: int, high: int) -> Callable[[Any], bool]:
    def checker(value: Any) -> bool:
        return isinstance(value, list) and low <= len(value) <= high and all(map(check, value))

    return checker


def _cookies(site: _Reader, ids: tuple[str, ...]) -> tuple[CookieDeclaration, ...]:
    entries = site.table.get("cookies", [])
    if not isinstance(entries, list):
        raise site.fail("cookies", "an array of tables ([[sites.ID.cookies]])")
    keys = ("name", "provider", "category", "duration", "purpose")
    found = []
    for n, raw in enumerate(entries):
        entry = _Reader(site.source, site.key(f"cookies[{n}]"), raw, keys)
        found.append(
            CookieDeclaration(
                name=entry.get("name", _matches(COOKIE_NAME), "a cookie name", _REQUIRED),
                provider=entry.get("provider", _is_str, "a provider name", _REQUIRED),
                category=entry.get(
                    "category", _category_check(ids, False), f"one of {', '.join(ids)}", _REQUIRED
                ),
                duration=entry.get("duration", _is_bilingual, _BILINGUAL, _REQUIRED),
                purpose=entry.get("purpose", _is_bilingual, _BILINGUAL, _REQUIRED),
            )
        )
    return tuple(found)


def _texts(site: _Reader) -> dict[str, dict[str, str]]:
    table = site.sub("texts", LANGUAGES)
    texts: dict[str, dict[str, str]] = {}
    for lang in table.table:
        entry = table.sub(lang, OVERRIDABLE_TEXTS)
        texts[lang] = {
            k: entry.get(k, lambda v: _is_str(v) and len(v) <= 2000, "plain text", _REQUIRED)
            for k in entry.table
        }
    return texts


def _theme(site: _Reader) -> dict[str, str]:
    entry = site.sub("theme", THEME_KEYS)
    return {
        k: entry.get(k, _matches(COLOUR), "a colour like #0b5fff", _REQUIRED) for k in entry.table
    }


def _site(source: str, site_id: str, raw: object, default_language: str) -> SiteConfig:
    key = f"sites.{site_id}"
    if not SITE_ID.fullmatch(site_id):
        raise ConfigError(source, key, "a site id of lower-case letters, digits, - and _")
    site = _Reader(source, key, raw, _SITE_KEYS)
    categories = _categories(site)
    ids = tuple(c.id for c in categories)
    origins_ok = _list_of(is_origin, 1, 50)
    return SiteConfig(
        id=site_id,
        name=site.get("name", lambda v: _is_str(v) and len(v) <= 200, "a site name", _REQUIRED),
        origins=tuple(
            site.get(
                "origins",
                origins_ok,
                'a list of origins like "https://www.example.co.id" (scheme://host[:port], '
                "https, or http for localhost only)",
                _REQUIRED,
            )
        ),
        policy_version=site.get(
            "policy_version", _is_int_between(1, 1_000_000), "a whole number >= 1", 1
        ),
        privacy_policy_url=site.get(
            "privacy_policy_url", is_policy_url, "an https URL of the privacy policy", _REQUIRED
        ),
        consent_days=site.get("consent_days", _is_int_between(1, 400), "days from 1 to 400", 180),
        cookie_domain=site.get(
            "cookie_domain", _cookie_domain, 'a domain like ".example.co.id"', None
        ),
        cookie_name=site.get(
            "cookie_name", _matches(COOKIE_NAME), "a cookie name", "banner_consent"
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


def _secret_keys(main: _Reader, env: Mapping[str, str]) -> tuple[str, ...]:
    from_env = env.get("BANNER_SECRET_KEYS")
    if from_env is not None:
        keys = [k.strip() for k in from_env.split(",") if k.strip()]
        source, key = "environment", "BANNER_SECRET_KEYS"
    else:
        keys = main.table.get("secret_keys", _REQUIRED)
        source, key = main.source, main.key("secret_keys")
    expected = f"a list of secret keys of at least {MIN_KEY_LENGTH} characters, the last one signs"
    if keys is _REQUIRED:
        raise ConfigError(source, key, f"{expected} (required)")
    if not _list_of(lambda k: _is_str(k) and len(k) >= MIN_KEY_LENGTH, 1, 10)(keys):
        raise ConfigError(source, key, expected)
    return tuple(keys)


def parse_config(document: Mapping[str, Any], source: str, env: Mapping[str, str]) -> BannerConfig:
    """Validate a parsed TOML document into a :class:`BannerConfig`.

    :raises ConfigError: on the first mistake found.
    """
    top = _Reader(source, "", dict(document), ("banner", "sites"))
    main = top.sub("banner", _BANNER_KEYS)
    language = main.get("default_language", lambda v: v in LANGUAGES, '"id" or "en"', "id")
    sites_raw = top.table.get("sites", _REQUIRED)
    if not isinstance(sites_raw, dict) or not sites_raw:
        raise ConfigError(source, "sites", "at least one [sites.ID] table")
    database_url = env.get("BANNER_DATABASE_URL") or main.get(
        "database_url", _is_database_url, "a sqlite:/// or postgresql+psycopg:// URL", None
    )
    return BannerConfig(
        secret_keys=_secret_keys(main, env),
        database_url=database_url or DEFAULT_DATABASE_URL,
        default_language=language,
        proxy_count=main.get("proxy_count", _is_int_between(0, 5), "a number from 0 to 5", 0),
        sites={sid: _site(source, sid, raw, language) for sid, raw in sites_raw.items()},
        source=source,
        rate_limit=main.get(
            "rate_limit", _is_rate, 'a rate like "30/minute" or "5/second;100/hour"', "30/minute"
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
_RATE = re.compile(r"^\d{1,6}\s*/\s*(\d{1,4}\s*)?(second|minute|hour|day)s?$")


def _is_rate(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    return all(_RATE.fullmatch(part.strip()) for part in value.split(";"))


def _is_database_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("sqlite://", "postgresql"))


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


DEMO_SITE = "tokodemo"
DEMO_SERVICE_PORT = 8000
DEMO_SHOP_PORT = 8001


def demo_document(shop_port: int = DEMO_SHOP_PORT) -> dict[str, Any]:
    """The demo site "Toko Demo": a shop page on another origin than the service."""
    shop = f"http://localhost:{shop_port}"
    return {
        "banner": {
            "secret_keys": [secrets.token_urlsafe(32)],
            "database_url": "sqlite:///banner.db",
        },
        "sites": {
            DEMO_SITE: {
                "name": "Toko Demo",
                "origins": [shop, f"http://127.0.0.1:{shop_port}"],
                "policy_version": 1,
                "privacy_policy_url": f"{shop}/kebijakan-privasi",
                "trackers": {
                    "ga4": {"measurement_id": "G-DEMO12345X", "category": "analytics"},
                    "meta_pixel": {"pixel_id": "123456789012345", "category": "analytics"},
                    "referral": {
                        "params": ["ref", "aff_id"],
                        "cookie": "ref_id",
                        "category": "functional",
                    },
                },
                "cookies": [
                    {
                        "name": "_ga",
                        "provider": "Google",
                        "category": "analytics",
                        "duration": {"id": "2 tahun", "en": "2 years"},
                        "purpose": {"id": "Membedakan pengunjung", "en": "Distinguishes visitors"},
                    },
                    {
                        "name": "_fbp",
                        "provider": "Meta",
                        "category": "analytics",
                        "duration": {"id": "3 bulan", "en": "3 months"},
                        "purpose": {
                            "id": "Mengukur iklan Meta",
                            "en": "Measures Meta advertising",
                        },
                    },
                    {
                        "name": "ref_id",
                        "provider": "Toko Demo",
                        "category": "functional",
                        "duration": {"id": "30 hari", "en": "30 days"},
                        "purpose": {
                            "id": "Mengingat mitra yang merujuk Anda",
                            "en": "Remembers the partner who referred you",
                        },
                    },
                ],
            }
        },
    }


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
