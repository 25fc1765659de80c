"""The notice a visitor saw: a stable hash of the exact texts shown.

The consent log stores this hash with every decision, so an operator can
later prove which wording a visitor agreed to. The document holds the
generated first layer, each category's trackers, recipients and cookies,
the controller, the age question and every change text up to the current
policy version (a returning visitor sees those since their own version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from banner.core.config import SiteConfig
from banner.core.disclosure import category_notices, changes_since, first_layer, transfers


def notice_document(site: SiteConfig, language: str, texts: Mapping[str, str]) -> dict[str, Any]:
    """Everything a visitor is told for ``site`` in ``language``.

    :param texts: the banner's texts as shown (catalog texts with the site's
        overrides applied).
    """
    controller = site.the_controller
    return {
        "site": site.id,
        "controller": [controller.name, controller.contact, controller.address],
        "first_layer": first_layer(
            site, language, texts.get("manage", ""), texts.get("preferences_page", "")
        ),
        "transfers": transfers(site, language),
        "trackers": [
            [c.id, [t.line() for t in c.trackers]] for c in category_notices(site, language)
        ],
        "changes": [[v, text] for v, text in changes_since(site, language, 0)],
        "children": site.children,
        "language": language,
        "policy_version": site.policy_version,
        "privacy_policy_url": site.privacy_policy_url,
        "texts": dict(sorted(texts.items())),
        "categories": [c.id for c in site.categories],
        "cookies": [
            [c.name, c.provider, c.category, c.duration[language], c.purpose[language]]
            for c in site.cookies
        ],
    }


def notice_hash(site: SiteConfig, language: str, texts: Mapping[str, str]) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`notice_document`."""
    return document_hash(notice_document(site, language, texts))


def canonical_json(document: Mapping[str, Any]) -> str:
    """The one JSON spelling of ``document`` that its hash is taken over."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a notice document's canonical JSON."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
