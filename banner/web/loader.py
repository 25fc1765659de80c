"""The embed script and the banner UI assets: ``/s/<site>/loader.js`` and friends.

The JavaScript lives as static files in ``static/``; Python only fills one
sentinel per file with data serialized as JSON (the site's settings for the
gate, one language's texts for the UI) and joins files: a site's gate is the
built part of each tracker kind it configures (``static/trackers/KIND.js``)
followed by the gate core, so a site carries only the code it uses. The same
bytes come out of the pure functions :func:`loader_bytes` and
:func:`ui_bytes`, so a CDN export can write exactly what the service serves.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from banner.core.config import SiteConfig
from banner.core.config_model import Tracker
from banner.core.consent import LANGUAGES
from banner.core.cookie_list import CookieRow
from banner.core.disclosure import CategoryNotice, category_notices, changes_since, first_layer
from banner.core.texts import banner_texts
from banner.core.tracker_kinds import CONSENT_MODE_KINDS, tracker_cookies, tracker_storage
from banner.resources import resource_dir
from banner.web.request_body import MAX_BODY_BYTES, cap_body
from banner.web.state import BannerState, service, state

loader = Blueprint("banner_loader", __name__)

GATE_FILE = "gate.js"
PARTS_FOLDER = "trackers"
#: The pseudo-tracker that carries Google Consent Mode for the Google kinds.
CONSENT_MODE = "consent_mode"
#: What each kind's part reads besides ``kind`` and ``category``, as
#: ``{setting: key in the gate}``: the ids of every kind share the key ``id``.
GATE_FIELDS: dict[str, dict[str, str]] = {
    "ga4": {"measurement_id": "id"},
    "gtm": {"container_id": "id", "mode": "mode"},
    "google_ads": {"conversion_id": "id"},
    "meta_pixel": {"pixel_id": "id"},
    "tiktok_pixel": {"pixel_id": "id"},
    "referral": {"params": "params", "cookie": "cookie", "days": "days"},
    "custom": {"src": "src"},
}
UI_FILE = "ui.js"
CSS_FILE = "ui.css"
SETTINGS_SENTINEL = "__BANNER_SETTINGS__"
UI_SENTINEL = "__BANNER_UI__"
JAVASCRIPT = "text/javascript"
CSS = "text/css"
#: The gate is revalidated often so a raised policy version reaches visitors
#: quickly; the UI changes only with the config or a release.
LOADER_MAX_AGE = 300
UI_MAX_AGE = 3600
#: Assets are cached per site, base URL and language; the base URL comes from
#: the Host header, so the cache is bounded rather than trusting it.
CACHE_LIMIT = 256

#: Characters that could end a ``<script>`` element or a JS string early.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """Serialize ``data`` as JSON that is also safe inside any script context."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)


@cache
def static_text(name: str) -> str:
    """A file of ``static/``, read once per process."""
    return (resource_dir("static") / name).read_text(encoding="utf-8")


def _fill(source: str, sentinel: str, data: Any) -> bytes:
    head, found, tail = source.partition(sentinel)
    if not found or sentinel in tail:
        raise ValueError(f"{sentinel} must occur exactly once")
    return (head + script_json(data) + tail).encode("utf-8")


def _tracker(tracker: Tracker) -> dict[str, Any]:
    fields = {key: tracker.settings[name] for name, key in GATE_FIELDS[tracker.kind].items()}
    if tracker.kind == "gtm":  # the container loads once any of its tags' categories is granted
        tags = [t.category for t in tracker.settings.get("tags", ())]
        fields["cats"] = _unique([tracker.category, *tags])
    return {"kind": tracker.kind, "category": tracker.category, **fields}


def _consent_mode(site: SiteConfig) -> list[dict[str, Any]]:
    """Consent Mode's signals and the categories they follow, when a Google kind is used.

    ``analytics_storage`` follows the GA4 and Tag Manager categories; the ad
    signals follow Google Ads' category and an ``ads_category`` where set.
    """
    google = [t for t in site.trackers if t.kind in CONSENT_MODE_KINDS]
    if not google:
        return []
    analytics: list[str] = []
    ads = [t.settings["ads_category"] for t in google if t.settings.get("ads_category")]
    for t in google:
        # A container's declared tags each follow their own category.
        tags = t.settings.get("tags", ()) or (t,)
        analytics += [g.category for g in tags if g.kind in ("ga4", "gtm")]
        ads += [g.category for g in tags if g.kind == "google_ads"]
    return [{"kind": CONSENT_MODE, "analytics": _unique(analytics), "ads": _unique(ads)}]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def gate_trackers(site: SiteConfig) -> list[dict[str, Any]]:
    """The trackers as the gate runs them, Consent Mode (when used) first."""
    return _consent_mode(site) + [_tracker(t) for t in site.trackers]


