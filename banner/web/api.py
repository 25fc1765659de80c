"""The consent API: ``/api/v1/consent``, ``/api/v1/verify`` and ``/healthz``.

Cross-origin by design: the loader runs on the customer's site. Only a
site's configured origins may record decisions; the Origin check replaces
form CSRF here.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from banner.core.config import SITE_ID, SiteConfig
from banner.core.consent import CONSENT_ID, LANGUAGES, RETRY_KEY, Source, refuses_all
from banner.core.token import MAX_TOKEN_BYTES
from banner.core.visitor import client_address
from banner.log.notice_book import NoticeChanged, UnknownNotice
from banner.log.service import ConsentService, DecisionRequest, Recorded, TokenRequired
from banner.log.store import StoreUnavailable
from banner.web import notice_routes, rate_limits
from banner.web import request_body as body
from banner.web.errors import (
    ApiError,
    BadBody,
    BadField,
    InternalError,
    MethodRefused,
    NotFoundError,
    NoticeChangedError,
    OriginRefused,
    StalePolicy,
    StoreDown,
    TokenRequiredError,
    TooLarge,
    UnknownSite,
)
from banner.web.state import service, state
from banner.web.subject_field import subject_field

api = Blueprint("banner_api", __name__)
logger = logging.getLogger("banner")

CONSENT_FIELDS = (
    "site",
    "granted",
    "language",
    "policy_version",
    "consent_id",
    "gpc",
    "page_path",
    "age_confirmed",
    "token",
    "notice_hash",
    "retry_key",
    "source",
    "subject",
)
#: Where in the page a decision was made: the banner, or a blocked embed's placeholder.
PAGE_SOURCES = (Source.BANNER, Source.PLACEHOLDER)
VERIFY_FIELDS = ("site", "token")
#: The hex SHA-256 of a notice document.
NOTICE_HASH = re.compile(r"[0-9a-f]{64}")


@api.after_request
def add_cors(response: Response) -> Response:
    """Answer CORS for configured origins only; never ``*``."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and any(s.allows_origin(origin) for s in state().config.sites.values()):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
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
    site_id = body.clean_str(body.require(document, "site"), "site", 40)
    site = service().site(site_id) if SITE_ID.fullmatch(site_id) else None
    if site is None:
        raise UnknownSite(f"no site {site_id!r} is configured", "site")
    return site


def _check_origin(site: SiteConfig) -> str:
    origin = request.headers.get("Origin")
    if not site.allows_origin(origin):
        raise OriginRefused(f"origin {origin!r} may not record consent for {site.id!r}", "Origin")
    return str(origin)


def _granted(document: dict[str, Any], site: SiteConfig) -> tuple[str, ...]:
    granted = body.string_list(body.require(document, "granted"), "granted", 32)
    for category in granted:
        if category not in site.category_ids:
            raise BadField(f"granted names an unknown category {category!r}", "granted")
    return tuple(granted)


def _policy_version(document: dict[str, Any], site: SiteConfig, granted: tuple[str, ...]) -> None:
    """An older version is refused, except for a refusal (a withdrawal is never dropped)."""
    version = body.whole_number(body.require(document, "policy_version"), "policy_version")
    if version < site.policy_version and not refuses_all(granted):
        raise StalePolicy(
            f"policy version {version} was replaced by {site.policy_version}; show the new notice",
            "policy_version",
            policy_version=site.policy_version,
            ui=_current_ui(site),
        )
    if version > site.policy_version:
        raise BadField(f"policy_version {version} does not exist yet", "policy_version")


def _age_confirmed(document: dict[str, Any], site: SiteConfig, granted: tuple[str, ...]) -> bool:
    """The age / guardian box: required to grant anything on a ``guardian`` site."""
    confirmed = body.boolean(document.get("age_confirmed", False), "age_confirmed")
    if site.needs_age_confirmation(granted) and not confirmed:
        raise BadField(
            "this site asks visitors to confirm they are 18 or older or that a parent or "
            "guardian agrees: granting a category needs age_confirmed true",
            "age_confirmed",
        )
    return confirmed


def _source(document: dict[str, Any]) -> Source:
    """Where the visitor chose; only the places a page's script offers (never the hosted page)."""
    name = body.clean_str(document.get("source", Source.BANNER), "source", 16)
    if name not in PAGE_SOURCES:
        raise BadField(f"source must be one of {', '.join(PAGE_SOURCES)}", "source")
    return Source(name)


def _optional(document: dict[str, Any], field: str) -> Any:
    return document.get(field)


def _retry_key(document: dict[str, Any]) -> str | None:
    """The client's key for this decision, if it sent one (16-128 URL-safe characters)."""
    key = _optional(document, "retry_key")
    if key is None:
        return None
    if not isinstance(key, str) or not RETRY_KEY.fullmatch(key):
        raise BadField("retry_key must be 16 to 128 characters of A-Z a-z 0-9 _ -", "retry_key")
    return key


