"""``POST /api/v1/consent`` answered before Flask's dispatch (issue 24).

Every decision of every visitor is one of these POSTs, and Flask's request
context, URL map, hooks and response object were about a fifth of its CPU.
:class:`FastConsent` wraps the app's WSGI callable, as
:mod:`banner.web.fast_assets` does for the loader, and answers the POST
itself with the very same rules: it reads the request into a
:class:`~banner.web.consent_post.Caller`, counts it through the endpoint's
:class:`~banner.web.rate_limits.Gate`, and calls
:func:`~banner.web.consent_post.decide`, the function the Flask view calls.
Status, headers and body are the Flask route's, errors included.

Only a plain POST is taken: a body of declared length within the cap. A
chunked body, a missing or wrong length, a body over the cap and every other
method or path go on to Flask unchanged, which answers them as it always did.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_current_url

from banner.log.store import StoreUnavailable
from banner.web import rate_limits, webhooks
from banner.web.consent_post import Caller, cors_headers, decide, read, store_down
from banner.web.errors import ApiError, BadBody, InternalError, json_bytes
from banner.web.request_body import MAX_BODY_BYTES
from banner.web.state import EXTENSION_KEY, BannerState

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

logger = logging.getLogger("banner")

PATH = "/api/v1/consent"
#: The endpoint whose rate limit the POST counts (the Flask view's, so both paths count together).
ENDPOINT = "banner_api.consent"
_JSON = ("Content-Type", "application/json")


def _status(code: int) -> str:
    return f"{code} {HTTP_STATUS_CODES[code].upper()}"


def declared_length(environ: WSGIEnvironment) -> int | None:
    """The body's length, when it is declared plainly and within the cap; else ``None``."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    found = environ.get("CONTENT_LENGTH", "")
    if not isinstance(found, str) or not found.isascii() or not found.isdigit():
        return None
    length = int(found)
    return length if length <= MAX_BODY_BYTES else None


def caller_of(environ: WSGIEnvironment) -> Caller:
    """The request's :class:`Caller`, read from the WSGI environ as werkzeug reads it."""
    return Caller(
        origin=environ.get("HTTP_ORIGIN"),
        user_agent=environ.get("HTTP_USER_AGENT"),
        remote_addr=environ.get("REMOTE_ADDR"),
        forwarded_for=environ.get("HTTP_X_FORWARDED_FOR"),
        gpc=environ.get("HTTP_SEC_GPC") == "1",
        secure=environ.get("wsgi.url_scheme") == "https",
        root=partial(get_current_url, environ, root_only=True),
    )


class FastConsent:
    """WSGI middleware answering the consent POST without Flask.

    :param app: the Flask app's WSGI callable, called for everything else.
    :param flask_app: the Flask app (its config and webhook sender).
    :param banner: the app's banner state (config, service, rate gates).
    """

    def __init__(self, app: WSGIApplication, flask_app: Flask, banner: BannerState) -> None:
        self.app = app
        self.flask_app = flask_app
        self.banner = banner

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        length = declared_length(environ)
        if length is None:
            return self.app(environ, start_response)
        caller = caller_of(environ)
        code, headers, payload = self._answer(environ, length, caller)
        headers.append(("Vary", "Origin"))
        headers += cors_headers(self.banner.config, caller.origin, preflight=False)
        start_response(_status(code), headers)
        return [payload]

    def _answer(
        self, environ: WSGIEnvironment, length: int, caller: Caller
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body of the POST, as the Flask route would answer it."""
        try:
            raw = _read(environ, length)
            webhooks.start_once(self.flask_app)
            document = _document(raw, environ.get("CONTENT_TYPE"))
            gate = self.banner.extras.get(rate_limits.GATES, {}).get(ENDPOINT)
            if gate is not None:  # counted before the body is judged, as the Flask view's
                site = (
                    _site_key(document)
                    if isinstance(document, dict)
                    else rate_limits.site_in_body(raw)
                )
                gate.check(
                    rate_limits.key_of(
                        self.banner.config, caller.remote_addr, caller.forwarded_for, site
                    )
                )
            if isinstance(document, ApiError):
                raise document
            answer = decide(self.banner, document, caller)
        except ApiError as error:
            return _error(error)
        except rate_limits.LimitReached as reached:
            return _error(rate_limits.refusal(reached))
        except StoreUnavailable as down:
            return _error(store_down(down))
        except Exception:
            logger.exception("unexpected error on POST %s", PATH)
            return _error(InternalError("unexpected error; it has been logged"))
        payload = json_bytes(answer.body)
        headers = [_JSON, ("Content-Length", str(len(payload)))]
        if answer.set_cookie is not None:
            headers.append(("Set-Cookie", answer.set_cookie))
        return 201, headers, payload


def _document(raw: bytes, content_type: str | None) -> dict[str, Any] | ApiError:
    """The body read once, for the rate limit's key and the rules; or why it cannot be."""
    try:
        return read(raw, content_type)
    except ApiError as error:
        return error


def _site_key(document: dict[str, Any]) -> str:
    """The count's site, as :func:`banner.web.rate_limits.site_in_body` finds it."""
    site = document.get("site")
    return site if isinstance(site, str) else "-"


def _read(environ: WSGIEnvironment, length: int) -> bytes:
    """The body's ``length`` bytes; a body that breaks off is Flask's 400."""
    try:
        raw: Any = environ["wsgi.input"].read(length) if length else b""
    except Exception:  # each WSGI server raises its own classes for a broken body
        raise BadBody("the request could not be read") from None
    if not isinstance(raw, bytes) or len(raw) != length:
        raise BadBody("the request could not be read")
    return raw


def _error(error: ApiError) -> tuple[int, list[tuple[str, str]], bytes]:
    payload = json_bytes(error.body())
    headers = [_JSON, ("Content-Length", str(len(payload))), *error.headers_extra.items()]
    return error.code or 400, headers, payload


def install(app: Flask) -> None:
    """Put :class:`FastConsent` in front of ``app``'s WSGI callable (banner's routes mounted)."""
    app.wsgi_app = FastConsent(app.wsgi_app, app, app.extensions[EXTENSION_KEY])  # type: ignore[method-assign]