def gate_cookies(site: SiteConfig) -> dict[str, list[str]]:
    """The cookie and storage key patterns of the site's trackers, by the category that sets them.

    The gate deletes a cookie, and a localStorage or sessionStorage key, that
    some category sets when none of those categories is granted (a trailing
    ``*`` matches any suffix); each pattern applies to cookies and keys alike.
    """
    owned: dict[str, list[str]] = {}
    for tracker in site.notice_trackers:
        patterns = owned.setdefault(tracker.category, [])
        patterns += tracker_cookies(tracker.kind, tracker.settings) + tracker_storage(tracker.kind)
    return {category: _unique(patterns) for category, patterns in owned.items() if patterns}


def gate_parts(site: SiteConfig) -> list[str]:
    """The built part of every tracker kind ``site`` uses, in the order they run."""
    return _unique([t["kind"] for t in gate_trackers(site)])


def gate_settings(site: SiteConfig, base_url: str) -> dict[str, Any]:
    """What the gate needs to know about ``site``; ``base_url`` ends with ``/``.

    ``domain`` (the consent cookie's parent domain) is left out when unset.
    """
    domain = {"domain": site.cookie_domain} if site.cookie_domain else {}
    return {
        "site": site.id,
        "api": base_url,
        "v": site.policy_version,
        "days": site.consent_days,
        "cookie": site.cookie_name,
        **domain,
        "lang": site.default_language,
        "cats": [c for c in site.category_ids if c != "essential"],
        "trackers": gate_trackers(site),
        "sweep": gate_cookies(site),
    }


#: Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def ui_data(site: SiteConfig, base_url: str) -> dict[str, Any]:
    """The banner's theme, and its texts, categories and links in both languages.

    ``age``: the site asks for the age / guardian box; ``names``: the
    languages for the switch.
    """
    return {
        "theme": dict(site.theme),
        "age": site.asks_guardian,
        "names": LANGUAGE_NAMES,
        **{lang: _texts(site, base_url, lang) for lang in LANGUAGES},
    }


def _texts(site: SiteConfig, base_url: str, language: str) -> dict[str, Any]:
    pages = f"{base_url}s/{site.id}"
    texts = banner_texts(site, language)
    return {
        "t": texts,
        "n": first_layer(site, language, texts["manage"], texts["preferences_page"]),
        "c": [_category(c) for c in category_notices(site, language)],
        "ch": changes_since(site, language, 0),
        "l": {
            "privacy": site.privacy_policy_url,
            "cookies": f"{pages}/cookies?lang={language}",
            "preferences": f"{pages}/preferences?lang={language}",
        },
    }


def _category(category: CategoryNotice) -> dict[str, Any]:
    return {
        "id": category.id,
        "label": category.label,
        "description": category.description,
        "trackers": [t.line() for t in category.trackers],
        "cookies": [_cookie(c) for c in category.cookies],
    }


def _cookie(cookie: CookieRow) -> list[str]:
    return [cookie.name, cookie.provider, cookie.duration, cookie.purpose]


def loader_bytes(site: SiteConfig, base_url: str) -> bytes:
    """The gate script for ``site``, calling the service at ``base_url``.

    The parts of the site's tracker kinds come first (each registers itself),
    then the gate core with the settings filled in.
    """
    parts = "".join(static_text(f"{PARTS_FOLDER}/{kind}.js") for kind in gate_parts(site))
    gate = _fill(static_text(GATE_FILE), SETTINGS_SENTINEL, gate_settings(site, base_url))
    return parts.encode("utf-8") + gate


def ui_bytes(site: SiteConfig, base_url: str) -> bytes:
    """The banner UI script for ``site``, both languages included."""
    return _fill(static_text(UI_FILE), UI_SENTINEL, ui_data(site, base_url))


