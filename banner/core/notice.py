"""The notice a visitor is shown, as one document with a stable hash.

The notice document of a site, language and policy version holds exactly
what the banner UI can draw: the texts of its buttons, headings and notes,
the first layer's sentences, each category's purpose, trackers, recipients
and cookies, every change text up to the current policy version (a returning
visitor sees those since their own version), the other language's name on
the switch and the age box's words where guardian mode is on. The UI draws
from this very document (the loader hands it over as JSON with its hash),
so the hash a browser sends back with a decision names the words it drew.
The consent log stores that hash, the notice archive the document.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from banner.core.config import SiteConfig
from banner.core.consent import ESSENTIAL, LANGUAGES
from banner.core.cookie_list import CookieRow
from banner.core.disclosure import (
    CategoryNotice,
    category_notices,
    changes_since,
    first_layer,
    transfers,
)
from banner.core.i18n import translate
from banner.core.texts import N_, category_label

#: Each language named in itself, for the language switch.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
#: Texts drawn only on a site that asks for the age / guardian box.
AGE_TEXTS = ("age_label", "age_needed")
#: Texts drawn only when there is a change text to show under them.
CHANGE_TEXTS = ("changes_heading",)
#: The document's format; a later format gets a new number.
FORMAT = 2

#: A blocked embed's placeholder (issue 21), per optional category.
ALLOW = N_("Allow %(category)s and load")
BLOCKED = N_(
    "This content sets cookies or sends data for “%(category)s”. It loads only once you "
    "consent to that category."
)
SETTINGS = N_("Privacy settings")

#: Gives the banner texts shown for (site, language) (catalogs plus the site's overrides).
TextSource = Callable[[SiteConfig, str], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice as served and archived: its document and the document's hash."""

    site: str
    language: str
    policy_version: int
    document: Mapping[str, Any]
    hash: str


def notice_document(site: SiteConfig, language: str, texts: Mapping[str, str]) -> dict[str, Any]:
    """Everything the banner can draw for ``site`` in ``language``, and nothing else.

    :param texts: the banner's texts as shown (catalog texts with the site's
        overrides applied).
    """
    changes = changes_since(site, language, 0)
    dropped = (() if site.asks_guardian else AGE_TEXTS) + (() if changes else CHANGE_TEXTS)
    return {
        "format": FORMAT,
        "site": site.id,
        "language": language,
        "policy_version": site.policy_version,
        "t": {k: v for k, v in sorted(texts.items()) if k not in dropped and v},
        "n": first_layer(
            site, language, texts.get("manage", ""), texts.get("preferences_page", "")
        ),
        # the recipients abroad the first layer names, as data: name, ISO code, country, basis
        "transfers": transfers(site, language),
        "c": [_category(c) for c in category_notices(site, language)],
        "ch": [[v, text] for v, text in changes],
        "age": site.asks_guardian,
        "o": {other: name for other, name in LANGUAGE_NAMES.items() if other != language},
        "privacy": site.privacy_policy_url,
        "e": placeholder_texts(site, language),
    }


def placeholder_texts(site: SiteConfig, language: str) -> dict[str, dict[str, str]]:
    """Per optional category, what a blocked embed's placeholder says (``embeds.js``)."""
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


def site_notice(site: SiteConfig, language: str, texts: TextSource) -> Notice:
    """The notice of ``site`` in ``language`` with its hash."""
    document = notice_document(site, language, texts(site, language))
    return Notice(site.id, language, site.policy_version, document, document_hash(document))


def site_notices(site: SiteConfig, texts: TextSource) -> dict[str, Notice]:
    """Every notice ``site`` can show, by language."""
    return {language: site_notice(site, language, texts) for language in LANGUAGES}


def notice_hash(site: SiteConfig, language: str, texts: Mapping[str, str]) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`notice_document`."""
    return document_hash(notice_document(site, language, texts))


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one JSON spelling of ``document`` that its hash is taken over."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a notice document's canonical JSON."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
