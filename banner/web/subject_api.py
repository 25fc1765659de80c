"""The subject routes (issue 25): a browser's sync, and a back end's question.

``POST /api/v1/subject/sync``
    Called by the loader's subject part on a page whose loader tag has
    ``data-subject``: the browser gets its signed-in subject's current
    choice (a ``sync`` row and its token), or learns there is none. Like
    ``/api/v1/consent``: cross-origin for the site's configured origins only.

``POST /api/v1/subject``
    A site's back end asks for a subject's current choice by user id. It
    authenticates with the site's subject API key, a bearer derived from the
    configured secrets for that site alone (``Authorization: Bearer <64 hex>``,
    ``banner keys show --site S --for subject-api``); it is not cross-origin.

A decision of ``/api/v1/consent`` may carry ``subject`` too (:mod:`banner.web.subject_field`).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from banner.core.config import SiteConfig
from banner.core.keys import SUBJECT_API, derived_keys
from banner.core.subject import MAX_TOKEN_CHARS, check_user_id
from banner.core.token import MAX_TOKEN_BYTES
from banner.core.visitor import client_address
from banner.log.store import StoreUnavailable
from banner.log.subject_service import SubjectRefused, SyncRequest, SyncState
from banner.web import request_body as body
from banner.web.api import (
    _check_origin,
    _site,
    add_cors,
    api_http_error,
    api_store_error,
    api_unexpected,
    set_consent_cookie,
)
from banner.web.consent_post import consent_id_field, iso, store_down
from banner.web.errors import BadField, Unauthorized
from banner.web.state import state
from banner.web.subject_field import subjects

subject_api = Blueprint("banner_subject_api", __name__)
subject_api.register_error_handler(HTTPException, api_http_error)
subject_api.register_error_handler(StoreUnavailable, api_store_error)
subject_api.register_error_handler(Exception, api_unexpected)

SYNC_FIELDS = ("site", "subject", "consent_id", "token", "page_path")
ASK_FIELDS = ("site", "user")


@subject_api.before_request
def cap_body() -> None:
    body.cap_body(body.MAX_BODY_BYTES)


@subject_api.after_request
def cors(response: Response) -> Response:
    """The sync is cross-origin like a decision; the back end's question is not."""
    return add_cors(response) if request.endpoint != "banner_subject_api.ask" else response


@subject_api.route("/api/v1/subject/sync", methods=["OPTIONS"])
def preflight() -> Response:
    return Response(status=204)


@subject_api.post("/api/v1/subject/sync")
def sync() -> Response:
    """Give the browser its subject's current choice (see the module's docstring)."""
    document = body.parse_json_object(request.get_data(cache=False), request.content_type)
    body.reject_unknown(document, SYNC_FIELDS)
    site = _site(document)
    origin = _check_origin(site)
    token = document.get("token")
    asked = SyncRequest(
        site=site.id,
        subject=body.clean_str(body.require(document, "subject"), "subject", MAX_TOKEN_CHARS),
        consent_id=consent_id_field(document),
        token=None if token is None else body.clean_str(token, "token", MAX_TOKEN_BYTES),
        page_origin=origin,
        page_path=body.clean_str(document.get("page_path", ""), "page_path", 512),
        ip=client_address(
            request.remote_addr, request.headers.get("X-Forwarded-For"), state().config.proxy_count
        ),
        user_agent=request.headers.get("User-Agent"),
    )
    try:
        synced = subjects().sync(asked)
    except SubjectRefused as refused:
        raise BadField(
            f"subject is not a valid subject token of this site ({refused.refusal})", "subject"
        ) from None
    except StoreUnavailable as exc:
        raise store_down(exc) from None
    fresh = state().config.loader_max_age
    response = jsonify(state=synced.state.value, fresh=fresh)
    if synced.state is SyncState.SYNC and synced.recorded is not None:
        recorded = synced.recorded
        response = jsonify(
            state=synced.state.value,
            consent_id=recorded.decision.consent_id,
            token=recorded.token,
            granted=list(recorded.content.granted),
            policy_version=recorded.content.policy_version,
            expires_at=iso(recorded.content.expires_at),
            fresh=fresh,
        )
        if site.cookie_domain:
            set_consent_cookie(response, site, recorded.token)
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorize(site: SiteConfig) -> None:
    """The bearer must be one of the site's subject API keys (any configured secret's)."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    keys = derived_keys(state().config.secret_keys, SUBJECT_API, site.id)
    presented = given.strip().encode("ascii", "replace")
    if scheme.lower() != "bearer" or not any(
        hmac.compare_digest(presented, key.encode("ascii")) for key in keys
    ):
        raise Unauthorized(
            f"send Authorization: Bearer <the subject API key of {site.id!r}>",
            "Authorization",
            **{"WWW-Authenticate": 'Bearer realm="banner"'},
        )


@subject_api.post("/api/v1/subject")
def ask() -> Response:
    """A subject's current choice for the site's back end; ``choice`` is null for none."""
    document = body.parse_json_object(request.get_data(cache=False), request.content_type)
    body.reject_unknown(document, ASK_FIELDS)
    site = _site(document)
    _authorize(site)
    user = body.require(document, "user")
    try:
        check_user_id(user)
        found = subjects().consent_of(site, user)
    except ValueError as exc:
        raise BadField(str(exc), "user") from None
    except StoreUnavailable as exc:
        raise store_down(exc) from None
    choice = None
    if found is not None:
        choice = {
            "granted": list(found.granted),
            "denied": list(found.denied),
            "policy_version": found.policy_version,
            "action": found.action,
            "decided_at": iso(found.decided_at),
        }
    response = jsonify(site=site.id, choice=choice)
    response.headers["Cache-Control"] = "no-store"
    return response
