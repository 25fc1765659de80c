"""What the hosted pages' templates are given besides the view's own data:
language links, dates for people, category labels and the names of states.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request, url_for

from banner.core.config import SiteConfig
from banner.core.consent import LANGUAGES, Source
from banner.core.local_time import local_time
from banner.core.texts import N_, category_label

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
STATE_NAMES = {
    "given": N_("Consent given"),
    "refused": N_("Consent refused"),
    "changed": N_("Consent changed"),
    "withdrawn": N_("Consent withdrawn"),
}
SOURCE_NAMES = {
    Source.BANNER: N_("Cookie banner"),
    Source.PLACEHOLDER: N_("Placeholder of blocked embedded content"),
    Source.PREFERENCES: N_("Privacy choices page"),
    Source.API: N_("The website's server"),
}
STATUS_NAMES = {
    "active": N_("Valid"),
    "expired": N_("Expired"),
    "superseded": N_("Replaced by a newer privacy policy"),
}


#: Query keys a language link carries over; any other key of the request is
#: ignored (``url_for`` reserves some, such as ``endpoint`` or ``_external``).
KEPT_QUERY_KEYS = ("return", "token", "state")


def language_links(current: str) -> list[dict[str, Any]]:
    """The same page in each language, from the route's values and the kept keys only."""
    if request.endpoint is None or request.url_rule is None:
        return []
    kept = {key: request.args[key] for key in KEPT_QUERY_KEYS if key in request.args}
    values = {**(request.view_args or {}), **kept}
    return [
        {
            "lang": lang,
            "name": LANGUAGE_NAMES[lang],
            "href": url_for(request.endpoint, lang=lang, **values),
            "current": lang == current,
        }
        for lang in LANGUAGES
    ]


def when(moment: datetime, language: str, site: SiteConfig | None) -> str:
    """A moment in the site's time zone (``WIB``...), written the way ``language`` writes dates."""
    return local_time(moment, site.timezone if site else "UTC", language)


def label(site: SiteConfig, category: str, language: str) -> str:
    """A category's label; a category no longer configured shows its id."""
    if category not in site.category_ids:
        return category
    return category_label(site, category, language)
