"""Placeholders for blocked embeds: ``/s/<site>/embeds.js`` and ``embeds.css``.

The gate fetches this part only on a page with an embed still waiting for
its category (issue 21), so a shop without embeds never pays for it. The bytes
come from :mod:`banner.web.embeds_file`.
"""

from __future__ import annotations

from flask import Blueprint, Response

from banner.web.embeds_file import EMBEDS_CSS, EMBEDS_FILE
from banner.web.loader import serve_file

embeds = Blueprint("banner_embeds", __name__)


@embeds.get("/s/<site_id>/embeds.js")
def embeds_js(site_id: str) -> Response:
    """The placeholders of blocked embeds, fetched only by pages that have one.

    Served like the loader's files (:mod:`banner.web.asset_cache`): built once
    per config with the archived notices, the base from ``public_url``,
    revalidated on every use (``no-cache``, ``ETag``).
    """
    return serve_file(site_id, EMBEDS_FILE)


@embeds.get("/s/<site_id>/embeds.css")
def embeds_css(site_id: str) -> Response:
    return serve_file(site_id, EMBEDS_CSS)
