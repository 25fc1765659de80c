"""One site's records on the dashboard: a consent id's history, the export and the latest scan.

The export streams the same lines as ``banner log export`` (the writers of
:mod:`banner.log.export`), for local days of the site's time zone.
"""

from __future__ import annotations

import json
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
from banner.log.export import FORMATS, LINES, jsonl_lines, remembering
from banner.log.notices import NoticeArchive
from banner.log.scans import latest_scan
from banner.web.state import state

BAD_ID = N_("A consent id is 16 to 64 letters, digits, - or _.")
NO_ROWS = N_("No decision is recorded under this consent id for this site.")
BAD_FORMAT = N_("Choose CSV or JSON Lines.")
NOTICES_NEED_JSONL = N_(
    "The notice texts come with JSON Lines: choose JSON Lines, or download without them."
)
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
#: Report keys shown as tables, violations first.
SCAN_LISTS = ("violations", "undeclared", "not_observable", "stale")
#: A saved report's list shows at most this many rows.
MAX_SCAN_ROWS = 500


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


def _stream_with_notices(site_id: str, start: Any, end: Any) -> Iterator[str]:
    """Tagged decision lines, then each notice they refer to once (as the CLI writes)."""
    hashes: dict[str, None] = {}
    rows = remembering(export_rows(state().log, site_id, start, end), hashes)
    yield from jsonl_lines(rows, tagged=True)
    found = NoticeArchive(state().log.engine).many(hashes)
    for digest in hashes:
        if digest in found:
            record = {"record": "notice", **found[digest].as_record()}
            yield json.dumps(record, ensure_ascii=False) + "\n"


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
    notices = request.args.get("notices") == "1"
    if notices and fmt != "jsonl":
        return _export_error(site, {"notices": NOTICES_NEED_JSONL})
    name = f"banner-{site.id}-{days.first.isoformat()}-{days.last.isoformat()}.{fmt}"
    lines = (
        _stream_with_notices(site.id, days.start, days.end)
        if notices
        else _stream(site.id, fmt, days.start, days.end)
    )
    body = stream_with_context(lines)
    response = Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0])
    response.headers["Content-Type"] = MEDIA_TYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _export_error(site: Any, errors: dict[str, str]) -> tuple[str, int]:
    """The form again with what was typed, the refused field marked."""
    typed = {key: request.args.get(key, "")[:64] for key in ("first", "last", "format", "notices")}
    return render(
        "export_error.html",
        400,
        site=site,
        export_errors=errors,
        typed=typed,
        logout=logout_form(g.admin_lang),
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def scan_row(item: Any, before_default: bool | None = None) -> dict[str, Any]:
    """One finding of a saved report as a table row (a report is data of any shape)."""
    if not isinstance(item, dict):
        return {"name": _text(item), "before_consent": before_default}
    before = item.get("before_consent", before_default)
    return {
        "name": _text(item.get("name")),
        "domain": _text(item.get("domain") or item.get("host")),
        "category": _text(item.get("category")),
        "before_consent": before if isinstance(before, bool) else None,
        "page": _text(item.get("page")),
    }


def scan_command(site: Any) -> str:
    """The command that saves a scan of ``site`` for this page."""
    config = state().config
    url = f"{site.origins[0]}/" if site.origins else "https://www.example.co.id/"
    where = "" if config.demo else f" --config {config.source}"
    return f"banner scan {url}{where} --site {site.id} --save"


@admin.get("/s/<site_id>/scan")
def scan(site_id: str) -> tuple[str, int]:
    """The latest saved cookie scan: violations first, then what the declaration lacks."""
    site = site_for(site_id)
    found = latest_scan(state().log, site.id)
    lists: dict[str, list[dict[str, Any]]] = {}
    if found is not None:
        for key in SCAN_LISTS:
            value = found.report.get(key)
            items = value[:MAX_SCAN_ROWS] if isinstance(value, list) else []
            # a violation is, by definition, something seen before consent
            before = True if key == "violations" else None
            lists[key] = [scan_row(i, before) for i in items]
    proposed = found.report.get("proposed_toml") if found else None
    return render(
        "scan.html",
        site=site,
        scan=found,
        lists=lists,
        command=scan_command(site),
        proposed=proposed if isinstance(proposed, str) else None,
        zone=zone_of(site),
        logout=logout_form(g.admin_lang),
    )
