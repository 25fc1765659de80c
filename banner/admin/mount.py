"""Mounting the dashboard in the service's app."""

from __future__ import annotations

from flask import Flask

from banner.admin import labels as _labels  # noqa: F401 - the words for ids in templates
from banner.admin import login as _login  # noqa: F401 - registers the login routes
from banner.admin import records as _records  # noqa: F401 - registers lookup, export, scan
from banner.admin import views as _views  # noqa: F401 - registers the page routes
from banner.admin import webhooks as _webhooks  # noqa: F401 - registers the webhooks page
from banner.admin.keys import remember_keys
from banner.admin.page import admin
from banner.web.state import EXTENSION_KEY, BannerState


def mount(app: Flask) -> None:
    """Register the blueprint once, and record the signing keys' first-seen times."""
    found: BannerState = app.extensions[EXTENSION_KEY]
    remember_keys(found.log, found.config.secret_keys)
    if "banner_admin" not in app.blueprints:
        app.register_blueprint(admin)
