"""The application factory for the hosted service."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from banner.core.config import BannerConfig, load_config
from banner.web import fast_consent
from banner.web.extension import Banner


def create_app(config: BannerConfig | None = None, *, consent_beside_flask: bool = True) -> Flask:
    """Build the hosted consent service.

    The consent POST is answered beside Flask (:mod:`banner.web.fast_consent`),
    with the same rules as the Flask view; a host app that mounts banner with
    ``Banner(app)`` keeps its own hooks and answers it through Flask.

    Behind ``proxy_count`` trusted proxies, their ``X-Forwarded-Proto``,
    ``-Host`` and ``-Prefix`` are honoured, so cookies are ``Secure`` behind a
    TLS proxy and the service may live under a path prefix. ``X-Forwarded-For``
    is read by :func:`banner.core.visitor.client_address` through the same count.

    :param config: a validated config; by default read from ``BANNER_CONFIG``,
        or the demo site when there is none.
    :param consent_beside_flask: ``False`` answers the consent POST through
        Flask alone (the tests run the API on both paths).
    :raises banner.core.config.ConfigError: when the config is invalid.
    :raises banner.log.store.StoreUnavailable: when the database cannot be set up.
    """
    config = config or load_config()
    app = Flask("banner", static_folder=None)
    Banner(app, config)
    if consent_beside_flask:
        fast_consent.install(app)
    if config.proxy_count:
        hops = config.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops, x_prefix=hops)  # type: ignore[method-assign]
    return app
