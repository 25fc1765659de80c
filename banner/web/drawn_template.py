"""The drawn first layer in a Flask app's templates: ``banner_first_layer``.

:class:`~banner.web.extension.Banner` gives every template of the app::

    {% set drawn = banner_first_layer() %}   {# or banner_first_layer("en") #}
    <head>... {{ drawn.head }} <script src="..../loader.js" async></script></head>
    <body>{{ drawn.body }} ...

The layer is drawn for this request's visitor (:func:`banner.web.drawn_layer.first_layer`:
only without a consent cookie and without Global Privacy Control) in the
language asked for, else the page's site's default language. A response whose
template asked for it gets :data:`~banner.web.drawn_layer.CACHE_HEADERS`, drawn
or not, so no cache hands one visitor's page to another.

The service's address is ``[banner] public_url``, else this app's own root
when the consent routes are mounted here. When neither can be told (routes
not mounted and no ``public_url``), or the app's site cannot (several sites
and no ``BANNER_SITE``, perhaps since a config reload), nothing is drawn and
the script draws the banner; the reason is logged once.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, request
from markupsafe import Markup

from banner.core.config import BannerConfig, SiteConfig
from banner.web.drawn_layer import CACHE_HEADERS, first_layer
from banner.web.state import state

#: ``flask.g`` flag: this response's template asked for the layer.
_ASKED = "banner_first_layer_asked"
#: ``app.extensions``: the consent routes are mounted in the app; the reasons said.
_MOUNTED = "banner_first_layer_mounted"
_WARNED = "banner_first_layer_warned"

logger = logging.getLogger("banner")


class TemplateLayer:
    """``head`` and ``body`` as markup for a template; true when drawn."""

    def __init__(self, head: str, body: str) -> None:
        self.head = Markup(head)  # escaped by drawn_layer
        self.body = Markup(body)  # escaped by drawn_layer

    def __bool__(self) -> bool:
        return bool(self.body)


def _warn_once(why: str) -> None:
    """Say once per app why the layer is not drawn (the script draws it instead)."""
    said: set[str] = current_app.extensions.setdefault(_WARNED, set())
    if why not in said:
        said.add(why)
        logger.warning("banner_first_layer draws nothing: %s", why)


def _site(config: BannerConfig) -> SiteConfig | None:
    name = current_app.config.get("BANNER_SITE")
    if name is None and len(config.sites) == 1:
        return next(iter(config.sites.values()))
    if isinstance(name, str) and name in config.sites:
        return config.sites[name]
    # The config may have changed under a running app (a site added): the page
    # still renders, and the script draws the banner.
    _warn_once(
        "banner serves several sites here: set app.config['BANNER_SITE'] to the site "
        f"whose pages draw the first layer (now {name!r})"
    )
    return None


def _service_url(config: BannerConfig) -> str | None:
    if config.public_url:
        return config.public_url
    if current_app.extensions.get(_MOUNTED):
        return request.url_root
    _warn_once(
        "the consent routes are not mounted here (mount_routes=False): set [banner] "
        "public_url to the consent service's address, where loader.js comes from"
    )
    return None


def banner_first_layer(lang: str | None = None) -> TemplateLayer:
    """The first layer for this request's visitor, as ``head`` and ``body`` markup.

    Nothing (the script draws the banner) when the app's site or the service's
    address cannot be told; the reason is logged once.
    """
    setattr(g, _ASKED, True)
    config = state().config
    site, service = _site(config), _service_url(config)
    if site is None or service is None:
        return TemplateLayer("", "")
    drawn = first_layer(
        site,
        service,
        cookies=request.headers.get("Cookie"),
        lang=lang,
        gpc=request.headers.get("Sec-GPC") == "1",
    )
    return TemplateLayer(drawn.head, drawn.body)


def _no_shared_cache(response: Response) -> Response:
    if g.get(_ASKED):
        for name, value in CACHE_HEADERS.items():
            if name == "Vary":  # beside what the response varies on already
                response.vary.update(part.strip() for part in value.split(","))
            else:
                response.headers[name] = value
    return response


def install(app: Flask, mounted: bool) -> None:
    """Give ``app``'s templates ``banner_first_layer``, and its responses the cache headers.

    :param mounted: the consent routes are served by ``app`` itself.
    """
    app.extensions[_MOUNTED] = mounted
    app.add_template_global(banner_first_layer)
    app.after_request(_no_shared_cache)
