"""The embed script and the banner UI assets: ``/s/<site>/loader.js`` and friends.

The JavaScript lives as static files in ``static/``; Python only fills one
sentinel per file with data serialized as JSON (the site's settings for the
gate, the notices for the UI) and joins files: a site's gate is the
built part of each tracker kind it configures (``static/trackers/KIND.js``)
followed by the gate core, so a site carries only the code it uses. The same
bytes come out of the pure functions :func:`loader_bytes` and
:func:`banner.web.site_files.site_files`, so a CDN export can write exactly
what the service serves; :mod:`banner.web.asset_cache` holds them as served.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from banner.core.config import SiteConfig
from banner.core.config_model import Tracker
from banner.core.tracker_kinds import CONSENT_MODE_KINDS, tracker_cookies, tracker_storage
from banner.log.store import StoreUnavailable
from banner.resources import resource_dir
from banner.web.request_body import MAX_BODY_BYTES, cap_body
from banner.web.state import service, state

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
SETTINGS_SENTINEL = "__BANNER_SETTINGS__"
UI_SENTINEL = "__BANNER_UI__"

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


def fill(source: str, sentinel: str, data: Any) -> bytes:
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


def gate_settings(site: SiteConfig, base_url: str, ui: str = "") -> dict[str, Any]:
    """What the gate needs to know about ``site``; ``base_url`` ends with ``/``.

    ``domain`` (the consent cookie's parent domain) is left out when unset;
    ``ui`` is the hash that names the UI's files (``ui.<hash>.js`` and ``.css``).
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
        "ui": ui,
    }


def loader_bytes(site: SiteConfig, base_url: str, ui: str = "") -> bytes:
    """The gate script for ``site``, calling the service at ``base_url``.

    The parts of the site's tracker kinds come first (each registers itself),
    then the gate core with the settings filled in.

    :param ui: the hash naming the UI's files (see :mod:`banner.web.site_files`).
    """
    parts = "".join(static_text(f"{PARTS_FOLDER}/{kind}.js") for kind in gate_parts(site))
    gate = fill(static_text(GATE_FILE), SETTINGS_SENTINEL, gate_settings(site, base_url, ui))
    return parts.encode("utf-8") + gate


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


@loader.errorhandler(StoreUnavailable)
def loader_store_error(error: StoreUnavailable) -> Response:
    """The notices could not be archived: nothing unarchived is ever served."""
    return Response(
        "notice archive unavailable; retry later",
        status=503,
        mimetype="text/plain",
        headers={"Retry-After": str(error.retry_after), "Cache-Control": "no-store"},
    )


def serve_file(site_id: str, name: str) -> Response:
    """Answer with the gzip variant when accepted; ``304`` when the ETag matches.

    An outdated ``ui.<hash>`` name (a page holding an older gate) is sent to
    the current file: such a page still draws a banner, with today's words,
    and records the hash of what it drew.
    """
    from banner.web.asset_cache import etag_matches, site_assets

    found = site_assets(state(), _site(site_id), request.url_root)
    asset = found.assets.get(name)
    if asset is None:
        current = found.current_name(name)
        if current is None:
            abort(404)
        return Response(status=307, headers={"Location": current, "Cache-Control": "no-cache"})
    headers = request.headers
    variant = asset.pick(headers.get("Accept-Encoding", ""))
    if etag_matches(headers.get("If-None-Match"), variant.etag):
        return Response(status=304, headers=variant.headers)
    return Response(variant.body, headers=variant.headers)


@loader.get("/s/<site_id>/loader.js")
def loader_js(site_id: str) -> Response:
    """The gate: runs on every page view of the site; names the current UI files."""
    return serve_file(site_id, "loader.js")


@loader.get("/s/<site_id>/ui.<digest>.<extension>")
def ui_hashed(site_id: str, digest: str, extension: str) -> Response:
    """The banner UI with its notices, or its stylesheet, under a name hashed from its bytes."""
    return serve_file(site_id, f"ui.{digest}.{extension}")


@loader.get("/s/<site_id>/ui.js")
def ui_js(site_id: str) -> Response:
    """The current UI under its old fixed name (gates cached before the names were hashed)."""
    return serve_file(site_id, "ui.js")


@loader.get("/s/<site_id>/ui.css")
def ui_css(site_id: str) -> Response:
    """The banner's stylesheet under its old fixed name."""
    return serve_file(site_id, "ui.css")
