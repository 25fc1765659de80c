"""Placeholders for blocked embeds: ``/s/<site>/embeds.js`` and ``embeds.css``.

The gate fetches this part only on a page with an embed still waiting for
its category (issue 21), so a shop without embeds never pays for it. Python
fills one sentinel with, per language and per category the site asks for,
the category's label and the placeholder's texts, already worded (JS never
formats a sentence): they are part of the notice document
(:mod:`banner.core.notice`), whose hash a placeholder's decision carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response

from banner.core.config import SiteConfig
from banner.core.config_model import DEFAULT_THEME
from banner.core.consent import LANGUAGES
from banner.core.notice import Notice, site_notices
from banner.core.texts import banner_texts
from banner.web.loader import fill, static_text

embeds = Blueprint("banner_embeds", __name__)

EMBEDS_FILE = "embeds.js"
EMBEDS_CSS = "embeds.css"
EMBEDS_SENTINEL = "__BANNER_EMBEDS__"


def embeds_data(
    site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None
) -> dict[str, Any]:
    """Per language, each optional category's label and placeholder texts.

    They are the ``e`` of that language's notice document; ``h`` gives each
    language's notice hash and ``v`` its policy version, sent back with a
    decision made on a placeholder, as the banner sends them.
    """
    notices = notices or site_notices(site, banner_texts)
    return {
        "lang": site.default_language,
        "age": site.asks_guardian,
        "primary": site.theme.get("primary", DEFAULT_THEME["primary"]),
        "css": f"{base_url}s/{site.id}/{EMBEDS_CSS}",
        "h": {lang: notices[lang].hash for lang in LANGUAGES},
        "v": site.policy_version,
        **{lang: notices[lang].document["e"] for lang in LANGUAGES},
    }


def embeds_bytes(
    site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None
) -> bytes:
    """The placeholder part for ``site``, both languages included."""
    data = embeds_data(site, base_url, notices)
    return fill(static_text(EMBEDS_FILE), EMBEDS_SENTINEL, data)


def embeds_css_bytes() -> bytes:
    return static_text(EMBEDS_CSS).encode("utf-8")


@embeds.get("/s/<site_id>/embeds.js")
def embeds_js(site_id: str) -> Response:
    """The placeholders of blocked embeds, fetched only by pages that have one.

    Served like the loader's files (:mod:`banner.web.asset_cache`): built once
    per config with the archived notices, the base from ``public_url``,
    revalidated on every use (``no-cache``, ``ETag``).
    """
    from banner.web.loader import serve_file

    return serve_file(site_id, EMBEDS_FILE)


@embeds.get("/s/<site_id>/embeds.css")
def embeds_css(site_id: str) -> Response:
    from banner.web.loader import serve_file

    return serve_file(site_id, EMBEDS_CSS)
