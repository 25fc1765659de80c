"""The dashboard's words for what the log and the config store as ids.

Categories show the site's labels, trackers their product names, sources and
actions the catalog's words, and times the site's zone (``WIB``...) with
"today" or "yesterday" where that is what is meant. Templates get these as
globals; no page prints a raw category, tracker, source or action id.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import g

from banner.admin.page import admin
from banner.core.config import SiteConfig
from banner.core.config_model import Tracker
from banner.core.i18n import Translator
from banner.core.local_time import local_time, zone_label
from banner.core.texts import N_
from banner.core.tracker_kinds import KINDS
from banner.web.page_context import LANGUAGE_NAMES, label

SOURCE_NAMES = {
    "banner": N_("The site's banner"),
    "preferences": N_("The preference page"),
    "api": N_("The API"),
}
UNKNOWN = N_("Unknown")
TODAY = N_("today, %(time)s")
#: What an empty list shows (an en dash).
NONE = "\u2013"
YESTERDAY = N_("yesterday, %(time)s")


#: Kinds whose name is a description rather than a product's name.
KIND_NAMES = {"referral": N_("Partner referral tracking")}


def tracker_name(tracker: Tracker, language: str) -> str:
    """``Google Analytics 4``; a custom script by the name the config gives it."""
    if tracker.kind == "custom":
        return str(tracker.settings.get("name") or tracker.kind)
    if tracker.kind in KIND_NAMES:
        return Translator(language)(KIND_NAMES[tracker.kind])
    kind = KINDS.get(tracker.kind)
    return kind.title if kind else tracker.kind


def category_name(site: SiteConfig, category: str, language: str) -> str:
    """A category's label; ``unknown`` (the scanner's word) as "Unknown"."""
    if category == "unknown":
        return Translator(language)(UNKNOWN)
    return label(site, category, language)


def categories_text(site: SiteConfig, ids: Iterable[str], language: str) -> str:
    """The categories' labels in ``language``, comma separated (a dash for none)."""
    return ", ".join(category_name(site, c, language) for c in ids) or NONE


def moment_text(moment: datetime, zone: ZoneInfo | str, language: str) -> str:
    """A moment in ``zone``: "today, 14.05 WIB", "yesterday, ...", else the full date."""
    name = str(zone)
    here = moment.astimezone(ZoneInfo(name))
    days = (datetime.now(ZoneInfo(name)).date() - here.date()).days
    if days not in (0, 1):
        return local_time(moment, name, language)
    clock = f"{format_time(here, 'short', locale=language)} {zone_label(moment, name, language)}"
    return Translator(language)(TODAY if days == 0 else YESTERDAY, time=clock)


@admin.context_processor
def label_globals() -> dict[str, Any]:
    language: str = g.get("admin_lang", "id")
    return {
        "tracker_name": lambda tracker: tracker_name(tracker, language),
        "categories_text": lambda site, ids: categories_text(site, ids, language),
        "category_name": lambda site, category: category_name(site, category, language),
        "language_names": LANGUAGE_NAMES,
        "source_name": lambda source: (
            Translator(language)(SOURCE_NAMES[source]) if source in SOURCE_NAMES else source
        ),
        "when": lambda moment, zone="UTC": moment_text(moment, zone, language),
    }
