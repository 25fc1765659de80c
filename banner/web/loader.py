"""The embed script and the banner UI assets: ``/s/<site>/loader.js`` and friends.

The JavaScript lives as static files in ``static/``; Python only fills one
sentinel per file with data serialized as JSON (the site's settings for the
gate, one language's texts for the UI). The same bytes come out of the pure
functions :func:`loader_bytes` and :func:`ui_bytes`, so a CDN export can
write exactly what the service serves.
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

from banner.core.config import CookieDeclaration, SiteConfig
from banner.core.consent import LANGUAGES
from banner.core.texts import banner_texts, category_description, category_label
from banner.resources import resource_dir
from banner.web.request_body import MAX_BODY_BYTES, cap_body
from banner.web.state import service, state

loader = Blueprint("banner_loader", __name__)

GATE_FILE = "gate.js"
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


def _tracker(kind: str, category: str, settings: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "category": category, **settings}


def gate_settings(site: SiteConfig, base_url: str) -> dict[str, Any]:
    """What the gate needs to know about ``site``; ``base_url`` ends with ``/``."""
    return {
        "site": site.id,
        "api": base_url,
        "v": site.policy_version,
        "days": site.consent_days,
        "cookie": site.cookie_name,
        "domain": site.cookie_domain,
        "lang": site.default_language,
        "trackers": [_tracker(t.kind, t.category, dict(t.settings)) for t in site.trackers],
    }


def ui_data(site: SiteConfig, base_url: str) -> dict[str, Any]:
    """The banner's theme, and its texts, categories and links in both languages."""
    return {"theme": dict(site.theme), **{lang: _texts(site, base_url, lang) for lang in LANGUAGES}}


def _texts(site: SiteConfig, base_url: str, language: str) -> dict[str, Any]:
    pages = f"{base_url}s/{site.id}"
    return {
        "t": banner_texts(site, language),
        "c": [_category(site, cid, language) for cid in site.category_ids],
        "l": {
            "privacy": site.privacy_policy_url,
            "cookies": f"{pages}/cookies?lang={language}",
            "preferences": f"{pages}/preferences?lang={language}",
        },
    }


def _category(site: SiteConfig, category: str, language: str) -> dict[str, Any]:
    cookies = [c for c in site.cookies if c.category == category]
    return {
        "id": category,
        "label": category_label(site, category, language),
        "description": category_description(site, category, language),
        "cookies": [_cookie(c, language) for c in cookies],
    }


def _cookie(cookie: CookieDeclaration, language: str) -> list[str]:
    return [cookie.name, cookie.provider, cookie.duration[language], cookie.purpose[language]]


def loader_bytes(site: SiteConfig, base_url: str) -> bytes:
    """The gate script for ``site``, calling the service at ``base_url``."""
    return _fill(static_text(GATE_FILE), SETTINGS_SENTINEL, gate_settings(site, base_url))


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
    cached: dict[tuple[str, ...], Asset] = state().extras.setdefault("loader_assets", {})
    if key not in cached:
        if len(cached) >= CACHE_LIMIT:
            cached.clear()
        cached[key] = Asset.of(build(), mimetype, max_age)
    return cached[key]


def _matches(if_none_match: str | None, etag: str) -> bool:
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
    if _matches(headers.get("If-None-Match"), variant.etag):
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
