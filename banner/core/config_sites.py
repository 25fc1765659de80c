"""One ``[sites.ID]`` table of the config, validated into a :class:`SiteConfig`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from banner.core.config_categories import asked_categories, parse_categories, used_categories
from banner.core.config_model import (
    COLOUR,
    COOKIE_NAME,
    DEFAULT_THEME,
    DEFAULT_TIMEZONE,
    FIXED_COLOURS,
    OVERRIDABLE_TEXTS,
    SERVICE_COOKIES,
    SITE_ID,
    THEME_KEYS,
    THEME_PAIRS,
    CookieDeclaration,
    SiteConfig,
)
from banner.core.config_notice import parse_changes, parse_children, parse_controller
from banner.core.config_trackers import parse_trackers
from banner.core.config_values import (
    BILINGUAL,
    REQUIRED,
    ConfigError,
    Reader,
    category_hint,
    contrast_ratio,
    is_bilingual,
    is_cookie_domain,
    is_int_between,
    is_origin,
    is_policy_url,
    is_str,
    is_timezone,
    list_of,
    matches,
    report,
)
from banner.core.config_webhooks import parse_webhooks
from banner.core.consent import ESSENTIAL, LANGUAGES

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
    "timezone",
    # the notice (banner.core.config_notice)
    "controller",
    "changes",
    "children",
    "rights_url",
    # where decisions are sent (banner.core.config_webhooks)
    "webhooks",
)


def _category_check(ids: tuple[str, ...], optional_only: bool) -> Callable[[Any], bool]:
    allowed = tuple(c for c in ids if not (optional_only and c == ESSENTIAL))
    return lambda value: value in allowed


def _cookies(site: Reader, ids: tuple[str, ...]) -> tuple[CookieDeclaration, ...]:
    entries = site.table.get("cookies", [])
    if not isinstance(entries, list):
        report(site.fail("cookies", "an array of tables ([[sites.ID.cookies]])"))
        return ()
    keys = ("name", "provider", "category", "duration", "purpose")
    found = []
    for n, raw in enumerate(entries):
        entry = Reader(site.source, site.key(f"cookies[{n}]"), raw, keys)
        found.append(
            CookieDeclaration(
                name=entry.get("name", matches(COOKIE_NAME), "a cookie name", REQUIRED),
                provider=entry.get("provider", is_str, "a provider name", REQUIRED),
                category=entry.get(
                    "category",
                    _category_check(ids, False),
                    f"one of {', '.join(ids)}",
                    REQUIRED,
                    category_hint(entry, ids),
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
    valid = {k: v for k, v in theme.items() if isinstance(v, str)}  # the others are reported
    colours = {**DEFAULT_THEME, **valid, **{k: c for k, (c, _) in FIXED_COLOURS.items()}}
    for key, against, minimum in THEME_PAIRS:  # every unreadable pair is its own mistake
        if key in valid or against in valid:
            _check_pair(entry, (key, against, minimum), colours)
    return theme


def _check_pair(entry: Reader, pair: tuple[str, str, float], colours: dict[str, str]) -> None:
    key, against, minimum = pair
    ratio = contrast_ratio(colours[key], colours[against])
    if ratio < minimum:
        readable = (
            f"colours readable together: {_named(key, colours)} against "
            f"{_named(against, colours)} has contrast {ratio:.2f}:1, WCAG AA needs {minimum:g}:1"
        )
        report(entry.fail(key if key in entry.table else against, readable))


def _named(key: str, colours: dict[str, str]) -> str:
    """``text #777777``, or for a colour the theme cannot change, what it is."""
    fixed = FIXED_COLOURS.get(key)
    return f"{key} {colours[key]}" + (f" (fixed: {fixed[1]})" if fixed else "")


def parse_site(
    source: str,
    site_id: str,
    raw: object,
    default_language: str,
    env: Mapping[str, str] | None = None,
) -> SiteConfig:
    """One site; ``env`` supplies the webhooks' ``secret_env`` variables."""
    key = f"sites.{site_id}"
    if not SITE_ID.fullmatch(site_id):
        raise ConfigError(source, key, "a site id of lower-case letters, digits, - and _")
    if not isinstance(raw, dict):
        raise ConfigError(source, key, "a table")
    site = Reader(source, key, raw, _SITE_KEYS)
    known, listed = parse_categories(site)
    ids = listed or tuple(c.id for c in known)
    origins_ok = list_of(is_origin, 1, 50)
    config = SiteConfig(
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
            "cookie_name",
            lambda v: matches(COOKIE_NAME)(v) and v.lower() not in SERVICE_COOKIES,
            f"a cookie name other than {' and '.join(SERVICE_COOKIES)} (banner sets those)",
            "banner_consent",
        ),
        default_language=site.get(
            "default_language", lambda v: v in LANGUAGES, '"id" or "en"', default_language
        ),
        categories=known,
        trackers=parse_trackers(site, ids),
        cookies=_cookies(site, ids),
        texts=_texts(site),
        theme=_theme(site),
        timezone=site.get(
            "timezone", is_timezone, 'an IANA time zone like "Asia/Jakarta"', DEFAULT_TIMEZONE
        ),
        controller=parse_controller(site),
        changes=parse_changes(site),
        children=parse_children(site),
        rights_url=site.get(
            "rights_url", is_policy_url, "an https URL of the privacy policy's rights section", None
        ),
        categories_listed=listed is not None,
        webhooks=parse_webhooks(site, env or {}),
    )
    asked = asked_categories(known, listed, used_categories(config))
    return replace(config, categories=asked)
