"""The consent API: ``/api/v1/consent``, ``/api/v1/verify`` and ``/healthz``.

Cross-origin by design: the loader runs on the customer's site. Only a
site's configured origins may record decisions; the Origin check replaces
form CSRF here.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from banner.core.config import SiteConfig
from banner.log.store import StoreUnavailable
from banner.web import notice_routes, rate_limits
from banner.web import request_body as body
from banner.web.consent_post import (
    Caller,
    check_origin,
    consent_cookie,
    cors_headers,
    decide,
    iso,
    read,
    site_named,
    store_down,
)
from banner.web.errors import (
    ApiError,
    BadBody,
    BadField,
    InternalError,
    MethodRefused,
    NotFoundError,
    TooLarge,
    json_bytes,
)
from banner.web.state import service, state

api = Blueprint("banner_api", __name__)
logger = logging.getLogger("banner")

VERIFY_FIELDS = ("site", "token")


@api.after_request
def add_cors(response: Response) -> Response:
    """Answer CORS for configured origins only; never ``*``."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    preflight = request.method == "OPTIONS"
    response.headers.extend(cors_headers(state().config, origin, preflight))
    return response


@api.before_request
def cap_api_body() -> None:
    body.cap_body(body.MAX_BODY_BYTES)


def api_error_for(error: HTTPException) -> ApiError:
    """The API's JSON error standing in for any HTTP error met on an API route."""
    if isinstance(error, ApiError):
        return error
    if error.code == 413:
        return TooLarge(f"request body is larger than {body.MAX_BODY_BYTES} bytes")
    if error.code == 429:
        return rate_limits.refusal(error)
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        return MethodRefused("this method is not allowed here", **{"Allow": allowed})
    if error.code == 404:
        return NotFoundError("no such API route")
    return BadBody("the request could not be read")


@api.errorhandler(HTTPException)
def api_http_error(error: HTTPException) -> Response:
    return api_error_for(error).get_response()


@api.errorhandler(StoreUnavailable)
def api_store_error(error: StoreUnavailable) -> Response:
    """A store that could not be reached outside :func:`record` (the rate limits')."""
    return store_down(error).get_response()


@api.errorhandler(Exception)
def api_unexpected(_error: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return InternalError("unexpected error; it has been logged").get_response()


@api.route("/api/v1/consent", methods=["OPTIONS"])
@api.route("/api/v1/verify", methods=["OPTIONS"])
def preflight() -> Response:
    return Response(status=204)


def _site(document: dict[str, Any]) -> SiteConfig:
    return site_named(service(), document)


def _check_origin(site: SiteConfig) -> str:
    return check_origin(site, request.headers.get("Origin"))


def caller() -> Caller:
    """This Flask request, as the consent POST's rules read it."""
    return Caller(
        origin=request.headers.get("Origin"),
        user_agent=request.headers.get("User-Agent"),
        remote_addr=request.remote_addr,
        forwarded_for=request.headers.get("X-Forwarded-For"),
        gpc=request.headers.get("Sec-GPC") == "1",
        secure=request.is_secure,
        root=lambda: request.url_root,
    )


@api.post("/api/v1/consent")
def consent() -> Response:
    """Record a decision; answer only after the row is committed.

    Under ``banner serve`` this view answers only what :mod:`banner.web.fast_consent`
    hands on; both call :func:`banner.web.consent_post.decide`.
    """
    document = read(request.get_data(cache=False), request.content_type)
    answer = decide(state(), document, caller())
    response = Response(json_bytes(answer.body), 201, mimetype="application/json")
    if answer.set_cookie is not None:
        response.headers.add("Set-Cookie", answer.set_cookie)
    return response


def set_consent_cookie(response: Response, site: SiteConfig, token: str) -> None:
    """Set the consent cookie from the server (not capped like script cookies)."""
    response.headers.add("Set-Cookie", consent_cookie(site, token, request.is_secure))


@api.post("/api/v1/verify")
def verify() -> Response:
    """Verify a token for a backend that is not Python."""
    document = body.parse_json_object(request.get_data(cache=False), request.content_type)
    body.reject_unknown(document, VERIFY_FIELDS)
    site = _site(document)
    token = body.require(document, "token")
    if not isinstance(token, str):
        raise BadField("token must be a string", "token")
    verdict = service().verify(site.id, token)
    if verdict.token is None:
        return jsonify(valid=False, reason=str(verdict.reason))
    content = verdict.token
    return jsonify(
        valid=True,
        granted=list(content.granted),
        consent_id=content.consent_id,
        policy_version=content.policy_version,
        expires_at=iso(content.expires_at),
    )


api.add_url_rule("/s/<site_id>/notice", view_func=notice_routes.notice)
api.add_url_rule("/s/<site_id>/first-layer", view_func=notice_routes.first_layer_markup)


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Liveness and whether the consent log's database answers."""
    up = current_app.extensions["banner"].log.ping()
    payload = {"status": "ok" if up else "degraded", "database": "ok" if up else "unreachable"}
    return jsonify(payload), 200 if up else 503
