"""The placeholders' part: ``embeds.js`` filled for a site, and ``embeds.css`` (issue 21).

Python fills one sentinel with, per language and per category the site asks
for, the category's label and the placeholder's texts, already worded (JS
never formats a sentence): they are part of the notice document
(:mod:`banner.core.notice`), whose hash a placeholder's decision carries.
Pure, like :mod:`banner.web.gate_file`: the asset cache and the static export
build the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from banner.core.config import SiteConfig
from banner.core.config_model import DEFAULT_THEME
from banner.core.consent import LANGUAGES
from banner.core.notice import Notice, site_notices
from banner.core.texts import banner_texts
from banner.web.gate_file import fill, static_text

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
    return fill(static_text(EMBEDS_FILE), EMBEDS_SENTINEL, data, sort_keys=True)


def embeds_css_bytes() -> bytes:
    return static_text(EMBEDS_CSS).encode("utf-8")
