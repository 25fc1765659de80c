"""The consent log's public proofs over HTTP (RFC 9162): key, head, inclusion, consistency.

Public like the receipt: a proof shows the decisions of one consent id, which
its receipt shows already, and hashes. Answers are JSON, errors too
(``{"error", "message", "field"}``). A consistency proof between two signed
sizes never changes, so it is cached as immutable; the rest for a short while.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from banner.core.consent import CONSENT_ID
from banner.log.heads import HeadKeeper
from banner.log.proofs import BadProofRequest, consistency_document, inclusion_document
from banner.log.store import StoreUnavailable, translate_error
from banner.web.errors import ApiError, BadField, NotFoundError, StoreDown, UnknownSite
from banner.web.state import state

log_routes = Blueprint("banner_log", __name__)

#: Seconds a key, head or inclusion proof may be cached (a newer head may come).
SHORT_MAX_AGE = 60
IMMUTABLE = "public, max-age=31536000, immutable"


def keeper() -> HeadKeeper:
    found: HeadKeeper = state().extras["heads"]
    return found


def _known_site(site_id: str) -> str:
    if site_id not in state().config.sites:
        raise UnknownSite("no such site", field="site")
    return site_id


def _cached(body: object, cache_control: str = f"public, max-age={SHORT_MAX_AGE}") -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = cache_control
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return response


@log_routes.get("/s/<site_id>/log/key")
def key(site_id: str) -> Response:
    """``{"algorithm": "Ed25519", "public_key", "key_id"}``."""
    _known_site(site_id)
    return _cached(keeper().key.public_json())


@log_routes.get("/s/<site_id>/log/head")
def head(site_id: str) -> Response:
    """The newest signed tree head, with ``signature`` and ``key_id``."""
    site = _known_site(site_id)
    return _cached(keeper().covering(site, 0).as_json())


@log_routes.get("/s/<site_id>/log/proof/<consent_id>")
def proof(site_id: str, consent_id: str) -> Response:
    """Inclusion proofs of every decision of ``consent_id``, under one signed head."""
    site = _known_site(site_id)
    if not CONSENT_ID.fullmatch(consent_id):
        raise BadField("not a consent id", field="consent_id")
    found = inclusion_document(state().log.engine, keeper(), site, consent_id)
    if found is None:
        raise NotFoundError("no logged decision of this consent id", field="consent_id")
    return _cached(found)


def receipt_proof(site: str, consent_id: str) -> dict[str, Any] | None:
    """The proof a receipt carries (``None`` when none of its rows is in the log)."""
    return inclusion_document(state().log.engine, keeper(), site, consent_id)


@log_routes.get("/s/<site_id>/log/consistency")
def consistency(site_id: str) -> Response:
    """RFC 9162 consistency proof between two sizes that have signed heads."""
    site = _known_site(site_id)
    first, second = _size("first"), _size("second")
    try:
        found = consistency_document(state().log.engine, site, first, second)
    except BadProofRequest as exc:
        raise BadField(exc.message, field=exc.field) from None
    return _cached(found, IMMUTABLE)


def _size(name: str) -> int:
    raw = request.args.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise BadField(f"{name} must be a whole number of leaves", field=name)
    return int(raw)


@log_routes.errorhandler(HTTPException)
def log_http_error(error: HTTPException) -> Response:
    if isinstance(error, ApiError):
        return error.get_response()
    return NotFoundError("no such log route").get_response()


@log_routes.errorhandler(StoreUnavailable)
@log_routes.errorhandler(SQLAlchemyError)
def log_store_error(error: StoreUnavailable | SQLAlchemyError) -> Response:
    down = error if isinstance(error, StoreUnavailable) else translate_error(error)
    return StoreDown(down.reason, **{"Retry-After": str(down.retry_after)}).get_response()
