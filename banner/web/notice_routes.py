"""What a site shows, for clients that draw it themselves: the notice and the first layer.

``GET /s/<site>/notice`` gives API clients (an app, a kiosk) the notice to show
and the hash to send with their decision; ``GET /s/<site>/first-layer`` gives a
back end that is not Python the first layer's markup to put in its pages. Both
archive the words before they answer. They are views of the API's blueprint
(:mod:`banner.web.api`), so its JSON errors answer for them: a bad ``lang`` or
an unknown site names its field, an unreachable store is a 503.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from banner.core.config import SITE_ID, SiteConfig
from banner.core.consent import LANGUAGES
from banner.web.asset_cache import base_url, site_assets
from banner.web.drawn_layer import CACHE_HEADERS, first_layer
from banner.web.errors import BadField, UnknownSite
from banner.web.state import service, state

#: Seconds a back end may keep the first layer's markup.
FIRST_LAYER_MAX_AGE = 60


def _site_and_language(site_id: str) -> tuple[SiteConfig, str]:
    """The site named in the path and the ``?lang=`` asked (the site's by default)."""
    site = service().site(site_id) if SITE_ID.fullmatch(site_id) else None
    if site is None:
        raise UnknownSite(f"no site {site_id!r} is configured", "site")
    language = request.args.get("lang", site.default_language)
    if language not in LANGUAGES:
        raise BadField('lang must be "id" or "en"', "lang")
    return site, language


def notice(site_id: str) -> Response:
    """The current notice of a site, for API clients: show it, then send its hash.

    ``?lang=id|en`` (default: the site's language). The notice is archived
    before it is answered.
    """
    site, language = _site_and_language(site_id)
    current = service().notice(site.id, language)
    response = jsonify(
        notice_hash=current.hash,
        policy_version=current.policy_version,
        document=current.document,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


def first_layer_markup(site_id: str) -> Response:
    """The first layer's markup for a back end that is not Python to put in its pages.

    ``?lang=id|en`` (default: the site's language). The same ``head`` and
    ``body`` as :func:`banner.first_layer` for a visitor without a consent
    cookie; the back end draws them only for a request without the ``cookie``
    named and without ``Sec-GPC: 1``, and sends ``headers`` with every such
    page. Empty markup for a site whose first layer the script draws (a
    guardian's age box). Cacheable for a minute: whatever the back end holds,
    the script replaces it with the current words before anything is decided.
    """
    site, language = _site_and_language(site_id)
    site_assets(state(), site, request.url_root)  # the words archived first, as the loader's
    drawn = first_layer(
        site, base_url(state().config, request.url_root), cookies=None, lang=language
    )
    response = jsonify(
        head=drawn.head,
        body=drawn.body,
        cookie=site.cookie_name,
        headers=dict(CACHE_HEADERS),
    )
    # private: without public_url the stylesheet's address comes from the request's
    # Host, which must never reach a body a shared cache hands to others
    response.headers["Cache-Control"] = f"private, max-age={FIRST_LAYER_MAX_AGE}"
    response.add_etag()
    response.make_conditional(request)  # a 304 when the back end holds these bytes
    return response
