"""Consent in a Flask app's views and templates.

With ``Banner(app)`` set up, for the app's site (``BANNER_SITE``, or the only
configured site)::

    from banner import consent_required, has_consent

    @app.get("/checkout")
    def checkout():
        if has_consent("analytics"):
            ...

    @app.get("/recommendations")
    @consent_required("preference")              # 403 JSON without consent
    def recommendations(): ...

    @app.get("/offers")
    @consent_required("analytics", fallback=generic_offers)   # or another view
    def offers(): ...

and in Jinja templates ``{% if has_consent("analytics") %}`` or
``{% if consent %}{{ consent.consent_id }}{% endif %}``.

The consent cookie is read from the raw ``Cookie`` header through
:class:`~banner.check.ConsentChecker` (so a forged extra cookie never grants),
once per request: the result is cached on :data:`flask.g`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from werkzeug.exceptions import Forbidden

from banner.check.checker import covers
from banner.check.live import LiveChecker
from banner.core.config import BannerConfig, ConfigError, SiteConfig
from banner.core.config_watch import LiveConfig
from banner.core.token import ConsentToken

P = ParamSpec("P")
R = TypeVar("R")

#: Flask config keys of the consent helpers, with their defaults.
CONFIG_DEFAULTS: dict[str, Any] = {
    # The site whose consent cookie the app's views check; by default the
    # only configured site. Required when the config has several sites.
    "BANNER_SITE": None,
}
#: Where the app's checker lives: ``app.extensions[CHECKER_KEY]`` (``None`` when
#: the app's site is ambiguous).
CHECKER_KEY = "banner.consent"
_ON_G = "_banner_consent"


class ConsentMissing(Forbidden):
    """A view needs a category the visitor has not granted: 403 with a JSON body."""

    error = "consent_required"

    def __init__(self, category: str) -> None:
        self.message = f"this needs the visitor's consent to {category!r}"
        super().__init__(self.message)
        self.category = category

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, "category": self.category}

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        response = jsonify(self.body())
        response.status_code = 403
        return response


def init_consent(app: Flask, live: LiveConfig) -> None:
    """Give ``app`` its site's checker and the template helpers.

    Called by :meth:`banner.web.extension.Banner.init_app` (or by an app that
    only checks consent).
    The checker follows the config file (a policy bump needs no restart).

    :raises banner.core.config.ConfigError: when ``BANNER_SITE`` names no configured site.
    """
    for key, default in CONFIG_DEFAULTS.items():
        app.config.setdefault(key, default)
    site = _app_site(app.config["BANNER_SITE"], live.current())
    checker = LiveChecker(live, site.id) if site else None
    app.extensions[CHECKER_KEY] = checker
    app.context_processor(template_context)


def _app_site(name: object, config: BannerConfig) -> SiteConfig | None:
    if name is None:
        only = list(config.sites.values())
        return only[0] if len(only) == 1 else None
    if not isinstance(name, str) or name not in config.sites:
        raise ConfigError("Flask config", "BANNER_SITE", f"one of {', '.join(config.sites)}", name)
    return config.sites[name]


def _site_checker() -> LiveChecker | None:
    checker: LiveChecker | None = current_app.extensions.get(CHECKER_KEY)
    return checker


def _checker() -> LiveChecker:
    checker = _site_checker()
    if checker is None:
        raise RuntimeError(
            "banner serves several sites here: set app.config['BANNER_SITE'] to the site "
            "whose consent the views check, before Banner(app)"
        )
    return checker


def current_consent() -> ConsentToken | None:
    """The current visitor's verified consent, or ``None`` (cached for the request).

    :raises RuntimeError: when the app's site is ambiguous (see ``BANNER_SITE``).
    """
    if _ON_G not in g:
        setattr(g, _ON_G, _checker().check_cookie_header(request.headers.get("Cookie")))
    consent: ConsentToken | None = g.get(_ON_G)
    return consent


def has_consent(category: str) -> bool:
    """True when the current visitor granted ``category`` (``essential`` always is)."""
    return covers(current_consent(), category)


def consent_required(
    category: str, fallback: Callable[P, R] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated view only when the visitor granted ``category``.

    :param category: the category the view needs.
    :param fallback: called with the view's arguments instead, when consent is
        absent; without it the answer is ``403`` with JSON
        ``{"error": "consent_required", "message": ..., "category": ...}``.
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if has_consent(category):
                return view(*args, **kwargs)
            if fallback is not None:
                return fallback(*args, **kwargs)
            raise ConsentMissing(category)

        return guarded

    return decorate


def template_context() -> dict[str, Any]:
    """``consent`` and ``has_consent`` for templates rendered in a request for the site."""
    if not has_request_context() or current_app.extensions.get(CHECKER_KEY) is None:
        return {}
    return {"consent": current_consent(), "has_consent": has_consent}
