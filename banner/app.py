"""The application factory for the hosted service."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from banner.api import api
from banner.config import BannerConfig, load_config
from banner.errors import ApiError, InternalError, MethodRefused, NotFoundError, TooLarge
from banner.request_body import MAX_BODY_BYTES
from banner.service import ConsentService
from banner.state import EXTENSION_KEY, BannerState
from banner.store import ConsentLog

logger = logging.getLogger("banner")

#: Forms and API bodies are small; anything larger is refused before parsing.
MAX_CONTENT_LENGTH = 64 * 1024


def create_app(config: BannerConfig | None = None) -> Flask:
    """Build the hosted consent service.

    :param config: a validated config; by default read from ``BANNER_CONFIG``,
        or the demo site when there is none.
    :raises banner.config.ConfigError: when the config is invalid.
    :raises banner.store.StoreUnavailable: when the database cannot be set up.
    """
    config = config or load_config()
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.config["SECRET_KEY"] = config.secret_keys[-1]
    log = ConsentLog(config.database_url)
    log.create_schema()
    app.extensions[EXTENSION_KEY] = BannerState(config, log, ConsentService(config, log))
    if config.demo:
        logger.warning(
            "banner is running the DEMO site with a generated development key: "
            "consent tokens stop verifying when it restarts. Do not use this in production; "
            "write a banner.toml with secret_keys (see the README)."
        )
    app.register_blueprint(api)
    _register_errors(app)
    return app


def _is_api() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        if isinstance(error, ApiError) or not _is_api():
            return error
        if error.code == 413:
            return TooLarge(f"request body is larger than {MAX_BODY_BYTES} bytes").get_response()
        if error.code == 405:
            return MethodRefused("this method is not allowed here").get_response()
        return NotFoundError("no such API route").get_response()

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return InternalError("unexpected error; it has been logged").get_response()
