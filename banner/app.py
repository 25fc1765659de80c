"""The application factory for the hosted service."""

from __future__ import annotations

from flask import Flask

from banner.config import BannerConfig, load_config
from banner.extension import Banner


def create_app(config: BannerConfig | None = None) -> Flask:
    """Build the hosted consent service.

    :param config: a validated config; by default read from ``BANNER_CONFIG``,
        or the demo site when there is none.
    :raises banner.config.ConfigError: when the config is invalid.
    :raises banner.store.StoreUnavailable: when the database cannot be set up.
    """
    app = Flask("banner", static_folder=None)
    Banner(app, config or load_config())
    return app
