"""Placeholders for blocked embeds: ``/s/<site>/embeds.js`` and ``embeds.css``.

The gate fetches this part only on a page with an embed still waiting for
its category (issue 21), so a shop without embeds never pays for it. Python
fills one sentinel with, per language and per category the site asks for,
the category's label and the placeholder's texts, already worded (JS never
formats a sentence).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from banner.core.config import SiteConfig
from banner.core.config_model import DEFAULT_THEME
from banner.core.consent import ESSENTIAL, LANGUAGES
from banner.core.i18n import translate
from banner.core.texts import N_, category_label
from banner.web.loader import (
    CSS,
    JAVASCRIPT,
    UI_MAX_AGE,
    _asset,
    _fill,
    _serve,
    _site,
    static_text,
)

embeds = Blueprint("banner_embeds", __name__)

EMBEDS_FILE = "embeds.js"
EMBEDS_CSS = "embeds.css"
EMBEDS_SENTINEL = "__BANNER_EMBEDS__"

ALLOW = N_("Allow %(category)s and load")
BLOCKED = N_(
    "This content sets cookies or sends data for “%(category)s”. It loads only once you "
    "consent to that category."
)
SETTINGS = N_("Privacy settings")


def embeds_data(site: SiteConfig, base_url: str) -> dict[str, Any]:
    """Per language, each optional category's label and placeholder texts."""
    return {
        "lang": site.default_language,
        "age": site.asks_guardian,
        "primary": site.theme.get("primary", DEFAULT_THEME["primary"]),
        "css": f"{base_url}s/{site.id}/{EMBEDS_CSS}",
        **{lang: _texts(site, lang) for lang in LANGUAGES},
    }


def _texts(site: SiteConfig, language: str) -> dict[str, dict[str, str]]:
    texts = {}
    for category in site.category_ids:
        if category == ESSENTIAL:
            continue
        label = category_label(site, category, language)
        texts[category] = {
            "label": label,
            "allow": translate(language, ALLOW, category=label),
            "text": translate(language, BLOCKED, category=label),
            "settings": translate(language, SETTINGS),
        }
    return texts


def embeds_bytes(site: SiteConfig, base_url: str) -> bytes:
    """The placeholder part for ``site``, both languages included."""
    return _fill(static_text(EMBEDS_FILE), EMBEDS_SENTINEL, embeds_data(site, base_url))


def embeds_css_bytes() -> bytes:
    return static_text(EMBEDS_CSS).encode("utf-8")


@embeds.get("/s/<site_id>/embeds.js")
def embeds_js(site_id: str) -> Response:
    """The placeholders of blocked embeds, fetched only by pages that have one."""
    site = _site(site_id)
    base = request.url_root
    key = ("embeds", site.id, base)
    return _serve(_asset(key, lambda: embeds_bytes(site, base), JAVASCRIPT, UI_MAX_AGE))


@embeds.get("/s/<site_id>/embeds.css")
def embeds_css(site_id: str) -> Response:
    _site(site_id)
    return _serve(_asset(("embeds-css",), embeds_css_bytes, CSS, UI_MAX_AGE))