def decision_request(document: dict[str, Any], site: SiteConfig, origin: str) -> DecisionRequest:
    """Validate a consent body into a :class:`DecisionRequest`."""
    body.reject_unknown(document, CONSENT_FIELDS)
    granted = _granted(document, site)
    language = body.clean_str(body.require(document, "language"), "language", 8)
    if language not in LANGUAGES:
        raise BadField('language must be "id" or "en"', "language")
    _policy_version(document, site, granted)
    consent_id = _optional(document, "consent_id")
    if consent_id is not None:
        consent_id = body.clean_str(consent_id, "consent_id", 64)
        if not CONSENT_ID.fullmatch(consent_id):
            raise BadField("consent_id must be 16 to 64 URL-safe characters", "consent_id")
    gpc = body.boolean(document.get("gpc", False), "gpc") or request.headers.get("Sec-GPC") == "1"
    token = _optional(document, "token")
    if token is not None:
        token = body.clean_str(token, "token", MAX_TOKEN_BYTES)
    return DecisionRequest(
        site=site.id,
        granted=granted,
        language=language,
        consent_id=consent_id,
        gpc=gpc,
        source=_source(document),
        page_origin=origin,
        page_path=body.clean_str(document.get("page_path", ""), "page_path", 512),
        ip=client_address(
            request.remote_addr,
            request.headers.get("X-Forwarded-For"),
            state().config.proxy_count,
        ),
        user_agent=request.headers.get("User-Agent"),
        age_confirmed=_age_confirmed(document, site, granted),
        token=token,
        notice_hash=_notice_hash(document),
        retry_key=_retry_key(document),
        subject=subject_field(document, site),
    )


def _notice_hash(document: dict[str, Any]) -> str:
    value = body.clean_str(body.require(document, "notice_hash"), "notice_hash", 64)
    if not NOTICE_HASH.fullmatch(value):
        raise BadField("notice_hash must be 64 lowercase hex digits (SHA-256)", "notice_hash")
    return value


def _iso(stamp: int) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat().replace("+00:00", "Z")


def record(consent: ConsentService, decision: DecisionRequest) -> Recorded:
    """Record through the service, turning its refusals into the API's errors."""
    try:
        return consent.record(decision)
    except TokenRequired:
        raise TokenRequiredError(
            "this consent id already has a choice; send its current token, or retry with "
            "the retry_key of the request that made it",
            "token",
        ) from None
    except StoreUnavailable as exc:
        raise store_down(exc) from None
    except UnknownNotice:
        raise BadField(
            "notice_hash names no notice of this site; fetch the current one "
            "from GET /s/SITE/notice?lang=",
            "notice_hash",
        ) from None
    except NoticeChanged as exc:
        raise notice_changed(decision.site, exc) from None


def notice_changed(site_id: str, exc: NoticeChanged) -> NoticeChangedError:
    """409 with what the UI needs to draw the current notice (files relative to the API base)."""
    site = service().site(site_id)
    ui = _current_ui(site) if site else ""
    return NoticeChangedError(
        f"the notice shown (policy version {exc.shown_version}) was replaced by version "
        f"{exc.current}; show the current notice and ask again",
        "notice_hash",
        policy_version=exc.current,
        ui=ui,
    )


def _current_ui(site: SiteConfig) -> str:
    """The hash naming the current UI files (``s/SITE/ui.<hash>.js`` and ``.css``)."""
    from banner.web.asset_cache import site_assets

    return site_assets(state(), site, request.url_root).ui


def store_down(exc: StoreUnavailable) -> StoreDown:
    """The API's 503 for a store that is locked, full or down, with ``Retry-After``."""
    return StoreDown(
        f"storage unavailable ({exc.reason}); nothing was recorded, retry later",
        **{"Retry-After": str(exc.retry_after)},
    )


@api.post("/api/v1/consent")
def consent() -> tuple[Response, int]:
    """Record a decision; answer only after the row is committed."""
    document = body.parse_json_object(request.get_data(cache=False), request.content_type)
    site = _site(document)
    origin = _check_origin(site)
    recorded = record(service(), decision_request(document, site, origin))
    logger.info(
        "consent recorded site=%s consent_id=%s action=%s granted=%s",
        site.id,
        recorded.decision.consent_id,
        recorded.decision.action,
        ",".join(recorded.decision.granted) or "-",
    )
    response = jsonify(
        consent_id=recorded.decision.consent_id,
        token=recorded.token,
        granted=list(recorded.content.granted),
        policy_version=recorded.content.policy_version,
        expires_at=_iso(recorded.content.expires_at),
    )
    if site.cookie_domain:
        set_consent_cookie(response, site, recorded.token)
    return response, 201


def set_consent_cookie(response: Response, site: SiteConfig, token: str) -> None:
    """Set the consent cookie from the server (not capped like script cookies)."""
    response.set_cookie(
        site.cookie_name,
        token,
        max_age=site.max_age,
        domain=site.cookie_domain,
        path="/",
        secure=request.is_secure,
        samesite="Lax",
    )


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
        expires_at=_iso(content.expires_at),
    )


api.add_url_rule("/s/<site_id>/notice", view_func=notice_routes.notice)
api.add_url_rule("/s/<site_id>/first-layer", view_func=notice_routes.first_layer_markup)


@api.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Liveness and whether the consent log's database answers."""
    up = current_app.extensions["banner"].log.ping()
    payload = {"status": "ok" if up else "degraded", "database": "ok" if up else "unreachable"}
    return jsonify(payload), 200 if up else 503
