"""The application factory for the hosted service."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from banner.core.config import BannerConfig, load_config
from banner.web.extension import Banner


def create_app(config: BannerConfig | None = None) -> Flask:
    """Build the hosted consent service.

    Behind ``proxy_count`` trusted proxies, their ``X-Forwarded-Proto``,
    ``-Host`` and ``-Prefix`` are honoured, so cookies are ``Secure`` behind a
    TLS proxy and the service may live under a path prefix. ``X-Forwarded-For``
    is read by :func:`banner.core.visitor.client_address` through the same count.

    :param config: a validated config; by default read from ``BANNER_CONFIG``,
        or the demo site when there is none.
    :raises banner.core.config.ConfigError: when the config is invalid.
    :raises banner.log.store.StoreUnavailable: when the database cannot be set up.
    """
    config = config or load_config()
    app = Flask("banner", static_folder=None)
    Banner(app, config)
    if config.proxy_count:
        hops = config.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=0, x_proto=hops, x_host=hops, x_prefix=hops)  # type: ignore[method-assign]
    return app
