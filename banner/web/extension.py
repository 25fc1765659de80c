"""The Flask extension: ``Banner(app)`` or ``Banner().init_app(app)``.

Mounts banner's routes in any Flask app and keeps its state in
``app.extensions["banner"]`` (never on the extension object), so one
``Banner`` may serve several apps with different configs.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from banner.check.flask_consent import consent_required, has_consent, init_consent
from banner.core.config import BannerConfig, load_config
from banner.core.keys import PAGE_CSRF, PAGE_SESSION, derive_key, derived_keys
from banner.core.texts import banner_texts
from banner.log.group_commit import GroupCommitLog
from banner.log.heads import HeadKeeper
from banner.log.rollups import install as install_rollups
from banner.log.service import ConsentService
from banner.log.signing import log_key
from banner.log.store import ConsentLog
from banner.web import drawn_template, fast_assets, rate_limits, webhooks
from banner.web.page_security import secure_session
from banner.web.state import EXTENSION_KEY, BannerState

logger = logging.getLogger("banner")


def blueprints() -> list[Blueprint]:
    """Every blueprint banner mounts, imported late to keep imports one-way."""
    from banner.web.api import api
    from banner.web.embeds import embeds
    from banner.web.loader import loader
    from banner.web.log_routes import log_routes
    from banner.web.pages import pages
    from banner.web.subject_api import subject_api

    return [api, subject_api, loader, embeds, pages, log_routes]


class Banner:
    """Flask extension serving banner's consent routes inside an app.

    :param app: the app to set up now, or ``None`` to call :meth:`init_app` later.
    :param config: a validated config; by default the app's ``BANNER_CONFIG``
        setting or environment, else the demo site. A config loaded from a
        file follows it: when the file changes, every check (``has_consent``,
        ``consent_required``, the API) uses the new one within a few seconds.
    :param mount_routes: serve the consent routes in the app (same origin);
        ``False`` only checks consent (``has_consent``, ``consent_required``,
        ``consent`` in templates) against a hosted service's cookies.
    """

    #: ``ext.has_consent("analytics")``: :func:`banner.check.flask_consent.has_consent`.
    has_consent = staticmethod(has_consent)
    #: ``@ext.consent_required("analytics")``: :func:`banner.check.flask_consent.consent_required`.
    consent_required = staticmethod(consent_required)

    def __init__(
        self,
        app: Flask | None = None,
        config: BannerConfig | None = None,
        *,
        mount_routes: bool = True,
    ) -> None:
        self._config = config
        self._mount_routes = mount_routes
        if app is not None:
            self.init_app(app, config)

    def init_app(
        self, app: Flask, config: BannerConfig | None = None, *, mount_routes: bool | None = None
    ) -> None:
        """Set up ``app``: create the consent log schema and mount the routes.

        Either way, the consent helpers of :mod:`banner.check.flask_consent` work.

        :raises banner.core.config.ConfigError: when the config is invalid.
        :raises banner.log.store.StoreUnavailable: when the database cannot be set up.
        """
        config = config or self._config or load_config(app.config.get("BANNER_CONFIG"))
        if not app.config.get("SECRET_KEY"):
            # Keys of their own, never the configured secrets (banner.core.keys).
            *older, newest = derived_keys(config.secret_keys, PAGE_SESSION)
            app.config["SECRET_KEY"] = newest
            # Sessions signed before a rotation stay readable (Flask >= 3.1).
            app.config["SECRET_KEY_FALLBACKS"] = older
            app.config.setdefault(
                "WTF_CSRF_SECRET_KEY", derive_key(config.secret_keys[-1], PAGE_CSRF)
            )
        # Decisions of concurrent requests share one commit (banner.log.group_commit).
        log = GroupCommitLog(config.database_url)
        mount = self._mount_routes if mount_routes is None else mount_routes
        if mount:
            log.create_schema()
            install_rollups(log, config)
        service = ConsentService(config, log, texts=banner_texts)
        app.extensions[EXTENSION_KEY] = BannerState(log, service)
        init_consent(app, service.live)
        drawn_template.install(app, mounted=mount)
        if mount:
            service.publish()  # every notice that can be shown is archived before it is served
            app.extensions[EXTENSION_KEY].extras["heads"] = keep_heads(log, config)
            app.extensions[EXTENSION_KEY].extras[webhooks.EXTRA] = webhooks.install(
                app, log, service
            )
            _mount(app, config)
        if config.demo:
            logger.warning(
                "banner is running the DEMO site with a generated development key: "
                "consent tokens stop verifying when it restarts. Do not use this in "
                "production; write a banner.toml with secret_keys (see the README)."
            )


def keep_heads(log: ConsentLog, config: BannerConfig) -> HeadKeeper:
    """Signed tree heads for ``log``: the first after a migration, then as decisions come."""
    key = log_key(config, log.engine)
    if key.origin == "database" and not config.demo:
        logger.warning(
            "banner signs its consent log with a key kept in the database: it proves "
            "nothing against whoever holds the database. Set [banner] log_key_file "
            "(banner keys new-log-key --output FILE) and publish heads (docs/proof.md)."
        )
    keeper = HeadKeeper(log.engine, key)
    keeper.cover_all()
    log.listeners.append(keeper.note)
    log.closers.append(keeper.close)
    return keeper


def _mount(app: Flask, config: BannerConfig) -> None:
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    rate_limits.install(app, config)
    fast_assets.install(app, app.extensions[EXTENSION_KEY])
    # Error handlers live on banner's blueprints only (see banner.web.api and
    # banner.web.pages): the host app's own errors stay the host app's. Routing
    # errors belong to no blueprint, so banner answers those on its own paths
    # before dispatch, without registering an app-wide error handler.
    app.before_request(_routing_error)
    secure_session(app)


def _routing_error() -> Response | None:
    """banner's answer to a 404 or 405 met while routing one of its own paths."""
    error = request.routing_exception
    if not isinstance(error, NotFound | MethodNotAllowed):
        return None
    if request.path.startswith("/api/v1/") or request.path == "/healthz" or _is_log(request.path):
        from banner.web.api import api_error_for

        return api_error_for(error).get_response()
    if request.path.startswith("/s/"):
        from banner.web.pages import routing_error_page

        return routing_error_page(error)
    return None


def _is_log(path: str) -> bool:
    """``/s/SITE/log/...``: the proofs answer in JSON, errors included."""
    parts = path.split("/")
    return len(parts) > 3 and parts[1] == "s" and parts[3] == "log"
