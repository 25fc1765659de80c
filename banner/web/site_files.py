"""The files a visitor of a site loads, and their content-addressed names.

The gate (``loader.js``) is small and revalidated within ``loader_max_age``;
it names the UI script and stylesheet by a hash of their bytes
(``ui.<hash>.js``, ``ui.<hash>.css``), so those are cached for a year and a
text change reaches a visitor with the next gate. The UI carries each
language's notice document (:mod:`banner.core.notice`) with its hash: it
draws from that document only and hands the hash back with the decision.
The same pure functions serve the service and ``banner export-static``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from banner.core.config import SiteConfig
from banner.core.consent import LANGUAGES
from banner.core.notice import LANGUAGE_NAMES, Notice, site_notices
from banner.core.texts import banner_texts
from banner.web.loader import UI_FILE, UI_SENTINEL, fill, loader_bytes, static_text

CSS_FILE = "ui.css"
#: A content-addressed UI file: ``ui.<16 hex>.js`` or ``ui.<16 hex>.css``.
HASHED_NAME = re.compile(r"ui\.([0-9a-f]{16})\.(js|css)")


def ui_data(
    site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None
) -> dict[str, Any]:
    """The banner's theme, and per language its notice document, hash and links.

    ``age``: the site asks for the age / guardian box; ``names``: the
    languages a visitor may switch to. Everything the UI draws comes from a
    language's document (``h`` is its hash, ``l`` the pages' addresses).
    """
    notices = notices or site_notices(site, banner_texts)
    return {
        "theme": dict(site.theme),
        "age": site.asks_guardian,
        "names": LANGUAGE_NAMES,
        **{lang: _language(site, base_url, notices[lang]) for lang in LANGUAGES},
    }


def _language(site: SiteConfig, base_url: str, notice: Notice) -> dict[str, Any]:
    pages = f"{base_url}s/{site.id}"
    language = notice.language
    links = {
        "privacy": site.privacy_policy_url,
        "cookies": f"{pages}/cookies?lang={language}",
        "preferences": f"{pages}/preferences?lang={language}",
    }
    return {**notice.document, "h": notice.hash, "l": links}


def ui_bytes(site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None) -> bytes:
    """The banner UI script for ``site``, both languages' notices included.

    :param notices: the site's notices by language (the service's archived
        ones); by default built from the catalogs.
    """
    return fill(static_text(UI_FILE), UI_SENTINEL, ui_data(site, base_url, notices))


def css_bytes() -> bytes:
    return static_text(CSS_FILE).encode("utf-8")


def hashed_name(body: bytes, extension: str) -> str:
    """``ui.<first 16 hex of SHA-256>.<extension>``."""
    return f"ui.{hashlib.sha256(body).hexdigest()[:16]}.{extension}"


@dataclass(frozen=True, slots=True)
class SiteFiles:
    """One site's files for one base URL: file name → bytes, and the UI's names."""

    files: Mapping[str, bytes]
    ui_name: str
    css_name: str


def site_files(
    site: SiteConfig, base_url: str, notices: Mapping[str, Notice] | None = None
) -> SiteFiles:
    """The gate naming the current UI files, and those files under their hashed names.

    ``ui.js`` and ``ui.css`` are the same bytes under fixed names, for pages
    that still hold a gate from before the names were hashed.
    """
    ui, css = ui_bytes(site, base_url, notices), css_bytes()
    ui_name, css_name = hashed_name(ui, "js"), hashed_name(css, "css")
    gate = loader_bytes(site, base_url, {"js": ui_name, "css": css_name})
    files = {"loader.js": gate, ui_name: ui, css_name: css, "ui.js": ui, "ui.css": css}
    return SiteFiles(files, ui_name, css_name)
