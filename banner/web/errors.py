"""HTTP errors as classes: each knows its status, code and message.

They subclass werkzeug's exceptions, so Flask handles them; the API renders
them as ``{"error": code, "message": text}`` (plus ``field`` where one is at
fault).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException


def json_bytes(payload: dict[str, Any]) -> bytes:
    """``payload`` as the API writes JSON on both of its paths (Flask's ``jsonify`` format)."""
    return (json.dumps(payload, separators=(",", ":"), sort_keys=True) + "\n").encode()


class ApiError(HTTPException):
    """Base of the API's errors."""

    code = 400
    error = "bad_request"
    headers_extra: dict[str, str]

    def __init__(self, message: str, field: str | None = None, **headers: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers_extra = headers

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        response = Response(json_bytes(self.body()), self.code or 400, mimetype="application/json")
        response.headers.update(self.headers_extra)
        return response


class BadField(ApiError):
    """A field of the request is missing, of the wrong type or not allowed."""

    code = 400
    error = "invalid_field"


class BadBody(ApiError):
    code = 400
    error = "invalid_body"


class WrongContentType(ApiError):
    code = 415
    error = "unsupported_media_type"


class OriginRefused(ApiError):
    code = 403
    error = "origin_not_allowed"


class TokenRequiredError(ApiError):
    """A change of an existing consent id without that id's current token."""

    code = 403
    error = "token_required"


class UnknownSite(ApiError):
    code = 404
    error = "unknown_site"


class NotFoundError(ApiError):
    code = 404
    error = "not_found"


class MethodRefused(ApiError):
    code = 405
    error = "method_not_allowed"


class NoticeChangedError(ApiError):
    """The notice the visitor was shown is of an older policy version; nothing was written.

    The body says where the current notice is, so the UI can redraw it.
    """

    code = 409
    error = "notice_changed"

    def __init__(self, message: str, field: str | None = None, **extra: Any) -> None:
        super().__init__(message, field)
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {**super().body(), **self.extra}


class StalePolicy(NoticeChangedError):
    """The policy version sent is older than the site's (same redraw as a changed notice)."""

    error = "stale_policy_version"


class TooLarge(ApiError):
    code = 413
    error = "too_large"


class RateLimited(ApiError):
    code = 429
    error = "rate_limited"


class StoreDown(ApiError):
    code = 503
    error = "store_unavailable"


class InternalError(ApiError):
    code = 500
    error = "internal_error"


class Unauthorized(ApiError):
    """A server-to-server route called without the site's key (``WWW-Authenticate`` says how)."""

    code = 401
    error = "unauthorized"
