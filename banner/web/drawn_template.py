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
(the routes mounted here: same origin).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from markupsafe import Markup

from banner.core.config import BannerConfig, SiteConfig
from banner.web.drawn_layer import CACHE_HEADERS, first_layer
from banner.web.state import state

#: ``flask.g`` flag: this response's template asked for the layer.
_ASKED = "banner_first_layer_asked"


class TemplateLayer:
    """``head`` and ``body`` as markup for a template; true when drawn."""

    def __init__(self, head: str, body: str) -> None:
        self.head = Markup(head)  # escaped by drawn_layer
        self.body = Markup(body)  # escaped by drawn_layer

    def __bool__(self) -> bool:
        return bool(self.body)


def _site(config: BannerConfig) -> SiteConfig:
    name = current_app.config.get("BANNER_SITE")
    if name is None and len(config.sites) == 1:
        return next(iter(config.sites.values()))
    if not isinstance(name, str) or name not in config.sites:
        raise RuntimeError(
            "banner serves several sites here: set app.config['BANNER_SITE'] to the site "
            "whose pages draw the first layer, before Banner(app)"
        )
    return config.sites[name]


def banner_first_layer(lang: str | None = None) -> TemplateLayer:
    """The first layer for this request's visitor, as ``head`` and ``body`` markup."""
    setattr(g, _ASKED, True)
    config = state().config
    drawn = first_layer(
        _site(config),
        config.public_url or request.url_root,
        cookies=request.headers.get("Cookie"),
        lang=lang,
        gpc=request.headers.get("Sec-GPC") == "1",
    )
    return TemplateLayer(drawn.head, drawn.body)


def _no_shared_cache(response: Response) -> Response:
    if g.get(_ASKED):
        for name, value in CACHE_HEADERS.items():
            if name == "Vary":
                response.vary.add(value)  # beside what the response varies on already
            else:
                response.headers[name] = value
    return response


def install(app: Flask) -> None:
    """Give ``app``'s templates ``banner_first_layer``, and its responses the cache headers."""
    app.add_template_global(banner_first_layer)
    app.after_request(_no_shared_cache)
