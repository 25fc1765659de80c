"""``report.html``: the report for people, in Bahasa Indonesia and English.

One self-contained page, readable without JavaScript: a section per language
(linked from the top), each with the violations first, then what is not
declared, then everything found by category. Jinja autoescapes every value
and fails on a missing one; the page's Content-Security-Policy allows nothing
but its own style element, pinned by hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from banner.core.config_model import SiteConfig
from banner.core.consent import BUILTIN_CATEGORIES, LANGUAGES
from banner.core.i18n import Translator, translate
from banner.core.texts import CATEGORY_LABELS, N_, category_label
from banner.scan.classify import UNKNOWN
from banner.scan.report import Record

TEMPLATES = Path(__file__).resolve().parent / "templates"
UNKNOWN_LABEL = N_("Unknown")
KINDS = {"cookie": N_("Cookie"), "storage": N_("Storage key"), "request": N_("Request")}
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;color:#1f2937;margin:0 auto;max-width:72rem;"
    "padding:1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
    "th,td{border:1px solid #d1d5db;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "code{overflow-wrap:anywhere}th{background:#f3f4f6}.bad{background:#fef2f2;border:2px solid "
    "#b91c1c;padding:.5rem 1rem}.ok{background:#f0fdf4;border:2px solid #15803d;padding:.5rem "
    "1rem}section.lang{border-top:4px solid #1d4ed8;margin-top:2rem}code{font-size:.9em}"
    # Narrow screens: each row becomes a card of "label: value" lines, never a
    # column one letter wide.
    "@media (max-width:40rem){table,tbody,tr,td,caption{display:block;width:auto}"
    "thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}"
    "tr{border:1px solid #d1d5db;margin:0 0 .5rem;padding:.25rem .5rem}"
    'td{border:0;padding:.15rem 0}td::before{content:attr(data-label) ": ";font-weight:600}}'
)


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _label_for(site: SiteConfig | None, language: str) -> Callable[[str], str]:
    def label(category: str) -> str:
        if category == UNKNOWN:
            return translate(language, UNKNOWN_LABEL)
        if site and category in site.category_ids:
            return category_label(site, category, language)
        if category in CATEGORY_LABELS:
            return translate(language, CATEGORY_LABELS[category])
        return category

    return label


def category_order(report: Record, site: SiteConfig | None) -> list[str]:
    """Every category that has something, ours first, ``unknown`` last."""
    known = list(site.category_ids if site else BUILTIN_CATEGORIES)
    found = {r["category"] for r in [*report["cookies"], *report["storage"], *report["requests"]]}
    extra = sorted(found - set(known) - {UNKNOWN})
    return [c for c in [*known, *extra, UNKNOWN] if c in found]


def _section(report: Record, site: SiteConfig | None, language: str) -> Markup:
    template = _environment().get_template("scan/section.html")
    return Markup(
        template.render(
            r=report,
            lang=language,
            _=Translator(language),
            label=_label_for(site, language),
            categories=category_order(report, site),
            kinds=KINDS,
            when=_when(report["scanned_at"], site),
        )
    )


def _when(scanned_at: str, site: SiteConfig | None) -> str:
    """The scan's time in the site's time zone (``WIB``...), else UTC."""
    moment = datetime.fromisoformat(scanned_at)
    zone = ZoneInfo(site.timezone) if site else UTC
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def render_html(report: Record, site: SiteConfig | None) -> str:
    """The whole page, both languages."""
    digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    sections = [(lang, LANGUAGE_NAMES[lang], _section(report, site, lang)) for lang in LANGUAGES]
    context: dict[str, Any] = {
        "title": " / ".join(translate(lang, N_("Cookie scan report")) for lang in LANGUAGES),
        "policy": policy,
        "style": Markup(STYLE),
        "sections": sections,
    }
    return _environment().get_template("scan/report.html").render(**context)