def css_bytes() -> bytes:
    return static_text(CSS_FILE).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Variant:
    """One encoding of a served file: its bytes and every header it goes out with.

    The headers are built once per file, so serving is a lookup; this path
    runs on every page view of every site.
    """

    body: bytes
    etag: str
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Asset:
    """One served file, plain and gzip-compressed, with their validators."""

    plain: Variant
    gzipped: Variant

    @classmethod
    def of(cls, body: bytes, mimetype: str, max_age: int) -> Asset:
        digest = hashlib.sha256(body).hexdigest()[:32]

        def variant(data: bytes, etag: str, encoding: tuple[tuple[str, str], ...]) -> Variant:
            headers = (
                ("Content-Type", f"{mimetype}; charset=utf-8"),
                *encoding,
                ("ETag", etag),
                ("Cache-Control", f"public, max-age={max_age}"),
                ("Vary", "Accept-Encoding"),
                ("X-Content-Type-Options", "nosniff"),
                ("Cross-Origin-Resource-Policy", "cross-origin"),
            )
            return Variant(data, etag, headers)

        return cls(
            variant(body, f'"{digest}"', ()),
            variant(
                gzip.compress(body, 9, mtime=0), f'"{digest}-gz"', (("Content-Encoding", "gzip"),)
            ),
        )


def _asset(key: tuple[str, ...], build: Any, mimetype: str, max_age: int) -> Asset:
    return cached_asset(state(), key, build, mimetype, max_age)


def cached_asset(
    banner: BannerState, key: tuple[str, ...], build: Any, mimetype: str, max_age: int
) -> Asset:
    """The asset ``key`` of this app, built once per config (and dropped when the file changes)."""
    extras = banner.extras
    config = banner.config
    if extras.get("loader_config") is not config:  # the config file changed: build afresh
        extras["loader_config"], extras["loader_assets"] = config, {}
    cached: dict[tuple[str, ...], Asset] = extras["loader_assets"]
    if key not in cached:
        if len(cached) >= CACHE_LIMIT:
            cached.clear()
        cached[key] = Asset.of(build(), mimetype, max_age)
    return cached[key]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` against ``etag`` by the weak comparison RFC 9110 asks for."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def _serve(asset: Asset) -> Response:
    """Answer with the gzip variant when accepted; ``304`` when the ETag matches."""
    headers = request.headers
    variant = asset.gzipped if "gzip" in headers.get("Accept-Encoding", "") else asset.plain
    if etag_matches(headers.get("If-None-Match"), variant.etag):
        return Response(status=304, headers=variant.headers)
    return Response(variant.body, headers=variant.headers)


@loader.before_request
def cap_loader_body() -> None:
    cap_body(MAX_BODY_BYTES)  # nothing here reads a body; a huge declared one is refused


@loader.errorhandler(HTTPException)
def loader_error(error: HTTPException) -> Response:
    """An unknown site's assets (or a refused body): the pages' translated error page."""
    from banner.web.pages import routing_error_page

    return routing_error_page(error)


def _site(site_id: str) -> SiteConfig:
    site = service().site(site_id)
    if site is None:
        abort(404)
    return site


@loader.get("/s/<site_id>/loader.js")
def loader_js(site_id: str) -> Response:
    """The gate: runs on every page view of the site."""
    site = _site(site_id)
    base = request.url_root
    asset = _asset(
        ("gate", site.id, base), lambda: loader_bytes(site, base), JAVASCRIPT, LOADER_MAX_AGE
    )
    return _serve(asset)


@loader.get("/s/<site_id>/ui.js")
def ui_js(site_id: str) -> Response:
    """The banner UI with its texts, loaded only when a choice is needed."""
    site = _site(site_id)
    base = request.url_root
    return _serve(
        _asset(("ui", site.id, base), lambda: ui_bytes(site, base), JAVASCRIPT, UI_MAX_AGE)
    )


@loader.get("/s/<site_id>/ui.css")
def ui_css(site_id: str) -> Response:
    """The banner's stylesheet (a file, so pages need no ``unsafe-inline`` style)."""
    _site(site_id)
    return _serve(_asset(("css",), css_bytes, CSS, UI_MAX_AGE))
