"""The embed script and the banner UI assets: ``/s/<site>/loader.js`` and friends.

The bytes are built by the pure functions of :mod:`banner.web.gate_file` and
:mod:`banner.web.site_files`, and held as served by :mod:`banner.web.asset_cache`;
this blueprint serves them with their cache headers.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from banner.core.config import SiteConfig
from banner.log.store import StoreUnavailable
from banner.web.request_body import MAX_BODY_BYTES, cap_body
from banner.web.state import service, state

loader = Blueprint("banner_loader", __name__)


@loader.before_request
def cap_loader_body() -> None:
    cap_body(MAX_BODY_BYTES)  # nothing here reads a body; a huge declared one is refused


@loader.errorhandler(HTTPException)
def loader_error(error: HTTPException) -> Response:
    """An unknown site's assets (or a refused body): the pages' translated error page."""
    from banner.web.pages import routing_error_page

    return routing_error_page(error)


def _site(site_id: str) -> SiteConfig:
    site = service().site(site_id)
    if site is None:
        abort(404)
    return site


@loader.errorhandler(StoreUnavailable)
def loader_store_error(error: StoreUnavailable) -> Response:
    """The notices could not be archived: nothing unarchived is ever served."""
    return Response(
        "notice archive unavailable; retry later",
        status=503,
        mimetype="text/plain",
        headers={"Retry-After": str(error.retry_after), "Cache-Control": "no-store"},
    )


def serve_file(site_id: str, name: str) -> Response:
    """Answer with the gzip variant when accepted; ``304`` when the ETag matches.

    An outdated ``ui.<hash>`` name (a page holding an older gate) is sent to
    the current file: such a page still draws a banner, with today's words,
    and records the hash of what it drew.
    """
    from banner.web.asset_cache import etag_matches, site_assets

    found = site_assets(state(), _site(site_id), request.url_root)
    asset = found.assets.get(name)
    if asset is None:
        current = found.current_name(name)
        if current is None:
            abort(404)
        return Response(status=307, headers={"Location": current, "Cache-Control": "no-cache"})
    headers = request.headers
    variant = asset.pick(headers.get("Accept-Encoding", ""))
    if etag_matches(headers.get("If-None-Match"), variant.etag):
        return Response(status=304, headers=variant.headers)
    return Response(variant.body, headers=variant.headers)


@loader.get("/s/<site_id>/loader.js")
def loader_js(site_id: str) -> Response:
    """The gate: runs on every page view of the site; names the current UI files."""
    return serve_file(site_id, "loader.js")


@loader.get("/s/<site_id>/ui.<digest>.<extension>")
def ui_hashed(site_id: str, digest: str, extension: str) -> Response:
    """The banner UI with its notices, or its stylesheet, under a name hashed from its bytes."""
    return serve_file(site_id, f"ui.{digest}.{extension}")


@loader.get("/s/<site_id>/subject.<digest>.js")
def subject_hashed(site_id: str, digest: str) -> Response:
    """The subject part (pages of a signed-in person only), named by the UI files' hash."""
    return serve_file(site_id, f"subject.{digest}.js")


@loader.get("/s/<site_id>/ui.js")
def ui_js(site_id: str) -> Response:
    """The current UI under its old fixed name (gates cached before the names were hashed)."""
    return serve_file(site_id, "ui.js")


@loader.get("/s/<site_id>/ui.css")
def ui_css(site_id: str) -> Response:
    """The banner's stylesheet under its old fixed name."""
    return serve_file(site_id, "ui.css")
