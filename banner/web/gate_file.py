"""The gate's bytes: a site's ``loader.js`` built from the static files and its settings.

The JavaScript lives as static files in ``static/``; Python only fills one
sentinel per file with data serialized as JSON. A site's gate is the built part
of each tracker kind it configures (``static/trackers/KIND.js``) followed by the
gate core, so a site carries only the code it uses. These functions are pure
(no request, no app): the service (:mod:`banner.web.loader`), the asset cache
and the static export (:mod:`banner.web.site_files`) all call them, so a CDN
export writes exactly what the service serves.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from banner.core.config import SiteConfig
from banner.core.config_model import Tracker
from banner.core.tracker_kinds import CONSENT_MODE_KINDS, tracker_cookies, tracker_storage
from banner.resources import resource_dir

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


def script_json(data: Any, *, sort_keys: bool) -> str:
    """Serialize ``data`` as JSON that is also safe inside any script context.

    Every caller says whether keys are sorted. The gate's settings keep the
    order :func:`gate_settings` builds them in (each tracker's kind, then its
    category and fields): sorted, they compressed 6-11 B larger under brotli.
    The UI's files stay sorted.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
    return "".join(_JSON_ESCAPES.get(ch, ch) for ch in text)


@cache
def static_text(name: str) -> str:
    """A file of ``static/``, read once per process."""
    return (resource_dir("static") / name).read_text(encoding="utf-8")


def fill(source: str, sentinel: str, data: Any, *, sort_keys: bool) -> bytes:
    head, found, tail = source.partition(sentinel)
    if not found or sentinel in tail:
        raise ValueError(f"{sentinel} must occur exactly once")
    return (head + script_json(data, sort_keys=sort_keys) + tail).encode("utf-8")


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
    The site's default language is not here: only the UI needs it, and its
    file carries that language's words (:func:`banner.web.site_files.ui_data`).
    """
    domain = {"domain": site.cookie_domain} if site.cookie_domain else {}
    return {
        "site": site.id,
        "api": base_url,
        "v": site.policy_version,
        "days": site.consent_days,
        "cookie": site.cookie_name,
        **domain,
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
    settings = gate_settings(site, base_url, ui)
    gate = fill(static_text(GATE_FILE), SETTINGS_SENTINEL, settings, sort_keys=False)
    return parts.encode("utf-8") + gate
