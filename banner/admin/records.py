"""One site's records on the dashboard: a consent id's history, the export and the latest scan.

The export streams the same lines as ``banner log export`` (the writers of
:mod:`banner.log.export`), for local days of the site's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, g, request, stream_with_context, url_for

from banner.admin.forms import logout_form
from banner.admin.page import admin, render
from banner.admin.ranges import RangeError, parse_range
from banner.admin.reading import export_rows
from banner.admin.views import ACTION_NAMES, site_for, zone_of
from banner.core.consent import CONSENT_ID
from banner.core.texts import N_
from banner.log.export import FORMATS, LINES
from banner.log.scans import latest_scan
from banner.web.state import state

BAD_ID = N_("A consent id is 16 to 64 letters, digits, - or _.")
NO_ROWS = N_("No decision is recorded under this consent id for this site.")
BAD_FORMAT = N_("Choose CSV or JSON Lines.")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: Report keys shown as lists, violations first.
SCAN_LISTS = ("violations", "undeclared", "stale")


@admin.get("/s/<site_id>/lookup")
def lookup(site_id: str) -> tuple[str, int]:
    """A consent id's every decision on this site, oldest first, and its receipt."""
    site = site_for(site_id)
    consent_id = request.args.get("consent_id", "")[:128].strip()
    error, rows = None, []
    if not CONSENT_ID.fullmatch(consent_id):
        error = BAD_ID
    else:
        rows = state().log.history(consent_id, site.id)
        error = None if rows else NO_ROWS
    receipt = (
        url_for("banner_pages.receipt", site_id=site.id, consent_id=consent_id) if rows else None
    )
    return render(
        "lookup.html",
        400 if error == BAD_ID else (404 if error else 200),
        site=site,
        consent_id=consent_id,
        error=error,
        rows=rows,
        receipt=receipt,
        action_names=ACTION_NAMES,
        zone=zone_of(site),
        logout=logout_form(g.admin_lang),
    )


def _stream(site_id: str, fmt: str, start: Any, end: Any) -> Iterator[str]:
    yield from LINES[fmt](export_rows(state().log, site_id, start, end))


@admin.get("/s/<site_id>/export")
def export(site_id: str) -> Response | tuple[str, int]:
    """The site's decisions of the chosen local days as a streamed download."""
    site = site_for(site_id)
    fmt = request.args.get("format", "csv")[:16]
    try:
        days = parse_range(
            request.args.get("first", "")[:64] or None,
            request.args.get("last", "")[:64] or None,
            zone_of(site),
        )
    except RangeError as error:
        return _export_error(site, {error.field: error.message})
    if fmt not in FORMATS:
        return _export_error(site, {"format": BAD_FORMAT})
    name = f"banner-{site.id}-{days.first.isoformat()}-{days.last.isoformat()}.{fmt}"
    body = stream_with_context(_stream(site.id, fmt, days.start, days.end))
    response = Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0])
    response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export_error(site: Any, errors: dict[str, str]) -> tuple[str, int]:
    """The form again with what was typed, the refused field marked."""
    typed = {key: request.args.get(key, "")[:64] for key in ("first", "last", "format")}
    return render(
        "export_error.html",
        400,
        site=site,
        export_errors=errors,
        typed=typed,
        logout=logout_form(g.admin_lang),
    )


def _item_text(item: Any) -> str:
    if isinstance(item, dict):
        return ", ".join(f"{k}: {v}" for k, v in item.items())
    return str(item)


@admin.get("/s/<site_id>/scan")
def scan(site_id: str) -> tuple[str, int]:
    """The latest saved cookie scan: violations first, then undeclared and stale cookies."""
    site = site_for(site_id)
    found = latest_scan(state().log, site.id)
    lists: dict[str, list[str]] = {}
    if found is not None:
        for key in SCAN_LISTS:
            value = found.report.get(key)
            lists[key] = [_item_text(i) for i in value] if isinstance(value, list) else []
    proposed = found.report.get("proposed_toml") if found else None
    return render(
        "scan.html",
        site=site,
        scan=found,
        lists=lists,
        proposed=proposed if isinstance(proposed, str) else None,
        zone=zone_of(site),
        logout=logout_form(g.admin_lang),
    )
