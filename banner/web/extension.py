"""The Flask extension: ``Banner(app)`` or ``Banner().init_app(app)``.

Mounts banner's routes in any Flask app and keeps its state in
``app.extensions["banner"]`` (never on the extension object), so one
``Banner`` may serve several apps with different configs.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from banner.core.config import BannerConfig, load_config
from banner.core.texts import banner_texts
from banner.log.group_commit import GroupCommitLog
from banner.log.service import ConsentService
from banner.web import fast_assets, rate_limits
from banner.web.errors import (
    ApiError,
    InternalError,
    MethodRefused,
    NotFoundError,
    TooLarge,
)
from banner.web.flask_consent import consent_required, has_consent, init_consent
from banner.web.page_security import secure_session
from banner.web.request_body import MAX_BODY_BYTES
from banner.web.state import EXTENSION_KEY, BannerState

logger = logging.getLogger("banner")

#: Forms and API bodies are small; anything larger is refused before parsing.
MAX_CONTENT_LENGTH = 64 * 1024


def blueprints() -> list[Blueprint]:
    """Every blueprint banner mounts, imported late to keep imports one-way."""
    from banner.web.api import api
    from banner.web.loader import loader
    from banner.web.pages import pages

    return [api, loader, pages]


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

    #: ``ext.has_consent("analytics")``: :func:`banner.web.flask_consent.has_consent`.
    has_consent = staticmethod(has_consent)
    #: ``@ext.consent_required("analytics")``: :func:`banner.web.flask_consent.consent_required`.
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

        Either way, the consent helpers of :mod:`banner.flask_consent` work.

        :raises banner.core.config.ConfigError: when the config is invalid.
        :raises banner.log.store.StoreUnavailable: when the database cannot be set up.
        """
        config = config or self._config or load_config(app.config.get("BANNER_CONFIG"))
        app.config.setdefault("MAX_CONTENT_LENGTH", MAX_CONTENT_LENGTH)
        # Flask always has the key (None), so setdefault would never fill it.
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = config.secret_keys[-1]
            # Sessions signed before a rotation stay readable (Flask >= 3.1).
            app.config["SECRET_KEY_FALLBACKS"] = list(config.secret_keys[:-1])
        # Decisions of concurrent requests share one commit (banner.log.group_commit).
        log = GroupCommitLog(config.database_url)
        mount = self._mount_routes if mount_routes is None else mount_routes
        if mount:
            log.create_schema()
        service = ConsentService(config, log, texts=banner_texts)
        app.extensions[EXTENSION_KEY] = BannerState(log, service)
        init_consent(app, service.live)
        if mount:
            _mount(app, config)
        if config.demo:
            logger.warning(
                "banner is running the DEMO site with a generated development key: "
                "consent tokens stop verifying when it restarts. Do not use this in "
                "production; write a banner.toml with secret_keys (see the README)."
            )


def _mount(app: Flask, config: BannerConfig) -> None:
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    rate_limits.install(app, config)
    fast_assets.install(app, app.extensions[EXTENSION_KEY])
    _register_errors(app)
    secure_session(app)


def _is_api() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _page_error(error: HTTPException) -> Response | HTTPException:
    """Our translated page for routing errors under ``/s/``; the host app's own otherwise."""
    if not request.path.startswith("/s/"):
        return error
    from banner.web.pages import routing_error_page

    return routing_error_page(error)


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        if isinstance(error, ApiError):
            return error
        if not _is_api():
            return _page_error(error)
        if error.code == 413:
            return TooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes").get_response()
        if error.code == 429:
            return rate_limits.refusal(error).get_response()
        if error.code == 405:
            return MethodRefused("this method is not allowed here").get_response()
        return NotFoundError("no such API route").get_response()

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return InternalError("unexpected error; it has been logged").get_response()
