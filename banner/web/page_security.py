"""Security of the hosted pages: CSP nonces, response headers, the session cookie.

The pages carry a visitor's choice and a CSRF token, so every response gets a
strict Content-Security-Policy with a fresh nonce (no ``unsafe-inline``), may
not be framed, and stateful pages are never cached. The form posts only to
this service; its redirect may go on to the site's own origins.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

#: Fetch metadata values a browser sends for requests the page itself made.
OWN_FETCH_SITES = frozenset({"same-origin", "none"})


def new_nonce() -> str:
    """A fresh CSP nonce (128 bits), one per response."""
    return secrets.token_urlsafe(16)


def content_security_policy(nonce: str, form_targets: Iterable[str] = ()) -> str:
    """The pages' CSP: own styles and the nonce'd theme block, no scripts at all.

    :param form_targets: origins a form's redirect may lead to (Chromium
        applies ``form-action`` to the redirect after a post).
    """
    targets = " ".join(("'self'", *form_targets))
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            f"form-action {targets}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def secure_headers(response: Response, policy: str, no_store: bool) -> Response:
    """Add the pages' security headers to ``response``."""
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def is_foreign_post(origin: str | None, fetch_site: str | None, host: str) -> bool:
    """True when a form post was sent from another origin than this service.

    ``Origin`` decides when present (``null`` counts as foreign); browsers
    that omit it still send ``Sec-Fetch-Site``. The scheme is not compared:
    behind a TLS-terminating proxy the service may see plain http.
    """
    if origin is not None:
        return origin == "null" or urlsplit(origin).netloc.lower() != host.lower()
    return fetch_site is not None and fetch_site not in OWN_FETCH_SITES


#: banner's own routes that never use the session: no session is opened for them.
SESSIONLESS = re.compile(
    r"^/(s/[^/]+/(loader\.js|ui\.js|ui\.css|ui\.[0-9a-f]{16}\.(js|css)|notice)"
    r"|api/v1/(consent|verify)|healthz)$"
)


class PageSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked ``Secure`` whenever the request is https.

    The loader and the API skip it: they are the hot paths and keep no state
    between requests.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if SESSIONLESS.match(request.path):
            return None  # Flask substitutes a null session that is never saved
        return super().open_session(app, request)


def secure_session(app: Flask) -> None:
    """Make the session cookie ``SameSite=Lax`` and ``Secure`` on https.

    Flask's session cookie is ``HttpOnly`` by default. Settings the host app
    chose itself, and a session interface of its own, are left alone.
    """
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = PageSessionInterface()


def _has_unsafe_characters(value: str) -> bool:
    return any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in value)


def safe_return(value: str | None, origins: tuple[str, ...], limit: int = 2000) -> str:
    """Where to send the visitor after saving: ``value`` only on one of ``origins``.

    Anything else (another host, a scheme-relative or backslashed address,
    ``javascript:``, userinfo, encoded tricks) gives the site's default page,
    its first origin's ``/``. The fragment is dropped: the token may go there.
    """
    default = f"{origins[0]}/"
    if not value or len(value) > limit or _has_unsafe_characters(value):
        return default
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return default
    netloc = parts.netloc.lower()
    if parts.scheme not in ("http", "https") or "@" in netloc:
        return default
    if f"{parts.scheme}://{netloc}" not in origins:
        return default
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path or '/'}{query}"


def with_token(address: str, token: str, state: str = "") -> str:
    """``address`` carrying the new consent token (and the loader's state) in its fragment.

    The loader on the site reads ``#banner_token=…&banner_state=…``, takes the
    token only when the state is the one it kept, stores it first-party and
    removes the fragment; a fragment never reaches a server or a ``Referer``.
    """
    fragment = f"banner_token={token}" + (f"&banner_state={state}" if state else "")
    return f"{address}#{fragment}"


def cookie_reaches(host: str, target: str, cookie_domain: str | None) -> bool:
    """True when a cookie this service sets reaches the page at ``target``.

    That is when the service and that page share a host (cookies ignore the
    port), or both sit under the site's ``cookie_domain``. Deciding for the
    page returned to, not for any of the site's origins, matters when one
    origin is the service's own host beside others.
    """
    own = urlsplit(f"//{host}").hostname or ""
    there = urlsplit(target).hostname or ""
    if cookie_domain:
        domain = cookie_domain.lstrip(".")
        return all(name == domain or name.endswith(f".{domain}") for name in (own, there))
    return own == there
