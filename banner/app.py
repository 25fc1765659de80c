"""The application factory, where the README and WSGI servers look for it
(``banner.app:create_app()``): the hosted service of :mod:`banner.web.app`
with the operator dashboard of :mod:`banner.admin` mounted at ``/admin/``."""

from __future__ import annotations

from flask import Flask

from banner.admin import init_admin
from banner.core.config import BannerConfig
from banner.web.app import create_app as create_service


def create_app(config: BannerConfig | None = None) -> Flask:
    """The service and its dashboard.

    :raises banner.core.config.ConfigError: when the config is invalid.
    :raises banner.log.store.StoreUnavailable: when the database cannot be set up.
    """
    app = create_service(config)
    init_admin(app)
    return app


__all__ = ["create_app"]
